package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/relaystudio/relaystudio/settings"
)

// TestMenus: File has import and export, Help has the website and About.
func TestMenus(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		var labels []string
		for _, m := range h.s.menu.Items {
			for _, it := range m.Items {
				labels = append(labels, m.Label+" › "+it.Label)
			}
		}
		all := strings.Join(labels, "\n")
		for _, want := range []string{"File › Import settings…", "File › Export settings", "File › Quit", "Stream › Start all", "Help › About Relay Studio", "Help › Relay Studio on the web"} {
			if !strings.Contains(all, want) {
				t.Errorf("no %q in the menus:\n%s", want, all)
			}
		}
		h.s.showAbout()
		if h.s.aboutDlg == nil || !strings.Contains(h.s.aboutDlg.text.Text, "Relay Studio dev") ||
			!strings.Contains(h.s.aboutDlg.text.Text, "FFmpeg") || !strings.Contains(h.s.aboutDlg.text.Text, "General Public License") {
			t.Errorf("About says %q", h.s.aboutDlg.text.Text)
		}
	})
}

// TestExportThenImport: export writes the cameras without their keys; an
// imported file adds its new camera to the list and keeps the key of the
// camera it also names.
func TestExportThenImport(t *testing.T) {
	const key = "menu-key-0123456789"
	cfg := testConfig(settings.NewDestination("Local", "rtmp://127.0.0.1:1/live", key))
	h := newHarness(t, cfg)
	out := filepath.Join(t.TempDir(), "exported.toml")
	h.ui(func() {
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := h.s.exportTo(f, out); err != nil {
			t.Fatal(err)
		}
	})
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), key) || !strings.Contains(string(data), cfg.Streams[0].Name) {
		t.Fatalf("exported:\n%s", data)
	}
	// The exported file, with a second camera, comes back.
	imported, err := settings.Load(out)
	if err != nil {
		t.Fatal(err)
	}
	imported.Streams = append(imported.Streams, settings.NewStream("Imported yard", settings.TestPatternSource))
	in := filepath.Join(t.TempDir(), "in.toml")
	if err := imported.Save(in); err != nil {
		t.Fatal(err)
	}
	h.ui(func() {
		if err := h.s.importFrom(in); err != nil {
			t.Fatal(err)
		}
		if h.s.cams.list.Length() != 2 || len(h.s.views) != 2 {
			t.Errorf("%d cameras listed, %d views; want 2", h.s.cams.list.Length(), len(h.s.views))
		}
		if err := h.s.importFrom(filepath.Join(t.TempDir(), "missing.toml")); err == nil || !strings.Contains(err.Error(), "cannot import") {
			t.Errorf("a missing file: %v", err)
		}
	})
	got := h.load()
	if len(got.Streams) != 2 || got.Streams[1].Name != "Imported yard" || got.Streams[0].Destinations[0].Key != key {
		t.Errorf("saved after import: %d streams, key kept %v", len(got.Streams), got.Streams[0].Destinations[0].Key == key)
	}
}
