package ui

import (
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/internal/testpeer/onvifcam"
	"github.com/relaystudio/relaystudio/internal/testx"
)

// TestFindCamerasFillsTheForm: in a private network with an ONVIF camera,
// Find cameras lists it as it answers; a wrong password is said to be one;
// the right one shows its streams with the main stream picked, a snapshot
// in its row; Use fills the camera form, and Save adds the camera, without
// anyone typing a URL.
func TestFindCamerasFillsTheForm(t *testing.T) {
	if !testx.InPrivateNetwork(t) {
		return
	}
	const pass = "Yard-pa55"
	onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: pass, Name: "Back yard", Discovery: "multicast"}, nil)

	// A camera on "another network": only a unicast probe reaches it.
	other := onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: pass, Name: "Gate"}, nil)

	h := newHarness(t, nil)
	h.ui(func() {
		test.Tap(h.s.cams.add)
		test.Tap(h.s.cameraForm.find)
		if h.s.finder == nil {
			t.Fatal("no Find cameras dialog")
		}
	})
	h.waitFor("the camera to be listed", 5*time.Second, func() bool { return len(h.s.finder.cams) == 1 })
	h.waitFor("the scan to end", 5*time.Second, func() bool { return h.s.finder.rescan.Disabled() == false })
	h.ui(func() {
		fd := h.s.finder
		if c := fd.cams[0]; c.title() != "Back yard · RT-100" || !strings.HasPrefix(c.subtitle(), "127.0.0.1") {
			t.Errorf("row %q / %q", c.title(), c.subtitle())
		}
		if fd.scanStatus.Text != "1 camera found." {
			t.Errorf("scan status %q", fd.scanStatus.Text)
		}
		fd.address.SetText(other.DiscoveryAddr())
		test.Tap(fd.look)
	})
	h.waitFor("the camera at the address", 5*time.Second, func() bool { return h.s.finder.status.Text == "Found it: type its user and password." })
	h.ui(func() {
		fd := h.s.finder
		if len(fd.cams) != 2 || fd.selected != 1 || fd.cams[1].cam.Name != "Gate" {
			t.Errorf("after Look: %d cameras, selected %d", len(fd.cams), fd.selected)
		}
		fd.list.Select(0)
		fd.pass.SetText("wrong")
		test.Tap(fd.connect)
	})
	h.waitFor("the wrong password to be refused", 10*time.Second, func() bool {
		return strings.HasPrefix(h.s.finder.status.Text, "Wrong user or password for Back yard")
	})
	h.ui(func() {
		fd := h.s.finder
		if !fd.use.Disabled() || len(fd.choices.Options) != 0 {
			t.Error("streams offered after a refused password")
		}
		fd.pass.SetText(pass)
		test.Tap(fd.connect)
	})
	h.waitFor("the streams", 10*time.Second, func() bool { return len(h.s.finder.choices.Options) == 2 })
	h.waitFor("the snapshot", 10*time.Second, func() bool { return h.s.finder.cams[0].thumb != nil })
	h.ui(func() {
		fd := h.s.finder
		opts := fd.choices.Options
		if fd.choices.Selected != opts[0] || !strings.HasPrefix(opts[0], "Main stream, for streaming · H264 1920×1080 · 30 fps") ||
			!strings.HasPrefix(opts[1], "Sub stream, light · H264 640×360") {
			t.Errorf("choices %q, selected %q", opts, fd.choices.Selected)
		}
		test.Tap(fd.use)
		if h.s.finder != nil {
			t.Fatal("Use did not close the finder")
		}
		f := h.s.cameraForm
		if f.url.Text != "rtsp://127.0.0.1:554/main" || f.user.Text != "admin" || f.pass.Text != pass || f.name.Text != "Back yard" {
			t.Errorf("form: %q %q %q %q", f.name.Text, f.url.Text, f.user.Text, f.pass.Text)
		}
		test.Tap(f.save)
		if h.s.cameraForm != nil {
			t.Fatalf("not saved: %s", f.errLabel.Text)
		}
	})
	got := h.load().Streams
	if len(got) != 2 || got[1].Name != "Back yard" || got[1].Source != "rtsp://admin:"+pass+"@127.0.0.1:554/main" {
		t.Errorf("saved %+v", got)
	}
	entries, _ := h.s.logs.Entries()
	for _, e := range entries {
		if strings.Contains(e.Text, pass) {
			t.Errorf("the password is in the log: %s", e.Text)
		}
	}
}
