package ui

import (
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/settings"
)

// TestEveryCameraGetsAThumbnail: a camera that is not running, and not
// selected, still shows a picture in the list: a snapshot, without a relay
// left running for it.
func TestEveryCameraGetsAThumbnail(t *testing.T) {
	cam := fakecam.StartTest(t, fakecam.ClipConfig{Width: 320, Height: 180, FPS: 15, GOP: 15, Duration: 2 * time.Second}, nil)
	cfg := settings.Default()
	gate := settings.NewStream("Gate", cam.URL())
	gate.RTSPTransport = settings.TransportTCP
	cfg.Streams = append(cfg.Streams, gate)
	h := newHarness(t, cfg)
	h.waitFor("a thumbnail of the camera that is not running", 20*time.Second, func() bool {
		return h.s.views[1].thumb != nil
	})
	h.ui(func() {
		if h.s.views[1].relay() != nil {
			t.Error("the snapshot left a relay running")
		}
		if b := h.s.views[1].thumb.Bounds(); b.Dx() != 160 || b.Dy() != 90 {
			t.Errorf("thumbnail %v, want 160x90", b)
		}
	})
}
