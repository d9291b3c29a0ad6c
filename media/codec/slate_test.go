package codec

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// slatePicture renders one picture of a slate as RGBA.
func slatePicture(t *testing.T, c SlateConfig, at time.Time) *image.RGBA {
	t.Helper()
	s, err := NewSlate(c)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var conv RGBAConverter
	defer conv.Close()
	img := image.NewRGBA(image.Rect(0, 0, c.Width, c.Height))
	if err := s.Next(time.Second, at, func(f *Frame) {
		if f.Width() != c.Width || f.Height() != c.Height || f.PTS() != time.Second {
			t.Errorf("picture %dx%d at %v", f.Width(), f.Height(), f.PTS())
		}
		if err := conv.Convert(f, img); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	return img
}

func near8(a, b uint8, tol int) bool { d := int(a) - int(b); return d >= -tol && d <= tol }

func TestSlateImageIsLetterboxed(t *testing.T) {
	checkFFmpegFreed(t)
	// A square red picture on a 16:9 slate: red in the middle, black bars
	// left and right.
	red := image.NewRGBA(image.Rect(0, 0, 100, 100))
	for i := 0; i < len(red.Pix); i += 4 {
		red.Pix[i], red.Pix[i+3] = 0xe0, 0xff
	}
	img := slatePicture(t, SlateConfig{Width: 320, Height: 180, Image: red}, time.Now())
	mid := img.RGBAAt(160, 90)
	if !near8(mid.R, 0xe0, 12) || mid.G > 20 || mid.B > 20 {
		t.Errorf("the middle is %v, want the picture's red", mid)
	}
	for _, x := range []int{5, 314} {
		if c := img.RGBAAt(x, 90); c.R > 20 || c.G > 20 || c.B > 20 {
			t.Errorf("x=%d is %v, want a black bar", x, c)
		}
	}
}

func TestSlateCardShowsTheClock(t *testing.T) {
	checkFFmpegFreed(t)
	c := SlateConfig{Width: 640, Height: 360, Title: "Front door", Message: "Camera reconnecting…"}
	a := slatePicture(t, c, time.Date(2026, 12, 1, 12, 3, 4, 0, time.Local))
	b := slatePicture(t, c, time.Date(2026, 12, 1, 12, 3, 5, 0, time.Local))
	bg := color.RGBA{0x1c, 0x22, 0x33, 0xff}
	if c := a.RGBAAt(10, 10); !near8(c.R, bg.R, 8) || !near8(c.G, bg.G, 8) || !near8(c.B, bg.B, 8) {
		t.Errorf("the corner is %v, want the card's %v", c, bg)
	}
	// The title is white text somewhere in the upper half.
	bright := 0
	for y := 0; y < 180; y++ {
		for x := 0; x < 640; x++ {
			if p := a.RGBAAt(x, y); p.R > 200 && p.G > 200 && p.B > 200 {
				bright++
			}
		}
	}
	if bright < 200 {
		t.Errorf("%d white pixels in the upper half: no title", bright)
	}
	// The clock (bottom) changes from one second to the next; the rest does not.
	diffTop, diffBottom := 0, 0
	for y := 0; y < 360; y++ {
		for x := 0; x < 640; x++ {
			if a.RGBAAt(x, y) != b.RGBAAt(x, y) {
				if y < 270 {
					diffTop++
				} else {
					diffBottom++
				}
			}
		}
	}
	if diffBottom == 0 || diffTop != 0 {
		t.Errorf("pictures a second apart differ in %d pixels above the clock and %d in it", diffTop, diffBottom)
	}
}

func TestSlateEncodes(t *testing.T) {
	checkFFmpegFreed(t)
	s, err := NewSlate(SlateConfig{Width: 320, Height: 180, Title: "A long stream name that must shrink to fit the card"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	enc, err := NewVideoEncoder(VideoEncoderConfig{Width: 320, Height: 180, FPS: 30, Bitrate: 300_000, KeyframeInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var units []media.VideoUnit
	for i := range 60 {
		pts := time.Duration(i) * time.Second / 30
		if i == 45 {
			enc.ForceKeyframe()
		}
		if err := s.Next(pts, time.Now(), func(f *Frame) {
			if err := enc.Encode(f, func(u media.VideoUnit) { units = append(units, u) }); err != nil {
				t.Fatal(err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	var keys []int
	for i, u := range units {
		if u.Key {
			keys = append(keys, i)
		}
	}
	if len(units) != 60 || len(keys) != 3 || keys[0] != 0 || keys[1] != 30 || keys[2] != 45 {
		t.Errorf("%d units, keyframes at %v: want 60 with keyframes at 0, 30 and the forced 45", len(units), keys)
	}
	if _, err := NewSlate(SlateConfig{Width: 15, Height: 10}); err == nil {
		t.Error("a 15x10 slate was made")
	}
}
