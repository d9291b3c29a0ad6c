package main

// relaystudio config: where the settings file is, check, export, import,
// the API's token.

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/rtsp"
	"github.com/relaystudio/relaystudio/media/testsrc"
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
		case s.Video.Mode != settings.VideoCopy || !hasPlatform(s):
		case s.IsTestPattern():
			cam = testPatternFacts()
		case !probe:
			unchecked = unchecked || copiesToRules(s)
		case ctx.Err() == nil:
			fmt.Fprintf(stderr, "probing camera of stream %q …\n", s.Name)
			facts, err := probeCamera(ctx, s)
			if err != nil {
				fmt.Fprintf(stderr, "warning: stream %q: cannot probe the camera: %s\n", s.Name, oneLine(scrubPassword(err.Error(), s.Source)))
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

// hasPlatform reports whether an enabled destination of s goes to a known
// platform.
func hasPlatform(s settings.Stream) bool {
	for _, d := range s.Destinations {
		if _, ok := settings.PlatformOf(d); ok && d.Enabled {
			return true
		}
	}
	return false
}

// copiesToRules reports whether an enabled destination of s, a copied
// camera, has a keyframe or bitrate rule the camera may break.
func copiesToRules(s settings.Stream) bool {
	for _, d := range s.Destinations {
		if p, ok := settings.PlatformOf(d); ok && d.Enabled && (p.Rules.KeyframeMax > 0 || p.Rules.VideoMaxKbps > 0) {
			return true
		}
	}
	return false
}

// testPatternFacts describes the built-in test pattern.
func testPatternFacts() *settings.CameraFacts {
	d := (&testsrc.Source{}).Describe()
	return factsOf(d.Tracks, d.FPS, d.KeyframeInterval, d.VideoBitrate)
}

// probeCamera watches the camera of s for up to cameraProbeTime. When it
// sent fewer than two keyframes, its GOP is longer than about half the
// time watched (two would have fitted otherwise).
func probeCamera(ctx context.Context, s settings.Stream) (*settings.CameraFacts, error) {
	ctx, cancel := context.WithTimeout(ctx, cameraProbeTime+2*time.Second)
	defer cancel()
	start := time.Now()
	info, err := rtsp.Probe(ctx, rtsp.Source{
		URL: s.Source, Transport: s.RTSPTransport,
		ConnectTimeout: 5 * time.Second, ReadTimeout: 5 * time.Second,
	}, cameraProbeTime)
	if err != nil {
		return nil, err
	}
	facts := factsOf(info.Tracks, info.FPS, info.KeyframeInterval, info.VideoBitrate)
	if info.KeyframeInterval == 0 && time.Since(start) >= cameraProbeTime {
		// Allow half a second for connecting and the first picture.
		facts.KeyframeIntervalAbove = cameraProbeTime/2 - 500*time.Millisecond
	}
	return facts, nil
}

// factsOf turns what a source delivers into CameraFacts.
func factsOf(t media.Tracks, fps float64, keyInt time.Duration, bitrate int) *settings.CameraFacts {
	f := &settings.CameraFacts{FPS: fps, KeyframeInterval: keyInt, VideoKbps: bitrate / 1000, AudioCodec: settings.AudioNoneCodec}
	if v := t.Video; v != nil {
		f.Codec, f.Width, f.Height = v.Codec.String(), v.Width, v.Height
		if v.Codec == media.CodecH264 {
			f.Profile = h264Profile(v.SPS)
		}
	}
	if a := t.Audio; a != nil {
		f.AudioCodec = a.Codec.String()
	}
	return f
}

// h264Profile names the profile of an H.264 SPS (NAL header first), or "".
func h264Profile(sps []byte) string {
	if len(sps) < 3 {
		return ""
	}
	switch sps[1] { // profile_idc
	case 66:
		return settings.ProfileBaseline
	case 77:
		return settings.ProfileMain
	case 88:
		return "extended"
	case 100:
		return settings.ProfileHigh
	case 110:
		return "high10"
	case 122:
		return "high422"
	case 244:
		return "high444"
	}
	return ""
}

// scrubPassword masks the password of source in msg, should a library's
// error quote the URL.
func scrubPassword(msg, source string) string {
	p, err := url.Parse(source)
	if err != nil || p.User == nil {
		return msg
	}
	if pw, ok := p.User.Password(); ok && pw != "" {
		msg = strings.ReplaceAll(msg, pw, "xxxxx")
	}
	return msg
}

// oneLine joins the lines of msg.
func oneLine(msg string) string {
	return strings.Join(strings.Fields(msg), " ")
}
