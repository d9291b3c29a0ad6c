package ui

import (
	"image/color"
	"slices"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/studio"
)

// Badge colours.
var (
	colGreen = color.NRGBA{R: 0x2e, G: 0xb8, B: 0x4b, A: 0xff}
	colAmber = color.NRGBA{R: 0xf0, G: 0xa0, B: 0x20, A: 0xff}
	colRed   = color.NRGBA{R: 0xe0, G: 0x3a, B: 0x3a, A: 0xff}
	colGrey  = color.NRGBA{R: 0x90, G: 0x90, B: 0x90, A: 0xff}
)

func healthColor(h studio.Health) color.Color {
	switch h {
	case studio.HealthGreen:
		return colGreen
	case studio.HealthAmber:
		return colAmber
	case studio.HealthRed:
		return colRed
	}
	return colGrey
}

// build makes the panels and lays them out: cameras on the left, the
// preview with its toolbar in the middle, the selected stream's
// destinations and output settings on the right (one tab each), stats and
// log along the bottom.
func (s *Studio) build() fyne.CanvasObject {
	s.banner = widget.NewLabel("")
	s.banner.Importance = widget.DangerImportance
	s.banner.Wrapping = fyne.TextWrapWord
	s.banner.Hide()
	s.cams = s.newCamerasPanel()
	s.preview = s.newPreviewPanel()
	s.output = s.newOutputPanel()
	s.dests = s.newDestPanel()
	s.stats = newStatsPanel()
	s.logp = s.newLogPanel()

	s.tabs = container.NewAppTabs(
		container.NewTabItem(tr("Destinations"), s.dests.root),
		container.NewTabItem(tr("Output"), s.output.root),
		container.NewTabItem(tr("On air"), s.output.airRoot),
	)
	right := container.NewBorder(nil, container.NewPadded(s.stats.chart), nil, nil, s.tabs)
	main := container.NewHSplit(s.preview.root, right)
	main.Offset = 0.62
	withLeft := container.NewHSplit(s.cams.root, main)
	withLeft.Offset = 0.2
	bottom := container.NewHSplit(s.stats.root, s.logp.root)
	bottom.Offset = 0.55
	vs := container.NewVSplit(withLeft, bottom)
	vs.Offset = 0.68
	s.splits.cameras, s.splits.controls, s.splits.bottom, s.splits.log = withLeft, main, vs, bottom
	return container.NewBorder(s.banner, nil, nil, nil, vs)
}

// refreshAllStreams updates everything that depends on stats.
func (s *Studio) refreshAllStreams() {
	s.cams.list.Refresh()
	s.refreshStatsPanel()
	s.refreshDestStates()
	s.refreshButtons()
}

// refreshStream updates what depends on stream i's running state.
func (s *Studio) refreshStream(i int) {
	s.cams.list.RefreshItem(i)
	if i == s.selected {
		s.refreshStatsPanel()
		s.refreshDestStates()
		s.preview.refreshSignal(s.views[i])
	}
	s.refreshButtons()
}

// selectedView is the selected stream's view, nil when none is.
func (s *Studio) selectedView() *streamView {
	if s.selected < 0 || s.selected >= len(s.views) {
		return nil
	}
	return s.views[s.selected]
}

// refreshSelection fills the panels with the selected stream.
func (s *Studio) refreshSelection() {
	v := s.selectedView()
	s.cams.enable(v != nil)
	names := make([]string, len(s.cfg.Streams))
	for i, st := range s.cfg.Streams {
		names[i] = st.Name
	}
	s.logp.setStreams(names)
	if v == nil {
		s.preview.show(nil)
		s.preview.setMessage(tr("Add a camera to start (Ctrl+N)"))
		s.rebuildDestinations()
		s.refreshStatsPanel()
		s.refreshButtons()
		s.preview.refreshSignal(nil)
		return
	}
	s.preview.show(v.thumb)
	if v.err() != "" {
		s.preview.setMessage(tr("No preview: {{.Error}}", "Error", engineText(v.err())))
	} else {
		s.preview.setMessage(tr("Connecting to {{.URL}}…", "URL", media.RedactURL(s.cfg.Streams[s.selected].Source)))
	}
	s.output.fill(s.cfg.Streams[s.selected])
	s.rebuildDestinations()
	s.refreshStatsPanel()
	s.refreshButtons()
	s.preview.refreshSignal(v)
}

// refreshButtons enables Start/Stop with the reason when Start cannot work.
func (s *Studio) refreshButtons() {
	anyLive, anyStartable := false, false
	for i, v := range s.views {
		if v.streaming() {
			anyLive = true
		} else if s.startProblem(i) == "" {
			anyStartable = true
		}
	}
	v, problem := s.selectedView(), ""
	if v != nil && !v.streaming() {
		problem = s.startProblem(s.selected)
	}
	s.preview.refreshButtons(v, problem, anyLive, anyStartable)
}

func setEnabled(b fyne.Disableable, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// selectValue is the settings value of sel's choice: values[i] for the
// i-th option ("" for none). Selects whose options are labels in the
// window's language map them back by index, never by their text.
func selectValue(sel *widget.Select, values []string) string {
	if i := sel.SelectedIndex(); i >= 0 && i < len(values) {
		return values[i]
	}
	return ""
}

// selectByValue chooses the option of sel that stands for value v, as
// values lists them; an unknown v leaves the choice as it is.
func selectByValue(sel *widget.Select, values []string, v string) {
	sel.SetSelectedIndex(slices.Index(values, v))
}
