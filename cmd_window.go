package main

// relaystudio with no sub-command: the studio window.

import (
	"io"
	"log/slog"

	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/ui"
)

// cmdWindow opens the studio window on the settings file (--config FILE,
// or the XDG default) and returns when it is closed.
func cmdWindow(args []string, stderr io.Writer) error {
	fs := newFlagSet("window")
	path := fs.String("config", "", "")
	verbose := fs.Bool("verbose", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("unexpected argument %q: see 'relaystudio --help'", shownArg(pos[0]))
	}
	if *path == "" {
		*path = defaultConfigPath()
	}
	log := newLogger(stderr, slog.LevelInfo, *verbose)
	codec.SetLogger(log)
	return ui.Run(ui.Options{ConfigPath: *path, Logger: log, Version: version})
}
