package api

import (
	"bytes"
	"context"
	"errors"
	"image/jpeg"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media/record"
	"github.com/relaystudio/relaystudio/media/relay"
)

// Snapshot sizes: what fits a phone's card, and the most a caller may
// ask for.
const (
	snapshotW, snapshotH = 640, 360
	maxSnapshotSide      = 1920
	snapshotWait         = 5 * time.Second
)

// snapshot answers a JPEG of the stream's picture, from a tap that runs
// only while snapshots are asked for.
func (s *Server) snapshot(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	width, height := snapshotW, snapshotH
	for _, p := range []struct {
		name string
		dst  *int
	}{{"width", &width}, {"height", &height}} {
		if q := r.URL.Query().Get(p.name); q != "" {
			n, err := strconv.Atoi(q)
			if err != nil || n < 16 || n > maxSnapshotSide {
				writeError(w, http.StatusBadRequest, "%s=%q: want a number of pixels from 16 to %d", p.name, q, maxSnapshotSide)
				return
			}
			*p.dst = n
		}
	}
	rl := v.Stream.Relay()
	if rl == nil {
		writeError(w, http.StatusConflict, "%s is off: start it (or open it in the window) to see its picture", v.Saved.Name)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), snapshotWait)
	defer cancel()
	img, err := rl.Still(ctx, width, height)
	if errors.Is(err, relay.ErrNoPicture) {
		w.Header().Set("Retry-After", "2")
		writeError(w, http.StatusServiceUnavailable, "%s: %s", v.Saved.Name, err)
		return
	}
	if err != nil {
		writeError(w, http.StatusInternalServerError, "%s: %s", v.Saved.Name, err)
		return
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		writeError(w, http.StatusInternalServerError, "the snapshot could not be encoded: %s", err)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Content-Length", strconv.Itoa(buf.Len()))
	_, _ = w.Write(buf.Bytes())
}

// hls serves a stream's Local HLS: its playlist and the segments in it.
func (s *Server) hls(w http.ResponseWriter, r *http.Request) {
	v, ok := s.view(w, r)
	if !ok {
		return
	}
	var h *record.HLS
	if rl := v.Stream.Relay(); rl != nil && v.Stream.Live() {
		h = rl.HLS()
	}
	if h == nil {
		writeError(w, http.StatusNotFound, "%s serves no HLS: give it a Local HLS destination and start it", v.Saved.Name)
		return
	}
	file := r.PathValue("file")
	var (
		body  []byte
		found bool
		ctype string
	)
	switch {
	case file == "index.m3u8":
		body, found = h.Playlist()
		ctype = "application/vnd.apple.mpegurl"
		// The web monitor's player needs the codecs for MediaSource.
		w.Header().Set("X-Codecs", h.Codecs())
		if !found {
			w.Header().Set("Retry-After", "2")
			writeError(w, http.StatusServiceUnavailable, "%s: the first segment is not ready yet: try again in a few seconds", v.Saved.Name)
			return
		}
	case strings.HasSuffix(file, ".mp4"), strings.HasSuffix(file, ".m4s"):
		body, found = h.File(file)
		ctype = "video/mp4"
	}
	if !found {
		writeError(w, http.StatusNotFound, "%s: no segment %q (it left the playlist's window): reload index.m3u8", v.Saved.Name, file)
		return
	}
	w.Header().Set("Content-Type", ctype)
	// Names start again at seg-0 when the stream restarts: nothing may be
	// cached by name.
	w.Header().Set("Cache-Control", "no-cache")
	w.Header().Set("Content-Length", strconv.Itoa(len(body)))
	_, _ = w.Write(body)
}
