package main

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
)

// TestMain fails the package when a command run in-process (probe, relay
// with a bad flag, config) leaves a goroutine behind. Fyne's driver starts
// its event queue when the package loads: that one is not ours to stop.
func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m, goleak.IgnoreTopFunction("fyne.io/fyne/v2/internal/async.(*UnboundedChan[...]).processing"))
}

const secretKey = "sk-live-9f8e7d6c"

func runCLI(args ...string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func TestParseRelayFlags(t *testing.T) {
	opt, err := parseRelayFlags([]string{
		"--input", "rtsp://admin:pw@192.0.2.10:554/ch1", "--output", "rtmp://127.0.0.1/live/" + secretKey,
		"--video", "h264", "--size", "x720", "--fps", "30", "--bitrate", "2.5M", "--preset", "faster",
		"--keyint", "2s", "--audio", "aac", "--audio-bitrate", "96k", "--rtsp-transport", "tcp", "--stats", "1s",
	})
	if err != nil {
		t.Fatal(err)
	}
	c := opt.cfg
	want := relay.VideoConfig{Mode: relay.VideoH264, Size: media.Size{Height: 720}, FPS: 30, Bitrate: 2_500_000, Preset: "faster", KeyframeInterval: 2 * time.Second}
	if c.Video != want {
		t.Errorf("video = %+v, want %+v", c.Video, want)
	}
	if c.Audio != (relay.AudioConfig{Mode: relay.AudioAAC, Bitrate: 96_000}) || c.RTSPTransport != "tcp" || opt.stats != time.Second {
		t.Errorf("audio %+v transport %q stats %v", c.Audio, c.RTSPTransport, opt.stats)
	}
	if len(c.Destinations) != 1 || c.Destinations[0].URL != "rtmp://127.0.0.1/live/"+secretKey {
		t.Errorf("destinations = %+v", c.Destinations)
	}

	if c.Slate != (relay.SlateConfig{After: 2 * time.Second, GiveUp: 30 * time.Minute}) || c.Record != (relay.RecordConfig{Split: time.Hour}) {
		t.Errorf("slate %+v record %+v: want the defaults", c.Slate, c.Record)
	}
	opt, err = parseRelayFlags([]string{"--input", "test://pattern", "--record", "/tmp/rec", "--record-split", "30m",
		"--slate-after", "5s", "--slate-give-up", "2h"})
	if err != nil {
		t.Fatal(err)
	}
	if c := opt.cfg; len(c.Destinations) != 0 || c.Record != (relay.RecordConfig{Dir: "/tmp/rec", Split: 30 * time.Minute}) ||
		c.Slate != (relay.SlateConfig{After: 5 * time.Second, GiveUp: 2 * time.Hour}) {
		t.Errorf("record only: %+v %+v %+v", c.Destinations, c.Record, c.Slate)
	}
	opt, err = parseRelayFlags([]string{"--input", "test://pattern", "--output", "rtmp://a/live/k1", "--output", "rtmps://b/app/k2"})
	if err != nil {
		t.Fatal(err)
	}
	if len(opt.cfg.Destinations) != 2 || opt.cfg.Video.Mode != relay.VideoCopy || opt.stats != 0 {
		t.Errorf("defaults: %+v", opt)
	}
}

func TestBadInputExitsWithUsage(t *testing.T) {
	out := "rtmp://127.0.0.1/live/" + secretKey
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"unknown flag", []string{"relay", "--input", "test://pattern", "--output", out, "--colour", "red"}, "unknown flag -colour"},
		{"unknown top flag", []string{"--frobnicate"}, "unknown flag --frobnicate"},
		{"unknown command", []string{"stream"}, `unknown command "stream"`},
		{"missing input", []string{"relay", "--output", out}, "missing --input"},
		{"missing output", []string{"relay", "--input", "test://pattern"}, "missing --output"},
		{"input scheme", []string{"relay", "--input", "http://cam/x", "--output", out}, `input scheme "http"`},
		{"input no scheme", []string{"relay", "--input", "192.168.1.2/stream", "--output", out}, "has no scheme"},
		{"malformed input", []string{"relay", "--input", "rtsp://ca m:99999/x", "--output", out}, "not a valid URL"},
		{"output scheme", []string{"relay", "--input", "test://pattern", "--output", "http://x/live/" + secretKey}, `output scheme "http"`},
		{"output without key", []string{"relay", "--input", "test://pattern", "--output", "rtmp://x/live"}, "needs an application and a stream key"},
		{"key without app", []string{"relay", "--input", "test://pattern", "--output", "rtmp://x/" + secretKey}, "needs an application and a stream key"},
		{"output with user", []string{"relay", "--input", "test://pattern", "--output", "rtmp://u:pw@x/live/" + secretKey}, "user:password@ is not supported"},
		{"output with space", []string{"relay", "--input", "test://pattern", "--output", "rtmp://x/live/" + secretKey + " x"}, "spaces"},
		{"url as command", []string{"rtmp://x/live/" + secretKey}, "unknown command"},
		{"url as flag value", []string{"--output=rtmp://x/live/" + secretKey}, "unknown flag --output"},
		{"stray url in run", []string{"run", "rtmp://x/live/" + secretKey}, "run takes no arguments"},
		{"bad port", []string{"relay", "--input", "test://pattern", "--output", "rtmp://x:70000/live/" + secretKey}, "port"},
		{"bitrate", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--bitrate", "fast"}, "--bitrate"},
		{"size", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--size", "1280*720"}, "--size"},
		{"odd size", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--size", "1281x720"}, "even"},
		{"keyint", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--keyint", "soon"}, "--keyint"},
		{"stats", []string{"relay", "--input", "test://pattern", "--output", out, "--stats", "often"}, "--stats"},
		{"preset", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--preset", "placebo"}, "--preset"},
		{"fps", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--fps", "0"}, "--fps"},
		{"video mode", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "vp9"}, "--video"},
		{"audio mode", []string{"relay", "--input", "test://pattern", "--output", out, "--audio", "mp3"}, "audio mode"},
		{"transport", []string{"relay", "--input", "test://pattern", "--output", out, "--rtsp-transport", "sctp"}, "rtsp transport"},
		{"copy with size", []string{"relay", "--input", "test://pattern", "--output", out, "--size", "1280x720"}, "--size needs --video h264"},
		{"slate", []string{"relay", "--input", "test://pattern", "--output", out, "--slate", "maybe"}, `--slate "maybe": want on or off`},
		{"slate after", []string{"relay", "--input", "test://pattern", "--output", out, "--slate-after", "100ms"}, "--slate-after: slate after \"100ms\": must be between 0.5s and 60s"},
		{"slate give-up", []string{"relay", "--input", "test://pattern", "--output", out, "--slate-give-up", "forever"}, "--slate-give-up: slate give-up \"forever\": want a duration"},
		{"slate image missing", []string{"relay", "--input", "test://pattern", "--output", out, "--slate-image", "/nowhere/slate.png"}, "--slate-image: slate image /nowhere/slate.png: no such file"},
		{"slate off with image", []string{"relay", "--input", "test://pattern", "--output", out, "--slate", "off", "--slate-image", "x.png"}, "--slate-image needs the slate on"},
		{"record split alone", []string{"relay", "--input", "test://pattern", "--output", out, "--record-split", "10m"}, "--record-split needs --record DIR"},
		{"record split", []string{"relay", "--input", "test://pattern", "--record", "/tmp/rec", "--record-split", "1s"}, "--record-split: record split \"1s\": must be between 10s and 24h"},
		{"logo in copy mode", []string{"relay", "--input", "test://pattern", "--output", out, "--logo", "x.png"}, "--logo needs --video h264"},
		{"logo missing", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--logo", "/nowhere/logo.png"}, "--logo: logo /nowhere/logo.png: no such file"},
		{"text colour", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--text", "hi", "--text-colour", "red"}, `--text-colour: text colour "red": want #RRGGBB`},
		{"logo position", []string{"relay", "--input", "test://pattern", "--output", out, "--video", "h264", "--logo-position", "left"}, `--logo-position: logo position "left": want top-left`},
		{"no output nor record", []string{"relay", "--input", "test://pattern"}, "or --record DIR to record only"},
		{"flag without value", []string{"relay", "--input"}, "-input needs a value"},
		{"stray argument", []string{"relay", "--input", "test://pattern", "--output", out, "extra"}, "unexpected argument"},
		{"probe without url", []string{"probe"}, "probe needs a source URL"},
		{"probe bad url", []string{"probe", "rtmp://x/live/" + secretKey}, `input scheme "rtmp"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, stdout, stderr := runCLI(c.args...)
			if code != exitUsage {
				t.Errorf("exit code %d, want %d (stderr %q)", code, exitUsage, stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Errorf("stderr %q does not mention %q", stderr, c.want)
			}
			if n := strings.Count(strings.TrimSpace(stderr), "\n"); n != 0 {
				t.Errorf("want one line, got %d:\n%s", n+1, stderr)
			}
			if strings.Contains(stderr+stdout, secretKey) {
				t.Errorf("the stream key leaked: %q", stderr)
			}
		})
	}
}

func TestVersionAndHelp(t *testing.T) {
	code, stdout, _ := runCLI("--version")
	if code != 0 || !regexp.MustCompile(`^relaystudio \S+\nbuilt with FFmpeg 5\.1\S* and x264 \(GPL`).MatchString(stdout) {
		t.Errorf("--version: %d %q", code, stdout)
	}
	code, stdout, _ = runCLI("--help")
	if code != 0 || !strings.Contains(stdout, "Exit codes:") || !strings.Contains(stdout, "relaystudio relay --input URL --output URL") {
		t.Errorf("--help: %d %q", code, stdout)
	}
	code, stdout, _ = runCLI("relay", "--help")
	if code != 0 || !strings.Contains(stdout, "--audio-bitrate") {
		t.Errorf("relay --help: %d", code)
	}
}
