package settings

import (
	"crypto/rand"
	"fmt"
	"net"
	"net/netip"
	"strconv"
	"strings"
)

// DefaultAPIListen is where the API listens unless API.Listen says
// otherwise: this computer only.
const DefaultAPIListen = "127.0.0.1:8770"

// API configures the remote control server.
type API struct {
	// Enabled makes the window serve the API when it opens. `relaystudio
	// run` serves it when given --api.
	Enabled bool `toml:"enabled" comment:"serve the HTTP API, metrics and web monitor while the window is open"`
	// Listen is the host:port to listen on; empty means DefaultAPIListen.
	// An address other than loopback needs a Token.
	Listen string `toml:"listen,omitempty"`
	// Token is the bearer token every request must carry, a secret. It is
	// made at first use (NewToken).
	Token string `toml:"token,omitempty" comment:"the API's bearer token: a secret, like a stream key"`
}

// ListenAddr returns Listen, or DefaultAPIListen when it is empty.
func (a API) ListenAddr() string {
	if a.Listen == "" {
		return DefaultAPIListen
	}
	return a.Listen
}

// NewToken returns a new random API token: 128 bits from crypto/rand, as
// 26 letters and digits (safe in a header, a cookie and a shell).
func NewToken() string { return rand.Text() }

// minTokenLen is the shortest token Validate takes: 16 characters of a
// typed or pasted token carry enough that guessing is hopeless under the
// API's rate limit.
const minTokenLen = 16

// Listen is a parsed API address.
type Listen struct {
	Host string // as written; "" means every address
	Port int    // 0: any free port (tests, `run --api 127.0.0.1:0`)
	// Loopback: only this computer can reach it (127.0.0.0/8, ::1,
	// localhost).
	Loopback bool
}

// ParseListen parses a host:port the API may listen on, with a message
// that says what to write instead.
func ParseListen(addr string) (Listen, error) {
	host, port, err := net.SplitHostPort(strings.TrimSpace(addr))
	if err != nil {
		return Listen{}, fmt.Errorf("%q: want host:port, e.g. %s (this computer only) or 0.0.0.0:8770 (every network)", addr, DefaultAPIListen)
	}
	n, err := strconv.Atoi(port)
	if err != nil || n < 0 || n > 65535 {
		return Listen{}, fmt.Errorf("%q: the port must be a number from 0 to 65535", addr)
	}
	l := Listen{Host: host, Port: n}
	if ip, err := netip.ParseAddr(host); err == nil {
		l.Loopback = ip.IsLoopback()
	} else if strings.EqualFold(host, "localhost") {
		l.Loopback = true
	} else if host != "" && strings.ContainsAny(host, " /?#@") {
		return Listen{}, fmt.Errorf("%q: %q is not a host name or address", addr, host)
	}
	return l, nil
}
