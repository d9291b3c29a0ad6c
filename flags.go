package main

// The command line's plumbing, shared by every sub-command: flag sets that
// report instead of exiting, one-line usage errors, intervals, loggers, and
// arguments as they may be echoed.

import (
	"errors"
	"flag"
	"io"
	"log/slog"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// newFlagSet returns a flag set that reports errors instead of exiting.
func newFlagSet(name string) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.Usage = func() {}
	return fs
}

// parseInterleaved parses flags that may come before or after positional
// arguments, and returns the positional ones.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, flagError(err)
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagError rewords the flag package's errors as one short line.
func flagError(err error) error {
	if errors.Is(err, flag.ErrHelp) {
		return err
	}
	msg := err.Error()
	if strings.HasPrefix(msg, "flag provided but not defined: ") {
		return usagef("unknown flag %s: see 'relaystudio --help'", strings.TrimPrefix(msg, "flag provided but not defined: "))
	}
	if strings.HasPrefix(msg, "flag needs an argument: ") {
		return usagef("%s needs a value", strings.TrimPrefix(msg, "flag needs an argument: "))
	}
	return usageError{msg}
}

// listFlag collects a repeatable string flag.
type listFlag []string

func (l *listFlag) String() string     { return strings.Join(*l, ",") }
func (l *listFlag) Set(v string) error { *l = append(*l, v); return nil }

// parseInterval reads "1s", "500ms", or a bare number of seconds; 0 is off.
func parseInterval(s string) (time.Duration, error) {
	if s == "0" || s == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil {
		secs, ferr := strconv.ParseFloat(s, 64)
		if ferr != nil {
			return 0, err
		}
		d = time.Duration(secs * float64(time.Second))
	}
	if d < 100*time.Millisecond || d > time.Hour {
		return 0, errors.New("out of range")
	}
	return d, nil
}

func newLogger(w io.Writer, level slog.Level, verbose bool) *slog.Logger {
	if verbose {
		level = slog.LevelDebug
	}
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{Level: level}))
}

// defaultConfigPath is where the studio keeps its settings:
// relaystudio/config.toml in the platform's folder for them (configHome).
func defaultConfigPath() string {
	return filepath.Join(configHome(), "relaystudio", "config.toml")
}

// shownArg is a command-line argument as it may be echoed in a message: a URL
// loses its password and stream key, a flag its value.
func shownArg(a string) string {
	if name, _, ok := strings.Cut(a, "="); ok && strings.HasPrefix(a, "-") {
		return name
	}
	if strings.Contains(a, "://") || strings.Contains(a, "@") {
		return media.RedactURL(a)
	}
	return a
}
