package discover

// A small SOAP 1.2 client for the handful of ONVIF operations the studio
// needs: WS-UsernameToken PasswordDigest on every request, with the
// camera's clock; HTTP Digest when the camera asks for it instead.

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// maxAnswer bounds a SOAP answer read from a camera.
const maxAnswer = 4 << 20

const (
	nsEnvelope = "http://www.w3.org/2003/05/soap-envelope"
	nsDevice   = "http://www.onvif.org/ver10/device/wsdl"
	nsMedia    = "http://www.onvif.org/ver10/media/wsdl"
	nsSchema   = "http://www.onvif.org/ver10/schema"
	nsWSSE     = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU      = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	typeDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	typeBase64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// soapClient talks to one camera.
type soapClient struct {
	http       *http.Client
	camera     string // host[:port], for messages
	user, pass string
	timeout    time.Duration // per request, for messages
	log        *slog.Logger

	mu     sync.Mutex
	offset time.Duration // camera clock minus ours
	digest *challenge    // set once the camera asked for HTTP Digest
}

// now is the camera's clock as far as we know it.
func (c *soapClient) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.offset)
}

// securityHeader is the WS-UsernameToken for one request, or "" without
// credentials.
func (c *soapClient) securityHeader() string {
	if c.user == "" && c.pass == "" {
		return ""
	}
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	created := c.now().UTC().Format("2006-01-02T15:04:05Z")
	h := sha1.New()
	h.Write(nonce)
	h.Write([]byte(created))
	h.Write([]byte(c.pass))
	return `<s:Header><wsse:Security s:mustUnderstand="1" xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `">` +
		`<wsse:UsernameToken><wsse:Username>` + escape(c.user) + `</wsse:Username>` +
		`<wsse:Password Type="` + typeDigest + `">` + base64.StdEncoding.EncodeToString(h.Sum(nil)) + `</wsse:Password>` +
		`<wsse:Nonce EncodingType="` + typeBase64 + `">` + base64.StdEncoding.EncodeToString(nonce) + `</wsse:Nonce>` +
		`<wsu:Created>` + created + `</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>`
}

func escape(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// call posts the operation op (its body element, already XML) to addr and
// decodes the answer into out, a struct whose fields are tagged from the
// Envelope (`xml:"Body>GetProfilesResponse"`). anonymous leaves the
// credentials out (GetSystemDateAndTime).
func (c *soapClient) call(ctx context.Context, addr, op, body string, anonymous bool, out any) error {
	header := ""
	if !anonymous {
		header = c.securityHeader()
	}
	msg := []byte(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<s:Envelope xmlns:s="` + nsEnvelope + `" xmlns:tds="` + nsDevice + `" xmlns:trt="` + nsMedia + `" xmlns:tt="` + nsSchema + `">` +
		header + `<s:Body>` + body + `</s:Body></s:Envelope>`)
	res, data, err := c.post(ctx, addr, op, msg, anonymous)
	if err != nil {
		return err
	}
	if f := parseFault(data); f != nil {
		if f.notAuthorized() {
			return c.unauthorized(op)
		}
		return &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer, msg: "answered " + op + " with an error: " + f.String()}
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized || res.StatusCode == http.StatusForbidden:
		return c.unauthorized(op)
	case res.StatusCode != http.StatusOK:
		hint := ""
		if res.StatusCode == http.StatusNotFound {
			hint = ": is this the camera's ONVIF address?"
		}
		return &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer, msg: fmt.Sprintf("answered %s with HTTP %s%s", op, res.Status, hint)}
	}
	if err := xml.Unmarshal(data, out); err != nil {
		return c.notONVIF(op, res)
	}
	return nil
}

func (c *soapClient) unauthorized(op string) error {
	if c.user == "" && c.pass == "" {
		return &Error{Camera: c.camera, Op: op, kind: ErrUnauthorized, msg: "needs a user and password (it refused " + op + ")"}
	}
	return &Error{Camera: c.camera, Op: op, kind: ErrUnauthorized, msg: "wrong user or password (the camera refused " + op + ")"}
}

func (c *soapClient) notONVIF(op string, res *http.Response) error {
	ct, _, _ := mime.ParseMediaType(res.Header.Get("Content-Type"))
	if ct == "" {
		ct = "no content type"
	}
	return &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer,
		msg: fmt.Sprintf("answered %s with something that is not ONVIF XML (%s): is this the camera's ONVIF address?", op, ct)}
}

// post sends one request, answering an HTTP Digest challenge once.
func (c *soapClient) post(ctx context.Context, addr, op string, msg []byte, anonymous bool) (*http.Response, []byte, error) {
	for attempt := 0; ; attempt++ {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, addr, bytes.NewReader(msg))
		if err != nil {
			return nil, nil, &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer, msg: "its ONVIF address is not a valid URL"}
		}
		req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8`)
		c.mu.Lock()
		if ch := c.digest; ch != nil && !anonymous {
			req.Header.Set("Authorization", ch.authorization(http.MethodPost, req.URL.RequestURI(), c.user, c.pass))
		}
		c.mu.Unlock()
		res, err := c.http.Do(req)
		if err != nil {
			if ctx.Err() != nil && errors.Is(ctx.Err(), context.Canceled) {
				return nil, nil, ctx.Err()
			}
			return nil, nil, netError(c.camera, op, err, c.timeout.String())
		}
		data, err := io.ReadAll(io.LimitReader(res.Body, maxAnswer+1))
		res.Body.Close()
		if err != nil {
			return nil, nil, netError(c.camera, op, err, c.timeout.String())
		}
		if len(data) > maxAnswer {
			return nil, nil, &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer, msg: fmt.Sprintf("answered %s with more than %d MiB", op, maxAnswer>>20)}
		}
		if res.StatusCode == http.StatusUnauthorized && attempt == 0 && !anonymous && (c.user != "" || c.pass != "") {
			if ch, ok := parseChallenge(res.Header.Values("WWW-Authenticate")); ok {
				c.log.Debug("onvif: camera asks for HTTP Digest", "camera", c.camera, "op", op)
				c.mu.Lock()
				c.digest = ch
				c.mu.Unlock()
				continue
			}
		}
		return res, data, nil
	}
}

// fault is a SOAP 1.2 (or 1.1) Fault.
type fault struct {
	Code     string   `xml:"Code>Value"`
	Subcode  []string `xml:"Code>Subcode>Value"`
	Sub2     []string `xml:"Code>Subcode>Subcode>Value"`
	Reason   []string `xml:"Reason>Text"`
	Code11   string   `xml:"faultcode"`
	String11 string   `xml:"faultstring"`
}

// parseFault returns the Fault in a SOAP answer, or nil.
func parseFault(data []byte) *fault {
	var env struct {
		Fault *fault `xml:"Body>Fault"`
	}
	if xml.Unmarshal(data, &env) != nil || env.Fault == nil {
		return nil
	}
	return env.Fault
}

func (f *fault) codes() []string {
	return append(append([]string{f.Code, f.Code11}, f.Subcode...), f.Sub2...)
}

func (f *fault) notAuthorized() bool {
	for _, c := range f.codes() {
		_, local := splitQName(c)
		if strings.EqualFold(local, "NotAuthorized") || strings.EqualFold(local, "FailedAuthentication") {
			return true
		}
	}
	return false
}

func (f *fault) String() string {
	reason := strings.TrimSpace(f.String11)
	if len(f.Reason) > 0 {
		reason = strings.TrimSpace(f.Reason[0])
	}
	code := ""
	for _, c := range f.codes() {
		if c = strings.TrimSpace(c); c != "" {
			code = c // the most specific one wins
		}
	}
	reason = clip(reason, 200)
	switch {
	case reason == "" && code == "":
		return "a SOAP fault with no reason"
	case reason == "":
		return code
	case code == "":
		return reason
	}
	return reason + " (" + code + ")"
}

func splitQName(q string) (prefix, local string) {
	q = strings.TrimSpace(q)
	if i := strings.LastIndexByte(q, ':'); i >= 0 {
		return q[:i], q[i+1:]
	}
	return "", q
}

// clip shortens camera-supplied text for a message.
func clip(s string, n int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// hostOf is the host[:port] of a URL, for messages; "" if it has none.
func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Host
}
