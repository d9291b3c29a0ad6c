package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"net"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/media/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/media/testpeer/ingest"
)

func startCamera(t *testing.T, setup func(*fakecam.Camera)) *fakecam.Camera {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clip, err := fakecam.EncodeClip(ctx, fakecam.ClipConfig{
		Width: 640, Height: 360, FPS: 30, GOP: 60, Duration: 4 * time.Second,
		Audio: media.CodecAAC, SampleRate: 48000, Channels: 2,
	})
	if errors.Is(err, fakecam.ErrNoFFmpeg) {
		t.Skip("ffmpeg is not installed: run make deps")
	}
	if err != nil {
		t.Fatal(err)
	}
	cam := &fakecam.Camera{ParamsInSDP: true}
	clip.Apply(cam)
	if setup != nil {
		setup(cam)
	}
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cam.Close)
	return cam
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
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := l.Addr().String()
	l.Close()
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

// TestRelayBinary runs the real binary like a person would: a camera to a
// local nginx with stats, stopped by SIGTERM.
func TestRelayBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	bin := filepath.Join(t.TempDir(), "relaystudio")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build: %v\n%s", err, out)
	}
	cam := startCamera(t, nil)
	n := ingest.StartNginx(t, ingest.Options{})

	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "relay", "--input", cam.URL(), "--output", n.URL("live", secretKey),
		"--video", "h264", "--size", "x240", "--bitrate", "600k", "--stats", "500ms")
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
	var live int
	var last relay.Stats
	for live < 3 && lines.Scan() {
		if err := json.Unmarshal(lines.Bytes(), &last); err != nil {
			t.Fatalf("stats line is not JSON: %v: %s", err, lines.Text())
		}
		if strings.Contains(lines.Text(), secretKey) {
			t.Fatalf("the stream key is in the stats: %s", lines.Text())
		}
		if last.State == relay.StateLive && last.Video.Frames > 0 {
			live++
		}
	}
	if live < 3 {
		t.Fatalf("never live; last stats %+v\nstderr:\n%s", last, stderr.String())
	}
	if last.Video.Width != 426 || last.Video.Height != 240 || last.Destinations[0].State != relay.StateLive {
		t.Errorf("stats: %+v", last)
	}

	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	for lines.Scan() {
	}
	err = cmd.Wait()
	if err != nil {
		t.Fatalf("exit after SIGTERM: %v\n%s", err, stderr.String())
	}
	if d := time.Since(start); d > 3*time.Second {
		t.Errorf("stopping took %v", d)
	}
	if strings.Contains(stderr.String(), secretKey) {
		t.Errorf("the stream key is in the logs:\n%s", stderr.String())
	}
}
