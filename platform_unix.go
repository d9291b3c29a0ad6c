//go:build !windows

package main

import "github.com/adrg/xdg"

// defaultConfigHelp is the default --config, as usage names it.
const defaultConfigHelp = "$XDG_CONFIG_HOME/relaystudio/config.toml,\n                         i.e. ~/.config/relaystudio/config.toml"

// configHome is $XDG_CONFIG_HOME, ~/.config unless set.
func configHome() string { return xdg.ConfigHome }

// attachConsole: a Unix program always has its terminal.
func attachConsole() {}
