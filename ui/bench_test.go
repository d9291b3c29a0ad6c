package ui

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/app"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// previewRun is how long each process is measured in BenchmarkPreviewCost.
const previewRun = 20 * time.Second

// BenchmarkPreviewCost compares the CPU of a transcode relay (1080p30 camera
// → 720p 2.5 Mb/s) run headless (`relaystudio run`) with the same relay in
// the window, previewing the stream at 640x360 30 fps on an Xvfb display.
// The difference is what the preview costs, in % of one core (target ≤ 10).
// Xvfb has no GPU, so the window is drawn by Mesa's software renderer; to
// tell the studio's cost from the renderer's, a bare Fyne window of the
// same size showing a 640x360 picture 30 times a second is measured too,
// and the window at the light preview setting (5 fps).
// Each process is measured in its steady state, after warmUp.
func BenchmarkPreviewCost(b *testing.B) {
	testx.SkipWithout(b, "Xvfb", "ffmpeg")
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

	display := testx.StartXvfb(b)

	config := func(key string, previewFPS int) string {
		path := filepath.Join(dir, key+".toml")
		text := fmt.Sprintf(`version = 1

[studio]
preview_fps = %d

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
`, previewFPS, cam.URL(), "rtmp://"+ng.Addr()+"/live", key)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			b.Fatal(err)
		}
		return path
	}
	measure := func(key string, previewFPS int, args []string, env ...string) time.Duration {
		cmd := exec.Command(bin, append(args, "--config", config(key, previewFPS))...)
		cmd.Env = append(os.Environ(), env...)
		cpu := steadyCPU(b, cmd)
		wctx, wcancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer wcancel()
		if err := ng.WaitRecording(wctx, "live", key, 2_000_000); err != nil {
			b.Fatalf("%s delivered too little: %v", key, err)
		}
		return cpu
	}
	self, err := os.Executable()
	if err != nil {
		b.Fatal(err)
	}
	// A window with nothing moving: its one stream's camera does not
	// answer (a free port), so there is no picture and no stream to send.
	idleConfig := filepath.Join(dir, "idle.toml")
	if err := os.WriteFile(idleConfig, []byte(fmt.Sprintf("version = 1\n\n[[streams]]\nname = \"Camera\"\nsource = %q\n",
		"rtsp://"+testx.ClosedPort(b)+"/stream")), 0o600); err != nil {
		b.Fatal(err)
	}
	var headless, window, half, light, reference, reference15, idle time.Duration
	runs := 0
	for i := 0; i < b.N; i++ {
		for round := 0; round < 2; round++ {
			headless += measure(fmt.Sprintf("headless-%d-%d", i, round), 30, []string{"run", "--stats", "0"})
			window += measure(fmt.Sprintf("window-%d-%d", i, round), 30, nil, "DISPLAY="+display)
			half += measure(fmt.Sprintf("half-%d-%d", i, round), 15, nil, "DISPLAY="+display)
			light += measure(fmt.Sprintf("light-%d-%d", i, round), 5, nil, "DISPLAY="+display)
			for _, rate := range []int{30, 15} {
				ref := exec.Command(self, "-test.run=^$")
				ref.Env = append(os.Environ(), "DISPLAY="+display, fmt.Sprintf("%s=%d", referenceWindowEnv, rate))
				if rate == 30 {
					reference += steadyCPU(b, ref)
				} else {
					reference15 += steadyCPU(b, ref)
				}
			}
			w := exec.Command(bin, "--config", idleConfig)
			w.Env = append(os.Environ(), "DISPLAY="+display)
			idle += steadyCPU(b, w)
			runs++
		}
	}
	wall := previewRun.Seconds() * float64(runs)
	pct := func(d time.Duration) float64 { return d.Seconds() / wall * 100 }
	cost, halfCost, lightCost, floor, floor15 := pct(window-headless), pct(half-headless), pct(light-headless), pct(reference), pct(reference15)
	b.ReportMetric(cost, "preview-%core")
	b.ReportMetric(halfCost, "preview15fps-%core")
	b.ReportMetric(lightCost, "preview5fps-%core")
	b.ReportMetric(floor, "bare-window-%core")
	b.ReportMetric(cost/floor, "preview/bare")
	b.ReportMetric(pct(idle), "idle-window-%core")
	b.ReportMetric(headless.Seconds()/float64(runs), "headless-cpu-s")
	b.ReportMetric(window.Seconds()/float64(runs), "window-cpu-s")
	fmt.Printf("transcode relay 1080p30 → 720p, %v of steady state per run: headless %.2f s CPU, window previewing 640x360@30 on Xvfb %.2f s;"+
		" the preview costs %.1f %% of one core (target ≤ 10 %%), %.1f %% at the light setting (5 fps);"+
		" a bare Fyne window of the same size showing a 640x360 picture 30 times a second costs %.1f %% (Xvfb has no GPU: Mesa renders in software)\n",
		previewRun, headless.Seconds()/float64(runs), window.Seconds()/float64(runs), cost, lightCost, floor)
	fmt.Printf("preview against a bare Fyne window showing the same picture rate: at 30 fps %.1f %% / %.1f %% = %.2f (target ≤ 1.3), at 15 fps %.1f %% / %.1f %% = %.2f\n",
		cost, floor, cost/floor, halfCost, floor15, halfCost/floor15)
	fmt.Printf("window with nothing moving (its camera does not answer): %.1f %% of one core (target ≤ 3 %%)\n", pct(idle))
}

// warmUp is how long a process runs before its CPU is counted: the window's
// start (GL context, shader compilation, fonts) and the relay's first
// connection are not what the preview costs.
const warmUp = 5 * time.Second

// steadyCPU starts cmd, lets it warm up, returns the CPU time (all its
// threads, user and system) it uses in the following previewRun, and stops
// it with SIGINT.
func steadyCPU(b *testing.B, cmd *exec.Cmd) time.Duration {
	b.Helper()
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGINT)
		_ = cmd.Wait()
	}()
	time.Sleep(warmUp)
	before := processCPU(b, cmd.Process.Pid)
	time.Sleep(previewRun)
	return processCPU(b, cmd.Process.Pid) - before
}

// processCPU reads utime + stime of a running process from /proc.
func processCPU(b *testing.B, pid int) time.Duration {
	b.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		b.Fatalf("the process under measurement is gone: %v", err)
	}
	// Fields after the command name, which is in parentheses and may hold
	// spaces: state is field 3, utime 14, stime 15.
	f := strings.Fields(string(data[bytes.LastIndexByte(data, ')')+1:]))
	if len(f) < 13 {
		b.Fatalf("unexpected /proc/%d/stat: %q", pid, data)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err := errors.Join(err1, err2); err != nil {
		b.Fatalf("/proc/%d/stat: %v", pid, err)
	}
	// Linux reports these in USER_HZ, which is 100 on every architecture Go
	// supports there.
	return time.Duration(utime+stime) * 10 * time.Millisecond
}

// referenceWindowEnv makes the test binary show the reference window
// instead of running tests (see TestMain).
const referenceWindowEnv = "RELAYSTUDIO_BENCH_REFERENCE_WINDOW"

// runReferenceWindow shows what any Fyne window costs to preview video: a
// 1280x800 window with nothing but a 640x360 picture, replaced rate times
// a second through fyne.Do (the studio's own preview path, without the
// engine). It runs until interrupted.
func runReferenceWindow(rate int) {
	a := app.NewWithID("io.github.relaystudio.RelayStudio.bench")
	w := a.NewWindow("Relay Studio reference window")
	img := canvas.NewImageFromImage(image.NewRGBA(image.Rect(0, 0, 640, 360)))
	img.ScaleMode = canvas.ImageScaleFastest
	img.FillMode = canvas.ImageFillOriginal
	w.SetContent(container.NewCenter(img))
	w.Resize(fyne.NewSize(1280, 800))
	sig := make(chan os.Signal, 1)
	signal.Notify(sig, os.Interrupt, syscall.SIGTERM)
	go func() {
		var bufs [3]*image.RGBA
		for i := range bufs {
			bufs[i] = image.NewRGBA(image.Rect(0, 0, 640, 360))
		}
		tick := time.NewTicker(time.Second / time.Duration(rate))
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-sig:
				fyne.Do(a.Quit)
				return
			case <-tick.C:
			}
			buf := bufs[n%len(bufs)]
			buf.Pix[n%len(buf.Pix)]++ // a different picture each time
			fyne.Do(func() {
				img.Image = buf
				img.Refresh()
			})
		}
	}()
	w.ShowAndRun()
}
