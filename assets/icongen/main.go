// Command icongen draws Relay Studio's icon: the PNG sizes a Linux desktop
// needs and the Windows .ico (windows/relaystudio.ico), from the same
// geometry as icon.svg. Run it with `go generate
// ./assets` after changing the design; its output is committed.
package main

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"os"
	"path/filepath"
)

// The design on a 512 x 512 canvas (icon.svg says the same): a rounded
// blue tile, a camera lens on the left, three broadcast arcs on the right
// and a red "live" dot.
const (
	canvas = 512.0
	corner = 96.0
)

var (
	top      = color.NRGBA{0x25, 0x63, 0xEB, 0xFF}
	bottom   = color.NRGBA{0x1E, 0x3A, 0x8A, 0xFF}
	white    = color.NRGBA{0xFF, 0xFF, 0xFF, 0xFF}
	lensDark = color.NRGBA{0x0F, 0x17, 0x2A, 0xFF}
	red      = color.NRGBA{0xEF, 0x44, 0x44, 0xFF}
)

// shade returns the colour of the design at (x, y) on the 512 canvas, or
// transparent.
func shade(x, y float64) color.NRGBA {
	if !inRoundedRect(x, y, 16, 16, canvas-32, canvas-32, corner) {
		return color.NRGBA{}
	}
	t := y / canvas
	c := mix(top, bottom, t)
	// Lens: a white ring with a dark centre and a highlight.
	lx, ly := 190.0, 256.0
	d := math.Hypot(x-lx, y-ly)
	switch {
	case d <= 40 && math.Hypot(x-(lx-14), y-(ly-14)) <= 12:
		return white
	case d <= 58:
		return lensDark
	case d <= 100:
		return white
	}
	// Broadcast arcs to the right of the lens, opening rightwards.
	ang := math.Atan2(y-ly, x-lx)
	if math.Abs(ang) <= math.Pi/4.6 {
		for _, r := range []float64{145, 195, 245} {
			if math.Abs(d-r) <= 15 {
				return white
			}
		}
	}
	// The live dot, top left.
	if math.Hypot(x-104, y-104) <= 30 {
		return red
	}
	return c
}

func inRoundedRect(x, y, rx, ry, w, h, r float64) bool {
	if x < rx || y < ry || x > rx+w || y > ry+h {
		return false
	}
	cx := math.Max(rx+r, math.Min(x, rx+w-r))
	cy := math.Max(ry+r, math.Min(y, ry+h-r))
	return math.Hypot(x-cx, y-cy) <= r
}

func mix(a, b color.NRGBA, t float64) color.NRGBA {
	l := func(p, q uint8) uint8 { return uint8(float64(p) + (float64(q)-float64(p))*t + 0.5) }
	return color.NRGBA{l(a.R, b.R), l(a.G, b.G), l(a.B, b.B), 0xFF}
}

// render draws the icon at size x size, 4 x 4 supersampled.
func render(size int) *image.NRGBA {
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	const ss = 4
	scale := canvas / float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var r, g, b, a float64
			for sy := 0; sy < ss; sy++ {
				for sx := 0; sx < ss; sx++ {
					c := shade((float64(px)+(float64(sx)+0.5)/ss)*scale, (float64(py)+(float64(sy)+0.5)/ss)*scale)
					al := float64(c.A) / 255
					r += float64(c.R) * al
					g += float64(c.G) * al
					b += float64(c.B) * al
					a += al
				}
			}
			n := float64(ss * ss)
			if a == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{uint8(r/a + 0.5), uint8(g/a + 0.5), uint8(b/a + 0.5), uint8(a/n*255 + 0.5)})
		}
	}
	return img
}

func main() {
	out := "."
	if len(os.Args) > 1 {
		out = os.Args[1]
	}
	var ico []icoImage
	for _, size := range []int{16, 24, 32, 48, 64, 128, 256, 512} {
		var buf bytes.Buffer
		if err := png.Encode(&buf, render(size)); err != nil {
			fail(err)
		}
		name := filepath.Join(out, "icons", fmt.Sprintf("%dx%d", size, size), "relaystudio.png")
		if size == 512 {
			name = filepath.Join(out, "icon.png")
		} else {
			ico = append(ico, icoImage{size, buf.Bytes()})
		}
		write(name, buf.Bytes())
	}
	write(filepath.Join(out, "windows", "relaystudio.ico"), encodeICO(ico))
}

func write(name string, data []byte) {
	if err := os.MkdirAll(filepath.Dir(name), 0o755); err != nil {
		fail(err)
	}
	if err := os.WriteFile(name, data, 0o644); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, err)
	os.Exit(1)
}

// icoImage is one size of the Windows icon, PNG-encoded.
type icoImage struct {
	size int
	png  []byte
}

// encodeICO writes a Windows .ico holding PNG images (what Windows Vista
// and later read; 256 is stored as 0 in the directory), for the exe's
// icon resource and the installer.
func encodeICO(images []icoImage) []byte {
	var b bytes.Buffer
	le := func(v any) { binary.Write(&b, binary.LittleEndian, v) }
	le([3]uint16{0, 1, uint16(len(images))}) // reserved, type 1 = icon, count
	offset := 6 + 16*len(images)
	for _, im := range images {
		dim := uint8(im.size)
		if im.size >= 256 {
			dim = 0
		}
		le([4]uint8{dim, dim, 0, 0}) // width, height, palette size, reserved
		le([2]uint16{1, 32})         // colour planes, bits per pixel
		le(uint32(len(im.png)))      // size of the image data
		le(uint32(offset))           // where it starts
		offset += len(im.png)
	}
	for _, im := range images {
		b.Write(im.png)
	}
	return b.Bytes()
}
