package main

import (
	"bufio"
	"context"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/adrg/xdg"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

func startCamera(t *testing.T, setup func(*fakecam.Camera)) *fakecam.Camera {
	t.Helper()
	return fakecam.StartTest(t, fakecam.ClipConfig{
		Width: 640, Height: 360, FPS: 30, GOP: 60, Duration: 4 * time.Second,
		Audio: media.CodecAAC, SampleRate: 48000, Channels: 2,
	}, setup)
}

func TestProbeDescribesACamera(t *testing.T) {
	cam := startCamera(t, nil)
	code, stdout, stderr := runCLI("probe", "--json", "--rtsp-transport", "tcp", cam.URL())
	if code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var info relay.Info
	if err := json.Unmarshal([]byte(stdout), &info); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	v := info.Video
	if v.Codec != "h264" || v.Width != 640 || v.Height != 360 || !near(v.FPS, 30, 0.5) || !near(v.KeyframeIntervalSeconds, 2, 0.1) {
		t.Errorf("video = %+v", v)
	}
	if a := info.Audio; a == nil || a.Codec != "aac" || a.SampleRate != 48000 || a.Channels != 2 {
		t.Errorf("audio = %+v", a)
	}

	code, stdout, _ = runCLI("probe", cam.URL())
	if code != exitOK || !strings.Contains(stdout, "h264 640x360, 30 fps") || !strings.Contains(stdout, "every 2.00 s") || !strings.Contains(stdout, "aac 48000 Hz, stereo") {
		t.Errorf("text probe (exit %d):\n%s", code, stdout)
	}
}

func near(got, want, tol float64) bool { return got >= want-tol && got <= want+tol }

func TestProbeFailsCleanly(t *testing.T) {
	cam := startCamera(t, func(c *fakecam.Camera) { c.User, c.Pass = "admin", "right" })
	dead := testx.ClosedPort(t)
	wrong := strings.Replace(cam.URL(), "admin:right@", "admin:hunter2@", 1)
	missing := strings.Replace(cam.URL(), "/stream", "/nope", 1)
	for _, c := range []struct{ url, want string }{
		{"rtsp://" + dead + "/ch1", "connection refused"},
		{wrong, "wrong user or password"},
		{missing, "404"},
	} {
		code, stdout, stderr := runCLI("probe", "--timeout", "5s", c.url)
		if code != exitFailure || stdout != "" {
			t.Errorf("%s: exit %d, stdout %q", c.want, code, stdout)
		}
		if !strings.Contains(stderr, c.want) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("want one line naming %q, got %q", c.want, stderr)
		}
		if strings.Contains(stderr, "hunter2") {
			t.Errorf("password leaked: %q", stderr)
		}
	}
}

// TestRelayFailsCleanlyOnAWrongCamera: relay with a wrong password or path
// stops at the first connection with exit 1 and a last line that names the
// problem, without the password or the stream key.
func TestRelayFailsCleanlyOnAWrongCamera(t *testing.T) {
	cam := startCamera(t, func(c *fakecam.Camera) { c.User, c.Pass = "admin", "right" })
	wrong := strings.Replace(cam.URL(), "admin:right@", "admin:hunter2@", 1)
	missing := strings.Replace(cam.URL(), "/stream", "/nope", 1)
	for _, c := range []struct{ url, want string }{
		{wrong, "wrong user or password"},
		{missing, "404"},
	} {
		code, stdout, stderr := runCLI("relay", "--input", c.url, "--output", "rtmp://127.0.0.1:1/live/"+secretKey, "--stats", "0")
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		last := lines[len(lines)-1]
		if code != exitFailure || !strings.Contains(last, c.want) {
			t.Errorf("%s: exit %d, last line %q; want %d and a line naming it\n%s", c.want, code, last, exitFailure, stderr)
		}
		if strings.Contains(stderr+stdout, "hunter2") || strings.Contains(stderr+stdout, secretKey) {
			t.Errorf("a secret leaked:\n%s", stderr)
		}
	}
}

// TestRelayBinary runs the real binary like a person would: a camera to a
// local nginx with stats, stopped by SIGTERM.
func TestRelayBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cam := startCamera(t, nil)
	n := ingest.StartNginx(t, ingest.Options{})

	live := 0
	r := runRelayBinary(t, bin, nil, func(line string, s relay.Stats) bool {
		if strings.Contains(line, secretKey) {
			t.Fatalf("the stream key is in the stats: %s", line)
		}
		if s.State == relay.StateLive && s.Video.Frames > 0 {
			live++
		}
		return live >= 3
	}, "relay", "--input", cam.URL(), "--output", n.URL("live", secretKey),
		"--video", "h264", "--size", "x240", "--bitrate", "600k", "--stats", "500ms")
	if !r.reached {
		t.Fatalf("never live; last stats %+v\nstderr:\n%s", r.last, r.stderr)
	}
	last := r.last
	if last.Video.Width != 426 || last.Video.Height != 240 || last.Destinations[0].State != relay.StateLive {
		t.Errorf("stats: %+v", last)
	}
	if r.exitErr != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", r.exitErr, r.stderr)
	}
	if r.stopping > 3*time.Second {
		t.Errorf("stopping took %v", r.stopping)
	}
	if strings.Contains(r.stderr, secretKey) {
		t.Errorf("the stream key is in the logs:\n%s", r.stderr)
	}
}

// binaryRun is what runRelayBinary saw of one run of the binary.
type binaryRun struct {
	last     relay.Stats   // the last stats line read
	reached  bool          // until returned true
	stderr   string        // the logs
	exitErr  error         // how it exited after SIGTERM
	stopping time.Duration // from SIGTERM to exit
}

// runRelayBinary runs bin with args (and env added to the environment),
// reads its JSON stats lines until until says so or the output ends, then
// stops it with SIGTERM as a person would, and reports what it saw.
func runRelayBinary(t *testing.T, bin string, env []string, until func(line string, s relay.Stats) bool, args ...string) binaryRun {
	t.Helper()
	return runRelayBinaryStoppedBy(t, syscall.SIGTERM, bin, env, until, args...)
}

// runRelayBinaryStoppedBy is runRelayBinary ended by sig instead of SIGTERM.
func runRelayBinaryStoppedBy(t *testing.T, sig os.Signal, bin string, env []string, until func(line string, s relay.Stats) bool, args ...string) binaryRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(os.Environ(), env...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var r binaryRun
	lines := bufio.NewScanner(stdout)
	for !r.reached && lines.Scan() {
		if err := json.Unmarshal(lines.Bytes(), &r.last); err != nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("stats line is not JSON: %v: %s", err, lines.Text())
		}
		r.reached = until(lines.Text(), r.last)
	}
	start := time.Now()
	if err := cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
	}
	r.exitErr = cmd.Wait()
	r.stopping = time.Since(start)
	r.stderr = stderr.String()
	return r
}

// checkArrived reads back with ffprobe what nginx recorded of key, the
// test pattern relayed as H.264 640x360 and AAC 48 kHz, and checks that
// and that at least minDuration of it arrived.
func checkArrived(t *testing.T, n *ingest.Nginx, key string, minDuration time.Duration) ingest.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rep, err := ingest.Probe(ctx, n.Recording("live", key))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nginx got: %s", rep)
	if rep.VideoCodec != "h264" || rep.Width != 640 || rep.Height != 360 || rep.AudioCodec != "aac" || rep.SampleRate != 48000 {
		t.Errorf("nginx got %s, want H.264 640x360 and AAC 48 kHz", rep)
	}
	if rep.Duration < minDuration {
		t.Errorf("nginx got %v of the relay, want about 5 s", rep.Duration)
	}
	return rep
}

// TestRelayBinaryRTMPSTrustsSSLCertFile: the binary verifies an RTMPS
// ingest against the system's trust store, which SSL_CERT_FILE replaces: a
// certificate signed by a CA in that file is accepted; without it, refused
// with a message that names the certificate, and exit 1 never comes (it
// retries), so the test stops it.
func TestRelayBinaryRTMPSTrustsSSLCertFile(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cam := startCamera(t, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	leaf, _ := testx.Certificates(t)
	tlsAddr := n.StartTLSProxy(t, leaf)
	caFile := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(caFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: leaf.Certificate[1]}), 0o644); err != nil {
		t.Fatal(err)
	}
	run := func(key string, env ...string) (relay.Stats, string) {
		r := runRelayBinary(t, bin, env, func(_ string, s relay.Stats) bool {
			return len(s.Destinations) == 1 && (s.Destinations[0].State == relay.StateRefused ||
				s.Destinations[0].State == relay.StateLive && s.Destinations[0].BytesSent > 100_000)
		}, "relay", "--input", cam.URL(), "--output", "rtmps://"+tlsAddr+"/live/"+key, "--stats", "500ms")
		return r.last, r.stderr
	}

	s, logs := run("tls-trusted-5e6f", "SSL_CERT_FILE="+caFile)
	if d := s.Destinations; len(d) != 1 || d[0].State != relay.StateLive {
		t.Errorf("with SSL_CERT_FILE: %+v\n%s", d, logs)
	}
	if err := n.WaitRecording(t.Context(), "live", "tls-trusted-5e6f", 50_000); err != nil {
		t.Error(err)
	}
	s, logs = run("tls-untrusted-7a8b", "SSL_CERT_FILE="+filepath.Join(t.TempDir(), "none.pem"))
	if d := s.Destinations; len(d) != 1 || d[0].State != relay.StateRefused || !strings.Contains(d[0].Reason, "certificate") {
		t.Errorf("without the CA: %+v, want refused naming the certificate\n%s", d, logs)
	}
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// buildBinary builds relaystudio once per test run.
func buildBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "relaystudio-test")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "relaystudio")
		if out, err := exec.Command("go", "build", "-o", builtBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

// setConfigHome points XDG_CONFIG_HOME at dir for the test. The reload is
// registered first so that it runs last, after t.Setenv has put the variable
// back.
func setConfigHome(t *testing.T, dir string) {
	t.Helper()
	t.Cleanup(xdg.Reload)
	t.Setenv("XDG_CONFIG_HOME", dir)
	xdg.Reload()
}

func TestConfigPathFollowsXDG(t *testing.T) {
	dir := t.TempDir()
	setConfigHome(t, dir)
	code, stdout, _ := runCLI("config", "path")
	if want := filepath.Join(dir, "relaystudio", "config.toml") + "\n"; code != 0 || stdout != want {
		t.Errorf("config path = %d %q, want %q", code, stdout, want)
	}
	code, stdout, _ = runCLI("config", "path", "--config", "/tmp/x.toml")
	if code != 0 || stdout != "/tmp/x.toml\n" {
		t.Errorf("--config: %d %q", code, stdout)
	}
	for _, args := range [][]string{{"config"}, {"config", "frob"}, {"config", "import"}, {"config", "check", "extra"}} {
		if code, _, stderr := runCLI(args...); code != exitUsage || stderr == "" {
			t.Errorf("%v: exit %d %q", args, code, stderr)
		}
	}
}

// TestRunFirstStart: with no settings file, run writes a private default
// (the test pattern, not started by itself) and says there is nothing to run.
func TestRunFirstStart(t *testing.T) {
	dir := t.TempDir()
	setConfigHome(t, dir)
	code, _, stderr := runCLI("run")
	if code != exitFailure || !strings.Contains(stderr, "autostart") {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	path := filepath.Join(dir, "relaystudio", "config.toml")
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	di, err := os.Stat(filepath.Dir(path))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 || di.Mode().Perm() != 0o700 {
		t.Errorf("modes: file %v, dir %v; want 0600 and 0700", fi.Mode().Perm(), di.Mode().Perm())
	}
	data, _ := os.ReadFile(path)
	if !strings.Contains(string(data), "test://pattern") || !strings.Contains(string(data), "Test pattern") {
		t.Errorf("default config:\n%s", data)
	}
	if code, stdout, stderr := runCLI("config", "check"); code != 0 || !strings.Contains(stdout, "OK") {
		t.Errorf("config check on the default: %d %q %q", code, stdout, stderr)
	}
}

// TestBadConfigs: each broken file gives a non-zero exit and a message that
// names the problem and the line, and stays exactly as it was.
func TestBadConfigs(t *testing.T) {
	good := "version = 1\n\n[[streams]]\nname = \"Door\"\nsource = \"test://pattern\"\nautostart = true\n\n[streams.video]\nmode = \"h264\"\nsize = \"1280x720\"\npreset = \"veryfast\"\n"
	cases := []struct{ name, content, want string }{
		{"unknown key", strings.Replace(good, `preset = "veryfast"`, `bitrat = "2500k"`, 1), `unknown key "bitrat"`},
		{"bad preset", strings.Replace(good, `"veryfast"`, `"placebo"`, 1), "placebo"},
		{"bad size", strings.Replace(good, `"1280x720"`, `"1280x721"`, 1), "even"},
		{"broken toml", strings.Replace(good, `name = "Door"`, `name = "Door`, 1), "config.toml:4"},
		{"newer version", strings.Replace(good, "version = 1", "version = 9", 1), "newer Relay Studio"},
		{"fps the engine refuses", strings.Replace(good, `preset = "veryfast"`, "fps = 200", 1), "fps"},
		{"audio bitrate too low", good + "\n[streams.audio]\nbitrate = \"8k\"\n", "16k"},
		{"same destination twice", good + strings.Repeat("\n[[streams.destinations]]\nname = \"D\"\nurl = \"rtmp://127.0.0.1/live\"\nkey = \"k\"\n", 2), "same server and stream key"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "config.toml")
			if err := os.WriteFile(path, []byte(c.content), 0o600); err != nil {
				t.Fatal(err)
			}
			for _, cmd := range [][]string{{"config", "check", "--config", path}, {"run", "--config", path}} {
				code, _, stderr := runCLI(cmd...)
				if code != exitFailure || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "config.toml:") {
					t.Errorf("%v: exit %d, stderr %q; want %d and %q with a line", cmd, code, stderr, exitFailure, c.want)
				}
			}
			if data, _ := os.ReadFile(path); string(data) != c.content {
				t.Error("the file was modified")
			}
		})
	}
}

// writeConfig writes a private settings file for a test.
func writeConfig(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestConfigCheckWarnsOfPlatformRules: settings that break a platform's
// rule are valid (exit 0, OK) and get one warning line saying what to
// change; copied cameras get a note that their GOP and bitrate need
// --probe. No key is printed.
func TestConfigCheckWarnsOfPlatformRules(t *testing.T) {
	path := writeConfig(t, `version = 1

[[streams]]
name = "Door"
source = "test://pattern"

[streams.video]
mode = "h264"
bitrate = "8000k"

[[streams.destinations]]
name = "Twitch"
url = "rtmp://live.twitch.tv/app"
key = "`+secretKey+`"

[[streams]]
name = "Yard"
source = "rtsp://admin:cam-pass-77@192.0.2.10/stream1"

[[streams.destinations]]
name = "YouTube"
url = "rtmps://a.rtmps.youtube.com/live2"
key = "`+secretKey+`-2"

[[streams]]
name = "Garage"
source = "rtsp://192.0.2.11/stream1"

[[streams.destinations]]
name = "Twitch"
url = "rtmp://live.twitch.tv/app"
key = "`+secretKey+`-3"
`)
	code, stdout, stderr := runCLI("config", "check", "--config", path)
	if code != exitOK || stdout != path+": OK\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	want := `warning: stream "Door" → destination "Twitch": Twitch accepts at most 6000 kb/s; this stream sends 8000 kb/s. Lower the video bitrate to 6000 kb/s or less.` + "\n"
	if !strings.Contains(stderr, want) {
		t.Errorf("stderr lacks %q:\n%s", want, stderr)
	}
	if n := strings.Count(stderr, "warning: "); n != 1 {
		t.Errorf("%d warnings, want 1:\n%s", n, stderr)
	}
	if n := strings.Count(stderr, "note: "); n != 1 || !strings.Contains(stderr, "--probe") {
		t.Errorf("want one note about --probe:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, secretKey) || strings.Contains(stderr, "cam-pass-77") || strings.Contains(stderr, "probing") {
		t.Errorf("a secret, or a probe without --probe:\n%s", stderr)
	}

	code, _, stderr = runCLI("config", "path", "--probe")
	if code != exitUsage || !strings.Contains(stderr, "--probe goes with config check") {
		t.Errorf("--probe with path: %d %q", code, stderr)
	}
}

// TestConfigCheckProbesCameras: with --probe, a copied camera whose GOP is
// longer than Twitch's 2 s is reported, with the camera setting to change;
// a camera that does not answer is one line, without its password.
func TestConfigCheckProbesCameras(t *testing.T) {
	if testing.Short() {
		t.Skip("probes a camera for seconds")
	}
	cam := fakecam.StartTest(t, fakecam.ClipConfig{
		Width: 640, Height: 360, FPS: 10, GOP: 25, Duration: 5 * time.Second,
		Audio: media.CodecAAC, SampleRate: 48000, Channels: 2,
	}, func(c *fakecam.Camera) { c.User, c.Pass = "admin", "cam-pass-77" })
	gone := fmt.Sprintf("rtsp://admin:cam-pass-88@127.0.0.1:%d/stream1", testx.FreePort(t))
	path := writeConfig(t, fmt.Sprintf(`version = 1

[[streams]]
name = "Door"
source = %q
rtsp_transport = "tcp"

[[streams.destinations]]
name = "Twitch"
url = "rtmp://live.twitch.tv/app"
key = "%s"

[[streams]]
name = "Gone"
source = %q
rtsp_transport = "tcp"

[[streams.destinations]]
name = "Twitch"
url = "rtmp://live.twitch.tv/app"
key = "%s-2"
`, cam.URL(), secretKey, gone, secretKey))
	began := time.Now()
	code, stdout, stderr := runCLI("config", "check", "--probe", "--config", path)
	t.Logf("config check --probe took %s:\n%s", time.Since(began).Round(time.Millisecond), stderr)
	if code != exitOK || stdout != path+": OK\n" {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
	}
	for _, want := range []string{
		`probing camera of stream "Door" …`,
		`warning: stream "Door" → destination "Twitch": Twitch wants a keyframe at least every 2 s; this camera sends one every 2.5 s, passed through as it is (video copy). Set the camera's I-frame interval (GOP) to at most 20 frames at 10 fps, in the camera's video/encoding settings.`,
		`probing camera of stream "Gone" …`,
		`warning: stream "Gone": cannot probe the camera: camera rtsp://admin:xxxxx@127.0.0.1:`,
	} {
		if !strings.Contains(stderr, want) {
			t.Errorf("stderr lacks %q", want)
		}
	}
	if strings.Contains(stderr, "note: ") || strings.Count(stderr, "\n") != 4 {
		t.Errorf("want 4 lines and no note:\n%s", stderr)
	}
	if strings.Contains(stdout+stderr, secretKey) || strings.Contains(stderr, "cam-pass-77") || strings.Contains(stderr, "cam-pass-88") {
		t.Errorf("a secret is printed:\n%s", stderr)
	}
	if d := time.Since(began); d > 15*time.Second {
		t.Errorf("took %s: the probes are not bounded", d)
	}
}

// TestRunHeadless: a hand-written config with a camera and a destination
// streams with `relaystudio run`, and the key is never printed.
func TestRunHeadless(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := buildBinary(t)
	cam := startCamera(t, func(c *fakecam.Camera) { c.User, c.Pass = "admin", "cam-pass-77" })
	n := ingest.StartNginx(t, ingest.Options{})
	server := strings.TrimSuffix(n.URL("live", "x"), "/x")
	cfgText := fmt.Sprintf(`version = 1

[[streams]]
name = "Door camera"
source = %q
rtsp_transport = "tcp"
autostart = true

[streams.video]
mode = "copy"

[[streams.destinations]]
name = "Local"
url = %q
key = %q
enabled = true
`, cam.URL(), server, secretKey)
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--config", path, "--stats", "500ms")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	lines := bufio.NewScanner(stdout)
	var all strings.Builder
	live := 0
	for live < 3 && lines.Scan() {
		all.WriteString(lines.Text() + "\n")
		var s relay.Stats
		if err := json.Unmarshal(lines.Bytes(), &s); err != nil {
			t.Fatalf("not JSON: %s", lines.Text())
		}
		if s.Name == "Door camera" && s.State == relay.StateLive && len(s.Destinations) == 1 && s.Destinations[0].State == relay.StateLive {
			live++
		}
	}
	if live < 3 {
		t.Fatalf("never live:\n%s\nstderr:\n%s", all.String(), stderr.String())
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	for lines.Scan() {
		all.WriteString(lines.Text() + "\n")
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	out := all.String() + stderr.String()
	for _, secret := range []string{secretKey, "cam-pass-77"} {
		if strings.Contains(out, secret) {
			t.Errorf("%q was printed:\n%s", secret, out)
		}
	}
	rctx, rcancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer rcancel()
	if err := n.WaitRecording(rctx, "live", secretKey, 10_000); err != nil {
		t.Fatal(err)
	}
}

func TestConfigExportImport(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	mine := fmt.Sprintf(`version = 1

[[streams]]
name = "Door"
source = "rtsp://admin:door-pass-1@192.0.2.10/ch1"

[[streams.destinations]]
name = "YouTube"
url = "rtmps://a.rtmps.youtube.com/live2"
key = %q
`, secretKey)
	if err := os.WriteFile(path, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	code, exported, stderr := runCLI("config", "export", "--config", path)
	if code != 0 {
		t.Fatalf("export: %d %s", code, stderr)
	}
	if strings.Contains(exported, secretKey) || strings.Contains(exported, "door-pass-1") || !strings.Contains(exported, "Door") {
		t.Fatalf("export leaks a secret or lost the stream:\n%s", exported)
	}
	// A colleague's export, with a new stream and a changed bitrate, merges
	// in without losing our key or password.
	theirs := filepath.Join(dir, "theirs.toml")
	edited := strings.Replace(exported, "autostart = false", "autostart = true", 1) +
		"\n[[streams]]\nname = \"Yard\"\nsource = \"test://pattern\"\n"
	if err := os.WriteFile(theirs, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI("config", "import", theirs, "--config", path); code != 0 {
		t.Fatalf("import: %d %s\n%s", code, stderr, edited)
	}
	cfg, err := settings.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(cfg.Streams) != 2 || !cfg.Streams[0].Autostart || cfg.Streams[0].Destinations[0].Key != secretKey ||
		!strings.Contains(cfg.Streams[0].Source, "door-pass-1") {
		t.Errorf("after import: %d streams, autostart %v, key kept %v, password kept %v", len(cfg.Streams),
			cfg.Streams[0].Autostart, cfg.Streams[0].Destinations[0].Key == secretKey, strings.Contains(cfg.Streams[0].Source, "door-pass-1"))
	}

	// On a new computer there is no settings file yet: the import becomes
	// it, private, with the imported streams only (no test pattern added).
	fresh := filepath.Join(dir, "new", "relaystudio", "config.toml")
	if code, _, stderr := runCLI("config", "import", theirs, "--config", fresh); code != 0 {
		t.Fatalf("import into a new file: %d %s", code, stderr)
	}
	got, err := settings.Load(fresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Streams) != 2 || got.Streams[0].Name != "Door" || got.Streams[1].Name != "Yard" {
		t.Errorf("new file holds %+v, want Door and Yard", got.Streams)
	}
	if fi, err := os.Stat(fresh); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("new file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
}
