package discover

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"image"
	_ "image/jpeg" // snapshots are JPEG
	"io"
	"net/http"
	"time"
)

// maxSnapshot bounds a snapshot read from a camera.
const maxSnapshot = 8 << 20

// Snapshot fetches the picture at a profile's SnapshotURI with the
// camera's user and password (HTTP Digest, or Basic when the camera asks
// for it), and decodes it. It fails in timeout (DefaultRequestTimeout
// when 0).
func Snapshot(ctx context.Context, uri, user, pass string, timeout time.Duration) (image.Image, error) {
	timeout = cmp.Or(timeout, DefaultRequestTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	camera := hostOf(uri)
	client := &http.Client{Timeout: timeout, CheckRedirect: noRedirect}
	defer client.CloseIdleConnections()
	var auth string
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, uri, nil)
		if err != nil {
			return nil, &Error{Camera: camera, kind: ErrBadAnswer, msg: "its snapshot address is not a valid URL"}
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := client.Do(req)
		if err != nil {
			return nil, netError(camera, "the snapshot", err, timeout.String())
		}
		data, err := io.ReadAll(io.LimitReader(res.Body, maxSnapshot+1))
		res.Body.Close()
		if err != nil {
			return nil, netError(camera, "the snapshot", err, timeout.String())
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 && (user != "" || pass != "") {
			if ch, ok := parseChallenge(res.Header.Values("WWW-Authenticate")); ok {
				auth = ch.authorization(http.MethodGet, req.URL.RequestURI(), user, pass)
				continue
			}
			req.SetBasicAuth(user, pass)
			auth = req.Header.Get("Authorization")
			continue
		}
		switch {
		case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
			return nil, &Error{Camera: camera, kind: ErrUnauthorized, msg: "wrong user or password (the camera refused the snapshot)"}
		case res.StatusCode != http.StatusOK:
			return nil, &Error{Camera: camera, kind: ErrBadAnswer, msg: "answered the snapshot with HTTP " + res.Status}
		case len(data) > maxSnapshot:
			return nil, &Error{Camera: camera, kind: ErrBadAnswer, msg: fmt.Sprintf("sent a snapshot of more than %d MiB", maxSnapshot>>20)}
		}
		img, _, err := image.Decode(bytes.NewReader(data))
		if err != nil {
			return nil, &Error{Camera: camera, kind: ErrBadAnswer, msg: "sent a snapshot that is not a JPEG picture"}
		}
		return img, nil
	}
}
