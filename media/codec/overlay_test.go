package codec

import (
	"image"
	"image/color"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// greyFrame is a w x h yuv420p picture of mid grey.
func greyFrame(t testing.TB, w, h int) *astiav.Frame {
	t.Helper()
	f := astiav.AllocFrame()
	f.SetWidth(w)
	f.SetHeight(h)
	f.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := f.AllocBuffer(0); err != nil {
		t.Fatal(err)
	}
	if err := makeWritable(f); err != nil {
		t.Fatal(err)
	}
	ls := f.Linesize()
	for i, v := range []byte{126, 128, 128} {
		rows := h
		if i > 0 {
			rows = h / 2
		}
		p := plane(f, i, ls[i]*rows)
		for j := range p {
			p[j] = v
		}
	}
	return f
}

func yAt(f *astiav.Frame, x, y int) uint8 {
	return plane(f, 0, f.Linesize()[0]*f.Height())[y*f.Linesize()[0]+x]
}
func vAt(f *astiav.Frame, x, y int) uint8 {
	return plane(f, 2, f.Linesize()[2]*f.Height()/2)[(y/2)*f.Linesize()[2]+x/2]
}

func TestOverlayBlends(t *testing.T) {
	red := image.NewRGBA(image.Rect(0, 0, 40, 20))
	for i := 0; i < len(red.Pix); i += 4 {
		red.Pix[i], red.Pix[i+3] = 0xff, 0xff
	}
	for _, tc := range []struct {
		name    string
		opacity float64
		wantY   [2]uint8 // range
		wantV   [2]uint8
	}{
		{"opaque", 1, [2]uint8{78, 84}, [2]uint8{236, 242}},   // red: Y 81, Cr 240
		{"half", 0.5, [2]uint8{100, 106}, [2]uint8{181, 187}}, // halfway to grey
	} {
		t.Run(tc.name, func(t *testing.T) {
			o, err := NewOverlay(OverlayConfig{Image: red, ImageCorner: BottomRight, ImageOpacity: tc.opacity, Margin: 10}, 320, 180)
			if err != nil {
				t.Fatal(err)
			}
			defer o.Close()
			f := greyFrame(t, 320, 180)
			defer f.Free()
			if err := o.apply(f, time.Now()); err != nil {
				t.Fatal(err)
			}
			// The logo is at x 270..310, y 150..170.
			if y, v := yAt(f, 290, 160), vAt(f, 290, 160); y < tc.wantY[0] || y > tc.wantY[1] || v < tc.wantV[0] || v > tc.wantV[1] {
				t.Errorf("in the logo Y=%d Cr=%d, want Y in %v and Cr in %v", y, v, tc.wantY, tc.wantV)
			}
			if y, v := yAt(f, 100, 100), vAt(f, 100, 100); y != 126 || v != 128 {
				t.Errorf("outside the logo Y=%d Cr=%d, want the picture's 126 and 128", y, v)
			}
		})
	}
	if _, err := NewOverlay(OverlayConfig{Text: "x"}, 15, 10); err == nil {
		t.Error("an overlay for 15x10 pictures was made")
	}
}

func TestOverlayText(t *testing.T) {
	o, err := NewOverlay(OverlayConfig{Text: "Front door", TextColour: color.RGBA{0xff, 0xff, 0, 0xff}, TextCorner: TopLeft, TextBox: true, Margin: 8}, 320, 180)
	if err != nil {
		t.Fatal(err)
	}
	defer o.Close()
	f := greyFrame(t, 320, 180)
	defer f.Free()
	if err := o.apply(f, time.Now()); err != nil {
		t.Fatal(err)
	}
	bright, dark := 0, 0
	for y := 8; y < 30; y++ {
		for x := 8; x < 120; x++ {
			switch v := yAt(f, x, y); {
			case v > 180:
				bright++
			case v < 80:
				dark++
			}
		}
	}
	if bright < 50 || dark < 200 {
		t.Errorf("top-left: %d bright and %d dark pixels: want yellow text on a dark box", bright, dark)
	}
}

// BenchmarkOverlayCost encodes 720p30 pictures with libx264 (veryfast),
// alternating a second without the overlay and a second with a logo and a
// line of text, and reports the CPU time of the encode with the overlay
// against without (overlay-ratio; the budget is 1.05), and the blend's
// own CPU time as a share of the encode without it (blend-%).
func BenchmarkOverlayCost(b *testing.B) {
	p, err := NewPattern(1280, 720, 30)
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close()
	enc, err := NewVideoEncoder(VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, Bitrate: 2_500_000, KeyframeInterval: 2 * time.Second})
	if err != nil {
		b.Fatal(err)
	}
	defer enc.Close()
	logo := image.NewRGBA(image.Rect(0, 0, 200, 100))
	for i := 0; i < len(logo.Pix); i += 4 {
		logo.Pix[i], logo.Pix[i+1], logo.Pix[i+3] = 0xff, 0x80, 0xd0
	}
	o, err := NewOverlay(OverlayConfig{Image: logo, ImageCorner: TopRight, ImageOpacity: 0.8,
		Text: "Front door · 前门 · live", TextBox: true, Margin: 24}, 1280, 720)
	if err != nil {
		b.Fatal(err)
	}
	defer o.Close()
	// The pictures are made once: the pattern's own cost is not measured.
	var frames []*astiav.Frame
	for range 30 {
		_ = p.Next(func(f *Frame) { frames = append(frames, f.f.Clone()) })
	}
	defer func() {
		for _, f := range frames {
			f.Free()
		}
	}()
	var pts time.Duration
	second := func(with *Overlay) time.Duration {
		_ = enc.SetOverlay(with)
		start := testx.ProcessCPU()
		for _, f := range frames {
			in := Frame{f: f, pts: pts}
			pts += time.Second / 30
			if err := enc.Encode(&in, func(media.VideoUnit) {}); err != nil {
				b.Fatal(err)
			}
		}
		return testx.ProcessCPU() - start
	}
	var without, with time.Duration
	b.ResetTimer()
	for range b.N {
		without += second(nil)
		with += second(o)
	}
	b.StopTimer()
	// The blend alone, on the same pictures: what the ratio above hides
	// in the encoder's own variation.
	f := greyFrame(b, 1280, 720)
	defer f.Free()
	start := testx.ProcessCPU()
	for range b.N * len(frames) {
		if err := o.apply(f, time.Now()); err != nil {
			b.Fatal(err)
		}
	}
	blend := testx.ProcessCPU() - start
	b.ReportMetric(float64(with)/float64(without), "overlay-ratio")
	b.ReportMetric(100*float64(blend)/float64(without), "blend-%")
}
