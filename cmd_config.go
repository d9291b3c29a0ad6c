package main

// relaystudio config: where the settings file is, check, export, import,
// the API's token.

import (
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/relaystudio/relaystudio/settings"
)

func cmdConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config")
	path := fs.String("config", "", "")
	renew := fs.Bool("new", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *path == "" {
		*path = defaultConfigPath()
	}
	if len(pos) == 0 {
		return usagef("config needs an action: path, check, export, import FILE or token")
	}
	want := map[string]int{"path": 1, "check": 1, "export": 1, "import": 2, "token": 1}
	if n, ok := want[pos[0]]; !ok {
		return usagef("config %q: want path, check, export, import FILE or token", shownArg(pos[0]))
	} else if len(pos) != n {
		if pos[0] == "import" {
			return usagef("config import needs the file to merge: relaystudio config import FILE")
		}
		return usagef("config %s takes no further arguments", pos[0])
	}
	if *renew && pos[0] != "token" {
		return usagef("--new goes with config token (it makes a new API token)")
	}
	switch pos[0] {
	case "token":
		return configToken(*path, *renew, stdout, stderr)
	case "path":
		fmt.Fprintln(stdout, *path)
		return nil
	case "check":
		if err := settings.Check(*path); err != nil {
			return err
		}
		if p := settings.PrivacyProblem(*path); p != "" {
			fmt.Fprintf(stderr, "warning: %s\n", p)
		}
		fmt.Fprintf(stdout, "%s: OK\n", *path)
		return nil
	case "export":
		cfg, err := settings.Load(*path)
		if err != nil {
			return err
		}
		return cfg.Export(stdout)
	default: // import
		other, err := settings.Load(pos[1])
		if err != nil {
			return err
		}
		cfg, err := settings.Load(*path)
		if errors.Is(err, os.ErrNotExist) {
			// A new computer: the imported streams are the whole setup.
			cfg, err = settings.Default(), nil
			cfg.Streams = nil
		}
		if err != nil {
			return err
		}
		cfg.Merge(other)
		if err := cfg.Save(*path); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "merged %s into %s\n", pos[1], *path)
		return nil
	}
}
