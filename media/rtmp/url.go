package rtmp

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"strings"

	"github.com/relaystudio/relaystudio/media"
)

// Target is a parsed publishing URL: rtmp[s]://host[:port]/app[/more]/key.
//
// Its String method never shows the key, so a Target may be logged; Key
// itself must not be.
type Target struct {
	Scheme string // "rtmp" or "rtmps"
	Host   string // host name or IP address, without brackets or port
	Port   int    // from the URL, else 1935 for rtmp and 443 for rtmps
	// App is the application: everything between the host and the last
	// path element, e.g. "live2" or "live/sub". A query written there by
	// the platform ("live2?backup=1") stays part of it.
	App string
	// Key is the stream key (the last path element, with any query after
	// it), sent as the publishing name. It is a secret.
	Key string

	hostPort string // host[:port] exactly as written, for tcUrl
}

// ErrNoAppOrKey marks a publishing URL without both an application and a
// stream key: the most common mistake when pasting from a platform, which
// shows the server URL and the key apart.
var ErrNoAppOrKey = errors.New("the URL needs an application and a stream key")

// appKeyError is a ParseURL error that is ErrNoAppOrKey.
type appKeyError struct{ error }

func (appKeyError) Is(target error) bool { return target == ErrNoAppOrKey }

// ParseURL validates a publishing URL and splits it. Errors say what is
// wrong and never contain the stream key.
func ParseURL(u string) (Target, error) {
	s := strings.TrimSpace(u)
	scheme, authority, app, key, hasKey := media.SplitRTMP(s)
	hasScheme := strings.Contains(s, "://")
	// Errors show at most scheme://host: whatever follows may be, or
	// contain, the key (a missing app makes the key look like one).
	shown := "URL"
	if hasScheme && !strings.Contains(authority, "@") {
		shown = scheme + "://" + authority + "/…"
	}
	fail := func(format string, args ...any) (Target, error) {
		return Target{}, fmt.Errorf("destination %s: "+format, append([]any{shown}, args...)...)
	}
	noAppOrKey := func(format string, args ...any) (Target, error) {
		_, err := fail(format, args...)
		return Target{}, appKeyError{err}
	}
	if s == "" {
		return Target{}, fmt.Errorf("destination: the URL is empty; want rtmp://host/app/key or rtmps://host/app/key")
	}
	if strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7F }) {
		return fail("the URL contains spaces or control characters")
	}
	if !hasScheme {
		return fail("want rtmp://host/app/key or rtmps://host/app/key")
	}
	var t Target
	switch strings.ToLower(scheme) {
	case "rtmp":
		t.Scheme, t.Port = "rtmp", 1935
	case "rtmps":
		t.Scheme, t.Port = "rtmps", 443
	default:
		return fail("scheme %q is not supported; use rtmp:// or rtmps://", scheme)
	}
	if strings.Contains(authority, "@") {
		return fail("user:password@ is not supported in RTMP URLs; the stream key carries the credentials")
	}
	if authority == "" {
		return fail("the host is missing")
	}
	pu, err := url.Parse(t.Scheme + "://" + authority)
	if err != nil || pu.Hostname() == "" || pu.Path != "" || pu.RawQuery != "" {
		return fail("%q is not a valid host[:port]", authority)
	}
	t.Host = pu.Hostname()
	t.hostPort = authority
	if p := pu.Port(); p != "" {
		n, ok := media.ValidPort(p)
		if !ok {
			return fail("port %q must be between 1 and 65535", p)
		}
		t.Port = n
	} else if strings.HasSuffix(authority, ":") {
		return fail("the port after ':' is empty")
	}

	switch {
	case !hasKey && app == "":
		return noAppOrKey("the application and the stream key are missing; want %s://%s/app/key", t.Scheme, authority)
	case !hasKey:
		// One element: the server URL without the key, or a key without
		// the app. Do not echo it: it may be the key.
		return noAppOrKey("want %s://%s/app/key, with both the application and the stream key", t.Scheme, authority)
	case app == "":
		return noAppOrKey("the application is missing; want %s://%s/app/key", t.Scheme, authority)
	}
	t.App, t.Key = app, key
	return t, nil
}

// Addr is the host:port to dial.
func (t Target) Addr() string {
	return net.JoinHostPort(t.Host, strconv.Itoa(t.Port))
}

// Server is scheme://host[:port]/app, the form used in messages for people
// and, with the port as written, the tcUrl sent in connect. No key.
func (t Target) Server() string {
	return t.Scheme + "://" + t.hostPort + "/" + t.App
}

// String returns Server()/xxxxx so that a Target printed by accident does
// not leak the key.
func (t Target) String() string {
	return t.Server() + "/xxxxx"
}

// GoString keeps %#v from printing the key as well.
func (t Target) GoString() string {
	return "rtmp.Target(" + t.String() + ")"
}
