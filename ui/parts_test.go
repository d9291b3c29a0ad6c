package ui

import (
	"context"
	"image/color"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
)

func TestLogBufferKeepsLastLines(t *testing.T) {
	b := &LogBuffer{Size: 3}
	changed := 0
	b.SetOnChange(func() { changed++ })
	log := slog.New(b.Handler()).With("stream", "Cam 1")
	for i := range 5 {
		log.Info("event", "n", i)
	}
	log.Debug("hidden")
	lines, seq := b.Lines()
	if len(lines) != 3 || seq != 5 || changed != 5 {
		t.Fatalf("lines %q seq %d changed %d", lines, seq, changed)
	}
	// Sentences (issue 14): who it is about leads, details in words.
	if !strings.Contains(lines[2], "Cam 1: event (n 4)") || !strings.Contains(lines[0], "(n 2)") {
		t.Errorf("lines %q", lines)
	}
	slog.New(b.Handler()).WithGroup("g").Warn("careful", "k", "v")
	lines, _ = b.Lines()
	if !strings.Contains(lines[2], "Warning: careful (g.k v)") {
		t.Errorf("last line %q", lines[2])
	}
	log.Warn("destination failed", "name", "YouTube", "reason", "stream key refused", "err", "rtmp: NetStream.Publish.BadName")
	lines, _ = b.Lines()
	if want := "Warning: Cam 1 › YouTube: destination failed: stream key refused"; !strings.HasSuffix(lines[2], want) {
		t.Errorf("last line %q, want it to end %q", lines[2], want)
	}
	for _, l := range lines {
		if strings.Contains(l, "=") {
			t.Errorf("a key=value pair in %q", l)
		}
	}
	_ = log.Handler().Enabled(context.Background(), slog.LevelInfo)
}

func TestHistoryKeepsOneMinute(t *testing.T) {
	var h history
	for i := range 100 {
		h = h.push(float64(i))
	}
	if len(h) != historyLen || h[0] != 40 || h[59] != 99 {
		t.Fatalf("history %v", h)
	}
}

func TestCPUMeter(t *testing.T) {
	var m cpuMeter
	if _, ok := m.sample(time.Now()); ok {
		t.Fatal("first sample has no previous one")
	}
	end := time.Now().Add(50 * time.Millisecond)
	x := 0
	for time.Now().Before(end) {
		x++
	}
	pct, ok := m.sample(time.Now())
	if !ok || pct <= 0 {
		t.Fatalf("busy loop measured %v %v (%d)", pct, ok, x)
	}
}

func TestResolutionLabels(t *testing.T) {
	for size, want := range map[string]string{"": "Source", "x720": "720p", "x1080": "1080p", "x480": "480p", "1280x720": "Custom"} {
		if got := resolutionLabel(size); got != want {
			t.Errorf("%q: %q, want %q", size, got, want)
		}
	}
}

func TestFileURL(t *testing.T) {
	u := fileURL("some dir/config #2?.toml")
	if u.Scheme != "file" || !filepath.IsAbs(u.Path) || !strings.HasSuffix(u.Path, "/some dir/config #2?.toml") {
		t.Fatalf("fileURL = %+v", u)
	}
	if s := u.String(); !strings.HasPrefix(s, "file:///") || !strings.Contains(s, "config%20%232%3F.toml") {
		t.Errorf("fileURL as text = %q: want an absolute, escaped file URL", s)
	}
}

func TestScaleMax(t *testing.T) {
	for _, c := range []struct{ in, want float64 }{{0, 100}, {80, 100}, {95, 200}, {450, 500}, {2480, 5000}, {1700, 2000}, {9000, 10000}} {
		if got := scaleMax(c.in); got != c.want {
			t.Errorf("scaleMax(%v) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestFormatUptime(t *testing.T) {
	for _, c := range []struct {
		in   float64
		want string
	}{{0, "0 s"}, {59.6, "59 s"}, {185, "3 min 05 s"}, {3720, "1 h 02 min"}, {1800, "30 min"}, {7200, "2 h"}} {
		if got := formatUptime(c.in); got != c.want {
			t.Errorf("formatUptime(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

// TestWheelSpeed: a wheel notch moves a scroll area of the window by
// wheelFactor times Fyne's step.
func TestWheelSpeed(t *testing.T) {
	content := canvas.NewRectangle(color.Black)
	content.SetMinSize(fyne.NewSize(100, 2000))
	s := newVScroll(content)
	s.Resize(fyne.NewSize(100, 200))
	s.Scrolled(&fyne.ScrollEvent{Scrolled: fyne.NewDelta(0, -25)})
	if s.Offset.Y != 25*wheelFactor {
		t.Errorf("one notch moved %v px, want %v", s.Offset.Y, 25*wheelFactor)
	}
}
