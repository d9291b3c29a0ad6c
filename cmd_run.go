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
	log := newLogger(stderr, slog.LevelInfo, *verbose)
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
	autostart := 0
	for _, s := range cfg.Streams {
		if s.Autostart {
			autostart++
		}
	}
	if autostart == 0 {
		return fmt.Errorf("%s: no stream has autostart = true: nothing to run (set autostart = true on the streams to run headless)", *path)
	}

	// A stream that fails stops only itself; run ends when all have.
	ended := make(chan studio.Event, len(cfg.Streams))
	st := studio.New(studio.Options{Logger: log, OnEvent: func(e studio.Event) {
		if e.Kind == studio.Ended {
			ended <- e
		}
	}})
	defer st.Close()
	streams := st.Autostart(cfg.Streams, nil)
	if len(streams) == 0 {
		return fmt.Errorf("%s: none of the %d stream(s) with autostart = true could start: see the warnings above", *path, autostart)
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
	for running := len(streams); running > 0; {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			return firstErr
		case e := <-ended:
			running--
			if e.Err != nil {
				log.Error("stream stopped", "stream", e.Stream, "error", e.Err)
				if firstErr == nil {
					firstErr = e.Err
				}
			}
		case <-tick:
			for _, s := range streams {
				if err := enc.Encode(s.Stats()); err != nil {
					return fmt.Errorf("cannot write stats: %w", err)
				}
			}
		}
	}
	return firstErr
}
