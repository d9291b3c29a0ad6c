package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/settings"
)

// previewRates are the preview rates the window offers. Thirty is smooth;
// fewer pictures save CPU where the desktop draws without a GPU (a virtual
// machine, a remote desktop), which the encoder may need more.
var previewRates = []int{30, 15, 5}

// previewRateLabel names a rate in the preview rate choice.
func previewRateLabel(n int) string {
	switch n {
	case 30:
		return tr("30 fps (smooth)")
	case 5:
		return tr("5 fps (light)")
	}
	return fmt.Sprintf("%d fps", n)
}

// previewRateFromLabel is the inverse of previewRateLabel, in the
// window's language: the rate whose label it is, else the number it
// starts with.
func previewRateFromLabel(label string) (int, bool) {
	for n := 1; n <= settings.MaxPreviewFPS; n++ {
		if previewRateLabel(n) == label {
			return n, true
		}
	}
	digits, _, _ := strings.Cut(label, " ")
	n, err := strconv.Atoi(digits)
	return n, err == nil && n >= 1 && n <= settings.MaxPreviewFPS
}

// fillPreviewRate sets the choice's options and selection from the
// settings; a rate written by hand that the list lacks is offered too.
func (s *Studio) fillPreviewRate(sel *widget.Select) {
	cur := s.cfg.Studio.PreviewRate()
	var opts []string
	listed := false
	for _, n := range previewRates {
		opts = append(opts, previewRateLabel(n))
		listed = listed || n == cur
	}
	if !listed {
		opts = append(opts, previewRateLabel(cur))
	}
	onChanged := sel.OnChanged
	sel.OnChanged = nil // showing the setting is not changing it
	sel.Options = opts
	sel.SetSelected(previewRateLabel(cur))
	sel.OnChanged = onChanged
}

// setPreviewRate saves a new preview rate and applies it to the preview
// on screen at once.
func (s *Studio) setPreviewRate(n int) {
	if n == s.cfg.Studio.PreviewRate() {
		return
	}
	before := s.cfg.Studio
	s.cfg.Studio.PreviewFPS = n
	if err := s.save(); err != nil {
		s.cfg.Studio = before
		s.fillPreviewRate(s.preview.rate)
		s.log.Warn("preview rate not saved", "error", err)
		return
	}
	s.log.Info("preview rate changed", "fps", n)
	if s.selected >= 0 && s.selected < len(s.views) {
		if r := s.views[s.selected].relay(); r != nil {
			r.SetPreview(s.mainPreview())
		}
	}
}
