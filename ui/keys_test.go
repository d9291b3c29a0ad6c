package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/settings"
)

// menuShortcut does what the desktop driver does with a shortcut before
// anything else, whatever has the focus: it runs the main menu's item bound
// to it. It reports whether one was found.
func menuShortcut(m *fyne.MainMenu, sc fyne.Shortcut) bool {
	var find func(items []*fyne.MenuItem) bool
	find = func(items []*fyne.MenuItem) bool {
		for _, it := range items {
			if it.Shortcut != nil && it.Shortcut.ShortcutName() == sc.ShortcutName() && it.Action != nil {
				it.Action()
				return true
			}
			if it.ChildMenu != nil && find(it.ChildMenu.Items) {
				return true
			}
		}
		return false
	}
	for _, menu := range m.Items {
		if find(menu.Items) {
			return true
		}
	}
	return false
}

var space = &fyne.KeyEvent{Name: fyne.KeySpace}

// TestSpaceAfterTappingACamera: tapping a camera focuses the list, and
// Space then starts and stops that stream instead of being eaten by the
// list; with a dialog open, Space does nothing.
func TestSpaceAfterTappingACamera(t *testing.T) {
	// Nothing listens on port 1: the stream runs and retries, which is all
	// this test needs.
	h := newHarness(t, testConfig(settings.NewDestination("Nowhere", "rtmp://127.0.0.1:1/live", "key-0123456789abcdef")))
	h.ui(func() {
		c := h.s.win.Canvas()
		c.Focus(h.s.cams.list) // what a tap on an item does first
		h.s.cams.list.Select(0)
		focused := c.Focused()
		if focused == nil {
			t.Fatal("the camera list did not take the focus")
		}
		focused.TypedKey(space)
		if !h.s.views[0].streaming() {
			t.Fatal("Space on the focused camera list did not start the stream")
		}
		focused.TypedKey(space)
		if h.s.views[0].streaming() {
			t.Fatal("Space did not stop the stream")
		}
		// Nothing focused: the window's own key handler.
		c.Unfocus()
		c.OnTypedKey()(space)
		if !h.s.views[0].streaming() {
			t.Fatal("Space with nothing focused did not start the stream")
		}
		// A dialog in front: Space is not for the stream behind it.
		if !menuShortcut(h.s.menu, shortcutNewCamera) || h.s.cameraForm == nil {
			t.Fatal("Ctrl+N did not open the camera dialog")
		}
		c.OnTypedKey()(space)
		if !h.s.views[0].streaming() {
			t.Error("Space behind a dialog stopped the stream")
		}
		test.Tap(h.s.cameraForm.cancel)
	})
}

// TestShortcutsWorkFromAnEntry: Ctrl+N and Ctrl+Q are menu shortcuts, so
// they work while the cursor is in a text field (a focused entry takes
// canvas shortcuts for itself).
func TestShortcutsWorkFromAnEntry(t *testing.T) {
	h := newHarness(t, testConfig(settings.NewDestination("Nowhere", "rtmp://127.0.0.1:1/live", "key-0123456789abcdef")))
	h.ui(func() {
		c := h.s.win.Canvas()
		h.s.tabs.SelectIndex(1) // Output
		c.Focus(h.s.output.bitrate)
		if c.Focused() != h.s.output.bitrate {
			t.Fatal("the bitrate field did not take the focus")
		}
		if !menuShortcut(h.s.menu, shortcutNewCamera) || h.s.cameraForm == nil {
			t.Fatal("Ctrl+N from an entry did not open the camera dialog")
		}
		test.Tap(h.s.cameraForm.cancel)
		// Ctrl+Q from the entry: see TestQuitAsksWhenLive.
	})
}

// twoPatterns is the default settings with a second test pattern.
func twoPatterns() *settings.Config {
	cfg := settings.Default()
	second := cfg.Streams[0]
	second.Name = "Second pattern"
	cfg.Streams = append(cfg.Streams, second)
	return cfg
}

// TestTypingAKeyAppliesToALiveStreamOnce: each key typed into a live
// stream's key field is saved at once, and the destination reconnects with
// the new key once, when the typing pauses, on the same relay: the camera
// session carries on (issue 14: only a change of source restarts).
func TestTypingAKeyAppliesToALiveStreamOnce(t *testing.T) {
	ng, cfg := localIngestConfig(t, "first-key-0123456789")
	h := newHarness(t, cfg)
	var before any
	h.ui(func() {
		test.Tap(h.s.preview.start)
		before = h.s.views[0].relay()
		h.s.dests.rows[0].key.SetText("")
		test.Type(h.s.dests.rows[0].key, "second-key-9876543210")
		if h.s.views[0].relay() != before || !h.s.views[0].streaming() {
			t.Fatal("the stream restarted while the key was being typed")
		}
	})
	if got := h.load().Streams[0].Destinations[0].Key; got != "second-key-9876543210" {
		t.Fatalf("saved key %q, want the typed one at once", got)
	}
	if err := ng.WaitRecording(t.Context(), "live", "second-key-9876543210", 10_000); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2 * editPause) // time for any further change to show
	h.ui(func() {
		if h.s.views[0].relay() != before || !h.s.views[0].streaming() {
			t.Error("the stream was restarted for a new key")
		}
		if n := h.s.views[0].relay().Stats().Input.Reconnects; n != 0 {
			t.Errorf("the camera reconnected %d times", n)
		}
		lines, _ := h.s.logs.Lines()
		all := strings.Join(lines, "\n")
		if n := strings.Count(all, "destinations changed"); n != 1 || strings.Contains(all, "restarting the stream") {
			t.Errorf("%d live destination changes, want 1 and no restart:\n%s", n, all)
		}
		if strings.Contains(all, "second-key") || strings.Contains(all, "first-key") {
			t.Errorf("the log shows a key:\n%s", all)
		}
	})
}

// TestOutputFieldsSaveWhenTypingPauses: a typed bitrate is saved without
// Enter once typing pauses, and what is typed just before another
// camera is selected is saved to the camera it was typed for.
func TestOutputFieldsSaveWhenTypingPauses(t *testing.T) {
	h := newHarness(t, twoPatterns())
	h.ui(func() {
		if !h.s.output.bitrate.Disabled() {
			t.Error("the bitrate field is enabled in copy mode, where it does nothing")
		}
		h.s.output.videoMode.SetSelected("transcode (h264)")
		if h.s.output.bitrate.Disabled() || !h.s.output.customSize.Disabled() {
			t.Error("transcode: the bitrate field should be enabled, the custom size only for Custom")
		}
		h.s.output.bitrate.SetText("")
		test.Type(h.s.output.bitrate, "1800k")
	})
	h.waitFor("the typed bitrate to be saved", 10*time.Second, func() bool {
		return h.s.cfg.Streams[0].Video.Bitrate == "1800k"
	})
	if got := h.load().Streams[0].Video.Bitrate; got != "1800k" {
		t.Fatalf("saved bitrate %q, want 1800k", got)
	}
	h.ui(func() {
		h.s.output.bitrate.SetText("")
		test.Type(h.s.output.bitrate, "900k")
		h.s.cams.list.Select(1)
		if !h.s.output.bitrate.Disabled() {
			t.Error("the second camera copies: its bitrate field should be disabled")
		}
		if h.s.selected != 1 || h.s.output.bitrate.Text != h.s.cfg.Streams[1].Video.Bitrate {
			t.Errorf("the fields do not show the second camera: bitrate %q", h.s.output.bitrate.Text)
		}
	})
	got := h.load().Streams
	if got[0].Video.Bitrate != "900k" || got[1].Video.Bitrate == "900k" {
		t.Fatalf("saved bitrates %q and %q, want 900k for the first camera only", got[0].Video.Bitrate, got[1].Video.Bitrate)
	}
}

// TestOutputChangeWhileLive: changing the output of a live stream applies
// it to the running relay (the encoder restarts) instead of restarting the
// stream: the same relay, no reconnect, the new size in the stats.
func TestOutputChangeWhileLive(t *testing.T) {
	_, cfg := localIngestConfig(t, "live-change-0123456789")
	h := newHarness(t, cfg)
	var running any
	h.ui(func() {
		test.Tap(h.s.preview.start)
		running = h.s.views[0].relay()
	})
	h.waitFor("the stream to go live", 30*time.Second, func() bool {
		d := h.s.views[0].stats.Destinations
		return len(d) == 1 && d[0].State == "live"
	})
	h.ui(func() {
		h.s.output.videoMode.SetSelected("transcode (h264)")
		h.s.output.resolution.SetSelected("480p")
		if h.s.views[0].relay() != running || !h.s.views[0].streaming() {
			t.Fatal("the stream was restarted to change its output")
		}
		if !strings.Contains(h.s.output.msg.Text, "destinations stay connected") {
			t.Errorf("message %q does not say what happens", h.s.output.msg.Text)
		}
	})
	h.waitFor("the new size to reach the stats", 20*time.Second, func() bool {
		st := h.s.views[0].stats
		return st.Video.Height == 480 && len(st.Destinations) == 1 && st.Destinations[0].State == "live"
	})
	h.ui(func() {
		st := h.s.views[0].stats
		if h.s.views[0].relay() != running || st.Destinations[0].Reconnects != 0 || st.Input.Reconnects != 0 {
			t.Errorf("relay replaced or reconnected: destination %d, camera %d reconnects", st.Destinations[0].Reconnects, st.Input.Reconnects)
		}
	})
	if got := h.load().Streams[0].Video; got.Mode != "h264" || got.Size != "x480" {
		t.Errorf("saved video %+v", got)
	}
}

// TestSelectingAnotherCameraSwitchesThePreview: selecting another camera
// stops the preview of the one shown before and shows the new one's
// frames; the time it took is logged (the acceptance asks for a second,
// measured here on a loaded test machine, so only logged).
func TestSelectingAnotherCameraSwitchesThePreview(t *testing.T) {
	h := newHarness(t, twoPatterns())
	h.waitFor("the first camera's frames", 10*time.Second, func() bool { return h.s.preview.seq > 5 })
	var before uint64
	var start time.Time
	h.ui(func() {
		before = h.s.preview.seq
		start = time.Now()
		h.s.cams.list.Select(1)
		if h.s.views[0].relay() != nil {
			t.Error("the first camera still runs a preview nobody watches")
		}
		if h.s.views[1].relay() == nil || h.s.selected != 1 {
			t.Fatal("the second camera is not selected and previewing")
		}
	})
	h.waitFor("the second camera's frames", 10*time.Second, func() bool {
		return h.s.preview.seq != before && h.s.preview.seq > 0
	})
	t.Logf("the preview switched in %v", time.Since(start).Round(time.Millisecond))
}

// TestEditDestination: a destination's dialog opens on what it holds, and
// saving a corrected server URL keeps its key and its switch.
func TestEditDestination(t *testing.T) {
	d := settings.NewDestination("Facebook", "rtmps://live-api-s.facebook.com:443/rtmp", "fb-key-0123456789")
	d.Enabled = false
	h := newHarness(t, testConfig(d))
	h.ui(func() {
		test.Tap(h.s.dests.rows[0].edit)
		f := h.s.destForm
		if f == nil {
			t.Fatal("no dialog")
		}
		if f.platform.Selected != "Facebook" || f.name.Text != "Facebook" || f.url.Text != d.URL || f.key.Text != d.Key || !f.key.Password {
			t.Fatalf("dialog shows %q %q %q (masked %v)", f.platform.Selected, f.name.Text, f.url.Text, f.key.Password)
		}
		f.platform.SetSelected("Custom RTMP/RTMPS")
		f.name.SetText("Backup server")
		f.url.SetText("rtmp://127.0.0.1:1935/live")
		test.Tap(f.save)
		if h.s.destForm != nil {
			t.Fatalf("dialog still open: %s", f.errLabel.Text)
		}
		if len(h.s.dests.rows) != 1 || h.s.dests.rows[0].name != "Backup server" {
			t.Errorf("rows after the edit: %d", len(h.s.dests.rows))
		}
	})
	got := h.load().Streams[0].Destinations
	if len(got) != 1 || got[0].Name != "Backup server" || got[0].URL != "rtmp://127.0.0.1:1935/live" || got[0].Key != d.Key || got[0].Enabled {
		t.Fatalf("saved %+v, want the new name and URL with the old key, still disabled", got)
	}
}

// TestSwitchingADestinationOffWhileLive: the "on" switch of one of two
// live destinations takes it off the running stream; the camera session
// and the other destination carry on, and its card says it is off.
func TestSwitchingADestinationOffWhileLive(t *testing.T) {
	const keyA, keyB = "key-a-0123456789", "key-b-0123456789"
	ng, cfg := localIngestConfig(t, keyA)
	cfg.Streams[0].Destinations = append(cfg.Streams[0].Destinations,
		settings.NewDestination("Second", "rtmp://"+ng.Addr()+"/live", keyB))
	h := newHarness(t, cfg)
	var before any
	h.ui(func() {
		test.Tap(h.s.preview.start)
		before = h.s.views[0].relay()
	})
	both := func() bool {
		st := h.s.views[0].stats
		live := 0
		for _, d := range st.Destinations {
			if d.State == "live" && d.BytesSent > 100_000 {
				live++
			}
		}
		return live == 2
	}
	h.waitFor("both destinations live and sending", 30*time.Second, both)
	var sent uint64
	h.ui(func() {
		sent = h.s.views[0].stats.Destinations[0].BytesSent
		h.s.dests.rows[1].enabled.SetChecked(false)
	})
	h.waitFor("the second destination gone and the first carrying on", 20*time.Second, func() bool {
		st := h.s.views[0].stats
		return len(st.Destinations) == 1 && st.Destinations[0].Name == "Local" && st.Destinations[0].BytesSent > sent+100_000
	})
	h.ui(func() {
		v := h.s.views[0]
		if v.relay() != before || !v.streaming() {
			t.Fatal("switching a destination off restarted the stream")
		}
		st := v.relay().Stats()
		if st.Input.Reconnects != 0 || st.Destinations[0].Reconnects != 0 {
			t.Errorf("camera reconnects %d, first destination reconnects %d: want 0, 0", st.Input.Reconnects, st.Destinations[0].Reconnects)
		}
		if got := h.s.dests.rows[1].state.Text; !strings.HasPrefix(got, "off") {
			t.Errorf("the switched-off card says %q", got)
		}
		if got := h.s.dests.rows[0].state.Text; !strings.HasPrefix(got, "live · ") {
			t.Errorf("the card that stays says %q", got)
		}
	})
}
