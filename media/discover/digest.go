package discover

// HTTP Digest authentication (RFC 7616, RFC 2617), as a client: the answer
// to one WWW-Authenticate challenge. Cameras use it for ONVIF when they do
// not take WS-UsernameToken, and nearly always for snapshots.

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash"
	"strings"
)

// challenge is a parsed `WWW-Authenticate: Digest ...` header.
type challenge struct {
	realm, nonce, opaque, algorithm string
	qopAuth                         bool // the server offers qop=auth
	nc                              int  // requests answered with this nonce
}

// parseChallenge reads the Digest challenge among a response's
// WWW-Authenticate headers; ok is false when there is none it can answer.
func parseChallenge(headers []string) (*challenge, bool) {
	for _, h := range headers {
		scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
		if !strings.EqualFold(scheme, "Digest") {
			continue
		}
		p := authParams(rest)
		c := &challenge{realm: p["realm"], nonce: p["nonce"], opaque: p["opaque"], algorithm: strings.ToUpper(p["algorithm"])}
		if c.nonce == "" {
			continue
		}
		switch c.algorithm {
		case "", "MD5", "SHA-256":
		default:
			continue // MD5-sess and others: not seen on cameras
		}
		for _, q := range strings.Split(p["qop"], ",") {
			if strings.TrimSpace(q) == "auth" {
				c.qopAuth = true
			}
		}
		if p["qop"] != "" && !c.qopAuth {
			continue // auth-int only
		}
		return c, true
	}
	return nil, false
}

// authParams splits `a="x", b=y` into a map; quoted values may hold commas.
func authParams(s string) map[string]string {
	out := map[string]string{}
	for s != "" {
		s = strings.TrimLeft(s, " ,\t")
		key, rest, ok := strings.Cut(s, "=")
		if !ok {
			break
		}
		key = strings.ToLower(strings.TrimSpace(key))
		var val string
		if strings.HasPrefix(rest, `"`) {
			rest = rest[1:]
			var b strings.Builder
			i := 0
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				b.WriteByte(rest[i])
			}
			val = b.String()
			if i < len(rest) {
				i++
			}
			s = rest[i:]
		} else {
			val, s, _ = strings.Cut(rest, ",")
			val = strings.TrimSpace(val)
		}
		out[key] = val
	}
	return out
}

// authorization is the Authorization header answering c for one request.
func (c *challenge) authorization(method, uri, user, pass string) string {
	return c.answer(method, uri, user, pass, randomHex(8))
}

func (c *challenge) answer(method, uri, user, pass, cnonce string) string {
	var h func() hash.Hash = md5.New
	if c.algorithm == "SHA-256" {
		h = sha256.New
	}
	sum := func(s string) string {
		x := h()
		x.Write([]byte(s))
		return hex.EncodeToString(x.Sum(nil))
	}
	ha1 := sum(user + ":" + c.realm + ":" + pass)
	ha2 := sum(method + ":" + uri)
	var b strings.Builder
	fmt.Fprintf(&b, `Digest username=%q, realm=%q, nonce=%q, uri=%q`, user, c.realm, c.nonce, uri)
	if c.qopAuth {
		c.nc++
		nc := fmt.Sprintf("%08x", c.nc)
		fmt.Fprintf(&b, `, qop=auth, nc=%s, cnonce=%q, response=%q`, nc, cnonce, sum(ha1+":"+c.nonce+":"+nc+":"+cnonce+":auth:"+ha2))
	} else {
		fmt.Fprintf(&b, `, response=%q`, sum(ha1+":"+c.nonce+":"+ha2))
	}
	if c.opaque != "" {
		fmt.Fprintf(&b, `, opaque=%q`, c.opaque)
	}
	if c.algorithm != "" {
		fmt.Fprintf(&b, `, algorithm=%s`, c.algorithm)
	}
	return b.String()
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go 1.24+)
	return hex.EncodeToString(b)
}
