package ui

import (
	"bytes"
	"regexp"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/media/relay"
)

// chooseMenuItem runs the action of the menu item labelled label, in any
// menu or submenu, and tells whether there was one.
func chooseMenuItem(m *fyne.MainMenu, label string) bool {
	it := findMenuItem(m, label)
	if it == nil || it.Action == nil {
		return false
	}
	it.Action()
	return true
}

func findMenuItem(m *fyne.MainMenu, label string) *fyne.MenuItem {
	var find func(items []*fyne.MenuItem) *fyne.MenuItem
	find = func(items []*fyne.MenuItem) *fyne.MenuItem {
		for _, it := range items {
			if it.Label == label {
				return it
			}
			if it.ChildMenu != nil {
				if found := find(it.ChildMenu.Items); found != nil {
					return found
				}
			}
		}
		return nil
	}
	for _, menu := range m.Items {
		if it := find(menu.Items); it != nil {
			return it
		}
	}
	return nil
}

// TestLanguageSwitchWhileLive: File › Language › 简体中文 shows the window
// in Chinese at once and saves the choice, while the live stream goes on
// with the same relay and the rebuilt panels keep showing it; System goes
// back to the system's language (English under LANG=C.UTF-8).
func TestLanguageSwitchWhileLive(t *testing.T) {
	// The locale of a minimal system, as the studio sees it (fynelocale
	// sets LANGUAGE so under C).
	t.Setenv("LC_ALL", "")
	t.Setenv("LC_MESSAGES", "")
	t.Setenv("LANG", "C.UTF-8")
	t.Setenv("LANGUAGE", "en")
	t.Cleanup(func() { useLanguage("en") })
	_, cfg := localIngestConfig(t, "language-key-0123456789")
	h := newHarness(t, cfg)
	var r *relay.Relay
	h.ui(func() {
		if got := h.s.preview.start.Text; got != "Start streaming" {
			t.Fatalf("the Start button reads %q before any choice", got)
		}
		test.Tap(h.s.preview.start)
		if r = h.s.views[0].relay(); !h.s.views[0].streaming() || r == nil {
			t.Fatal("not streaming after Start")
		}
		h.s.tabs.SelectIndex(1)
		test.Tap(h.s.logp.problems)
	})
	h.waitFor("the stream to go live", 30*time.Second, func() bool {
		v := h.s.views[0]
		return v.stats.State == "live" && len(v.stats.Destinations) == 1 && v.stats.Destinations[0].State == "live"
	})

	h.ui(func() {
		// Open dialogs close, as their Close would close them.
		h.s.showAbout()
		h.s.showRemote()
		if !chooseMenuItem(h.s.menu, "简体中文") {
			t.Fatal("no 简体中文 in the menus")
		}
		if currentLanguage() != "zh-CN" {
			t.Fatalf("language %s after choosing 简体中文", currentLanguage())
		}
		if got := h.s.preview.start.Text; !hasHan(got) {
			t.Errorf("the Start/Stop button reads %q in Chinese", got)
		}
		for _, tab := range h.s.tabs.Items {
			if !hasHan(tab.Text) {
				t.Errorf("tab %q in Chinese", tab.Text)
			}
		}
		if got := h.s.menu.Items[0].Label; got != "文件" {
			t.Errorf("the first menu is %q, want 文件", got)
		}
		if h.s.aboutDlg != nil || h.s.remoteDlg != nil || len(h.s.win.Canvas().Overlays().List()) > 0 {
			t.Error("dialogs left open across the switch")
		}
		if it := findMenuItem(h.s.menu, "简体中文"); it == nil || !it.Checked {
			t.Error("简体中文 is not checked in the language menu")
		}
		if h.s.tabs.SelectedIndex() != 1 || !h.s.logp.problems.Checked {
			t.Errorf("after the switch: tab %d, warnings only %v; want the Output tab and warnings only",
				h.s.tabs.SelectedIndex(), h.s.logp.problems.Checked)
		}
		if v := h.s.views[0]; !v.streaming() || v.relay() != r {
			t.Fatal("switching the language stopped or restarted the live stream")
		}
	})
	// The rebuilt panels are the ones the pump feeds.
	var seq uint64
	h.ui(func() { seq = h.s.preview.seq })
	h.waitFor("a new frame in the rebuilt preview", 10*time.Second, func() bool { return h.s.preview.seq > seq })
	h.waitFor("the rebuilt stats panel in Chinese", 10*time.Second, func() bool {
		return h.s.stats.values.camera.Text == "已连接" && len(h.s.stats.chart.values("Local")) > 0
	})
	if got := h.load().Studio.Language; got != "zh-CN" {
		t.Errorf("saved language %q, want zh-CN", got)
	}
	if !regexp.MustCompile(`(?m)^language = ["']zh-CN["']`).Match(h.fileBytes()) {
		t.Errorf("the settings file has no language = \"zh-CN\":\n%s", h.fileBytes())
	}

	h.ui(func() {
		if !chooseMenuItem(h.s.menu, "跟随系统") {
			t.Fatal("no 跟随系统 in the menus")
		}
		if currentLanguage() != "en" {
			t.Fatalf("language %s after choosing System under LANG=C.UTF-8", currentLanguage())
		}
		if got := h.s.preview.start.Text; got != "Stop streaming" {
			t.Errorf("the Stop button reads %q", got)
		}
		if got := h.s.tabs.Items[0].Text; got != "Destinations" {
			t.Errorf("the first tab reads %q", got)
		}
		if got := h.s.menu.Items[0].Label; got != "File" {
			t.Errorf("the first menu is %q", got)
		}
		if it := findMenuItem(h.s.menu, "System"); it == nil || !it.Checked {
			t.Error("System is not checked in the language menu")
		}
		if v := h.s.views[0]; !v.streaming() || v.relay() != r {
			t.Fatal("switching back stopped or restarted the live stream")
		}
		test.Tap(h.s.preview.start)
		if h.s.views[0].streaming() || h.s.preview.start.Text != "Start streaming" {
			t.Errorf("Stop in the rebuilt window: streaming %v, button %q", h.s.views[0].streaming(), h.s.preview.start.Text)
		}
	})
	if got := h.load().Studio.Language; got != "" {
		t.Errorf("saved language %q after System, want none", got)
	}
	if bytes.Contains(h.fileBytes(), []byte("language =")) {
		t.Errorf("the settings file still names a language:\n%s", h.fileBytes())
	}
}
