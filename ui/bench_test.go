package ui

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/media/testpeer/ingest"
)

// previewRun is how long each process relays in BenchmarkPreviewCost.
const previewRun = 20 * time.Second

// BenchmarkPreviewCost compares the CPU of a transcode relay (1080p30 camera
// → 720p 2.5 Mb/s) run headless (`relaystudio run`) with the same relay in
// the window, previewing the stream at 640x360 30 fps on an Xvfb display.
// The difference is what the preview costs, in % of one core (target ≤ 10).
func BenchmarkPreviewCost(b *testing.B) {
	for _, tool := range []string{"Xvfb", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			b.Skipf("%s is not installed: run make deps", tool)
		}
	}
	dir := b.TempDir()
	bin := filepath.Join(dir, "relaystudio")
	if out, err := exec.Command("go", "build", "-trimpath", "-o", bin, "..").CombinedOutput(); err != nil {
		b.Fatalf("go build: %v\n%s", err, out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clip, err := fakecam.EncodeClip(ctx, fakecam.ClipConfig{Width: 1920, Height: 1080, FPS: 30, GOP: 60,
		Duration: 10 * time.Second, Audio: media.CodecAAC, SampleRate: 48000, Channels: 2})
	if err != nil {
		b.Fatal(err)
	}
	cam := &fakecam.Camera{ParamsInSDP: true}
	clip.Apply(cam)
	if err := cam.Start(); err != nil {
		b.Fatal(err)
	}
	defer cam.Close()
	ng := ingest.StartNginx(b, ingest.Options{})

	display := freeDisplay(b)
	xvfb := exec.Command("Xvfb", display, "-screen", "0", "1280x800x24", "-nolisten", "tcp")
	if err := xvfb.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = xvfb.Process.Kill()
		_ = xvfb.Wait()
	}()
	socket := "/tmp/.X11-unix/X" + strings.TrimPrefix(display, ":")
	waitUntil(b, ctx, 5*time.Second, "Xvfb to listen", func() bool { _, err := os.Stat(socket); return err == nil })

	config := func(key string) string {
		path := filepath.Join(dir, key+".toml")
		text := fmt.Sprintf(`version = 1

[[streams]]
name = "Camera"
source = %q
rtsp_transport = "tcp"
autostart = true

[streams.video]
mode = "h264"
size = "1280x720"
fps = 30
bitrate = "2500k"
preset = "veryfast"

[streams.audio]
mode = "copy"

[[streams.destinations]]
name = "Local"
url = %q
key = %q
`, cam.URL(), "rtmp://"+ng.Addr()+"/live", key)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	measure := func(key string, args []string, env ...string) time.Duration {
		cmd := exec.Command(bin, append(args, "--config", config(key))...)
		cmd.Env = append(os.Environ(), env...)
		if err := cmd.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(previewRun)
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
		ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage)
		if !ok {
			b.Fatal("no resource usage")
		}
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := ng.WaitRecording(wctx, "live", key, 2_000_000); err != nil {
			b.Fatalf("%s delivered too little: %v", key, err)
		}
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	var headless, window time.Duration
	runs := 0
	for i := 0; i < b.N; i++ {
		for round := 0; round < 2; round++ {
			headless += measure(fmt.Sprintf("headless-%d-%d", i, round), []string{"run", "--stats", "0"})
			window += measure(fmt.Sprintf("window-%d-%d", i, round), nil, "DISPLAY="+display, "LANG=en_US.UTF-8")
			runs++
		}
	}
	wall := previewRun.Seconds() * float64(runs)
	cost := (window - headless).Seconds() / wall * 100
	b.ReportMetric(cost, "preview-%core")
	b.ReportMetric(headless.Seconds()/float64(runs), "headless-cpu-s")
	b.ReportMetric(window.Seconds()/float64(runs), "window-cpu-s")
	fmt.Printf("transcode relay 1080p30 → 720p, %v per run: headless %.2f s CPU, window previewing 640x360@30 on Xvfb %.2f s; the preview costs %.1f %% of one core (target ≤ 10 %%)\n",
		previewRun, headless.Seconds()/float64(runs), window.Seconds()/float64(runs), cost)
}
