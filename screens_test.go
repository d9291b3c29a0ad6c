package main

import (
	"bytes"
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/settings"
)

// TestScreenshotsOfTheStudio runs the real binary at 1280x720 on a private
// X server, streaming a fake camera to nginx, and keeps screenshots of the
// moments a streamer needs to read at a glance: live (live.png), a
// destination whose key the server refuses beside one that is live
// (refused.png), and the camera lost (camera-lost.png). `make test` leaves
// them in dist/screenshots (RELAYSTUDIO_SCREENSHOTS) for a person to look
// at. The window keeps its size throughout: it never resizes itself.
func TestScreenshotsOfTheStudio(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	testx.SkipWithout(t, "Xvfb", "ffmpeg", "xwininfo", "nginx")
	shots := os.Getenv("RELAYSTUDIO_SCREENSHOTS")
	if shots == "" {
		shots = t.TempDir()
	}
	if err := os.MkdirAll(shots, 0o755); err != nil {
		t.Fatal(err)
	}
	const goodKey, badKey = "good-key-0123456789", "refused-key-0123456789"
	ng := ingest.StartNginx(t, ingest.Options{OnPublish: func(_, key string) bool { return key == goodKey }})
	cam := startCamera(t, nil)
	bin := buildBinary(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	cfg := settings.Default()
	st := settings.NewStream("Garden cam", cam.URL())
	st.RTSPTransport = settings.TransportTCP
	st.Autostart = true
	st.Destinations = []settings.Destination{settings.NewDestination("YouTube", "rtmp://"+ng.Addr()+"/live", goodKey)}
	cfg.Streams = []settings.Stream{st, settings.NewStream("Test pattern", settings.TestPatternSource)}
	cfg.Studio.Window = settings.Window{Width: 1280, Height: 720}
	display := testx.StartXvfb(t)

	// run starts the studio on cfg and returns a function that quits it.
	locale := "en_US.UTF-8"
	run := func(cfg *settings.Config) func() {
		if err := cfg.Save(cfgPath); err != nil {
			t.Fatal(err)
		}
		var out bytes.Buffer
		app := exec.Command(bin, "--config", cfgPath)
		app.Env = append(os.Environ(), "DISPLAY="+display, "LANG="+locale, "LANGUAGE=", "LC_ALL=", "LC_MESSAGES=")
		app.Stdout, app.Stderr = &out, &out
		if err := app.Start(); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() { app.Wait(); close(done) }()
		stop := func() {
			app.Process.Signal(syscall.SIGTERM)
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				app.Process.Kill()
				<-done
				t.Errorf("the studio did not quit within 10 s of SIGTERM:\n%s", out.String())
			}
		}
		t.Cleanup(func() {
			select {
			case <-done:
			default:
				stop()
			}
			if t.Failed() {
				t.Logf("the studio said:\n%s", out.String())
			}
		})
		return stop
	}
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	size := func() (int, int) {
		o, _ := exec.Command("xwininfo", "-display", display, "-name", "Relay Studio").Output()
		w := regexp.MustCompile(`Width: (\d+)`).FindSubmatch(o)
		h := regexp.MustCompile(`Height: (\d+)`).FindSubmatch(o)
		if w == nil || h == nil {
			return 0, 0
		}
		wi, _ := strconv.Atoi(string(w[1]))
		he, _ := strconv.Atoi(string(h[1]))
		return wi, he
	}
	shoot := func(name string) image.Image {
		img := testx.Screenshot(t, ctx, display, filepath.Join(shots, name))
		if w, h := size(); w != 1280 || h != 720 {
			t.Errorf("%s: the window is %dx%d, want 1280x720 as saved: it must not resize itself", name, w, h)
		}
		return img
	}
	// The preview's area of the window at 1280x720.
	picture := image.Rect(300, 120, 700, 380)

	// Live: the camera's stream reaches nginx.
	stop := run(cfg)
	testx.WaitUntil(t, ctx, 10*time.Second, "the window", func() bool { w, _ := size(); return w > 0 })
	if err := ng.WaitRecording(ctx, "live", goodKey, 50_000); err != nil {
		t.Fatal(err)
	}
	time.Sleep(4 * time.Second) // the stats panel's graph gets a few seconds
	live := shoot("live.png")

	// Refused: a second destination whose key the server refuses.
	stop()
	cfg.Streams[0].Destinations = append(cfg.Streams[0].Destinations, settings.NewDestination("Twitch", "rtmp://"+ng.Addr()+"/live", badKey))
	stop = run(cfg)
	testx.WaitUntil(t, ctx, 10*time.Second, "the window", func() bool { w, _ := size(); return w > 0 })
	time.Sleep(8 * time.Second) // live on one, refused (and retrying) on the other
	shoot("refused.png")

	// Camera lost: NO SIGNAL over the last picture.
	cam.Pause()
	time.Sleep(9 * time.Second) // the camera's watchdog gives up after 5 s
	lost := shoot("camera-lost.png")
	if testx.SameRegion(live, lost, picture) {
		t.Errorf("the preview looks the same live and with the camera lost (shots in %s)", shots)
	}
	cam.Resume()
	stop()

	// In Chinese (the system's locale): the same live studio, drawn with
	// the window's own Chinese font, whatever fonts the machine has.
	locale = "zh_CN.UTF-8"
	stop = run(cfg)
	testx.WaitUntil(t, ctx, 10*time.Second, "the window", func() bool { w, _ := size(); return w > 0 })
	time.Sleep(8 * time.Second)
	zh := shoot("live-zh-CN.png")
	if testx.SameRegion(live, zh, image.Rect(0, 0, 1280, 40)) {
		t.Errorf("the window's top looks the same in English and in Chinese (shots in %s)", shots)
	}
	stop()
	t.Logf("screenshots in %s", shots)
}
