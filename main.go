// Command relaystudio is Relay Studio: a desktop streaming studio that relays
// IP cameras (RTSP) to YouTube, Twitch, Facebook or any RTMP(S) server. Run
// without arguments it opens the studio window; its sub-commands run the same
// engine headless.
//
// Where things are, one hop from here:
//   - this package: the command line, a file per sub-command (cmd_relay.go,
//     cmd_probe.go, cmd_run.go, cmd_config.go, cmd_window.go) and their
//     shared plumbing (flags.go);
//   - ui: the window;
//   - studio: the streams of a settings file (start, stop, apply a change,
//     autostart, events), which the window and `relaystudio run` share;
//   - settings: the settings file;
//   - media/relay: one running stream (camera → renditions → destinations),
//     built on media/rtsp (cameras), media/codec (FFmpeg), media/rtmp
//     (destinations), media/testsrc (the test pattern) and media (the types,
//     limits and defaults they share).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/discover"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// version is set at build time from FyneApp.toml (see the Makefile).
var version = "dev"

// Exit codes, documented in usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usageText = `Relay Studio @VERSION@: relay IP cameras to YouTube, Twitch, Facebook or any RTMP(S) server.

Usage:
  relaystudio [--config FILE]               open the studio window
  relaystudio relay --input URL --output URL [--record DIR] [flags]
                                            run one relay until Ctrl-C / SIGTERM, then stop cleanly
  relaystudio probe [--json] URL            describe a source: video codec, size, fps, keyframe
                                            interval, audio; exit non-zero if unreachable
  relaystudio run [--config FILE] [--api HOST:PORT]
                                            run the saved studio headless: start every stream with
                                            autostart = true, print stats, stop on Ctrl-C / SIGTERM
  relaystudio config path|check [--probe]|export|import FILE|token [--new] [--config FILE]
                                            where the settings file is; validate it and warn of the
                                            platforms' rules its streams break (--probe: also measure
                                            the cameras of streams in video copy mode, up to 6 s
                                            each); print it without keys and passwords; merge a file
                                            into it; print the API's token (made if missing; --new
                                            replaces it)
  relaystudio discover [--json] [--address HOST[:PORT]] [--user USER --password-file FILE]
                                            find ONVIF cameras on the local networks (or at one
                                            address) and, with their user and password, list
                                            their streams' RTSP addresses
  relaystudio --version | --help

Relay flags:
  --input URL            rtsp://[user:pass@]host[:port]/path, rtsps://..., or test://pattern
  --output URL           rtmp(s)://host[:port]/app/STREAM-KEY (repeat for several destinations)
  --name NAME            the stream's name, in the logs and on the slate (default relay)
  --video copy|h264      copy the camera's H.264 as is (default), or re-encode with x264
  --size WxH             output size for h264, e.g. 1280x720, or x720 to keep the aspect ratio
  --fps N                output frame rate for h264 (default: the camera's)
  @BITRATE@video bitrate for h264
  @PRESET@x264 preset: @PRESETS@
  @KEYINT@keyframe interval for h264 (platforms want 2s)
  --audio auto|copy|aac|silent|none
                         auto copies AAC, converts other codecs to AAC, and adds
                         silent AAC when the camera has no audio (default)
  @AUDIO_BITRATE@bitrate of re-encoded AAC
  --rtsp-transport auto|tcp|udp
  --logo FILE            a PNG or JPEG logo over the picture (h264); --logo-position top-left|
                         top-right|bottom-left|bottom-right|center, --logo-width N, --logo-opacity 0.8
  --text TEXT            a line of text over the picture (h264); --text-position, --text-size N,
                         --text-colour #RRGGBB, --text-box (a dark box behind it); --overlay-margin N
  --clock                the time of day over the picture (h264)
  --slate on|off         while the camera is away, send a picture and silence so that
                         platforms keep the broadcast (default on)
  --slate-image FILE     a PNG or JPEG picture for the slate (default: a card with a clock)
  @SLATE_AFTER@without pictures before the slate
  @SLATE_GIVE_UP@on slate before the relay stops with an error
  --record DIR           record what goes out into DIR (fragmented MP4, one file per
                         --record-split); with no --output, only record
  @RECORD_SPLIT@a new file after this long
  --stats 1s             print one JSON line of stats to stdout per interval (0 = off)
  --verbose              more detailed logs
  Logs go to stderr. Stream keys and passwords are never printed.
  A lost camera or destination is reconnected by itself (1 s, 2 s, 4 s ... up to 30 s;
  while the slate is on, the camera is asked every 0.5 s whether it is back);
  a camera that stops sending for 5 s is reconnected too.

Run flags:
  --config FILE          the settings file (default: @CONFIG@);
                         created with a test pattern if missing
  @RUN_STATS@print one JSON line of stats per stream per interval (0 = off)
  --api HOST:PORT        serve the HTTP API, /metrics, the web monitor and Local HLS there,
                         e.g. 127.0.0.1:8770 (port 0: any free one; the log says which), and
                         run until stopped even with no stream to autostart. Every request
                         needs the token (config token); another computer's address needs one
                         made first. No TLS: keep it on loopback or behind a TLS proxy.
  --verbose              more detailed logs

Probe flags:
  --json                 print JSON instead of text
  --rtsp-transport auto|tcp|udp
  @PROBE_TIMEOUT@how long to watch the source

Discover flags:
  --json                 print JSON instead of text
  @DISCOVER_TIMEOUT@how long to wait for cameras to answer
  --address HOST[:PORT]  probe one camera (on another subnet; PORT is its discovery port, 3702)
                         instead of the local networks; an http:// URL is its ONVIF address
  --user USER            the cameras' ONVIF user: lists each camera's profiles and stream URLs
  --password-file FILE   a file holding the password (never on the command line)
  It exits 0 when it ran, also when no camera answered; 1 when no probe could be
  sent or a camera did not list its streams.

Exit codes:
  0  clean stop (Ctrl-C or SIGTERM)
  1  failure: the camera refused the user, password or path at the first connection,
     or the stream could not be set up
  2  bad usage: unknown flag, malformed URL or value
`

// usage is the --help text, with the flags' defaults as the flags have
// them.
func usage() string {
	flag := func(name, def string) string { return fmt.Sprintf("%-23s", name+" "+def) }
	return strings.NewReplacer(
		"@VERSION@", version,
		"@BITRATE@", flag("--bitrate", defaultBitrate),
		"@PRESET@", flag("--preset", media.DefaultPreset),
		"@PRESETS@", strings.Join(media.Presets, ", "),
		"@KEYINT@", flag("--keyint", defaultKeyint),
		"@AUDIO_BITRATE@", flag("--audio-bitrate", defaultAudioBitrate),
		"@SLATE_AFTER@", flag("--slate-after", defaultSlateAfter),
		"@SLATE_GIVE_UP@", flag("--slate-give-up", defaultSlateGiveUp),
		"@RECORD_SPLIT@", flag("--record-split", settings.DefaultRecordSplit),
		"@CONFIG@", defaultConfigHelp,
		"@RUN_STATS@", flag("--stats", runStatsEvery.String()),
		"@PROBE_TIMEOUT@", flag("--timeout", probeTimeout.String()),
		"@DISCOVER_TIMEOUT@", flag("--timeout", discover.DefaultProbeTimeout.String()),
	).Replace(usageText)
}

func main() {
	if !opensWindow(os.Args[1:]) {
		attachConsole()
	}
	stopProfiling := startProfiling(os.Stderr)
	code := run(os.Args[1:], os.Stdout, os.Stderr)
	stopProfiling()
	os.Exit(code)
}

// opensWindow: no sub-command, only the window's flags.
func opensWindow(args []string) bool {
	return len(args) == 0 || args[0] == "--config" || strings.HasPrefix(args[0], "--config=") || args[0] == "--verbose"
}

// usageError is a mistake on the command line: exit code 2.
type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

func usagef(format string, a ...any) error { return usageError{fmt.Sprintf(format, a...)} }

func run(args []string, stdout, stderr io.Writer) int {
	var err error
	switch {
	case opensWindow(args):
		err = cmdWindow(args, stderr)
	case args[0] == "relay":
		err = cmdRelay(args[1:], stdout, stderr)
	case args[0] == "probe":
		err = cmdProbe(args[1:], stdout, stderr)
	case args[0] == "run":
		err = cmdRun(args[1:], stdout, stderr)
	case args[0] == "discover":
		err = cmdDiscover(args[1:], stdout, stderr)
	case args[0] == "config":
		err = cmdConfig(args[1:], stdout, stderr)
	case args[0] == "--version" || args[0] == "-version" || args[0] == "version":
		fmt.Fprintf(stdout, "relaystudio %s\nbuilt with %s\n", version, codec.FFmpegBuild())
		return exitOK
	case args[0] == "--help" || args[0] == "-help" || args[0] == "-h" || args[0] == "help":
		fmt.Fprint(stdout, usage())
		return exitOK
	case strings.HasPrefix(args[0], "-"):
		err = usagef("unknown flag %s: see 'relaystudio --help'", shownArg(args[0]))
	default:
		err = usagef("unknown command %q: use relay, probe, run, discover or config (see 'relaystudio --help')", shownArg(args[0]))
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprint(stdout, usage())
		return exitOK
	case errors.As(err, new(usageError)) || errors.Is(err, relay.ErrInvalid):
		fmt.Fprintf(stderr, "relaystudio: %s\n", strings.TrimPrefix(err.Error(), relay.ErrInvalid.Error()+": "))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "relaystudio: %s\n", err)
		return exitFailure
	}
}
