package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/settings"
)

// TestNoSignal: when the selected camera stops sending, NO SIGNAL covers
// the last picture with the reason; when it sends again, it goes away.
func TestNoSignal(t *testing.T) {
	cam := fakecam.StartTest(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 15, GOP: 15, Duration: 2 * time.Second}, nil)
	cfg := settings.Default()
	cfg.Streams = []settings.Stream{settings.NewStream("Gate", cam.URL())}
	cfg.Streams[0].RTSPTransport = settings.TransportTCP
	h := newHarness(t, cfg)
	h.waitFor("the first picture", 20*time.Second, func() bool { return h.s.preview.seq > 0 && h.s.preview.noSignalBox.Hidden })
	cam.Pause()
	h.waitFor("NO SIGNAL", 30*time.Second, func() bool { return !h.s.preview.noSignalBox.Hidden })
	h.ui(func() {
		if txt := h.s.preview.noSignal.Text; !strings.HasPrefix(txt, "NO SIGNAL") || !strings.Contains(txt, "camera") {
			t.Errorf("overlay says %q", txt)
		}
		if f := h.s.stats.fields; !strings.HasPrefix(f.Camera, "lost: ") && f.Camera != "reconnecting…" {
			t.Errorf("the Camera field says %q while the camera is lost", f.Camera)
		}
		if word, _ := badge(h.s.views[0]); word != "no signal" {
			t.Errorf("the camera's badge says %q while it is lost", word)
		}
	})
	cam.Resume()
	h.waitFor("the camera back and NO SIGNAL gone", 40*time.Second, func() bool { return h.s.preview.noSignalBox.Hidden })
}
