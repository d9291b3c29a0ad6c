package ui

import (
	"strings"
	"testing"

	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/settings"
)

// TestLogFilters: the log panel shows one camera's lines, or only
// warnings and errors, and Copy copies what it shows.
func TestLogFilters(t *testing.T) {
	cfg := settings.Default()
	cfg.Streams = append(cfg.Streams, settings.NewStream("Gate", settings.TestPatternSource))
	h := newHarness(t, cfg)
	h.ui(func() {
		h.s.log.Info("gate opened", "stream", "Gate")
		h.s.log.Warn("gate stuck", "stream", "Gate")
		h.s.log.Info("pattern shown", "stream", "Test pattern")
		h.s.refreshLog()
		p := h.s.logp
		if all := p.label.Text; !strings.Contains(all, "gate opened") || !strings.Contains(all, "pattern shown") {
			t.Fatalf("unfiltered log:\n%s", all)
		}
		p.stream.SetSelected("Gate")
		if txt := p.label.Text; !strings.Contains(txt, "gate opened") || strings.Contains(txt, "pattern shown") {
			t.Errorf("filtered on Gate:\n%s", txt)
		}
		test.Tap(p.problems)
		if txt := p.label.Text; txt == "" || strings.Contains(txt, "gate opened") || !strings.Contains(txt, "Warning: Gate: gate stuck") {
			t.Errorf("Gate's warnings only:\n%s", txt)
		}
		test.Tap(p.copy)
		if got := h.s.app.Clipboard().Content(); got != p.label.Text {
			t.Errorf("copied %q, shown %q", got, p.label.Text)
		}
		p.stream.SetSelected(allCameras())
		test.Tap(p.problems)
		if txt := p.label.Text; !strings.Contains(txt, "pattern shown") {
			t.Errorf("back to everything:\n%s", txt)
		}
		if len(p.stream.Options) != 3 {
			t.Errorf("stream filter offers %q", p.stream.Options)
		}
	})
}
