package ui

import (
	"log/slog"
	"slices"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"
)

// logPanel shows the log as sentences, newest last, filtered by stream and
// by level, with a button that copies what it shows.
type logPanel struct {
	label    *widget.Label
	scroll   *wheelScroll
	stream   *widget.Select // All cameras (the first option) or one camera's name
	problems *widget.Check  // warnings and errors only
	copy     *widget.Button
	seen     uint64 // the buffer's sequence last shown
	shown    string // the text on screen
	root     fyne.CanvasObject
}

// allCameras is the stream filter's first choice: the filter tells it by
// its place, so a camera of that name is still a camera.
func allCameras() string { return tr("All cameras") }

func (s *Studio) newLogPanel() *logPanel {
	p := &logPanel{}
	p.label = widget.NewLabel("")
	p.label.Selectable = true
	p.label.Wrapping = fyne.TextWrapWord // sentences wrap: no sideways scrolling
	p.scroll = newVScroll(p.label)
	refilter := func() {
		if s.logp != nil {
			p.seen = 0
			s.refreshLog()
		}
	}
	p.stream = widget.NewSelect([]string{allCameras()}, func(string) { refilter() })
	p.stream.SetSelectedIndex(0)
	p.problems = widget.NewCheck(tr("Warnings only"), func(bool) { refilter() })
	p.copy = widget.NewButtonWithIcon(tr("Copy"), theme.ContentCopyIcon(), func() {
		s.app.Clipboard().SetContent(p.shown)
	})
	title := widget.NewLabelWithStyle(tr("Log"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	bar := container.NewBorder(nil, nil, title, container.NewHBox(p.problems, p.copy), p.stream)
	p.root = container.NewBorder(bar, nil, nil, nil, p.scroll)
	return p
}

// setStreams offers names in the stream filter; a filter on a camera that
// is gone goes back to all.
func (p *logPanel) setStreams(names []string) {
	opts := append([]string{allCameras()}, names...)
	at := p.stream.SelectedIndex()
	sel := p.stream.Selected
	p.stream.Options = opts
	switch {
	case at > 0 && slices.Contains(names, sel): // the same camera stays
	case at != 0:
		p.stream.SetSelectedIndex(0) // calls OnChanged: shows all again
	}
	p.stream.Refresh()
}

// filter keeps the entries the panel's choices let through.
func (p *logPanel) filter(entries []LogEntry) string {
	var lines []string
	one, sel := p.stream.SelectedIndex() > 0, p.stream.Selected // one camera's lines
	for _, e := range entries {
		if p.problems.Checked && e.Level < slog.LevelWarn {
			continue
		}
		if one && !strings.EqualFold(e.Stream, sel) {
			continue
		}
		lines = append(lines, e.Text)
	}
	return strings.Join(lines, "\n")
}

// refreshLog shows the log buffer's entries that pass the filters.
func (s *Studio) refreshLog() {
	p := s.logp
	entries, seq := s.logs.Entries()
	if seq == p.seen {
		return
	}
	p.seen = seq
	text := p.filter(entries)
	if text == p.shown {
		return
	}
	p.shown = text
	p.label.SetText(text)
	p.scroll.ScrollToBottom()
}
