package main

// The API server of `relaystudio run --api`, and `relaystudio config token`.

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"time"

	"github.com/relaystudio/relaystudio/api"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// apiServer is run's API: listening from the start (a taken port is
// reported before any stream starts), serving once the streams exist.
type apiServer struct {
	ln       net.Listener
	token    string
	log      *slog.Logger
	requests *slog.Logger
	events   *api.Events
	srv      *api.Server
	done     chan error
}

// startAPI listens on addr for cfg's studio. A missing token is made and
// saved first (loopback only: another computer must not reach an API
// whose token nobody has seen).
func startAPI(addr string, cfg *settings.Config, path string, log, requests *slog.Logger, events *api.Events) (*apiServer, error) {
	if err := api.CheckListen(addr, cfg.API.Token); err != nil {
		return nil, usagef("--api %s", err)
	}
	if cfg.API.Token == "" {
		cfg.API.Token = settings.NewToken()
		if err := cfg.Save(path); err != nil {
			return nil, fmt.Errorf("the API's new token could not be saved: %w", err)
		}
		log.Info("made a token for the API and kept it in the settings file: `relaystudio config token` prints it", "path", path)
	}
	ln, err := api.Listen(addr, cfg.API.Token)
	if err != nil {
		return nil, err
	}
	log.Info("API listening: the web monitor, /api/v1, /metrics and /hls/", "url", "http://"+ln.Addr().String()+"/")
	return &apiServer{ln: ln, token: cfg.API.Token, log: log, requests: requests, events: events, done: make(chan error, 1)}, nil
}

func (a *apiServer) serve(ctl studio.Controller) {
	a.srv = api.New(api.Options{
		Controller: ctl, Token: func() string { return a.token },
		Logger: a.requests, Events: a.events, Version: version,
	})
	go func() { a.done <- a.srv.Serve(a.ln) }()
}

// shutdown stops the server, giving requests in flight a few seconds.
func (a *apiServer) shutdown() {
	if a.srv == nil {
		a.ln.Close()
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := a.srv.Shutdown(ctx); err != nil {
		a.log.Warn("the API did not stop in time", "error", err)
	}
	if err := <-a.done; err != nil {
		a.log.Error("the API stopped", "error", err)
	}
}

// configToken prints the API's token, making (and saving) one when there
// is none or when renew asks.
func configToken(path string, renew bool, stdout, stderr io.Writer) error {
	cfg, created, err := settings.LoadOrCreate(path)
	if err != nil {
		return err
	}
	if created {
		fmt.Fprintf(stderr, "wrote a default settings file: %s\n", path)
	}
	if cfg.API.Token == "" || renew {
		cfg.API.Token = settings.NewToken()
		if err := cfg.Save(path); err != nil {
			return fmt.Errorf("the new token could not be saved: %w", err)
		}
		if renew {
			fmt.Fprintln(stderr, "made a new token: the old one no longer works once the studio restarts (the window takes it at once)")
		}
	}
	fmt.Fprintln(stdout, cfg.API.Token)
	return nil
}
