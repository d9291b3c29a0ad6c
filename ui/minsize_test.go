package ui

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/settings"
)

// smallScreen is the smallest screen the window must fit (issue 14).
var smallScreen = fyne.NewSize(1280, 720)

// checkFits fails when the window's content asks for more than a 1280x720
// screen, or when the window has been resized from what was asked.
func checkFits(t *testing.T, h *harness, state string) {
	t.Helper()
	h.ui(func() {
		min := h.s.win.Content().MinSize()
		if min.Width > smallScreen.Width || min.Height > smallScreen.Height {
			t.Errorf("%s: the window needs %.0fx%.0f, more than %.0fx%.0f", state, min.Width, min.Height, smallScreen.Width, smallScreen.Height)
		}
	})
}

// TestWindowFitsASmallScreen: with five destinations of long names, a
// long error on each and a refused key, the window still fits 1280x720.
func TestWindowFitsASmallScreen(t *testing.T) {
	ng := ingest.StartNginx(t, ingest.Options{OnPublish: func(app, key string) bool { return false }})
	cfg := settings.Default()
	st := &cfg.Streams[0]
	for i := range 5 {
		d := settings.NewDestination(fmt.Sprintf("A destination with a rather long name, number %d", i+1),
			"rtmp://"+ng.Addr()+"/live", fmt.Sprintf("key-%d-0123456789", i))
		st.Destinations = append(st.Destinations, d)
	}
	second := settings.NewStream(strings.Repeat("A camera with a very long name ", 4), settings.TestPatternSource)
	cfg.Streams = append(cfg.Streams, second)
	h := newHarness(t, cfg)
	checkFits(t, h, "at start")
	h.ui(func() { test.Tap(h.s.preview.start) })
	h.waitFor("every destination refused", 30*time.Second, func() bool {
		ds := h.s.views[0].stats.Destinations
		return len(ds) == 5 && ds[4].State == "refused"
	})
	time.Sleep(1500 * time.Millisecond) // a stats tick shows the long states
	checkFits(t, h, "live with five failing destinations")
	h.ui(func() { h.s.selectStream(1) })
	checkFits(t, h, "another camera selected")
}

// TestGeometryIsKept: the window's size, its dividers and the camera on
// screen when it quits are there again at the next start.
func TestGeometryIsKept(t *testing.T) {
	cfg := settings.Default()
	cfg.Streams = append(cfg.Streams, settings.NewStream("Yard", settings.TestPatternSource))
	h := newHarness(t, cfg)
	h.ui(func() {
		h.s.win.Resize(fyne.NewSize(1500, 900))
		h.s.splits.cameras.SetOffset(0.3)
		h.s.splits.log.SetOffset(0.4)
		h.s.selectStream(1)
		h.s.keepGeometry()
	})
	w := h.load().Studio.Window
	if w.Width != 1500 || w.Height != 900 || w.CamerasSplit != 0.3 || w.LogSplit != 0.4 || w.Selected != "Yard" {
		t.Fatalf("kept %+v", w)
	}
	// The next start: a new studio on the same file, under the same
	// harness (one "Fyne goroutine" at a time).
	h.s.Close()
	h.open()
	again := h
	again.ui(func() {
		if got := again.s.win.Canvas().Size(); got.Width != 1500 || got.Height != 900 {
			t.Errorf("size %v, want 1500x900", got)
		}
		if again.s.splits.cameras.Offset != 0.3 || again.s.splits.log.Offset != 0.4 {
			t.Errorf("dividers %g and %g, want 0.3 and 0.4", again.s.splits.cameras.Offset, again.s.splits.log.Offset)
		}
		if again.s.selected != 1 {
			t.Errorf("camera %d on screen, want 1 (Yard)", again.s.selected)
		}
	})
}
