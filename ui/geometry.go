package ui

import (
	"strings"

	"fyne.io/fyne/v2"

	"github.com/relaystudio/relaystudio/settings"
)

// The window's geometry (size, dividers) and the camera on screen are kept
// in the settings file's [studio.window] from one run to the next.

// defaultSize is the window's size on first start.
var defaultSize = fyne.NewSize(1280, 800)

// savedSize is the size the window had when it was last closed.
func (s *Studio) savedSize() fyne.Size {
	w := s.cfg.Studio.Window
	if w.Width == 0 || w.Height == 0 {
		return defaultSize
	}
	return fyne.NewSize(float32(w.Width), float32(w.Height))
}

// restoreSplits puts the dividers where they were.
func (s *Studio) restoreSplits() {
	w := s.cfg.Studio.Window
	for _, sp := range []struct {
		f     float64
		split interface{ SetOffset(float64) }
	}{{w.CamerasSplit, s.splits.cameras}, {w.ControlsSplit, s.splits.controls}, {w.BottomSplit, s.splits.bottom}, {w.LogSplit, s.splits.log}} {
		if sp.f > 0 && sp.f < 1 {
			sp.split.SetOffset(sp.f)
		}
	}
}

// savedSelection is the index of the camera that was on screen, or 0.
func (s *Studio) savedSelection() int {
	name := s.cfg.Studio.Window.Selected
	for i, st := range s.cfg.Streams {
		if name != "" && strings.EqualFold(st.Name, name) {
			return i
		}
	}
	return 0
}

// keepGeometry saves the window's size, dividers and selected camera. A
// failure is logged, not shown: the person is quitting.
func (s *Studio) keepGeometry() {
	if s.broken != nil {
		return
	}
	size := s.win.Canvas().Size()
	w := settings.Window{
		Width: int(size.Width + 0.5), Height: int(size.Height + 0.5),
		CamerasSplit: s.splits.cameras.Offset, ControlsSplit: s.splits.controls.Offset,
		BottomSplit: s.splits.bottom.Offset, LogSplit: s.splits.log.Offset,
	}
	if w.Width < settings.MinWindowSide || w.Height < settings.MinWindowSide {
		w.Width, w.Height = 0, 0 // not shown yet (a test, a quit at start)
	}
	if s.selected >= 0 && s.selected < len(s.cfg.Streams) {
		w.Selected = s.cfg.Streams[s.selected].Name
	}
	if w == s.cfg.Studio.Window {
		return
	}
	if err := s.commit(func(c *settings.Config) { c.Studio.Window = w }); err != nil {
		s.log.Warn("the window's size and layout were not kept", "error", err)
	}
}
