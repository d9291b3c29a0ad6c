package ui

import (
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// levelMeter is a horizontal meter of the outgoing audio's peak level, on
// a dB scale from meterFloor to 0 dBFS: green, amber from -12 dB, red from
// -3 dB. It falls back gently, as meters do, and is changed only on the
// Fyne goroutine.
type levelMeter struct {
	widget.BaseWidget
	level float64 // dBFS shown, meterFloor when silent
}

// meterFloor is the bottom of the scale, in dBFS.
const meterFloor = -60.0

func newLevelMeter() *levelMeter {
	m := &levelMeter{level: meterFloor}
	m.ExtendBaseWidget(m)
	return m
}

// dBFS converts a linear peak (0 to 1) to the meter's scale.
func dBFS(peak float64) float64 {
	if peak <= 0 {
		return meterFloor
	}
	return max(20*math.Log10(peak), meterFloor)
}

// push shows a new peak (linear, 0 to 1), falling back at most 3 dB from
// the level shown.
func (m *levelMeter) push(peak float64) {
	l := max(dBFS(peak), m.level-3)
	if l != m.level {
		m.level = l
		m.Refresh()
	}
}

// reset empties the meter.
func (m *levelMeter) reset() {
	if m.level != meterFloor {
		m.level = meterFloor
		m.Refresh()
	}
}

// CreateRenderer implements fyne.Widget.
func (m *levelMeter) CreateRenderer() fyne.WidgetRenderer {
	r := &meterRenderer{m: m, bg: canvas.NewRectangle(color.Transparent), bar: canvas.NewRectangle(colGreen)}
	r.Refresh()
	return r
}

type meterRenderer struct {
	m       *levelMeter
	bg, bar *canvas.Rectangle
	size    fyne.Size
}

func (r *meterRenderer) Layout(s fyne.Size) {
	r.size = s
	r.bg.Resize(s)
	f := float32((r.m.level - meterFloor) / -meterFloor)
	r.bar.Resize(fyne.NewSize(s.Width*f, s.Height))
}

func (r *meterRenderer) MinSize() fyne.Size { return fyne.NewSize(90, 10) }

func (r *meterRenderer) Refresh() {
	r.bg.FillColor = theme.Color(theme.ColorNameInputBackground)
	switch l := r.m.level; {
	case l >= -3:
		r.bar.FillColor = colRed
	case l >= -12:
		r.bar.FillColor = colAmber
	default:
		r.bar.FillColor = colGreen
	}
	r.Layout(r.size)
	r.bg.Refresh()
	r.bar.Refresh()
}

func (r *meterRenderer) Objects() []fyne.CanvasObject { return []fyne.CanvasObject{r.bg, r.bar} }

func (r *meterRenderer) Destroy() {}
