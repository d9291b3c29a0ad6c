package media

import (
	"fmt"
	"image/color"
	"math"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Size is a frame size in pixels. A zero side means "derive it from the
// source, keeping the aspect ratio"; both zero means "the source's size".
type Size struct {
	Width, Height int
}

// IsZero reports whether neither side is set.
func (s Size) IsZero() bool { return s.Width == 0 && s.Height == 0 }

// String formats the size as WxH, with an empty side for a derived one.
func (s Size) String() string {
	if s.IsZero() {
		return ""
	}
	side := func(v int) string {
		if v == 0 {
			return ""
		}
		return strconv.Itoa(v)
	}
	return side(s.Width) + "x" + side(s.Height)
}

// ParseSize parses "1280x720", "1280x" (height from the aspect ratio),
// "x720" (width from the aspect ratio) or "" (the source's size). Sides must
// be even (4:2:0 video needs it) and between 16 and 7680.
func ParseSize(s string) (Size, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return Size{}, nil
	}
	w, h, ok := strings.Cut(strings.ToLower(s), "x")
	if !ok {
		return Size{}, fmt.Errorf("size %q: want WIDTHxHEIGHT, e.g. 1280x720", s)
	}
	parse := func(name, v string) (int, error) {
		if v == "" {
			return 0, nil
		}
		n, err := strconv.Atoi(v)
		if err != nil {
			return 0, fmt.Errorf("size %q: %s %q is not a whole number", s, name, v)
		}
		if n < 16 || n > 7680 {
			return 0, fmt.Errorf("size %q: %s must be between 16 and 7680", s, name)
		}
		if n%2 != 0 {
			return 0, fmt.Errorf("size %q: %s must be even (H.264 4:2:0 needs it), e.g. %d", s, name, n+1)
		}
		return n, nil
	}
	wi, err := parse("width", w)
	if err != nil {
		return Size{}, err
	}
	hi, err := parse("height", h)
	if err != nil {
		return Size{}, err
	}
	if wi == 0 && hi == 0 {
		return Size{}, fmt.Errorf("size %q: give at least one side, e.g. 1280x720 or x720", s)
	}
	return Size{Width: wi, Height: hi}, nil
}

// Resolve returns the output size for a source of srcW x srcH: a missing side
// is derived from the source's aspect ratio and rounded to an even number.
func (s Size) Resolve(srcW, srcH int) (int, int) {
	switch {
	case s.Width > 0 && s.Height > 0:
		return s.Width, s.Height
	case srcW <= 0 || srcH <= 0:
		return s.Width, s.Height
	case s.Width > 0:
		return s.Width, evenRound(float64(s.Width) * float64(srcH) / float64(srcW))
	case s.Height > 0:
		return evenRound(float64(s.Height) * float64(srcW) / float64(srcH)), s.Height
	default:
		return srcW &^ 1, srcH &^ 1
	}
}

func evenRound(v float64) int {
	n := int(math.Round(v/2)) * 2
	if n < 2 {
		n = 2
	}
	return n
}

// Defaults of a stream's settings: the engine (relay.Config), the settings
// file and the command line all start from these.
const (
	// TestPattern is the input URL of the built-in test source.
	TestPattern             = "test://pattern"
	DefaultVideoBitrate     = 2_500_000
	DefaultAudioBitrate     = 128_000
	DefaultPreset           = "veryfast"
	DefaultKeyframeInterval = 2 * time.Second
	DefaultSlateAfter       = 2 * time.Second  // without pictures before the slate goes on
	DefaultSlateGiveUp      = 30 * time.Minute // on slate before the stream stops
	DefaultRecordSplit      = time.Hour        // a recording's files each hold this long
)

// Limits of a stream's settings, shared by the engine and the settings file
// so that a file that checks out also starts.
const (
	MaxFPS          = 120        // frames a second a transcode may ask for
	MinVideoBitrate = 100_000    // below this x264 output is unwatchable
	MaxVideoBitrate = 50_000_000 // above every platform's ingest limit
	MinAudioBitrate = 16_000     // the AAC encoder's floor for stereo
	MaxAudioBitrate = 512_000    // beyond this AAC gets no better

	MinSlateAfter  = 500 * time.Millisecond // a camera's hiccup is not an outage
	MaxSlateAfter  = time.Minute
	MinSlateGiveUp = 10 * time.Second
	MaxSlateGiveUp = 7 * 24 * time.Hour
	MinRecordSplit = 10 * time.Second
	MaxRecordSplit = 24 * time.Hour
)

// ParseBitrate parses a bitrate in bits per second: "2500k", "2.5M", "800000",
// "128k". Suffixes are decimal (k = 1000). The result is between 8 kb/s and
// 100 Mb/s.
func ParseBitrate(s string) (int, error) {
	t := strings.TrimSpace(strings.ToLower(s))
	t = strings.TrimSuffix(strings.TrimSuffix(t, "bps"), "b/s")
	mult := 1.0
	switch {
	case strings.HasSuffix(t, "k"):
		mult, t = 1e3, strings.TrimSuffix(t, "k")
	case strings.HasSuffix(t, "m"):
		mult, t = 1e6, strings.TrimSuffix(t, "m")
	}
	v, err := strconv.ParseFloat(t, 64)
	if err != nil || t == "" || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0, fmt.Errorf("bitrate %q: want a number of bits per second such as 2500k or 2.5M", s)
	}
	bps := v * mult
	if bps < 8000 || bps > 100e6 {
		return 0, fmt.Errorf("bitrate %q: must be between 8k and 100M", s)
	}
	return int(math.Round(bps)), nil
}

// FormatBitrate formats bits per second the way ParseBitrate reads them.
func FormatBitrate(bps int) string {
	if bps%1000000 == 0 && bps >= 1000000 {
		return strconv.Itoa(bps/1000000) + "M"
	}
	if bps%1000 == 0 {
		return strconv.Itoa(bps/1000) + "k"
	}
	return strconv.Itoa(bps)
}

// ParseKeyframeInterval parses a keyframe interval such as "2s" or "1500ms";
// a bare number is read as seconds. It must lie between 0.1 s and 20 s.
func ParseKeyframeInterval(s string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	d, err := time.ParseDuration(t)
	if err != nil {
		f, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil {
			return 0, fmt.Errorf("keyframe interval %q: want a duration such as 2s", s)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < 100*time.Millisecond || d > 20*time.Second {
		return 0, fmt.Errorf("keyframe interval %q: must be between 0.1s and 20s (platforms want 2s)", s)
	}
	return d, nil
}

// ParseSlateAfter parses how long a stream goes without pictures before
// its slate: "2s", "1.5s", or seconds as a number.
func ParseSlateAfter(s string) (time.Duration, error) {
	return parseSpan("slate after", s, MinSlateAfter, MaxSlateAfter, "0.5s and 60s (2s is usual)")
}

// ParseSlateGiveUp parses how long a stream may stay on its slate before
// it stops: "30m", "2h", or seconds as a number.
func ParseSlateGiveUp(s string) (time.Duration, error) {
	return parseSpan("slate give-up", s, MinSlateGiveUp, MaxSlateGiveUp, "10s and 168h (30m is usual)")
}

func parseSpan(what, s string, lo, hi time.Duration, bounds string) (time.Duration, error) {
	t := strings.TrimSpace(s)
	d, err := time.ParseDuration(t)
	if err != nil {
		f, ferr := strconv.ParseFloat(t, 64)
		if ferr != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return 0, fmt.Errorf("%s %q: want a duration such as 2s, 30m or 1h", what, s)
		}
		d = time.Duration(f * float64(time.Second))
	}
	if d < lo || d > hi {
		return 0, fmt.Errorf("%s %q: must be between %s", what, s, bounds)
	}
	return d, nil
}

// ParseRecordSplit parses how long each file of a recording runs: "60m",
// "1h", or seconds as a number.
func ParseRecordSplit(s string) (time.Duration, error) {
	return parseSpan("record split", s, MinRecordSplit, MaxRecordSplit, "10s and 24h (60m is usual)")
}

// Corners are where an overlay's logo or text may go.
var Corners = []string{"top-left", "top-right", "bottom-left", "bottom-right", "center"}

// CheckCorner returns an error naming the corners when c is not one; empty
// is the default.
func CheckCorner(c string) error {
	if c == "" || slices.Contains(Corners, c) {
		return nil
	}
	return fmt.Errorf("position %q: want %s", c, strings.Join(Corners, ", "))
}

// ParseColour reads #RRGGBB (or RRGGBB); empty is white.
func ParseColour(s string) (color.RGBA, error) {
	t := strings.TrimPrefix(strings.TrimSpace(s), "#")
	if t == "" {
		return color.RGBA{0xff, 0xff, 0xff, 0xff}, nil
	}
	v, err := strconv.ParseUint(t, 16, 32)
	if err != nil || len(t) != 6 {
		return color.RGBA{}, fmt.Errorf("colour %q: want #RRGGBB, such as #FFFFFF for white", s)
	}
	return color.RGBA{uint8(v >> 16), uint8(v >> 8), uint8(v), 0xff}, nil
}

// Presets are the libx264 presets a stream may use, fastest first.
var Presets = []string{"ultrafast", "superfast", "veryfast", "faster", "fast", "medium"}

// CheckPreset returns an error naming the valid presets when p is not one.
func CheckPreset(p string) error {
	for _, v := range Presets {
		if p == v {
			return nil
		}
	}
	return fmt.Errorf("preset %q: want one of %s", p, strings.Join(Presets, ", "))
}

// RedactURL returns u with its password and, for RTMP URLs, the stream key
// masked, so it can be logged or shown. Of an RTMP URL only scheme, host and
// application show: the last path element and everything after it (the
// key, with any query: sign=, txSecret=, streamname=…) become "xxxxx", and
// of a query inside the application only one- or two-character values
// (backup=1) stay. An RTMP URL with a single path element is masked whole:
// that element may be a key given without the app. Other URLs keep their
// path, with the query values that may carry credentials masked. It never
// fails: what does not parse is masked whole.
func RedactURL(u string) string {
	return redact(u, false)
}

// RedactServerURL is RedactURL for an RTMP server URL as platforms show it
// (rtmps://host/app, the key kept apart): a single path element is the
// application and stays visible.
func RedactServerURL(u string) string {
	return redact(u, true)
}

func redact(u string, server bool) string {
	p, err := url.Parse(u)
	if err != nil || p.Scheme == "" || p.Host == "" {
		return "<invalid URL>"
	}
	if p.User != nil {
		if _, has := p.User.Password(); has {
			p.User = url.UserPassword(p.User.Username(), "xxxxx")
		}
	}
	if p.Scheme != "rtmp" && p.Scheme != "rtmps" {
		p.RawQuery = redactQuery(p.Query(), p.RawQuery)
		return p.String()
	}
	_, _, app, _, hasKey := SplitRTMP(u)
	switch {
	case hasKey:
		app = shownApp(app, true) + "/xxxxx"
	case app != "" && !server:
		app = "xxxxx"
	default:
		app = shownApp(app, false)
	}
	out := p.Scheme + "://" + p.Host
	if app != "" {
		out += "/" + app
	}
	return out
}

// shownApp returns the application of an RTMP URL (SplitRTMP's app) as it
// may be shown. A server URL's query may hold the key: it is left out. With
// a key after it, a query in the application keeps only its values of one
// or two characters ("live2?backup=1"); and a slash in a query value (the
// split then falls inside the query: ".../stream?sign=ab/cd") drops the
// query and the path element before it, which may be the stream name.
func shownApp(app string, hasKey bool) string {
	head, query, ok := strings.Cut(app, "?")
	switch {
	case !ok:
		return app
	case !hasKey:
		return head
	case strings.Contains(head, "/"):
		return head[:strings.LastIndexByte(head, '/')]
	}
	parts := strings.Split(query, "&")
	for i, part := range parts {
		name, value, hasValue := strings.Cut(part, "=")
		switch {
		case hasValue && len(value) > 2:
			parts[i] = name + "=xxxxx"
		case !hasValue && len(name) > 2:
			parts[i] = "xxxxx"
		}
	}
	return head + "?" + strings.Join(parts, "&")
}

// redactQuery masks the values of query parameters that carry credentials
// (some cameras take ?user=admin&password=...).
func redactQuery(q url.Values, raw string) string {
	masked := false
	for k := range q {
		switch l := strings.ToLower(k); {
		case strings.Contains(l, "pass"), strings.Contains(l, "pwd"), strings.Contains(l, "secret"),
			strings.Contains(l, "token"), strings.Contains(l, "key"), strings.Contains(l, "auth"),
			strings.Contains(l, "sig"):
			q.Set(k, "xxxxx")
			masked = true
		}
	}
	if !masked {
		return raw
	}
	return q.Encode()
}

// RTMPServer returns the server part of an RTMP(S) URL, scheme://host/app,
// without the stream key or anything of a query that may hold it: the form
// used in messages for people.
func RTMPServer(u string) string {
	p, err := url.Parse(u)
	if err != nil || p.Host == "" {
		return "<invalid URL>"
	}
	_, _, app, _, hasKey := SplitRTMP(u)
	return p.Scheme + "://" + p.Host + "/" + shownApp(app, hasKey)
}

// SplitRTMP splits an RTMP(S) URL, by hand rather than with url.Parse:
// platforms put queries in the middle ("live2?backup=1/KEY") or after the
// key, and both must reach the server unchanged. The application is every
// path element but the last ("live" or "live/sub"), the key the last one;
// hasKey is false when the path has a single element (an app without a
// key, or a key without an app); "//KEY" is a key with an empty app. A
// query after the key stays in it even when a value holds a slash
// ("third/stream?sign=ab/cd": app "third"), and a key may be all query
// ("live-bvc/?streamname=…"): the split is the last slash before the first
// question mark, unless the path has none there (the app's own query,
// "live2?backup=1/KEY"). It checks nothing: rtmp.ParseURL does. The
// publisher, the redaction of URLs and the server names shown to people
// all split with it.
func SplitRTMP(u string) (scheme, authority, app, key string, hasKey bool) {
	scheme, rest, _ := strings.Cut(u, "://")
	authority, path, _ := strings.Cut(rest, "/")
	path = strings.TrimRight(path, "/")
	head, _, _ := strings.Cut(path, "?")
	i := strings.LastIndexByte(head, '/')
	if i < 0 {
		i = strings.LastIndexByte(path, '/')
	}
	if i < 0 {
		return scheme, authority, path, "", false
	}
	return scheme, authority, strings.Trim(path[:i], "/"), path[i+1:], true
}

// ValidPort reports whether p, the port of a URL as written, is a number
// between 1 and 65535, and returns it.
func ValidPort(p string) (int, bool) {
	if p == "" || len(p) > 5 {
		return 0, false
	}
	n := 0
	for _, r := range p {
		if r < '0' || r > '9' {
			return 0, false
		}
		n = n*10 + int(r-'0')
	}
	return n, n >= 1 && n <= 65535
}

// FormatDuration words a duration for people, to the second: 1 h 02 min,
// 3 min 05 s or 12 s; a whole hour or minute is "2 h" or "30 min".
func FormatDuration(d time.Duration) string {
	h, m, s := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	switch {
	case h > 0 && m == 0:
		return fmt.Sprintf("%d h", h)
	case h > 0:
		return fmt.Sprintf("%d h %02d min", h, m)
	case m > 0 && s == 0:
		return fmt.Sprintf("%d min", m)
	case m > 0:
		return fmt.Sprintf("%d min %02d s", m, s)
	}
	return fmt.Sprintf("%d s", s)
}
