package api

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/hex"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// cookieName holds the token in the web monitor's browser.
const cookieName = "relaystudio_token"

// ServeHTTP logs the request, refuses clients over their failure limit,
// checks the token, and routes.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	id := requestID()
	lw := &logWriter{ResponseWriter: w, status: http.StatusOK}
	lw.Header().Set("X-Request-Id", id)
	lw.Header().Set("X-Content-Type-Options", "nosniff")
	client := clientOf(r)
	defer func() {
		// The path only: a query could carry anything.
		s.log.Info("api request", "id", id, "method", r.Method, "path", r.URL.Path,
			"status", lw.status, "duration", time.Since(start).Round(time.Microsecond), "client", client)
	}()

	if wait := s.limiter.blocked(client, start); wait > 0 {
		lw.Header().Set("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		writeError(lw, http.StatusTooManyRequests, "too many requests with a wrong or missing token: wait %s, then send the right one", wait.Round(time.Second))
		return
	}
	authed, viaCookie := s.authorized(r)
	if !authed && !public(r) {
		s.limiter.fail(client, start)
		s.unauthorized(lw, r)
		return
	}
	// A browser logged in by cookie: a change must come from our own page.
	if viaCookie && r.Method != http.MethodGet && r.Method != http.MethodHead && !sameOrigin(r) {
		writeError(lw, http.StatusForbidden, "cross-site request refused: use the web monitor itself, or send the token in an Authorization header")
		return
	}
	if h, pattern := s.mux.Handler(r); pattern == "" {
		s.noRoute(lw, r, h)
		return
	}
	s.mux.ServeHTTP(lw, r)
}

// public: the requests that carry no token by design: the login form's
// post (it checks the token it is given).
func public(r *http.Request) bool {
	return r.Method == http.MethodPost && r.URL.Path == "/login"
}

// authorized checks the bearer token, then the cookie.
func (s *Server) authorized(r *http.Request) (ok, viaCookie bool) {
	want := s.opt.Token()
	if want == "" {
		return false, false
	}
	if h := r.Header.Get("Authorization"); h != "" {
		scheme, tok, _ := strings.Cut(h, " ")
		return strings.EqualFold(scheme, "Bearer") && tokenEqual(strings.TrimSpace(tok), want), false
	}
	if c, err := r.Cookie(cookieName); err == nil && tokenEqual(c.Value, want) {
		return true, true
	}
	return false, false
}

func tokenEqual(got, want string) bool {
	return subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// unauthorized answers 401: the login form to a browser's page request,
// a JSON error to everything else.
func (s *Server) unauthorized(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("WWW-Authenticate", `Bearer realm="Relay Studio"`)
	if r.Method == http.MethodGet && r.URL.Path == "/" {
		s.loginPage(w, http.StatusUnauthorized, "")
		return
	}
	msg := "this needs the API token: send Authorization: Bearer TOKEN (the window's Remote control shows it; `relaystudio config token` prints it)"
	if r.Header.Get("Authorization") != "" {
		msg = "wrong token: copy it again from the window's Remote control, or from `relaystudio config token`"
	}
	writeError(w, http.StatusUnauthorized, "%s", msg)
}

// noRoute words the mux's 404 and 405 as JSON: h, the mux's own error
// handler for r, tells which.
func (s *Server) noRoute(w http.ResponseWriter, r *http.Request, h http.Handler) {
	probe := &statusOnly{header: http.Header{}}
	h.ServeHTTP(probe, r)
	switch probe.status {
	case http.StatusMethodNotAllowed:
		allow := probe.header.Get("Allow")
		w.Header().Set("Allow", allow)
		writeError(w, http.StatusMethodNotAllowed, "%s is not allowed on %s: use %s", r.Method, r.URL.Path, allow)
	case http.StatusMovedPermanently, http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		if loc := probe.header.Get("Location"); loc != "" {
			w.Header().Set("Location", loc)
		}
		writeError(w, probe.status, "moved to %s", probe.header.Get("Location"))
	default:
		writeError(w, http.StatusNotFound, "no such endpoint: %s (the API is under /api/v1; see /api/v1/openapi.json)", r.URL.Path)
	}
}

// sameOrigin: the request's Origin (or Referer) is this server.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		o = r.Header.Get("Referer")
	}
	if o == "" {
		return false
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}

func clientOf(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

func requestID() string {
	var b [6]byte
	rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// logWriter remembers the status for the request's log line.
type logWriter struct {
	http.ResponseWriter
	status  int
	written bool
}

func (w *logWriter) WriteHeader(code int) {
	if !w.written {
		w.status, w.written = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *logWriter) Write(b []byte) (int, error) {
	w.written = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach Flush (event streams).
func (w *logWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// statusOnly records what the mux's own error handler would answer.
type statusOnly struct {
	header http.Header
	status int
}

func (w *statusOnly) Header() http.Header         { return w.header }
func (w *statusOnly) Write(b []byte) (int, error) { return len(b), nil }
func (w *statusOnly) WriteHeader(code int)        { w.status = code }
