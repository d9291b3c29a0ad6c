package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/settings"
)

// TestPlatformRulesInTheWindow: a transcode above Twitch's bitrate is
// listed on the Destinations tab with a fix, Start asks first, the fix
// saves the platform's limit and the warning goes; a copy-mode camera
// with a long GOP is flagged with the camera setting to change.
func TestPlatformRulesInTheWindow(t *testing.T) {
	cfg := settings.Default()
	st := settings.NewStream("Yard", settings.TestPatternSource)
	st.Video.Mode = settings.VideoH264
	st.Video.Bitrate = "8000k"
	st.Destinations = []settings.Destination{settings.NewDestination("Twitch", "rtmp://live.twitch.tv/app", "live_123_abc")}
	cam := settings.NewStream("Gate", "rtsp://10.0.0.9/stream1")
	cam.Destinations = []settings.Destination{settings.NewDestination("YouTube", "rtmps://a.rtmps.youtube.com/live2", "abcd-efgh")}
	cfg.Streams = []settings.Stream{st, cam}
	h := newHarness(t, cfg)

	var rows []ruleRow
	h.waitFor("the rule's warning", 10*time.Second, func() bool {
		rows = h.s.dests.ruleRows
		return len(rows) > 0
	})
	if len(rows) != 1 || rows[0].v.Kind != settings.RuleVideoBitrate ||
		!strings.Contains(rows[0].text, "Twitch accepts at most 6000 kb/s; this stream sends 8000 kb/s.") || rows[0].fix == "" {
		t.Fatalf("rows: %+v", rows)
	}
	// Start asks before streaming anyway.
	h.ui(func() { h.s.toggleSelected() })
	h.ui(func() {
		if h.s.views[0].streaming() {
			t.Error("Start streamed without asking about the broken rule")
		}
		if h.s.win.Canvas().Overlays().Top() == nil {
			t.Error("Start did not ask")
		}
		for h.s.win.Canvas().Overlays().Top() != nil {
			h.s.win.Canvas().Overlays().Remove(h.s.win.Canvas().Overlays().Top())
		}
		h.s.confirm = nil
	})
	// The fix, as a person clicks it.
	h.ui(func() { h.s.fixRule(0, rows[0].v) })
	if got := h.load().Streams[0].Video.Bitrate; got != "6000k" {
		t.Errorf("after the fix the bitrate is %q, want 6000k", got)
	}
	h.ui(func() {
		if n := len(h.s.dests.ruleRows); n != 0 {
			t.Errorf("after the fix %d warnings are left: %+v", n, h.s.dests.ruleRows)
		}
	})

	// A copy-mode camera that sends a keyframe every 8 s, as measured.
	h.ui(func() {
		h.s.views[1].stats.Input.Width, h.s.views[1].stats.Input.Height = 1920, 1080
		h.s.views[1].stats.Input.FPS, h.s.views[1].stats.Input.KeyframeIntervalSeconds = 25, 8
		h.s.views[1].stats.Input.VideoCodec, h.s.views[1].stats.Input.AudioCodec = "h264", "aac"
		vs := h.s.violations(1)
		if len(vs) != 1 || vs[0].Kind != settings.RuleCameraGOP {
			t.Fatalf("camera with an 8 s GOP: %+v", vs)
		}
		what, fix := ruleText(vs[0])
		if !strings.Contains(what, "I-frame interval (GOP)") || fix == "" {
			t.Errorf("camera GOP: %q / %q", what, fix)
		}
		useLanguage("zh-CN")
		what, _ = ruleText(vs[0])
		useLanguage("en")
		if !strings.Contains(what, "关键帧间隔不超过 4 s") || !strings.Contains(what, "I 帧间隔（GOP）") {
			t.Errorf("camera GOP in Chinese: %q", what)
		}
	})
}
