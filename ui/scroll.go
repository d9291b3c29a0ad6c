package ui

import (
	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
)

// wheelFactor scales the mouse wheel in the window's scroll areas. Fyne
// moves 25 px a notch on Linux and Windows, a line and a half; desktop
// apps move about three lines.
const wheelFactor = 2

// wheelScroll is a vertical scroll area that moves wheelFactor times
// Fyne's step a wheel notch.
type wheelScroll struct {
	container.Scroll
}

// newVScroll returns a vertical scroll area of content with the wheel at
// desktop speed.
func newVScroll(content fyne.CanvasObject) *wheelScroll {
	s := &wheelScroll{}
	s.Direction = container.ScrollVerticalOnly
	s.Content = content
	s.ExtendBaseWidget(s)
	return s
}

// Scrolled implements fyne.Scrollable.
func (s *wheelScroll) Scrolled(ev *fyne.ScrollEvent) {
	e := *ev
	e.Scrolled.DX *= wheelFactor
	e.Scrolled.DY *= wheelFactor
	s.Scroll.Scrolled(&e)
}
