// Package testx holds the small helpers tests of several packages share:
//
//   - a private X server (Xvfb) and a look at it: screenshots and a
//     comparison of two (the window under Xvfb, its benchmark, the Windows
//     build under Wine);
//   - a throw-away certificate authority and a server certificate for
//     loopback (Certificates);
//   - free and closed loopback ports (FreePort, ClosedPort);
//   - the per-test goroutine-leak check (NoLeaks).
//
// The peers tests talk to (fake cameras, nginx, a silent server) live in
// internal/testpeer. testx is for tests only (`make lint` fails if a
// product package imports it) and imports no package of this module, so
// the internal tests of any package can use it without an import cycle.
package testx

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/png"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Width and Height are the screen's size.
const Width, Height = 1280, 800

// StartXvfb starts Xvfb on a free display number, waits until it listens,
// and stops it when the test ends. It does not reset when its last client
// leaves (-noreset): a test that runs one program after another must find
// the display open, not regenerating. It returns the display (":90").
func StartXvfb(tb testing.TB) string {
	tb.Helper()
	display := freeDisplay(tb)
	xvfb := exec.Command("Xvfb", display, "-screen", "0", fmt.Sprintf("%dx%dx24", Width, Height), "-nolisten", "tcp", "-noreset")
	if err := xvfb.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		_ = xvfb.Process.Kill()
		_ = xvfb.Wait()
	})
	socket := "/tmp/.X11-unix/X" + strings.TrimPrefix(display, ":")
	WaitUntil(tb, context.Background(), 10*time.Second, "Xvfb to listen", func() bool {
		_, err := os.Stat(socket)
		return err == nil
	})
	return display
}

func freeDisplay(tb testing.TB) string {
	tb.Helper()
	for n := 90; n < 190; n++ {
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X%d-lock", n)); err == nil {
			continue
		}
		if _, err := os.Stat(fmt.Sprintf("/tmp/.X11-unix/X%d", n)); err == nil {
			continue
		}
		return fmt.Sprintf(":%d", n)
	}
	tb.Fatal("no free X display number")
	return ""
}

// WaitUntil polls cond every 50 ms for up to d: X servers and windows give
// no notification a test could wait on.
func WaitUntil(tb testing.TB, ctx context.Context, d time.Duration, what string, cond func() bool) {
	tb.Helper()
	deadline := time.Now().Add(d)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			tb.Fatalf("%s: not within %v", what, d)
		}
		select {
		case <-ctx.Done():
			tb.Fatalf("%s: %v", what, ctx.Err())
		case <-tick.C:
		}
	}
}

// Screenshot grabs the whole screen into path (a PNG, kept for a person
// to look at) with ffmpeg's x11grab, and returns it.
func Screenshot(tb testing.TB, ctx context.Context, display, path string) image.Image {
	tb.Helper()
	cmd := exec.CommandContext(ctx, "ffmpeg", "-loglevel", "error", "-y", "-f", "x11grab",
		"-video_size", fmt.Sprintf("%dx%d", Width, Height), "-i", display, "-frames:v", "1", path)
	if out, err := cmd.CombinedOutput(); err != nil {
		tb.Fatalf("screenshot: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// SameRegion tells whether a and b have the same pixels in r.
func SameRegion(a, b image.Image, r image.Rectangle) bool {
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if a.At(x, y) != b.At(x, y) {
				return false
			}
		}
	}
	return true
}

// SkipWithout skips the test unless every tool is on the PATH, naming the
// first missing one.
func SkipWithout(tb testing.TB, tools ...string) {
	tb.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			tb.Skipf("%s is not installed: `make deps` installs it", tool)
		}
	}
}
