package onvifcam

// Authentication: the WS-Security UsernameToken of the SOAP header, and
// HTTP Digest (RFC 7616, MD5, qop=auth).

import (
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// maxCreatedSkew is how far a UsernameToken's Created may be from the
// device's clock.
const maxCreatedSkew = 5 * time.Second

// tokenValid reports whether a UsernameToken carries the device's
// credentials: PasswordDigest, base64(SHA-1(nonce + created + password)),
// or PasswordText (also when the Type is absent, WS-Security's default),
// with a Created within maxCreatedSkew of the device's clock (a
// PasswordText token may leave Created out).
func (d *Device) tokenValid(tok *usernameToken) bool {
	if tok == nil || tok.Username != d.User {
		return false
	}
	typ := tok.Password.Type
	digest := strings.HasSuffix(typ, "#PasswordDigest")
	text := typ == "" || strings.HasSuffix(typ, "#PasswordText")
	if !digest && !text {
		return false
	}
	if digest || tok.Created != "" {
		t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(tok.Created))
		if err != nil {
			return false
		}
		if skew := t.Sub(d.clock()); skew > maxCreatedSkew || skew < -maxCreatedSkew {
			return false
		}
	}
	got, want := tok.Password.Value, d.Password
	if digest {
		got = strings.TrimSpace(got)
		if enc := tok.Nonce.EncodingType; enc != "" && !strings.HasSuffix(enc, "#Base64Binary") {
			return false
		}
		nonce, err := base64.StdEncoding.DecodeString(strings.TrimSpace(tok.Nonce.Value))
		if err != nil || len(nonce) == 0 {
			return false
		}
		sum := sha1.Sum([]byte(string(nonce) + tok.Created + d.Password))
		want = base64.StdEncoding.EncodeToString(sum[:])
	}
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// maxNonces bounds the Digest nonces remembered; the oldest are forgotten.
const maxNonces = 256

// digestNonces are the Digest nonces the device issued, each with the last
// nonce count used with it.
type digestNonces struct {
	mu    sync.Mutex
	last  map[string]uint64
	order []string // oldest first
}

// issue returns a fresh nonce.
func (n *digestNonces) issue() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	nonce := hex.EncodeToString(b[:])
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.last == nil {
		n.last = make(map[string]uint64)
	}
	if len(n.order) >= maxNonces {
		delete(n.last, n.order[0])
		n.order = n.order[1:]
	}
	n.last[nonce] = 0
	n.order = append(n.order, nonce)
	return nonce
}

// use reports whether nonce was issued and nc is above the counts used
// with it before (a replay is not fresh), and records nc.
func (n *digestNonces) use(nonce string, nc uint64) bool {
	n.mu.Lock()
	defer n.mu.Unlock()
	last, ok := n.last[nonce]
	if !ok || nc <= last {
		return false
	}
	n.last[nonce] = nc
	return true
}

// digestAuthorized checks a request's HTTP Digest credentials and answers
// it with a 401 challenge when they do not pass: no Authorization: Digest
// header (not counted as a failure), a wrong answer (counted), or a right
// answer with a nonce that is unknown or whose nonce count was used
// already (stale=true, not counted).
func (d *Device) digestAuthorized(w http.ResponseWriter, r *http.Request) bool {
	params, ok := parseDigest(r.Header.Get("Authorization"))
	if !ok {
		d.challenge(w, false)
		return false
	}
	nc, ncErr := strconv.ParseUint(params["nc"], 16, 32)
	algo := params["algorithm"]
	if params["username"] != d.User || params["realm"] != Realm || params["qop"] != "auth" ||
		(algo != "" && !strings.EqualFold(algo, "MD5")) || params["uri"] != r.RequestURI ||
		len(params["nc"]) != 8 || ncErr != nil || params["cnonce"] == "" || params["nonce"] == "" {
		d.authFailures.Add(1)
		d.challenge(w, false)
		return false
	}
	ha1 := md5Hex(d.User + ":" + Realm + ":" + d.Password)
	ha2 := md5Hex(r.Method + ":" + params["uri"])
	want := md5Hex(ha1 + ":" + params["nonce"] + ":" + params["nc"] + ":" + params["cnonce"] + ":auth:" + ha2)
	if subtle.ConstantTimeCompare([]byte(strings.ToLower(params["response"])), []byte(want)) != 1 {
		d.authFailures.Add(1)
		d.challenge(w, false)
		return false
	}
	if !d.digest.use(params["nonce"], nc) {
		d.challenge(w, true)
		return false
	}
	return true
}

// challenge answers 401 with a fresh Digest nonce and an empty body.
func (d *Device) challenge(w http.ResponseWriter, stale bool) {
	v := `Digest realm="` + Realm + `", qop="auth", nonce="` + d.digest.issue() + `", algorithm=MD5`
	if stale {
		v += ", stale=true"
	}
	w.Header().Set("WWW-Authenticate", v)
	w.Header().Set("Content-Length", "0")
	w.WriteHeader(http.StatusUnauthorized)
}

// md5Hex returns the MD5 of s in lower-case hex.
func md5Hex(s string) string {
	sum := md5.Sum([]byte(s))
	return hex.EncodeToString(sum[:])
}

// parseDigest parses an Authorization: Digest header into its parameters
// (names lower-cased, quoted values unquoted). ok is false when the header
// is absent, of another scheme, or malformed.
func parseDigest(h string) (params map[string]string, ok bool) {
	scheme, s, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return nil, false
	}
	params = make(map[string]string)
	for {
		s = strings.TrimLeft(s, " \t,")
		if s == "" {
			break
		}
		eq := strings.IndexByte(s, '=')
		if eq <= 0 {
			return nil, false
		}
		key := strings.ToLower(strings.TrimSpace(s[:eq]))
		s = strings.TrimLeft(s[eq+1:], " \t")
		var val strings.Builder
		if strings.HasPrefix(s, `"`) {
			i := 1
			for ; i < len(s) && s[i] != '"'; i++ {
				if s[i] == '\\' && i+1 < len(s) {
					i++
				}
				val.WriteByte(s[i])
			}
			if i >= len(s) {
				return nil, false // no closing quote
			}
			s = s[i+1:]
		} else {
			end := strings.IndexAny(s, ", \t")
			if end < 0 {
				end = len(s)
			}
			val.WriteString(s[:end])
			s = s[end:]
		}
		params[key] = val.String()
	}
	return params, len(params) > 0
}
