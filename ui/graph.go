package ui

import (
	"fmt"
	"image/color"
	"math"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// historyLen is how many one-second samples a graph shows: the last minute.
const historyLen = 60

// history is a fixed-length window of one-second samples, oldest first.
type history []float64

// push appends v, dropping the oldest sample beyond historyLen.
func (h history) push(v float64) history {
	h = append(h, v)
	if len(h) > historyLen {
		h = append(h[:0], h[len(h)-historyLen:]...)
	}
	return h
}

// series is one line of a rateChart: a destination's bitrate.
type series struct {
	name   string
	colour color.Color
	values history
}

func newSeries(name string, c color.Color) series { return series{name: name, colour: c} }

// rateChart draws the last minute of bitrate, one coloured line per
// destination, with a scale on the left, the time along the bottom and a
// legend above the plot (never over a line). It is changed only on the
// Fyne goroutine.
type rateChart struct {
	widget.BaseWidget
	series []series
}

func newRateChart() *rateChart {
	c := &rateChart{}
	c.ExtendBaseWidget(c)
	return c
}

// setSeries replaces the lines (their values empty) and redraws.
func (c *rateChart) setSeries(s []series) {
	c.series = s
	c.Refresh()
}

// setValues gives the line called name its samples.
func (c *rateChart) setValues(name string, v history) {
	for i := range c.series {
		if c.series[i].name == name {
			c.series[i].values = append(c.series[i].values[:0], v...)
		}
	}
}

// values returns a copy of the samples of the line called name.
func (c *rateChart) values(name string) []float64 {
	for _, s := range c.series {
		if s.name == name {
			return append([]float64(nil), s.values...)
		}
	}
	return nil
}

// scaleMax is the top of the scale for a largest value of v: 1, 2 or 5
// times a power of ten, with headroom, and never below 100 kbps.
func scaleMax(v float64) float64 {
	v = max(v*1.1, 100)
	p := math.Pow(10, math.Floor(math.Log10(v)))
	for _, m := range []float64{1, 2, 5, 10} {
		if v <= m*p {
			return m * p
		}
	}
	return 10 * p
}

// CreateRenderer implements fyne.Widget.
func (c *rateChart) CreateRenderer() fyne.WidgetRenderer {
	r := &chartRenderer{c: c, frame: canvas.NewRectangle(color.Transparent)}
	r.frame.StrokeWidth = 1
	for i := range r.grid {
		r.grid[i] = canvas.NewLine(color.Transparent)
	}
	for i := range r.scale {
		r.scale[i] = canvas.NewText("", color.Transparent)
		r.scale[i].TextSize = theme.CaptionTextSize()
		r.scale[i].Alignment = fyne.TextAlignTrailing
	}
	r.ago, r.now = canvas.NewText(tr("1 min ago"), color.Transparent), canvas.NewText(tr("now"), color.Transparent)
	r.ago.TextSize, r.now.TextSize = theme.CaptionTextSize(), theme.CaptionTextSize()
	r.empty = canvas.NewText(tr("No destination to draw"), color.Transparent)
	r.empty.TextSize = theme.CaptionTextSize()
	r.Refresh()
	return r
}

type chartRenderer struct {
	c        *rateChart
	frame    *canvas.Rectangle
	grid     [2]*canvas.Line // at half and full scale
	scale    [3]*canvas.Text // 0, half, full
	ago, now *canvas.Text
	empty    *canvas.Text
	legend   []*canvas.Text
	swatches []*canvas.Rectangle
	lines    [][]*canvas.Line // per series, historyLen-1 segments
	size     fyne.Size
	objects  []fyne.CanvasObject
}

// Margins of the plot inside the widget.
const (
	chartLeft   = 44 // the scale
	chartBottom = 14 // the time
	legendRow   = 16
)

func (r *chartRenderer) legendRows(w float32) int {
	rows, x := 1, float32(chartLeft)
	for _, t := range r.legend {
		iw := 14 + t.MinSize().Width + 12
		if x+iw > w && x > chartLeft {
			rows++
			x = chartLeft
		}
		x += iw
	}
	return rows
}

func (r *chartRenderer) Layout(s fyne.Size) {
	r.size = s
	top := float32(legendRow * r.legendRows(s.Width))
	x, y := float32(chartLeft), float32(0)
	for i, t := range r.legend {
		iw := 14 + t.MinSize().Width + 12
		if x+iw > s.Width && x > chartLeft {
			x, y = chartLeft, y+legendRow
		}
		r.swatches[i].Resize(fyne.NewSize(10, 10))
		r.swatches[i].Move(fyne.NewPos(x, y+3))
		t.Move(fyne.NewPos(x+14, y))
		x += iw
	}
	plot := fyne.NewSize(max(s.Width-chartLeft, 1), max(s.Height-top-chartBottom, 1))
	r.frame.Resize(plot)
	r.frame.Move(fyne.NewPos(chartLeft, top))
	for i, g := range r.grid {
		gy := top + plot.Height*float32(i)/2
		g.Position1, g.Position2 = fyne.NewPos(chartLeft, gy), fyne.NewPos(chartLeft+plot.Width, gy)
	}
	th := r.scale[0].MinSize().Height
	for i, t := range r.scale { // 0 at the bottom, full at the top
		t.Resize(fyne.NewSize(chartLeft-4, th))
		t.Move(fyne.NewPos(0, top+plot.Height*float32(2-i)/2-th/2))
	}
	r.ago.Move(fyne.NewPos(chartLeft, top+plot.Height))
	r.now.Move(fyne.NewPos(chartLeft+plot.Width-r.now.MinSize().Width, top+plot.Height))
	r.empty.Move(fyne.NewPos(chartLeft+8, top+8))
	r.placeLines(fyne.NewPos(chartLeft, top), plot)
}

func (r *chartRenderer) placeLines(origin fyne.Position, plot fyne.Size) {
	top := r.top()
	step := plot.Width / float32(historyLen-1)
	for k, s := range r.c.series {
		if k >= len(r.lines) {
			break
		}
		v := s.values
		off := historyLen - len(v) // right-aligned: the newest sample at the right edge
		for i, l := range r.lines[k] {
			a, b := i-off, i+1-off
			if a < 0 || b >= len(v) {
				l.Hide()
				continue
			}
			l.Show()
			ya := plot.Height - float32(min(v[a]/top, 1))*plot.Height
			yb := plot.Height - float32(min(v[b]/top, 1))*plot.Height
			l.Position1 = fyne.NewPos(origin.X+float32(i)*step, origin.Y+ya)
			l.Position2 = fyne.NewPos(origin.X+float32(i+1)*step, origin.Y+yb)
		}
	}
}

// top is the scale's full value.
func (r *chartRenderer) top() float64 {
	m := 0.0
	for _, s := range r.c.series {
		for _, x := range s.values {
			m = max(m, x)
		}
	}
	return scaleMax(m)
}

func (r *chartRenderer) MinSize() fyne.Size {
	return fyne.NewSize(260, float32(legendRow*max(r.legendRows(260), 1))+70+chartBottom)
}

// build makes the legend and lines for the chart's series, when they
// changed.
func (r *chartRenderer) build() {
	if r.objects != nil && len(r.lines) == len(r.c.series) {
		same := true
		for i, s := range r.c.series {
			same = same && r.swatches[i].FillColor == s.colour
		}
		if same {
			return
		}
	}
	r.legend, r.swatches, r.lines = nil, nil, nil
	for _, s := range r.c.series {
		t := canvas.NewText(s.name, color.Transparent)
		t.TextSize = theme.CaptionTextSize()
		r.legend = append(r.legend, t)
		r.swatches = append(r.swatches, canvas.NewRectangle(s.colour))
		ls := make([]*canvas.Line, historyLen-1)
		for i := range ls {
			ls[i] = canvas.NewLine(s.colour)
			ls[i].StrokeWidth = 1.5
		}
		r.lines = append(r.lines, ls)
	}
	r.objects = []fyne.CanvasObject{r.frame, r.grid[0], r.grid[1], r.scale[0], r.scale[1], r.scale[2], r.ago, r.now, r.empty}
	for i := range r.legend {
		r.objects = append(r.objects, r.swatches[i], r.legend[i])
		for _, l := range r.lines[i] {
			r.objects = append(r.objects, l)
		}
	}
}

func (r *chartRenderer) Refresh() {
	r.build()
	// Colours are read again at every refresh: the system may switch
	// between light and dark while the window is open.
	fg := theme.Color(theme.ColorNameForeground)
	sep := theme.Color(theme.ColorNameSeparator)
	r.frame.StrokeColor = sep
	top := r.top()
	for i, t := range r.scale {
		t.Text = formatScale(top * float64(i) / 2)
		t.Color = fg
	}
	for _, g := range r.grid {
		g.StrokeColor = sep
	}
	r.ago.Color, r.now.Color, r.empty.Color = fg, fg, fg
	r.empty.Hidden = len(r.c.series) > 0
	for i, s := range r.c.series {
		last := 0.0
		if n := len(s.values); n > 0 {
			last = s.values[n-1]
		}
		r.legend[i].Text = s.name + "  " + formatKbps(last)
		r.legend[i].Color = fg
	}
	r.Layout(r.size)
	for _, o := range r.objects {
		o.Refresh()
	}
}

func formatScale(kbps float64) string {
	switch {
	case kbps == 0:
		return "0"
	case kbps >= 1000:
		return fmt.Sprintf("%gM", math.Round(kbps/100)/10)
	}
	return fmt.Sprintf("%.0fk", kbps)
}

func (r *chartRenderer) Objects() []fyne.CanvasObject { return r.objects }

func (r *chartRenderer) Destroy() {}
