package relay

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/media"
)

// frameAt decodes one picture of a recording, seek seconds from its start
// (negative: from its end), as RGB.
func frameAt(t *testing.T, path string, seek float64) *image.RGBA {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	args := []string{"-nostdin", "-v", "error"}
	at := strconv.FormatFloat(seek, 'f', 3, 64)
	if seek < 0 {
		args = append(args, "-sseof", at)
	} else {
		args = append(args, "-ss", at)
	}
	out := filepath.Join(t.TempDir(), "frame.png")
	args = append(args, "-i", path, "-frames:v", "1", out)
	if b, err := exec.CommandContext(ctx, "ffmpeg", args...).CombinedOutput(); err != nil {
		t.Fatalf("ffmpeg %v: %v\n%s", args, err, b)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	rgba := image.NewRGBA(img.Bounds())
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			rgba.Set(x, y, img.At(x, y))
		}
	}
	return rgba
}

// reddish: a logo's red after an x264 round trip.
func reddish(c color.RGBA) bool { return c.R > 170 && c.G < 90 && c.B < 90 }

// TestOverlayAtNginx transcodes a camera with a red logo top-right and a
// line of text, reads a picture back from nginx, moves the logo to the
// bottom-left while live, and reads it again: no reconnect, the logo where
// it was asked.
func TestOverlayAtNginx(t *testing.T) {
	logo := filepath.Join(t.TempDir(), "logo.png")
	img := image.NewRGBA(image.Rect(0, 0, 80, 40))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+3] = 0xff, 0xff
	}
	f, err := os.Create(logo)
	if err != nil {
		t.Fatal(err)
	}
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	f.Close()
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input: cam.URL(),
		Video: VideoConfig{Mode: VideoH264, Size: media.Size{Width: 640, Height: 360}, Bitrate: 1_500_000},
		Overlay: OverlayConfig{Image: logo, ImageCorner: "top-right", ImageWidth: 80, Margin: 20,
			Text: "Front door · live", TextBox: true, Clock: true},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	waitFor(t, r, 20*time.Second, "three seconds live", func(s Stats) bool { return s.State == StateLive && s.Video.Frames >= 90 })
	if err := r.SetOverlay(OverlayConfig{Image: logo, ImageCorner: "bottom-left", ImageWidth: 80, Margin: 20}); err != nil {
		t.Fatal(err)
	}
	if err := r.SetOverlay(OverlayConfig{Image: "/nowhere/logo.png"}); !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "logo /nowhere/logo.png: no such file") {
		t.Errorf("SetOverlay with a missing logo = %v", err)
	}
	before := r.Stats().Video.Frames
	waitFor(t, r, 20*time.Second, "three seconds more", func(s Stats) bool { return s.Video.Frames >= before+90 })
	if d := destStats(t, r.Stats(), "nginx"); d.Reconnects != 0 {
		t.Errorf("the destination reconnected %d times", d.Reconnects)
	}
	relayFor(t, r, 0)
	rec := n.Recording("live", testKey)
	// The logo is 80x40 at 20 px from the edges: its middle is (560, 40)
	// top-right, (60, 320) bottom-left.
	first, last := frameAt(t, rec, 1), frameAt(t, rec, -0.5)
	if c := first.RGBAAt(580, 40); !reddish(c) {
		t.Errorf("first second: the top-right logo is %v, want red", c)
	}
	if c := first.RGBAAt(60, 320); reddish(c) {
		t.Errorf("first second: red bottom-left (%v) before the logo moved there", c)
	}
	if c := last.RGBAAt(60, 320); !reddish(c) {
		t.Errorf("after SetOverlay: the bottom-left logo is %v, want red", c)
	}
	if c := last.RGBAAt(580, 40); reddish(c) {
		t.Errorf("after SetOverlay: the top-right logo (%v) is still there", c)
	}
	// The text box darkens the bottom-left corner of the first pictures.
	if c := first.RGBAAt(24, 330); c.R > 120 || c.G > 120 || c.B > 120 {
		t.Errorf("first second: the text's box is %v, want dark", c)
	}
}

func TestOverlayIsChecked(t *testing.T) {
	base := Config{Input: TestPattern, Video: VideoConfig{Mode: VideoH264}, Destinations: []Destination{{URL: "rtmp://127.0.0.1/live/key"}}}
	for _, tc := range []struct {
		o     OverlayConfig
		field string
	}{
		{OverlayConfig{ImageCorner: "middle"}, "overlay.image_corner"},
		{OverlayConfig{TextCorner: "left"}, "overlay.text_corner"},
		{OverlayConfig{ImageOpacity: 2}, "overlay.image_opacity"},
		{OverlayConfig{TextColour: "red"}, "overlay.text_colour"},
		{OverlayConfig{Text: "two\nlines"}, "overlay.text"},
		{OverlayConfig{TextSize: -1}, "overlay.text_size"},
		{OverlayConfig{Image: "/nowhere/logo.png"}, "overlay.image"},
	} {
		c := base
		c.Overlay = tc.o
		_, err := New(c)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field {
			t.Errorf("New with overlay %+v = %v, want a %s error", tc.o, err, tc.field)
		}
	}
}
