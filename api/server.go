// Package api is the studio's remote control: a JSON API under /api/v1,
// Prometheus metrics at /metrics, a web monitor at /, and the Local HLS
// playlists at /hls/. The window and `relaystudio run` serve it through a
// studio.Controller, so a request changes a stream exactly as the window
// does.
//
// Every request needs the bearer token (a header, or the cookie the web
// monitor's login sets); one without it gets 401 and counts toward its
// client's failures, and a client with too many gets 429 for a while. The
// server has no TLS: it listens on loopback unless told otherwise, and a
// non-loopback address needs a token (CheckListen).
package api

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// Options configures a Server.
type Options struct {
	// Controller runs the streams. Required.
	Controller studio.Controller
	// Token returns the token requests must carry; it is asked at every
	// request, so the window can make a new one. An empty token refuses
	// every request.
	Token func() string
	// Logger receives one line per request, and the server's own
	// problems. Nil discards.
	Logger *slog.Logger
	// Events is the log that /api/v1/events streams. Nil: an empty one.
	Events *Events
	// Version is the build's version, for /metrics and the web monitor.
	Version string
}

// Server serves the remote control. Create it with New.
type Server struct {
	opt     Options
	log     *slog.Logger
	mux     *http.ServeMux
	limiter *limiter
	health  *healthCache
	metrics http.Handler
	srv     *http.Server
}

// maxBody bounds a request body: the API's bodies are a few fields.
const maxBody = 16 << 10

// New returns a server of opt.
func New(opt Options) *Server {
	if opt.Logger == nil {
		opt.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.Events == nil {
		opt.Events = NewEvents(nil)
	}
	if opt.Token == nil {
		opt.Token = func() string { return "" }
	}
	s := &Server{
		opt: opt, log: opt.Logger, mux: http.NewServeMux(),
		limiter: newLimiter(), health: newHealthCache(),
	}
	s.metrics = newMetricsHandler(s)
	for _, rt := range s.routes() {
		s.mux.HandleFunc(rt.method+" "+rt.pattern, rt.handler)
	}
	s.srv = &http.Server{
		Handler:           s,
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(opt.Logger.Handler(), slog.LevelDebug),
	}
	return s
}

// route is one endpoint; the OpenAPI document lists the same.
type route struct {
	method, pattern string
	handler         http.HandlerFunc
}

func (s *Server) routes() []route {
	return []route{
		{"GET", "/api/v1/streams", s.listStreams},
		{"GET", "/api/v1/streams/{id}", s.getStream},
		{"POST", "/api/v1/streams/{id}/start", s.startStream},
		{"POST", "/api/v1/streams/{id}/stop", s.stopStream},
		{"PATCH", "/api/v1/streams/{id}/output", s.patchOutput},
		{"PATCH", "/api/v1/streams/{id}/destinations/{dest}", s.patchDestination},
		{"GET", "/api/v1/streams/{id}/snapshot.jpg", s.snapshot},
		{"GET", "/api/v1/events", s.events},
		{"GET", "/api/v1/openapi.json", s.openAPI},
		{"GET", "/metrics", s.serveMetrics},
		{"GET", "/hls/{id}/{file}", s.hls},
		{"GET", "/{$}", s.page},
		{"POST", "/login", s.login},
		{"POST", "/logout", s.logout},
	}
}

func (s *Server) serveMetrics(w http.ResponseWriter, r *http.Request) { s.metrics.ServeHTTP(w, r) }

// CheckListen refuses an address the API must not listen on: one that
// does not parse, or one other computers reach while there is no token.
func CheckListen(addr, token string) error {
	l, err := settings.ParseListen(addr)
	if err != nil {
		return err
	}
	if !l.Loopback && token == "" {
		return fmt.Errorf("%s can be reached from other computers, and the API has no token yet: make one with `relaystudio config token` (or listen on %s)", addr, settings.DefaultAPIListen)
	}
	return nil
}

// Listen checks addr (CheckListen) and listens on it.
func Listen(addr, token string) (net.Listener, error) {
	if err := CheckListen(addr, token); err != nil {
		return nil, err
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("the API cannot listen on %s: %w (is another studio running? choose another port)", addr, unwrapOp(err))
	}
	return l, nil
}

// unwrapOp drops the "listen tcp ADDR:" that repeats the address.
func unwrapOp(err error) error {
	var op *net.OpError
	if errors.As(err, &op) && op.Err != nil {
		return op.Err
	}
	return err
}

// Serve serves l until Shutdown; it returns nil after Shutdown.
func (s *Server) Serve(l net.Listener) error {
	err := s.srv.Serve(l)
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, ends the event streams, and waits for the
// requests in flight while ctx allows.
func (s *Server) Shutdown(ctx context.Context) error {
	s.opt.Events.closeSubscribers()
	return s.srv.Shutdown(ctx)
}
