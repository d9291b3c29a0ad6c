package discover

// RTSP paths of the common camera brands, for cameras with ONVIF off:
// each is tried with one DESCRIBE before it is offered.

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media/rtsp"
)

// Template is one brand's RTSP path form.
type Template struct {
	Brand string
	// Main and Sub are the path (with query) of the main stream and of
	// the light sub stream.
	Main, Sub string
	// Port is the RTSP port the brand uses by default.
	Port int
}

// Templates are the path forms tried by TryTemplates, the likeliest first.
// From the brands' own documentation and their support pages; channel 1.
var Templates = []Template{
	{Brand: "Hikvision", Main: "/Streaming/Channels/101", Sub: "/Streaming/Channels/102", Port: 554},
	{Brand: "Dahua / Amcrest", Main: "/cam/realmonitor?channel=1&subtype=0", Sub: "/cam/realmonitor?channel=1&subtype=1", Port: 554},
	{Brand: "Reolink", Main: "/h264Preview_01_main", Sub: "/h264Preview_01_sub", Port: 554},
	{Brand: "TP-Link Tapo / generic", Main: "/stream1", Sub: "/stream2", Port: 554},
	{Brand: "Axis", Main: "/axis-media/media.amp", Sub: "/axis-media/media.amp?resolution=640x360", Port: 554},
	{Brand: "Uniview", Main: "/unicast/c1/s0/live", Sub: "/unicast/c1/s1/live", Port: 554},
	{Brand: "Ubiquiti", Main: "/s0", Sub: "/s1", Port: 554},
	{Brand: "Foscam", Main: "/videoMain", Sub: "/videoSub", Port: 88},
	{Brand: "Foscam (port 554)", Main: "/videoMain", Sub: "/videoSub", Port: 554},
	{Brand: "generic", Main: "/live", Sub: "/live2", Port: 554},
}

// Found is a template that answered on a camera.
type Found struct {
	Brand string `json:"brand"`
	// Main and Sub are the stream URLs, without credentials; Sub is ""
	// when the sub-stream path did not answer.
	Main string `json:"main"`
	Sub  string `json:"sub,omitempty"`
	// Codec is the main stream's video ("h264", "h265").
	Codec string `json:"codec"`
}

// TryConfig says which camera to try the templates on.
type TryConfig struct {
	// Host is the camera's address, host or host:port; a port given here
	// replaces every template's.
	Host           string
	User, Password string
	// Timeout bounds each DESCRIBE (rtsp.DefaultDescribeTimeout when 0).
	Timeout time.Duration
	// Templates to try; Templates when nil.
	Templates []Template
}

// tryParallel bounds the DESCRIBEs in flight: cameras allow few sessions.
const tryParallel = 3

// TryTemplates asks the camera for each template's main stream, then for
// the sub stream of those that answered, and returns the ones that answered
// in template order. It fails when none answered and the reason is the same
// for all (wrong password, camera unreachable); an empty list with no error
// means the camera answered but knows none of the paths.
func TryTemplates(ctx context.Context, cfg TryConfig) ([]Found, error) {
	host, port, _, err := parseAddress(cfg.Host, "rtsp", "rtsps")
	if err != nil {
		return nil, err
	}
	tpls := cfg.Templates
	if tpls == nil {
		tpls = Templates
	}
	mk := func(t Template, path string) string {
		p := port
		if p == 0 {
			p = t.Port
		}
		u := &url.URL{Scheme: "rtsp", Host: net.JoinHostPort(host, strconv.Itoa(p))}
		if pth, q, ok := strings.Cut(path, "?"); ok {
			u.Path, u.RawQuery = pth, q
		} else {
			u.Path = path
		}
		return u.String()
	}
	withCreds := func(raw string) string {
		if cfg.User == "" && cfg.Password == "" {
			return raw
		}
		u, err := url.Parse(raw)
		if err != nil {
			return raw // cannot happen: mk made it
		}
		u.User = url.UserPassword(cfg.User, cfg.Password)
		return u.String()
	}

	type result struct {
		codec string
		err   error
	}
	// Each URL is asked once, whichever templates share it.
	results := map[string]result{}
	describe := func(urls []string) {
		urls = slices.Compact(slices.Sorted(slices.Values(urls)))
		out := make([]result, len(urls))
		sem := make(chan struct{}, tryParallel)
		var wg sync.WaitGroup
		for i, u := range urls {
			wg.Add(1)
			go func() {
				defer wg.Done()
				select {
				case sem <- struct{}{}:
					defer func() { <-sem }()
				case <-ctx.Done():
					out[i] = result{err: ctx.Err()}
					return
				}
				c, err := rtsp.Describe(ctx, withCreds(u), cfg.Timeout)
				out[i] = result{codec: c.String(), err: err}
			}()
		}
		wg.Wait()
		for i, u := range urls {
			results[u] = out[i]
		}
	}

	var mains []string
	for _, t := range tpls {
		mains = append(mains, mk(t, t.Main))
	}
	describe(mains)
	var subs []string
	for _, t := range tpls {
		if results[mk(t, t.Main)].err == nil && t.Sub != "" {
			subs = append(subs, mk(t, t.Sub))
		}
	}
	describe(subs)

	var out []Found
	seen := map[string]bool{}
	for _, t := range tpls {
		m := mk(t, t.Main)
		r := results[m]
		if r.err != nil || seen[m] {
			continue
		}
		seen[m] = true
		f := Found{Brand: t.Brand, Main: m, Codec: r.codec}
		if s := mk(t, t.Sub); t.Sub != "" && results[s].err == nil {
			f.Sub = s
		}
		out = append(out, f)
	}
	if len(out) > 0 {
		return out, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	// Nothing answered: say why, when every attempt failed the same way.
	var errs []error
	for _, m := range mains {
		errs = append(errs, results[m].err)
	}
	for _, kind := range []error{ErrUnauthorized, ErrUnreachable} {
		if !slices.ContainsFunc(errs, func(e error) bool { return !errors.Is(e, kind) }) {
			name := host
			if port != 0 {
				name = net.JoinHostPort(host, strconv.Itoa(port))
			}
			if kind == ErrUnauthorized {
				return nil, &Error{Camera: name, kind: ErrUnauthorized, msg: "wrong user or password (every stream path was refused)"}
			}
			return nil, &Error{Camera: name, kind: ErrUnreachable, msg: "no RTSP answer on the usual ports (554, 88): check the address, or give the port"}
		}
	}
	return nil, nil
}

// parseAddress reads what a person typed for one camera: host, host:port,
// or a URL. A URL's port is kept only when its scheme is one of
// portSchemes (an http:// address's port is not the RTSP or discovery
// one); port is 0 when none counts. u is the URL, if one was typed.
func parseAddress(s string, portSchemes ...string) (host string, port int, u *url.URL, err error) {
	a := strings.TrimSpace(s)
	invalid := fmt.Errorf("camera address %q is not valid: want host or host:port", clip(s, 80))
	if strings.Contains(a, "://") {
		u, err = url.Parse(a)
		if err != nil || u.Hostname() == "" {
			return "", 0, nil, invalid
		}
		if u.User != nil {
			return "", 0, nil, errors.New("camera address must not hold a user or password: give them separately")
		}
		a = u.Hostname()
		if slices.Contains(portSchemes, u.Scheme) {
			a = u.Host
		}
	}
	if a == "" {
		return "", 0, nil, errors.New("camera address is empty: want host or host:port")
	}
	h, ps, serr := net.SplitHostPort(a)
	if serr != nil {
		h = strings.Trim(a, "[]")
		if strings.ContainsAny(h, "@/?# ") || strings.Contains(h, ":") && net.ParseIP(h) == nil {
			return "", 0, nil, invalid
		}
		return h, 0, u, nil
	}
	p, perr := strconv.Atoi(ps)
	if perr != nil || p < 1 || p > 65535 || h == "" {
		return "", 0, nil, fmt.Errorf("camera address %q: want host:port with a port between 1 and 65535", clip(s, 80))
	}
	return h, p, u, nil
}
