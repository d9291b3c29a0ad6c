package codec

import (
	"fmt"
	"image"
	"image/color"
	"sync"
	"time"

	"github.com/asticode/go-astiav"
	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
	"golang.org/x/image/font/opentype"
	"golang.org/x/image/math/fixed"
)

// SlateConfig describes the picture sent while the camera is away.
type SlateConfig struct {
	// Width and Height of the pictures; both even, at least 16.
	Width, Height int
	// Image, when set, is shown scaled to fit and centred on black
	// (letterboxed); its transparent parts show the black.
	Image image.Image
	// Without an Image the slate is a card: Title (the stream's name) and
	// Message on a dark background, with the time of day under them.
	Title, Message string
}

// Slate makes the pictures of a slate: one picture rendered once, with
// the clock of a card drawn on each copy.
type Slate struct {
	base  *astiav.Frame // the rendered picture, yuv420p
	frame *astiav.Frame // what Next hands out: a reference to base, or a copy with the clock
	clock *clock        // cards only
	out   Frame
}

// slateBackground is the card's colour: a dark slate blue.
var slateBackground = color.RGBA{0x1c, 0x22, 0x33, 0xff}

// NewSlate renders c's picture.
func NewSlate(c SlateConfig) (*Slate, error) {
	if c.Width < 16 || c.Height < 16 || c.Width%2 != 0 || c.Height%2 != 0 {
		return nil, fmt.Errorf("slate size %dx%d: both sides must be even and at least 16", c.Width, c.Height)
	}
	rgba := image.NewRGBA(image.Rect(0, 0, c.Width, c.Height))
	if c.Image != nil {
		draw.Draw(rgba, rgba.Rect, image.Black, image.Point{}, draw.Src)
		draw.CatmullRom.Scale(rgba, fitRect(c.Image.Bounds(), rgba.Rect), c.Image, c.Image.Bounds(), draw.Over, nil)
	} else if err := drawCard(rgba, c.Title, c.Message); err != nil {
		return nil, err
	}
	s := &Slate{base: astiav.AllocFrame(), frame: astiav.AllocFrame()}
	live.Add(1)
	s.out.f = s.frame
	s.base.SetWidth(c.Width)
	s.base.SetHeight(c.Height)
	s.base.SetPixelFormat(astiav.PixelFormatYuv420P)
	if err := s.base.AllocBuffer(0); err != nil {
		s.Close()
		return nil, wrap("slate picture", err)
	}
	if err := makeWritable(s.base); err != nil {
		s.Close()
		return nil, wrap("slate picture", err)
	}
	rgbaToYUV420(rgba, s.base)
	if c.Image == nil {
		clk, err := newClock(c.Width, c.Height)
		if err != nil {
			s.Close()
			return nil, err
		}
		s.clock = clk
	}
	return s, nil
}

// Next hands fn the slate's picture stamped pts, with the time of day now
// on a card. The picture is valid during fn only.
func (s *Slate) Next(pts time.Duration, now time.Time, fn func(*Frame)) error {
	if err := s.frame.Ref(s.base); err != nil {
		return wrap("slate", err)
	}
	defer s.frame.Unref()
	if s.clock != nil {
		// draw makes the reference a copy of its own first: the encoder
		// may still hold the previous picture, and base stays clean.
		if err := s.clock.draw(s.frame, now.Format("15:04:05")); err != nil {
			return wrap("slate", err)
		}
	}
	s.out.pts = pts
	fn(&s.out)
	return nil
}

// Close frees the slate.
func (s *Slate) Close() {
	if s.base == nil {
		return
	}
	s.base.Free()
	s.frame.Free()
	s.base, s.frame = nil, nil
	live.Add(-1)
	if s.clock != nil {
		s.clock.close()
	}
}

// fitRect is the largest rectangle of src's aspect ratio centred in dst,
// on even pixels.
func fitRect(src, dst image.Rectangle) image.Rectangle {
	sw, sh, dw, dh := src.Dx(), src.Dy(), dst.Dx(), dst.Dy()
	if sw <= 0 || sh <= 0 {
		return image.Rectangle{}
	}
	w, h := dw, sh*dw/sw
	if h > dh {
		w, h = sw*dh/sh, dh
	}
	w, h = max(w&^1, 2), max(h&^1, 2)
	x, y := ((dw-w)/2)&^1, ((dh-h)/2)&^1
	return image.Rect(x, y, x+w, y+h).Add(dst.Min)
}

var (
	cardFontsOnce      sync.Once
	cardBold, cardText *opentype.Font
	errCardFonts       error
	cardMessageColour  = color.RGBA{0xc8, 0xcf, 0xdc, 0xff}
	cardTitleColour    = color.RGBA{0xff, 0xff, 0xff, 0xff}
)

// parseCardFonts reads the fonts of the slate's card and the overlay's
// text, once.
func parseCardFonts() {
	if cardBold, errCardFonts = opentype.Parse(gobold.TTF); errCardFonts == nil {
		cardText, errCardFonts = opentype.Parse(goregular.TTF)
	}
}

// drawCard fills dst with the card's background and its two lines of
// text, centred a little above the middle (the clock goes below).
func drawCard(dst *image.RGBA, title, message string) error {
	cardFontsOnce.Do(parseCardFonts)
	if errCardFonts != nil {
		return fmt.Errorf("slate fonts: %w", errCardFonts)
	}
	draw.Draw(dst, dst.Rect, image.NewUniform(slateBackground), image.Point{}, draw.Src)
	w, h := dst.Rect.Dx(), dst.Rect.Dy()
	lines := []struct {
		text   string
		font   *opentype.Font
		size   float64
		colour color.Color
	}{
		{title, cardBold, float64(h) / 11, cardTitleColour},
		{message, cardText, float64(h) / 18, cardMessageColour},
	}
	y := h * 2 / 5
	for _, l := range lines {
		if l.text == "" {
			continue
		}
		size := l.size
		face, err := opentype.NewFace(l.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull})
		if err != nil {
			return fmt.Errorf("slate font: %w", err)
		}
		// A long name shrinks to fit nine tenths of the width.
		if tw := font.MeasureString(face, l.text).Ceil(); tw > w*9/10 {
			face.Close()
			size = size * float64(w*9/10) / float64(tw)
			if face, err = opentype.NewFace(l.font, &opentype.FaceOptions{Size: size, DPI: 72, Hinting: font.HintingFull}); err != nil {
				return fmt.Errorf("slate font: %w", err)
			}
		}
		m := face.Metrics()
		tw := font.MeasureString(face, l.text).Ceil()
		d := font.Drawer{Dst: dst, Src: image.NewUniform(l.colour), Face: face,
			Dot: fixed.P((w-tw)/2, y+m.Ascent.Ceil())}
		d.DrawString(l.text)
		y += (m.Ascent + m.Descent).Ceil() + h/30
		face.Close()
	}
	return nil
}

// rgbaToYUV420 converts src into f, a writable yuv420p picture of the same
// size: BT.601 limited range, what x264 and players assume when nothing
// is said. Chroma is the mean of each 2x2 block.
func rgbaToYUV420(src *image.RGBA, f *astiav.Frame) {
	w, h := src.Rect.Dx(), src.Rect.Dy()
	ls := f.Linesize()
	y := plane(f, 0, ls[0]*h)
	u := plane(f, 1, ls[1]*h/2)
	v := plane(f, 2, ls[2]*h/2)
	for row := range h {
		p := src.Pix[row*src.Stride:]
		out := y[row*ls[0]:]
		for x := range w {
			r, g, b := int(p[4*x]), int(p[4*x+1]), int(p[4*x+2])
			out[x] = uint8(yOf(r, g, b) + 16)
		}
	}
	for row := range h / 2 {
		p0 := src.Pix[2*row*src.Stride:]
		p1 := src.Pix[(2*row+1)*src.Stride:]
		ou, ov := u[row*ls[1]:], v[row*ls[2]:]
		for x := range w / 2 {
			var r, g, b int
			for _, p := range [][]byte{p0[8*x:], p0[8*x+4:], p1[8*x:], p1[8*x+4:]} {
				r, g, b = r+int(p[0]), g+int(p[1]), b+int(p[2])
			}
			r, g, b = (r+2)/4, (g+2)/4, (b+2)/4
			ou[x] = uint8(cbOf(r, g, b) + 128)
			ov[x] = uint8(crOf(r, g, b) + 128)
		}
	}
}

// BT.601 limited range, less the offsets (16 for Y, 128 for Cb and Cr),
// in integer arithmetic: of straight RGB, or of premultiplied RGB, which
// gives the value times alpha.
func yOf(r, g, b int) int  { return (66*r + 129*g + 25*b + 128) >> 8 }
func cbOf(r, g, b int) int { return (-38*r - 74*g + 112*b + 128) >> 8 }
func crOf(r, g, b int) int { return (112*r - 94*g - 18*b + 128) >> 8 }
