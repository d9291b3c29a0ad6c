// Command relaystudio is Relay Studio: a desktop streaming studio that relays
// IP cameras (RTSP) to YouTube, Twitch, Facebook or any RTMP(S) server. Run
// without arguments it opens the studio window; its sub-commands run the same
// engine headless.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/ui"
)

// version is set at build time from FyneApp.toml (see the Makefile).
var version = "dev"

// Exit codes, documented in usage.
const (
	exitOK      = 0
	exitFailure = 1
	exitUsage   = 2
)

const usage = `Relay Studio %s: relay IP cameras to YouTube, Twitch, Facebook or any RTMP(S) server.

Usage:
  relaystudio [--config FILE]               open the studio window
  relaystudio relay --input URL --output URL [flags]
                                            run one relay until Ctrl-C / SIGTERM, then stop cleanly
  relaystudio probe [--json] URL            describe a source: video codec, size, fps, keyframe
                                            interval, audio; exit non-zero if unreachable
  relaystudio run [--config FILE]           run the saved studio headless: start every stream with
                                            autostart = true, print stats, stop on Ctrl-C / SIGTERM
  relaystudio config path|check|export|import FILE [--config FILE]
                                            where the settings file is; validate it; print it without
                                            keys and passwords; merge a file into it
  relaystudio --version | --help

Relay flags:
  --input URL            rtsp://[user:pass@]host[:port]/path, rtsps://..., or test://pattern
  --output URL           rtmp(s)://host[:port]/app/STREAM-KEY (repeat for several destinations)
  --video copy|h264      copy the camera's H.264 as is (default), or re-encode with x264
  --size WxH             output size for h264, e.g. 1280x720, or x720 to keep the aspect ratio
  --fps N                output frame rate for h264 (default: the camera's)
  --bitrate 2500k        video bitrate for h264
  --preset veryfast      x264 preset: ultrafast, superfast, veryfast, faster, fast, medium
  --keyint 2s            keyframe interval for h264 (platforms want 2s)
  --audio auto|copy|aac|silent|none
                         auto copies AAC, converts other codecs to AAC, and adds
                         silent AAC when the camera has no audio (default)
  --audio-bitrate 128k   bitrate of re-encoded AAC
  --rtsp-transport auto|tcp|udp
  --stats 1s             print one JSON line of stats to stdout per interval (0 = off)
  --verbose              more detailed logs
  Logs go to stderr. Stream keys and passwords are never printed.
  A lost camera or destination is reconnected by itself (1 s, 2 s, 4 s ... up to 30 s);
  a camera that stops sending for 5 s is reconnected too.

Run flags:
  --config FILE          the settings file (default: %s);
                         created with a test pattern if missing
  --stats 5s             print one JSON line of stats per stream per interval (0 = off)
  --verbose              more detailed logs

Probe flags:
  --json                 print JSON instead of text
  --rtsp-transport auto|tcp|udp
  --timeout 10s          how long to watch the source

Exit codes:
  0  clean stop (Ctrl-C or SIGTERM)
  1  failure: the camera refused the user, password or path at the first connection,
     or the stream could not be set up
  2  bad usage: unknown flag, malformed URL or value
`

func main() {
	if !opensWindow(os.Args[1:]) {
		attachConsole()
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
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
	case args[0] == "config":
		err = cmdConfig(args[1:], stdout, stderr)
	case args[0] == "--version" || args[0] == "-version" || args[0] == "version":
		fmt.Fprintf(stdout, "relaystudio %s\nbuilt with %s\n", version, codec.FFmpegBuild())
		return exitOK
	case args[0] == "--help" || args[0] == "-help" || args[0] == "-h" || args[0] == "help":
		fmt.Fprintf(stdout, usage, version, defaultConfigHelp)
		return exitOK
	case strings.HasPrefix(args[0], "-"):
		err = usagef("unknown flag %s: see 'relaystudio --help'", shownArg(args[0]))
	default:
		err = usagef("unknown command %q: use relay, probe, run or config (see 'relaystudio --help')", shownArg(args[0]))
	}
	switch {
	case err == nil:
		return exitOK
	case errors.Is(err, flag.ErrHelp):
		fmt.Fprintf(stdout, usage, version, defaultConfigHelp)
		return exitOK
	case errors.As(err, new(usageError)) || errors.Is(err, relay.ErrInvalid):
		fmt.Fprintf(stderr, "relaystudio: %s\n", strings.TrimPrefix(err.Error(), relay.ErrInvalid.Error()+": "))
		return exitUsage
	default:
		fmt.Fprintf(stderr, "relaystudio: %s\n", err)
		return exitFailure
	}
}

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

// relayOptions is what the relay sub-command was asked to do.
type relayOptions struct {
	cfg     relay.Config
	stats   time.Duration
	verbose bool
}

// parseRelayFlags turns the relay sub-command's arguments into a validated
// stream configuration.
func parseRelayFlags(args []string) (relayOptions, error) {
	fs := newFlagSet("relay")
	var (
		outputs                                               listFlag
		input, videoMode, size, bitrate, preset, keyint       string
		audioMode, audioBitrate, transport, statsEvery, fpsIn string
		verbose                                               bool
	)
	fs.StringVar(&input, "input", "", "")
	fs.Var(&outputs, "output", "")
	fs.StringVar(&videoMode, "video", "copy", "")
	fs.StringVar(&size, "size", "", "")
	fs.StringVar(&fpsIn, "fps", "", "")
	fs.StringVar(&bitrate, "bitrate", "2500k", "")
	fs.StringVar(&preset, "preset", media.DefaultPreset, "")
	fs.StringVar(&keyint, "keyint", "2s", "")
	fs.StringVar(&audioMode, "audio", "auto", "")
	fs.StringVar(&audioBitrate, "audio-bitrate", "128k", "")
	fs.StringVar(&transport, "rtsp-transport", "auto", "")
	fs.StringVar(&statsEvery, "stats", "0", "")
	fs.BoolVar(&verbose, "verbose", false, "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return relayOptions{}, err
	}
	if len(pos) > 0 {
		return relayOptions{}, usagef("unexpected argument %q: give the source with --input and the ingest with --output", shownArg(pos[0]))
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })

	opt := relayOptions{verbose: verbose}
	c := &opt.cfg
	c.Name = "relay"
	c.Input = input
	c.RTSPTransport = transport
	if input == "" {
		return opt, usagef("missing --input: give a camera URL (rtsp://user:pass@host/path) or test://pattern")
	}
	if len(outputs) == 0 {
		return opt, usagef("missing --output: give an ingest URL such as rtmp://a.rtmp.youtube.com/live2/STREAM-KEY")
	}
	for _, o := range outputs {
		c.Destinations = append(c.Destinations, relay.Destination{URL: o})
	}

	c.Video.Mode = relay.VideoMode(videoMode)
	if c.Video.Mode != relay.VideoCopy && c.Video.Mode != relay.VideoH264 {
		return opt, usagef("--video %q: want copy or h264", videoMode)
	}
	if c.Video.Mode == relay.VideoCopy {
		for _, f := range []string{"size", "fps", "bitrate", "preset", "keyint"} {
			if set[f] {
				return opt, usagef("--%s needs --video h264: copy mode passes the camera's video through untouched", f)
			}
		}
	}
	if c.Video.Size, err = media.ParseSize(size); err != nil {
		return opt, usagef("--size: %v", err)
	}
	if fpsIn != "" {
		fps, err := strconv.ParseFloat(strings.TrimSpace(fpsIn), 64)
		if err != nil || !(fps >= 1 && fps <= 120) {
			return opt, usagef("--fps %q: want a frame rate between 1 and 120, e.g. 30", fpsIn)
		}
		c.Video.FPS = fps
	}
	if c.Video.Bitrate, err = media.ParseBitrate(bitrate); err != nil {
		return opt, usagef("--bitrate: %v", err)
	}
	if err := media.CheckPreset(preset); err != nil {
		return opt, usagef("--preset: %v", err)
	}
	c.Video.Preset = preset
	if c.Video.KeyframeInterval, err = media.ParseKeyframeInterval(keyint); err != nil {
		return opt, usagef("--keyint: %v", err)
	}
	c.Audio.Mode = relay.AudioMode(audioMode)
	if c.Audio.Bitrate, err = media.ParseBitrate(audioBitrate); err != nil {
		return opt, usagef("--audio-bitrate: %v", err)
	}
	if opt.stats, err = parseInterval(statsEvery); err != nil {
		return opt, usagef("--stats %q: want an interval such as 1s, or 0 for none", statsEvery)
	}
	if err := c.Validate(); err != nil {
		return opt, err
	}
	return opt, nil
}

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

func cmdRelay(args []string, stdout, stderr io.Writer) error {
	opt, err := parseRelayFlags(args)
	if err != nil {
		return err
	}
	log := newLogger(stderr, slog.LevelInfo, opt.verbose)
	codec.SetLogger(log)
	opt.cfg.Logger = log

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	r, err := relay.New(opt.cfg)
	if err != nil {
		return err
	}
	if err := r.Start(); err != nil {
		return err
	}
	defer r.Close()

	var tick <-chan time.Time
	if opt.stats > 0 {
		t := time.NewTicker(opt.stats)
		defer t.Stop()
		tick = t.C
	}
	enc := json.NewEncoder(stdout)
	for {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			r.Close()
			return nil
		case <-r.Done():
			return r.Wait()
		case <-tick:
			if err := enc.Encode(r.Stats()); err != nil {
				return fmt.Errorf("cannot write stats: %w", err)
			}
		}
	}
}

func cmdProbe(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("probe")
	asJSON := fs.Bool("json", false, "")
	transport := fs.String("rtsp-transport", "auto", "")
	timeout := fs.Duration("timeout", 10*time.Second, "")
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

// defaultConfigPath is where the studio keeps its settings:
// relaystudio/config.toml in the platform's folder for them (configHome).
func defaultConfigPath() string {
	return filepath.Join(configHome(), "relaystudio", "config.toml")
}

func cmdRun(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("run")
	path := fs.String("config", "", "")
	statsEvery := fs.String("stats", "5s", "")
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
	var relays []*relay.Relay
	defer func() {
		for _, r := range relays {
			r.Close()
		}
	}()
	for _, s := range cfg.Streams {
		if !s.Autostart {
			continue
		}
		rc, err := ui.EngineConfig(s, log)
		if err != nil {
			return fmt.Errorf("%s: stream %q: %v", *path, s.Name, err)
		}
		if len(rc.Destinations) == 0 {
			log.Warn("stream has no enabled destination with a key: it runs without sending anywhere", "stream", s.Name)
		}
		r, err := relay.New(rc)
		if err != nil {
			return fmt.Errorf("%s: stream %q: %v", *path, s.Name, err)
		}
		if err := r.Start(); err != nil {
			return fmt.Errorf("stream %q: %v", s.Name, err)
		}
		relays = append(relays, r)
	}
	if len(relays) == 0 {
		return fmt.Errorf("%s: no stream has autostart = true: nothing to run (set autostart = true on the streams to run headless)", *path)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var tick <-chan time.Time
	if every > 0 {
		t := time.NewTicker(every)
		defer t.Stop()
		tick = t.C
	}
	// A stream that fails stops only itself; run ends when all have.
	failed := make(chan error, len(relays))
	for _, r := range relays {
		go func() {
			<-r.Done()
			failed <- r.Wait()
		}()
	}
	enc := json.NewEncoder(stdout)
	var firstErr error
	for running := len(relays); running > 0; {
		select {
		case <-ctx.Done():
			log.Info("stopping")
			return firstErr
		case err := <-failed:
			running--
			if err != nil {
				log.Error("stream stopped", "error", err)
				if firstErr == nil {
					firstErr = err
				}
			}
		case <-tick:
			for _, r := range relays {
				if err := enc.Encode(r.Stats()); err != nil {
					return fmt.Errorf("cannot write stats: %w", err)
				}
			}
		}
	}
	return firstErr
}

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
	return ui.Run(ui.Options{ConfigPath: *path, Logger: log})
}

func cmdConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config")
	path := fs.String("config", "", "")
	pos, err := parseInterleaved(fs, args)
	if err != nil {
		return err
	}
	if *path == "" {
		*path = defaultConfigPath()
	}
	if len(pos) == 0 {
		return usagef("config needs an action: path, check, export or import FILE")
	}
	want := map[string]int{"path": 1, "check": 1, "export": 1, "import": 2}
	if n, ok := want[pos[0]]; !ok {
		return usagef("config %q: want path, check, export or import FILE", shownArg(pos[0]))
	} else if len(pos) != n {
		if pos[0] == "import" {
			return usagef("config import needs the file to merge: relaystudio config import FILE")
		}
		return usagef("config %s takes no further arguments", pos[0])
	}
	switch pos[0] {
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
