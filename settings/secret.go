package settings

import (
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"strings"

	"github.com/relaystudio/relaystudio/media"
)

// maskShown is what MaskSecret returns for a secret too short to show any
// of it.
const maskShown = "xxxx…xx"

// minRevealLen is the shortest secret MaskSecret shows a part of: at 16
// characters it shows 6 and hides at least 10, so most of a key stays
// hidden while the window can still tell two keys apart.
const minRevealLen = 16

// MaskSecret hides a stream key or password for display. An empty secret
// stays empty (so "not set" can be shown). A secret of 16 characters or more
// shows its first 4 and last 2 characters ("abcd…yz"); a shorter one is
// shown as "xxxx…xx". The length is never revealed.
func MaskSecret(s string) string {
	if s == "" {
		return ""
	}
	r := []rune(s)
	if len(r) < minRevealLen {
		return maskShown
	}
	return string(r[:4]) + "…" + string(r[len(r)-2:])
}

// Redacted returns a deep copy of c for display: stream keys masked with
// MaskSecret, camera passwords and anything in a destination URL that may
// be a key masked. Save refuses the copy, so masked keys can never replace
// real ones.
func (c *Config) Redacted() *Config {
	out := c.clone()
	out.redacted = true
	out.API.Token = MaskSecret(out.API.Token)
	for i := range out.Streams {
		out.Streams[i] = out.Streams[i].redacted()
	}
	return out
}

func (s Stream) redacted() Stream {
	s = s.clone()
	s.Source = redactSource(s.Source)
	for j := range s.Destinations {
		s.Destinations[j] = s.Destinations[j].redacted()
	}
	return s
}

func (d Destination) redacted() Destination {
	d.Key = MaskSecret(d.Key)
	if d.URL != "" {
		d.URL = media.RedactServerURL(d.URL)
	}
	return d
}

// redactSource masks the password of a camera URL.
func redactSource(src string) string {
	if src == "" || src == TestPatternSource {
		return src
	}
	return media.RedactURL(src)
}

// stripPassword removes the password of a URL and keeps the user name. A
// URL that does not parse is dropped when it could hide a password.
func stripPassword(raw string) string {
	p, err := url.Parse(raw)
	if err != nil {
		if strings.Contains(raw, "@") {
			return ""
		}
		return raw
	}
	if p.User == nil {
		return raw
	}
	if _, has := p.User.Password(); !has {
		return raw
	}
	p.User = url.User(p.User.Username())
	return p.String()
}

// withoutSecrets returns a copy of c with no stream key and no password.
func (c *Config) withoutSecrets() *Config {
	out := c.clone()
	out.redacted = false
	out.API.Token = ""
	for i := range out.Streams {
		s := &out.Streams[i]
		s.Source = stripPassword(s.Source)
		for j := range s.Destinations {
			d := &s.Destinations[j]
			// A whole push URL (Douyin's, Kuaishou's) holds the key in
			// its path or query: only its server part goes out.
			if server, _, ok := SplitPushURL(d.URL); ok && strings.TrimSpace(d.Key) == "" {
				d.URL = server
			}
			d.Key = ""
			d.URL = stripPassword(d.URL)
		}
	}
	return out
}

// Merge imports other into c (`relaystudio config import`). Streams are
// matched by name (case-insensitively): an imported stream replaces the
// settings of the one with its name, except that the existing camera
// password is kept when the imported source has the same host and user but
// no password, and destinations are matched by name in turn, an existing
// stream key being kept when the imported one is empty. Imported streams and
// destinations with new names are appended; those only in c stay. A
// Redacted other contributes no secrets. The studio's own preferences
// (Studio) and its API are not imported: they belong to this computer.
func (c *Config) Merge(other *Config) {
	if other == nil {
		return
	}
	if other.redacted {
		other = other.withoutSecrets()
	}
	for _, in := range other.Streams {
		in = in.clone()
		i := findName(len(c.Streams), func(i int) string { return c.Streams[i].Name }, in.Name)
		if i < 0 {
			c.Streams = append(c.Streams, in)
			continue
		}
		old := c.Streams[i]
		in.Source = keepPassword(in.Source, old.Source)
		dests := append([]Destination(nil), old.Destinations...)
		for _, d := range in.Destinations {
			j := findName(len(dests), func(j int) string { return dests[j].Name }, d.Name)
			if j < 0 {
				dests = append(dests, d)
				continue
			}
			if d.Key == "" {
				d.Key = dests[j].Key
			}
			dests[j] = d
		}
		in.Destinations = dests
		c.Streams[i] = in
	}
}

// findName returns the index of the item named name (compared as Validate
// compares names), or -1.
func findName(n int, nameAt func(int) string, name string) int {
	want := strings.ToLower(strings.TrimSpace(name))
	for i := range n {
		if strings.ToLower(strings.TrimSpace(nameAt(i))) == want {
			return i
		}
	}
	return -1
}

// keepPassword returns imported with the password of existing when imported
// names the same scheme, host and user but carries no password.
func keepPassword(imported, existing string) string {
	in, ok := sourceUser(imported)
	if !ok {
		return imported
	}
	if _, has := in.User.Password(); has {
		return imported
	}
	old, ok := sourceUser(existing)
	if !ok {
		return imported
	}
	pw, has := old.User.Password()
	if !has || old.Scheme != in.Scheme || old.Host != in.Host || old.User.Username() != in.User.Username() {
		return imported
	}
	in.User = url.UserPassword(in.User.Username(), pw)
	return in.String()
}

// The plain types have the fields of the real ones and none of their
// methods, so formatting a redacted copy does not recurse into Format.
type (
	plainConfig struct {
		Version int
		Studio  Studio
		API     API
		Streams []Stream
	}
	plainStream      Stream
	plainDestination Destination
	plainAPI         API
)

// Format prints the API settings with the token masked, for every verb.
func (a API) Format(f fmt.State, verb rune) {
	a.Token = MaskSecret(a.Token)
	formatAs(f, verb, "settings.API", plainAPI(a))
}

// LogValue logs the API settings with the token masked.
func (a API) LogValue() slog.Value {
	a.Token = MaskSecret(a.Token)
	return slog.AnyValue(plainAPI(a))
}

// Format prints the config with its secrets masked (see Redacted), for
// every verb, so fmt.Sprint, %v, %+v and %#v never reveal a key.
func (c *Config) Format(f fmt.State, verb rune) {
	formatAs(f, verb, "&settings.Config", c.plain())
}

// LogValue logs the config with its secrets masked.
func (c *Config) LogValue() slog.Value { return slog.AnyValue(c.plain()) }

// plain returns the redacted fields of c.
func (c *Config) plain() plainConfig {
	r := c.Redacted()
	return plainConfig{Version: r.Version, Studio: r.Studio, API: r.API, Streams: r.Streams}
}

// Format prints the stream with its camera password and stream keys masked,
// for every verb.
func (s Stream) Format(f fmt.State, verb rune) {
	formatAs(f, verb, "settings.Stream", plainStream(s.redacted()))
}

// Format prints the destination with its stream key masked, for every verb.
func (d Destination) Format(f fmt.State, verb rune) {
	formatAs(f, verb, "settings.Destination", plainDestination(d.redacted()))
}

// LogValue logs the stream with its secrets masked (slog's JSON handler
// would otherwise marshal the fields as they are).
func (s Stream) LogValue() slog.Value { return slog.AnyValue(plainStream(s.redacted())) }

// LogValue logs the destination with its stream key masked.
func (d Destination) LogValue() slog.Value {
	return slog.AnyValue(plainDestination(d.redacted()))
}

// formatAs formats v, an already redacted plain copy, with the caller's verb
// and flags; for %#v it names the real type instead of the plain one.
func formatAs(f fmt.State, verb rune, typeName string, v any) {
	if verb == 'v' && f.Flag('#') {
		s := fmt.Sprintf("%#v", v)
		if i := strings.IndexByte(s, '{'); i >= 0 {
			s = typeName + s[i:]
		}
		io.WriteString(f, s)
		return
	}
	fmt.Fprintf(f, fmt.FormatString(f, verb), v)
}
