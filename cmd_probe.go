package main

// relaystudio probe: describe a source.

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
	"github.com/relaystudio/relaystudio/media/relay"
)

// probeTimeout is probe's default --timeout.
const probeTimeout = 10 * time.Second

func cmdProbe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe")
	asJSON := fs.Bool("json", false, "")
	transport := fs.String("rtsp-transport", "auto", "")
	timeout := fs.Duration("timeout", probeTimeout, "")
	verbose := fs.Bool("verbose", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	switch {
	case len(pos) == 0:
		return usagef("probe needs a source URL, e.g. relaystudio probe rtsp://user:pass@192.168.1.20/stream1")
	case len(pos) > 1:
		return usagef("probe takes one URL, got %d", len(pos))
	}
	if *timeout < time.Second || *timeout > 5*time.Minute {
		return usagef("--timeout %v: want between 1s and 5m", *timeout)
	}
	if err := relay.ValidateInput(pos[0]); err != nil {
		return err
	}
	if *transport != "auto" && *transport != "tcp" && *transport != "udp" {
		return usagef("--rtsp-transport %q: want auto, tcp or udp", *transport)
	}
	// A probe answers on stdout; its error is the last line. Logs only
	// with --verbose.
	log := newLogger(stderr, slog.LevelError+1, *verbose)
	codec.SetLogger(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	info, err := relay.Probe(ctx, relay.ProbeConfig{Input: pos[0], RTSPTransport: *transport, Duration: *timeout, Logger: log})
	if err != nil {
		return err
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(info)
	}
	fmt.Fprint(stdout, info.String())
	return nil
}
