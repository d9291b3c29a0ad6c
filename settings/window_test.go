package settings

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestWindowGeometryRoundTrips: the window's size, dividers and selection
// are saved and read back; a size or divider out of range is refused with
// the line it is on.
func TestWindowGeometryRoundTrips(t *testing.T) {
	path := filepath.Join(tempDir(t), "config.toml")
	c := Default()
	c.Studio.Window = Window{Width: 1400, Height: 900, CamerasSplit: 0.25, ControlsSplit: 0.6, BottomSplit: 0.7, LogSplit: 0.5, Selected: "Test pattern"}
	if err := c.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got.Studio.Window != c.Studio.Window {
		t.Errorf("read back %+v, want %+v", got.Studio.Window, c.Studio.Window)
	}
	for name, bad := range map[string]string{
		"width":  "[studio.window]\nwidth = 50\n",
		"split":  "[studio.window]\nlog_split = 1.5\n",
		"height": "[studio.window]\nheight = 99999\n",
	} {
		p := filepath.Join(tempDir(t), "config.toml")
		if err := os.WriteFile(p, []byte("version = 1\n\n"+bad), 0o600); err != nil {
			t.Fatal(err)
		}
		err := Check(p)
		if err == nil || !strings.Contains(err.Error(), "config.toml:4") {
			t.Errorf("%s: %v, want an error on line 4", name, err)
		}
	}
}
