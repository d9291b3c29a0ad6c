package main

// relaystudio config: where the settings file is, check, export, import,
// the API's token.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

func cmdConfig(args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("config")
	path := fs.String("config", "", "")
	renew := fs.Bool("new", false, "")
	probe := fs.Bool("probe", false, "")
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
	if *probe && pos[0] != "check" {
		return usagef("--probe goes with config check (it probes the cameras of the streams in video copy mode)")
	}
	switch pos[0] {
	case "token":
		return configToken(*path, *renew, stdout, stderr)
	case "path":
		fmt.Fprintln(stdout, *path)
		return nil
	case "check":
		cfg, err := settings.Load(*path)
		if err != nil {
			return err
		}
		if p := settings.PrivacyProblem(*path); p != "" {
			fmt.Fprintf(stderr, "warning: %s\n", p)
		}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		checkRules(ctx, cfg, *probe, stderr)
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

// cameraProbeTime bounds the probe of one camera by config check --probe:
// long enough for two keyframes of a GOP up to half of it.
const cameraProbeTime = 6 * time.Second

// checkRules prints, as warnings on stderr, the rules of the platforms that
// the streams break (settings.Stream.Violations). The cameras of streams in
// video copy mode are probed when probe is set (the test pattern is known
// without); otherwise one note says their own GOP and bitrate go unchecked.
// Rules are advice: the settings are valid either way.
func checkRules(ctx context.Context, cfg *settings.Config, probe bool, stderr io.Writer) {
	unchecked := false
	for _, s := range cfg.Streams {
		var cam *settings.CameraFacts
		switch {
		case s.Video.Mode != settings.VideoCopy || !toPlatform(s, func(settings.Rules) bool { return true }):
		case !probe && !s.IsTestPattern():
			unchecked = unchecked || toPlatform(s, func(r settings.Rules) bool { return r.KeyframeMax > 0 || r.VideoMaxKbps > 0 })
		case ctx.Err() == nil:
			if !s.IsTestPattern() {
				fmt.Fprintf(stderr, "probing camera of stream %q …\n", s.Name)
			}
			facts, err := probeCamera(ctx, s)
			if err != nil { // the probe's errors never hold the password
				fmt.Fprintf(stderr, "warning: stream %q: cannot probe the camera: %s\n", s.Name, strings.Join(strings.Fields(err.Error()), " "))
				break
			}
			cam = facts
		}
		for _, v := range s.Violations(cam) {
			fmt.Fprintf(stderr, "warning: stream %q → destination %q: %s %s\n", v.Stream, v.Destination, v.Message, v.Advice)
		}
	}
	if unchecked {
		fmt.Fprintln(stderr, "note: streams in video copy mode send the camera's own keyframe interval (GOP) and bitrate; "+
			"they are checked against the platforms' rules once the stream is live, or now with `relaystudio config check --probe`")
	}
}

// toPlatform reports whether an enabled destination of s goes to a known
// platform whose rules satisfy has.
func toPlatform(s settings.Stream, has func(settings.Rules) bool) bool {
	for _, d := range s.Destinations {
		if p, ok := settings.PlatformOf(d); ok && d.Enabled && has(p.Rules) {
			return true
		}
	}
	return false
}

// probeCamera describes the source of s as `relaystudio probe` does,
// watching a camera for up to cameraProbeTime. When it sent fewer than two
// keyframes, its GOP is longer than about half the time watched (two would
// have fitted otherwise), less half a second for connecting.
func probeCamera(ctx context.Context, s settings.Stream) (*settings.CameraFacts, error) {
	info, err := relay.Probe(ctx, relay.ProbeConfig{Input: s.Source, RTSPTransport: s.RTSPTransport, Duration: cameraProbeTime})
	if err != nil {
		return nil, err
	}
	v := info.Video
	f := &settings.CameraFacts{
		Codec: v.Codec, Profile: v.Profile, Width: v.Width, Height: v.Height, FPS: v.FPS,
		KeyframeInterval: time.Duration(v.KeyframeIntervalSeconds * float64(time.Second)),
		VideoKbps:        int(v.BitrateKbps), AudioCodec: settings.AudioNoneCodec,
	}
	if at := v.KeyframeIntervalAtLeast; at > 0 {
		f.KeyframeIntervalAbove = time.Duration(at*float64(time.Second))/2 - 500*time.Millisecond
	}
	if a := info.Audio; a != nil {
		f.AudioCodec = a.Codec
	}
	return f, nil
}
