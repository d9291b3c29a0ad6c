package main

import (
	"os"

	"golang.org/x/sys/windows"
)

// defaultConfigHelp is the default --config, as usage names it.
const defaultConfigHelp = `%APPDATA%\relaystudio\config.toml,
                         i.e. C:\Users\NAME\AppData\Roaming\relaystudio\config.toml`

// configHome is the user's roaming application data folder (%APPDATA%),
// which follows the user to other machines of a domain: settings belong
// there (adrg/xdg would pick %LOCALAPPDATA%). XDG_CONFIG_HOME still wins
// when set, as on Linux: the tests use it.
func configHome() string {
	if dir := os.Getenv("XDG_CONFIG_HOME"); dir != "" {
		return dir
	}
	if dir, err := os.UserConfigDir(); err == nil {
		return dir
	}
	return "."
}

var (
	kernel32          = windows.NewLazySystemDLL("kernel32.dll")
	getConsoleWindow  = kernel32.NewProc("GetConsoleWindow")
	attachConsoleProc = kernel32.NewProc("AttachConsole")
)

// attachParentProcess is AttachConsole's ATTACH_PARENT_PROCESS, (DWORD)-1.
const attachParentProcess = ^uintptr(0) & 0xFFFFFFFF

// attachConsole gives the windowed build (relaystudio.exe, which Windows
// starts without a console so that the Start menu never flashes one) the
// console of the cmd or PowerShell it was typed in, so a sub-command's
// output shows there. Output already redirected to a file or pipe stays
// where it goes. The shell does not wait for a windowed program, though:
// relaystudio.com, the console build beside it, is what `relaystudio`
// typed in a shell finds first (.COM comes before .EXE in PATHEXT), and it
// has its own console, exit code and Ctrl-C.
func attachConsole() {
	if hwnd, _, _ := getConsoleWindow.Call(); hwnd != 0 {
		return // the console build, or already attached
	}
	if ok, _, _ := attachConsoleProc.Call(attachParentProcess); ok == 0 {
		return // started from Explorer or a shortcut: nobody to print to
	}
	for _, std := range []struct {
		handle uint32
		file   **os.File
		name   string
	}{
		{windows.STD_OUTPUT_HANDLE, &os.Stdout, "/dev/stdout"},
		{windows.STD_ERROR_HANDLE, &os.Stderr, "/dev/stderr"},
	} {
		if h, err := windows.GetStdHandle(std.handle); err == nil && h != 0 && h != windows.InvalidHandle {
			if t, err := windows.GetFileType(h); err == nil && t != windows.FILE_TYPE_UNKNOWN {
				continue // redirected: keep it
			}
		}
		con, err := os.OpenFile("CONOUT$", os.O_WRONLY, 0)
		if err != nil {
			return
		}
		windows.SetStdHandle(std.handle, windows.Handle(con.Fd()))
		*std.file = con
	}
}
