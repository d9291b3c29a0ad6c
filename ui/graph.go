package ui

import (
	"fmt"
	"image/color"

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

// bitrateGraph draws a line of the last minute's bitrate. It is changed
// only on the Fyne goroutine.
type bitrateGraph struct {
	widget.BaseWidget
	values history
	// Title names the line ("YouTube").
	title string
}

func newBitrateGraph(title string) *bitrateGraph {
	g := &bitrateGraph{title: title}
	g.ExtendBaseWidget(g)
	return g
}

// SetValues replaces the samples and redraws.
func (g *bitrateGraph) SetValues(v history) {
	g.values = append(g.values[:0], v...)
	g.Refresh()
}

// Values returns a copy of the samples shown.
func (g *bitrateGraph) Values() []float64 { return append([]float64(nil), g.values...) }

// CreateRenderer implements fyne.Widget.
func (g *bitrateGraph) CreateRenderer() fyne.WidgetRenderer {
	r := &graphRenderer{g: g, bg: canvas.NewRectangle(color.Transparent), label: canvas.NewText("", theme.Color(theme.ColorNameForeground))}
	r.bg.StrokeColor = theme.Color(theme.ColorNameSeparator)
	r.bg.StrokeWidth = 1
	r.label.TextSize = theme.CaptionTextSize()
	for i := range r.lines {
		r.lines[i] = canvas.NewLine(theme.Color(theme.ColorNamePrimary))
		r.lines[i].StrokeWidth = 1.5
	}
	r.Refresh()
	return r
}

type graphRenderer struct {
	g     *bitrateGraph
	bg    *canvas.Rectangle
	label *canvas.Text
	lines [historyLen - 1]*canvas.Line
	size  fyne.Size
}

func (r *graphRenderer) Layout(s fyne.Size) {
	r.size = s
	r.bg.Resize(s)
	r.label.Move(fyne.NewPos(4, 2))
	r.placeLines()
}

func (r *graphRenderer) placeLines() {
	v := r.g.values
	maxV := 1.0
	for _, x := range v {
		maxV = max(maxV, x)
	}
	maxV *= 1.15 // headroom so the line does not touch the top
	w, h := r.size.Width, r.size.Height
	step := w / float32(historyLen-1)
	// Right-aligned: the newest sample is at the right edge.
	off := historyLen - len(v)
	for i, l := range r.lines {
		a, b := i-off, i+1-off
		if a < 0 || b >= len(v) {
			l.Hide()
			continue
		}
		l.Show()
		l.Position1 = fyne.NewPos(float32(i)*step, h-float32(v[a]/maxV)*h)
		l.Position2 = fyne.NewPos(float32(i+1)*step, h-float32(v[b]/maxV)*h)
	}
}

func (r *graphRenderer) MinSize() fyne.Size { return fyne.NewSize(180, 48) }

func (r *graphRenderer) Refresh() {
	last := 0.0
	if n := len(r.g.values); n > 0 {
		last = r.g.values[n-1]
	}
	r.label.Text = fmt.Sprintf("%s  %.0f kbps", r.g.title, last)
	// Colours are read again at every refresh: the system may switch
	// between light and dark while the window is open.
	r.label.Color = theme.Color(theme.ColorNameForeground)
	r.bg.StrokeColor = theme.Color(theme.ColorNameSeparator)
	primary := theme.Color(theme.ColorNamePrimary)
	r.placeLines()
	r.label.Refresh()
	r.bg.Refresh()
	for _, l := range r.lines {
		l.StrokeColor = primary
		l.Refresh()
	}
}

func (r *graphRenderer) Objects() []fyne.CanvasObject {
	objs := []fyne.CanvasObject{r.bg}
	for _, l := range r.lines {
		objs = append(objs, l)
	}
	return append(objs, r.label)
}

func (r *graphRenderer) Destroy() {}
