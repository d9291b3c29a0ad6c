package ui

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"
	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
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

// TestSlateIsShown: a streaming camera that goes away leaves its
// destination live on the slate, and the window says so (amber, "on
// slate since HH:MM" on the destination, the badge and the stats), until
// the camera is back.
func TestSlateIsShown(t *testing.T) {
	const key = "slate-key-0123456789"
	cam := fakecam.StartTest(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 15, GOP: 15, Duration: 2 * time.Second}, nil)
	ng, cfg := localIngestConfig(t, key)
	cfg.Streams[0].Source = cam.URL()
	cfg.Streams[0].RTSPTransport = settings.TransportTCP
	h := newHarness(t, cfg)
	h.ui(func() { test.Tap(h.s.preview.start) })
	h.waitFor("the stream live", 30*time.Second, func() bool {
		st := h.s.views[0].stats
		return st.State == "live" && len(st.Destinations) == 1 && st.Destinations[0].State == "live"
	})
	cam.Pause()
	h.waitFor("the slate", 15*time.Second, func() bool { return !h.s.views[0].stats.SlateSince.IsZero() })
	h.waitFor("the window to show the slate", 10*time.Second, func() bool {
		return strings.HasPrefix(h.s.dests.rows[0].state.Text, "live on slate since ")
	})
	h.ui(func() {
		since := h.s.views[0].stats.SlateSince.Local().Format("15:04")
		if got := h.s.dests.rows[0].state.Text; !strings.HasPrefix(got, "live on slate since "+since+" · ") {
			t.Errorf("the destination says %q", got)
		}
		if h.s.views[0].health != studio.HealthAmber {
			t.Errorf("health %v on slate, want amber: the audience sees the slate", h.s.views[0].health)
		}
		if word, _ := badge(h.s.views[0]); word != "on slate" {
			t.Errorf("the camera's badge says %q on slate", word)
		}
		if f := h.s.stats.fields.Video; !strings.HasPrefix(f, "the slate since "+since) {
			t.Errorf("Video out says %q on slate", f)
		}
		if txt := h.s.preview.noSignal.Text; !strings.Contains(txt, "destinations get the slate") {
			t.Errorf("the preview says %q on slate", txt)
		}
	})
	cam.Resume()
	h.waitFor("the camera back live", 40*time.Second, func() bool {
		return strings.HasPrefix(h.s.dests.rows[0].state.Text, "live · ") && h.s.views[0].health == studio.HealthGreen
	})
	if err := ng.WaitRecording(t.Context(), "live", key, 10_000); err != nil {
		t.Fatal(err)
	}
}

// TestRecordSwitchWhileLive: Record on a live stream starts a recording
// ("● REC" beside LIVE, a file in the folder) and off stops it, the
// destination staying connected; a slate picture that is not one is not
// saved.
func TestRecordSwitchWhileLive(t *testing.T) {
	const key = "rec-key-0123456789"
	_, cfg := localIngestConfig(t, key)
	dir := t.TempDir()
	h := newHarness(t, cfg)
	h.ui(func() { test.Tap(h.s.preview.start) })
	h.waitFor("the stream live", 30*time.Second, func() bool {
		st := h.s.views[0].stats
		return st.State == "live" && len(st.Destinations) == 1 && st.Destinations[0].State == "live"
	})
	h.ui(func() {
		h.s.output.recordDir.SetText(dir)
		pressEnter(h.s.output.recordDir)
		test.Tap(h.s.output.record)
		if got := h.s.output.airMsg.Text; got != "Saved: recording into "+dir+"." {
			t.Errorf("message %q", got)
		}
	})
	if s := h.load().Streams[0]; !s.Record || s.RecordDir != dir {
		t.Errorf("saved record %v into %q", s.Record, s.RecordDir)
	}
	h.waitFor("● REC and a file", 20*time.Second, func() bool {
		files, _ := filepath.Glob(filepath.Join(dir, "*.mp4"))
		return strings.Contains(h.s.preview.status.Text, "● REC") && len(files) == 1
	})
	h.ui(func() {
		test.Tap(h.s.output.record)
		if got := h.s.output.airMsg.Text; got != "Saved: recording stopped; the stream goes on." {
			t.Errorf("message %q", got)
		}
	})
	h.waitFor("● REC gone", 10*time.Second, func() bool { return !strings.Contains(h.s.preview.status.Text, "REC") })
	h.ui(func() {
		if d := h.s.views[0].stats.Destinations; len(d) != 1 || d[0].Reconnects != 0 {
			t.Errorf("destinations %+v after recording on and off", d)
		}
		h.s.output.slateImage.SetText(filepath.Join(dir, "nothing.png"))
		pressEnter(h.s.output.slateImage)
		if got := h.s.output.airMsg.Text; !strings.HasPrefix(got, "Not saved: slate image ") || !strings.Contains(got, "no such file") {
			t.Errorf("a missing slate picture: %q", got)
		}
	})
	if s := h.load().Streams[0]; s.Slate.Image != "" {
		t.Errorf("a missing slate picture was saved: %q", s.Slate.Image)
	}
}

// TestOverlayFields: the overlay's fields save, a wrong value or a missing
// logo is not saved, and the tab says that a copied picture gets none.
func TestOverlayFields(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		p := h.s.output
		if p.overlayNote.Hidden {
			t.Error("in copy mode the tab does not say the overlay needs transcode")
		}
		p.text.SetText("Front door")
		pressEnter(p.text)
		p.textPos.SetSelected("top-right")
		test.Tap(p.clock)
		p.textColour.SetText("yellow")
		pressEnter(p.textColour)
		if got := p.airMsg.Text; !strings.HasPrefix(got, "Not saved: Text colour") {
			t.Errorf("a colour that is not one: %q", got)
		}
		p.textColour.SetText("#FFCC00")
		pressEnter(p.textColour)
		p.logo.SetText("/nowhere/logo.png")
		pressEnter(p.logo)
		if got := p.airMsg.Text; !strings.Contains(got, "logo /nowhere/logo.png: no such file") {
			t.Errorf("a missing logo: %q", got)
		}
		p.logo.SetText("")
		pressEnter(p.logo)
		p.videoMode.SetSelected("transcode (h264)")
		if !p.overlayNote.Hidden {
			t.Error("the copy-mode note is shown while transcoding")
		}
	})
	o := h.load().Streams[0].Overlay
	if want := (settings.Overlay{Text: "Front door", TextPosition: "top-right", TextColour: "#FFCC00", Clock: true}); o != want {
		t.Errorf("saved overlay %+v, want %+v", o, want)
	}
}
