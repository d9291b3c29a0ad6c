package main

// relaystudio run: the saved studio, headless.

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/relaystudio/relaystudio/api"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// runStatsEvery is run's default --stats.
const runStatsEvery = 5 * time.Second

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	path := fs.String("config", "", "")
	statsEvery := fs.String("stats", runStatsEvery.String(), "")
	verbose := fs.Bool("verbose", false, "")
	apiAddr := fs.String("api", "", "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("run takes no arguments (got %q): the streams come from the settings file", shownArg(pos[0]))
	}
	every, err := parseInterval(*statsEvery)
	if err != nil {
		return usagef("--stats %q: want an interval such as 5s, or 0 for none", *statsEvery)
	}
	if *path == "" {
		*path = defaultConfigPath()
	}
	events := api.NewEvents(nil)
	log := newLogger(stderr, slog.LevelInfo, *verbose)
	requests := log
	log = slog.New(slog.NewMultiHandler(log.Handler(), events))
	codec.SetLogger(log)

	cfg, created, err := settings.LoadOrCreate(*path)
	if err != nil {
		return err
	}
	if created {
		log.Info("wrote a default settings file with the test pattern", "path", *path)
	}
	if p := settings.PrivacyProblem(*path); p != "" {
		log.Warn(p)
	}
	var server *apiServer
	if *apiAddr != "" {
		if server, err = startAPI(*apiAddr, cfg, *path, log, requests, events); err != nil {
			return err
		}
	}
	autostart := 0
	for _, s := range cfg.Streams {
		if s.Autostart {
			autostart++
		}
	}
	if autostart == 0 && server == nil {
		return fmt.Errorf("%s: no stream has autostart = true: nothing to run (set autostart = true on the streams to run headless, or serve the API with --api 127.0.0.1:8770 and start them from there)", *path)
	}

	// A stream that fails stops only itself; without the API, run ends
	// when all have.
	ended := make(chan studio.Event, len(cfg.Streams))
	st := studio.New(studio.Options{Logger: log, OnEvent: func(e studio.Event) {
		if e.Kind == studio.Ended {
			select {
			case ended <- e:
			default: // the API's streams come and go: run does not count them
			}
		}
	}})
	defer st.Close()
	ctl := studio.NewHeadless(st, cfg, *path)
	streams := ctl.Autostart()
	if len(streams) == 0 && server == nil {
		return fmt.Errorf("%s: none of the %d stream(s) with autostart = true could start: see the warnings above", *path, autostart)
	}
	if server != nil {
		server.serve(ctl)
		defer server.shutdown()
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	enc := json.NewEncoder(stdout)
	var firstErr error
	for running := len(streams); running > 0 || server != nil; {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			return firstErr
		case e := <-ended:
			running--
			if e.Err != nil {
				log.Error("stream stopped", "stream", e.Stream, "error", e.Err)
				if firstErr == nil && server == nil {
					firstErr = e.Err
				}
			}
		case <-tick:
			for _, v := range ctl.Views() {
				if v.Stream.Mode() == studio.Off {
					continue
				}
				if err := enc.Encode(v.Stream.Stats()); err != nil {
					return fmt.Errorf("cannot write stats: %w", err)
				}
			}
		}
	}
	return firstErr
}
