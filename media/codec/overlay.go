package codec

import (
	"fmt"
	"image"
	"image/color"
	"time"

	"github.com/asticode/go-astiav"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// Corner is where an overlay element sits in the picture.
type Corner string

// Corners.
const (
	TopLeft     Corner = "top-left"
	TopRight    Corner = "top-right"
	BottomLeft  Corner = "bottom-left"
	BottomRight Corner = "bottom-right"
	Center      Corner = "center"
)

// OverlayConfig is what is drawn over every picture sent: a logo, a line
// of text and a clock, each optional. Sizes are in pixels of the output
// picture.
type OverlayConfig struct {
	// Image is the logo; nil for none. It is scaled to ImageWidth (0: its
	// own width, at most a third of the picture), keeping its shape.
	Image        image.Image
	ImageCorner  Corner
	ImageWidth   int
	ImageOpacity float64 // 0..1; 0 means 1
	// Margin is the distance of the logo and the text from the edges.
	Margin int
	// Text is one line; empty for none.
	Text       string
	TextSize   int // pixels; 0 means a twentieth of the picture's height
	TextColour color.RGBA
	TextCorner Corner
	TextBox    bool // a translucent black box behind the text
	// Clock draws the time of day, centred at the bottom.
	Clock bool
}

// Empty reports whether the overlay draws nothing.
func (c OverlayConfig) Empty() bool { return c.Image == nil && c.Text == "" && !c.Clock }

// Overlay is an OverlayConfig rendered for one picture size: its still
// parts as a cached layer of premultiplied Y, U, V and alpha, blended into
// each picture in place; the clock redrawn once a second.
type Overlay struct {
	w, h  int
	spans []span // rows of the still layer with something in them
	clock *clock
}

// span is one row of the layer: luma from x0 on, and every other row the
// chroma under it.
type span struct {
	y, x0    int
	luma     []uint8 // premultiplied Y, per pixel
	alpha    []uint8
	chroma   bool    // y is even: the chroma row y/2 follows
	cb, cr   []uint8 // premultiplied, per 2 pixels from x0/2
	calpha   []uint8
	cx0      int
	maxAlpha uint8
}

// NewOverlay renders c for w x h pictures.
func NewOverlay(c OverlayConfig, w, h int) (*Overlay, error) {
	if w < 16 || h < 16 || w%2 != 0 || h%2 != 0 {
		return nil, fmt.Errorf("overlay size %dx%d: both sides must be even and at least 16", w, h)
	}
	o := &Overlay{w: w, h: h}
	layer := image.NewRGBA(image.Rect(0, 0, w, h)) // premultiplied, transparent
	if c.Image != nil {
		b := c.Image.Bounds()
		iw := c.ImageWidth
		if iw <= 0 {
			iw = min(b.Dx(), w/3)
		}
		iw = min(iw, w)
		ih := max(1, b.Dy()*iw/max(1, b.Dx()))
		if ih > h {
			iw, ih = iw*h/ih, h
		}
		r := place(c.ImageCorner, iw, ih, w, h, c.Margin)
		op := c.ImageOpacity
		if op <= 0 || op > 1 {
			op = 1
		}
		mask := image.NewUniform(color.Alpha{A: uint8(op*255 + 0.5)})
		scaled := image.NewRGBA(image.Rect(0, 0, iw, ih))
		draw.CatmullRom.Scale(scaled, scaled.Rect, c.Image, b, draw.Src, nil)
		draw.DrawMask(layer, r, scaled, image.Point{}, mask, image.Point{}, draw.Over)
	}
	if c.Text != "" {
		if err := drawText(layer, c); err != nil {
			return nil, err
		}
	}
	o.spans = spansOf(layer)
	if c.Clock {
		clk, err := newClock(w, h)
		if err != nil {
			return nil, err
		}
		o.clock = clk
	}
	return o, nil
}

// place is the rectangle of a w x h element at corner of a pw x ph
// picture, margin from its edges, on even pixels.
func place(corner Corner, w, h, pw, ph, margin int) image.Rectangle {
	x, y := margin, margin
	switch corner {
	case TopRight:
		x = pw - w - margin
	case BottomLeft:
		y = ph - h - margin
	case BottomRight:
		x, y = pw-w-margin, ph-h-margin
	case Center:
		x, y = (pw-w)/2, (ph-h)/2
	}
	x, y = max(0, x)&^1, max(0, y)&^1
	return image.Rect(x, y, x+w, y+h)
}

func drawText(layer *image.RGBA, c OverlayConfig) error {
	cardFontsOnce.Do(parseCardFonts)
	if errCardFonts != nil {
		return fmt.Errorf("overlay fonts: %w", errCardFonts)
	}
	w, h := layer.Rect.Dx(), layer.Rect.Dy()
	size := c.TextSize
	if size <= 0 {
		size = h / 20
	}
	face, err := opentype.NewFace(cardBold, &opentype.FaceOptions{Size: float64(size), DPI: 72, Hinting: font.HintingFull})
	if err != nil {
		return fmt.Errorf("overlay font: %w", err)
	}
	defer face.Close()
	m := face.Metrics()
	tw := font.MeasureString(face, c.Text).Ceil()
	th := (m.Ascent + m.Descent).Ceil()
	pad := 0
	if c.TextBox {
		pad = size / 4
	}
	r := place(c.TextCorner, tw+2*pad, th+2*pad, w, h, c.Margin)
	if c.TextBox {
		draw.Draw(layer, r, image.NewUniform(color.RGBA{0, 0, 0, 150}), image.Point{}, draw.Over)
	}
	colour := c.TextColour
	if colour == (color.RGBA{}) {
		colour = color.RGBA{0xff, 0xff, 0xff, 0xff}
	}
	d := font.Drawer{Dst: layer, Src: image.NewUniform(colour), Face: face,
		Dot: fixed.P(r.Min.X+pad, r.Min.Y+pad+m.Ascent.Ceil())}
	d.DrawString(c.Text)
	return nil
}

// spansOf turns the premultiplied RGBA layer into rows of premultiplied
// BT.601 Y, Cb, Cr and alpha, keeping only what is not transparent.
func spansOf(l *image.RGBA) []span {
	w, h := l.Rect.Dx(), l.Rect.Dy()
	var out []span
	for y := 0; y+1 < h; y += 2 {
		// Rows come in pairs: the chroma row under them needs both.
		x0, x1 := w, -1
		for _, row := range []int{y, y + 1} {
			p := l.Pix[row*l.Stride:]
			for x := range w {
				if p[4*x+3] != 0 {
					x0, x1 = min(x0, x), max(x1, x)
				}
			}
		}
		if x1 < 0 {
			continue
		}
		x0 &^= 1
		x1 = min(x1|1, w-1)
		n := x1 - x0 + 1
		for i, row := range []int{y, y + 1} {
			s := span{y: row, x0: x0, luma: make([]uint8, n), alpha: make([]uint8, n)}
			p := l.Pix[row*l.Stride:]
			for x := range n {
				r, g, b, a := int(p[4*(x0+x)]), int(p[4*(x0+x)+1]), int(p[4*(x0+x)+2]), int(p[4*(x0+x)+3])
				// Premultiplied: Y of the colour times alpha, with its
				// 16 offset scaled the same way.
				s.luma[x] = uint8(yOf(r, g, b) + 16*a/255)
				s.alpha[x] = uint8(a)
				s.maxAlpha = max(s.maxAlpha, uint8(a))
			}
			if i == 0 {
				s.chroma, s.cx0 = true, x0/2
				cn := n / 2
				s.cb, s.cr, s.calpha = make([]uint8, cn), make([]uint8, cn), make([]uint8, cn)
				q := l.Pix[(row+1)*l.Stride:]
				for x := range cn {
					var r, g, b, a int
					for _, px := range [][]uint8{p[4*(x0+2*x):], p[4*(x0+2*x+1):], q[4*(x0+2*x):], q[4*(x0+2*x+1):]} {
						r, g, b, a = r+int(px[0]), g+int(px[1]), b+int(px[2]), a+int(px[3])
					}
					r, g, b, a = (r+2)/4, (g+2)/4, (b+2)/4, (a+2)/4
					s.cb[x] = uint8(cbOf(r, g, b) + 128*a/255)
					s.cr[x] = uint8(crOf(r, g, b) + 128*a/255)
					s.calpha[x] = uint8(a)
				}
			}
			out = append(out, s)
		}
	}
	return out
}

// apply blends the overlay into f, a writable yuv420p picture of the
// overlay's size.
func (o *Overlay) apply(f *astiav.Frame, now time.Time) error {
	if f.PixelFormat() != astiav.PixelFormatYuv420P || f.Width() != o.w || f.Height() != o.h {
		return fmt.Errorf("overlay: not a %dx%d yuv420p picture", o.w, o.h)
	}
	ls := f.Linesize()
	luma := plane(f, 0, ls[0]*o.h)
	cb := plane(f, 1, ls[1]*o.h/2)
	cr := plane(f, 2, ls[2]*o.h/2)
	for i := range o.spans {
		s := &o.spans[i]
		if s.maxAlpha == 0 {
			continue
		}
		row := luma[s.y*ls[0]+s.x0:][:len(s.luma)]
		for x, v := range row {
			if a := int(s.alpha[x]); a != 0 {
				row[x] = uint8((int(v)*(255-a)+127)/255 + int(s.luma[x]))
			}
		}
		if !s.chroma {
			continue
		}
		cy := s.y / 2
		ub := cb[cy*ls[1]+s.cx0:][:len(s.cb)]
		vr := cr[cy*ls[2]+s.cx0:][:len(s.cr)]
		for x := range ub {
			if a := int(s.calpha[x]); a != 0 {
				ub[x] = uint8((int(ub[x])*(255-a)+127)/255 + int(s.cb[x]))
				vr[x] = uint8((int(vr[x])*(255-a)+127)/255 + int(s.cr[x]))
			}
		}
	}
	if o.clock != nil {
		return o.clock.draw(f, now.Format("15:04:05"))
	}
	return nil
}

// Close frees the overlay.
func (o *Overlay) Close() {
	if o.clock != nil {
		o.clock.close()
		o.clock = nil
	}
}
