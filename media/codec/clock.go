package codec

import (
	"errors"
	"fmt"
	"image"
	"sync"

	"github.com/asticode/go-astiav"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gomonobold"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// clock draws a line of text (the time of day) centred near the bottom of
// yuv420p pictures: white on a translucent black box, like FFmpeg's
// drawtext with box=1:boxcolor=black@0.6. It is drawn in Go so that the
// engine's FFmpeg needs no FreeType, fontconfig or font file: the pattern
// looks the same on every machine.
type clock struct {
	w, h  int
	face  font.Face
	text  string
	mask  *image.Alpha    // the text's coverage, box-sized
	box   image.Rectangle // where the box goes in the picture
	chroM []uint8         // mask averaged over 2x2 blocks, for the chroma planes
}

var (
	clockFontOnce sync.Once
	clockFont     *opentype.Font
	errClockFont  error
)

// newClock returns a clock for w x h pictures, the text h/10 pixels high.
func newClock(w, h int) (*clock, error) {
	clockFontOnce.Do(func() { clockFont, errClockFont = opentype.Parse(gomonobold.TTF) })
	if errClockFont != nil {
		return nil, fmt.Errorf("clock font: %w", errClockFont)
	}
	face, err := opentype.NewFace(clockFont, &opentype.FaceOptions{Size: float64(h) / 10, DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return nil, fmt.Errorf("clock font: %w", err)
	}
	return &clock{w: w, h: h, face: face}, nil
}

// layout renders text into the mask when it changed since the last call.
func (c *clock) layout(text string) {
	if text == c.text && c.mask != nil {
		return
	}
	c.text = text
	border := c.h/60 + 2
	m := c.face.Metrics()
	tw := font.MeasureString(c.face, text).Ceil()
	th := (m.Ascent + m.Descent).Ceil()
	bw, bh := tw+2*border, th+2*border
	x0 := (c.w - tw) / 2
	y0 := c.h - th - c.h/16 // top of the text, as drawtext's y=h-th-h/16
	c.box = image.Rect(x0-border, y0-border, x0-border+bw, y0-border+bh).Intersect(image.Rect(0, 0, c.w, c.h))
	// Even edges keep the box on whole chroma samples.
	c.box.Min.X &^= 1
	c.box.Min.Y &^= 1
	c.box.Max.X &^= 1
	c.box.Max.Y &^= 1
	c.mask = image.NewAlpha(image.Rect(0, 0, c.box.Dx(), c.box.Dy()))
	d := font.Drawer{Dst: c.mask, Src: image.Opaque, Face: c.face,
		Dot: fixed.P(x0-c.box.Min.X, y0-c.box.Min.Y+m.Ascent.Ceil())}
	d.DrawString(text)
	cw, ch := c.box.Dx()/2, c.box.Dy()/2
	c.chroM = make([]uint8, cw*ch)
	for y := 0; y < ch; y++ {
		for x := 0; x < cw; x++ {
			p := c.mask.Pix[2*y*c.mask.Stride+2*x:]
			q := c.mask.Pix[(2*y+1)*c.mask.Stride+2*x:]
			c.chroM[y*cw+x] = uint8((int(p[0]) + int(p[1]) + int(q[0]) + int(q[1]) + 2) / 4)
		}
	}
}

// draw puts text on f, a yuv420p picture of the clock's size that the
// caller owns (it is made writable first).
func (c *clock) draw(f *astiav.Frame, text string) error {
	if f.PixelFormat() != astiav.PixelFormatYuv420P || f.Width() != c.w || f.Height() != c.h {
		return errors.New("clock: not a yuv420p picture of the expected size")
	}
	if err := makeWritable(f); err != nil {
		return fmt.Errorf("clock: %w", err)
	}
	c.layout(text)
	if c.box.Empty() {
		return nil
	}
	ls := f.Linesize()
	luma := plane(f, 0, ls[0]*c.h)
	// Luma: the box darkens to 40 %, the text goes to white (235) by its
	// coverage. Integer blends in 1/256ths.
	for y := 0; y < c.box.Dy(); y++ {
		row := luma[(c.box.Min.Y+y)*ls[0]+c.box.Min.X:][:c.box.Dx()]
		m := c.mask.Pix[y*c.mask.Stride:][:c.box.Dx()]
		for x, v := range row {
			dark := (int(v)*102 + 16*154 + 128) >> 8
			a := int(m[x])
			row[x] = uint8((dark*(255-a) + 235*a + 127) / 255)
		}
	}
	// Chroma: both darkening and white pull towards grey (128).
	cw, ch := c.box.Dx()/2, c.box.Dy()/2
	for i := 1; i <= 2; i++ {
		p := plane(f, i, ls[i]*((c.h+1)/2))
		for y := 0; y < ch; y++ {
			row := p[(c.box.Min.Y/2+y)*ls[i]+c.box.Min.X/2:][:cw]
			m := c.chroM[y*cw:][:cw]
			for x, v := range row {
				grey := (int(v)*102 + 128*154 + 128) >> 8
				a := int(m[x])
				row[x] = uint8((grey*(255-a) + 128*a + 127) / 255)
			}
		}
	}
	return nil
}

func (c *clock) close() { c.face.Close() }
