package ui

import (
	"bytes"
	"context"
	"image"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testx"
)

// TestRealWindowUnderXvfb builds the real binary, runs it on a private X
// server and checks that the window appears within 3 s and that the preview
// moves between two screenshots taken a second apart.
func TestRealWindowUnderXvfb(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the real binary")
	}
	testx.SkipWithout(t, "Xvfb", "ffmpeg", "xwininfo")
	dir := t.TempDir()
	bin := filepath.Join(dir, "relaystudio")
	// A cold build (Fyne's GL and FFmpeg through cgo, next to the other
	// packages' test builds) takes minutes on a fresh machine: it gets its
	// own bound, and the window's checks theirs.
	buildCtx, cancelBuild := context.WithTimeout(t.Context(), 10*time.Minute)
	build := exec.CommandContext(buildCtx, "go", "build", "-o", bin, "..")
	built, err := build.CombinedOutput()
	cancelBuild()
	if err != nil {
		t.Fatalf("go build: %v\n%s", err, built)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Second)
	defer cancel()

	display := testx.StartXvfb(t)

	var out bytes.Buffer
	app := exec.Command(bin, "--config", filepath.Join(dir, "config.toml"))
	app.Env = append(os.Environ(), "DISPLAY="+display, "LANG=en_US.UTF-8")
	app.Stdout, app.Stderr = &out, &out
	started := time.Now()
	if err := app.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if app.ProcessState == nil { // not ended by the SIGTERM check
			app.Process.Kill()
			app.Wait()
		}
		if strings.Contains(out.String(), "Error in Fyne call thread") {
			t.Errorf("wrong-thread Fyne calls:\n%s", out.String())
		}
	}()
	testx.WaitUntil(t, ctx, 3*time.Second, "the window to appear", func() bool {
		o, _ := exec.Command("xwininfo", "-display", display, "-root", "-tree").Output()
		return bytes.Contains(o, []byte(`"Relay Studio"`))
	})
	t.Logf("window appeared after %v", time.Since(started).Round(time.Millisecond))
	// Let the first frames arrive, then take two shots a second apart.
	time.Sleep(2 * time.Second)
	a := testx.Screenshot(t, ctx, display, filepath.Join(dir, "a.png"))
	time.Sleep(time.Second)
	b := testx.Screenshot(t, ctx, display, filepath.Join(dir, "b.png"))
	// The preview sits in the middle of the window's top part.
	region := image.Rect(400, 100, 900, 400)
	if testx.SameRegion(a, b, region) {
		t.Fatalf("the preview did not change between two screenshots a second apart (shots in %s)", dir)
	}
	if shot := os.Getenv("RELAYSTUDIO_UI_SHOT"); shot != "" {
		data, _ := os.ReadFile(filepath.Join(dir, "b.png"))
		os.WriteFile(shot, data, 0o644)
	}

	// Docks match the running window to its launcher by WM_CLASS: the
	// desktop entry's StartupWMClass must be the window's class.
	desktop, err := os.ReadFile("../assets/linux/io.github.relaystudio.RelayStudio.desktop")
	if err != nil {
		t.Fatal(err)
	}
	var wmClass string
	for _, line := range strings.Split(string(desktop), "\n") {
		if v, ok := strings.CutPrefix(line, "StartupWMClass="); ok {
			wmClass = v
		}
	}
	prop, err := exec.CommandContext(ctx, "xprop", "-display", display, "-name", "Relay Studio", "WM_CLASS").Output()
	if err != nil {
		t.Fatalf("xprop: %v", err)
	}
	if wmClass == "" || !strings.HasSuffix(strings.TrimSpace(string(prop)), `, "`+wmClass+`"`) {
		t.Errorf("the window's %s does not end with the desktop entry's StartupWMClass %q", strings.TrimSpace(string(prop)), wmClass)
	}

	// SIGTERM (a logout, a service manager) stops the streams cleanly and
	// exits 0, as Quit does.
	if err := app.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- app.Wait() }()
	select {
	case err := <-exited:
		if err != nil {
			t.Errorf("after SIGTERM: %v\n%s", err, out.String())
		}
		if !strings.Contains(out.String(), "stopping every stream") {
			t.Errorf("SIGTERM did not stop the streams cleanly:\n%s", out.String())
		}
	case <-time.After(10 * time.Second):
		app.Process.Kill()
		<-exited
		t.Errorf("still running 10 s after SIGTERM")
	}
}
