package ui

import (
	"fmt"
	"image/color"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
)

// Badge colours.
var (
	colGreen = color.NRGBA{R: 0x2e, G: 0xb8, B: 0x4b, A: 0xff}
	colAmber = color.NRGBA{R: 0xf0, G: 0xa0, B: 0x20, A: 0xff}
	colRed   = color.NRGBA{R: 0xe0, G: 0x3a, B: 0x3a, A: 0xff}
	colGrey  = color.NRGBA{R: 0x90, G: 0x90, B: 0x90, A: 0xff}
)

func healthColor(h Health) color.Color {
	switch h {
	case HealthGreen:
		return colGreen
	case HealthAmber:
		return colAmber
	case HealthRed:
		return colRed
	}
	return colGrey
}

// badge is the state word shown next to a camera: idle, connecting, live,
// retrying or error.
func badge(v *streamView) (string, color.Color) {
	if v.relay() == nil {
		if v.err() != "" {
			return "error", colRed
		}
		return "idle", colGrey
	}
	switch v.stats.State {
	case relay.StateLive:
		if v.streaming() {
			return "live", colGreen
		}
		return "preview", colGreen
	case relay.StateRetrying:
		return "retrying", colAmber
	case relay.StateFailed, relay.StateRefused:
		return "error", colRed
	case relay.StateConnecting, relay.StateIdle:
		return "connecting", colAmber
	}
	return "idle", colGrey
}

// build makes the window's content.
func (s *Studio) build() fyne.CanvasObject {
	s.banner = widget.NewLabel("")
	s.banner.Importance = widget.DangerImportance
	s.banner.Wrapping = fyne.TextWrapWord
	s.banner.Hide()
	left := s.buildCameras()
	centre := s.buildPreview()
	right := s.buildControls()
	bottom := s.buildStats()

	main := container.NewHSplit(centre, right)
	main.Offset = 0.62
	withLeft := container.NewHSplit(left, main)
	withLeft.Offset = 0.2
	vs := container.NewVSplit(withLeft, bottom)
	vs.Offset = 0.68
	s.splits.cameras, s.splits.controls, s.splits.bottom = withLeft, main, vs
	return container.NewBorder(s.banner, nil, nil, nil, vs)
}

// cameraList is the list of cameras. A tap gives it the keyboard focus, and
// a focused widget.List takes Space to select: here Space keeps its meaning
// in the studio, start or stop the selected stream. The arrows still move.
type cameraList struct {
	widget.List
	onSpace func()
}

func newCameraList(onSpace func(), length func() int, create func() fyne.CanvasObject,
	update func(widget.ListItemID, fyne.CanvasObject)) *cameraList {
	l := &cameraList{onSpace: onSpace}
	l.Length, l.CreateItem, l.UpdateItem = length, create, update
	l.ExtendBaseWidget(l)
	return l
}

// TypedKey implements fyne.Focusable.
func (l *cameraList) TypedKey(e *fyne.KeyEvent) {
	if e.Name == fyne.KeySpace {
		l.onSpace()
		return
	}
	l.List.TypedKey(e)
}

func (s *Studio) buildCameras() fyne.CanvasObject {
	s.cameraList = newCameraList(s.toggleSelected,
		func() int { return len(s.views) },
		func() fyne.CanvasObject {
			thumb := canvas.NewImageFromImage(nil)
			thumb.FillMode = canvas.ImageFillContain
			thumb.ScaleMode = canvas.ImageScaleFastest
			thumb.SetMinSize(fyne.NewSize(64, 36))
			bg := canvas.NewRectangle(color.NRGBA{A: 0x30})
			bg.SetMinSize(fyne.NewSize(64, 36))
			dot := canvas.NewCircle(colGrey)
			dot.Resize(fyne.NewSize(10, 10))
			state := canvas.NewText("idle", colGrey)
			state.TextSize = theme.CaptionTextSize()
			name := widget.NewLabel("camera")
			name.Truncation = fyne.TextTruncateEllipsis
			// Until a camera has shown a picture, a camera icon stands in.
			icon := widget.NewIcon(theme.MediaVideoIcon())
			return container.NewBorder(nil, nil, container.NewStack(bg, icon, thumb),
				nil, container.NewVBox(name, container.NewHBox(container.NewGridWrap(fyne.NewSize(10, 10), dot), state)))
		},
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id >= len(s.views) {
				return
			}
			b := o.(*fyne.Container)
			pic := b.Objects[1].(*fyne.Container)
			icon, thumb := pic.Objects[1].(*widget.Icon), pic.Objects[2].(*canvas.Image)
			info := b.Objects[0].(*fyne.Container)
			name := info.Objects[0].(*widget.Label)
			row := info.Objects[1].(*fyne.Container)
			dot := row.Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
			state := row.Objects[1].(*canvas.Text)
			v := s.views[id]
			name.SetText(s.cfg.Streams[id].Name)
			word, col := badge(v)
			state.Text, state.Color = word, col
			state.Refresh()
			dot.FillColor = col
			dot.Refresh()
			if thumb.Image != v.thumb {
				thumb.Image = v.thumb
				thumb.Refresh()
			}
			if v.thumb == nil {
				icon.Show()
			} else {
				icon.Hide()
			}
		})
	s.cameraList.OnSelected = func(id widget.ListItemID) {
		if id != s.selected {
			s.selectStream(id)
		}
	}
	s.addCamBtn = widget.NewButtonWithIcon("Add", theme.ContentAddIcon(), func() { s.showCameraForm(-1) })
	s.editCamBtn = widget.NewButtonWithIcon("Edit", theme.DocumentCreateIcon(), func() { s.showCameraForm(s.selected) })
	s.dupCamBtn = widget.NewButtonWithIcon("Duplicate", theme.ContentCopyIcon(), func() { s.duplicateStream(s.selected) })
	s.removeCamBtn = widget.NewButtonWithIcon("Remove", theme.DeleteIcon(), func() { s.removeStream(s.selected) })
	buttons := container.NewGridWithColumns(2, s.addCamBtn, s.editCamBtn, s.dupCamBtn, s.removeCamBtn)
	title := widget.NewLabelWithStyle("Cameras", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	return container.NewBorder(title, buttons, nil, nil, s.cameraList)
}

func (s *Studio) buildPreview() fyne.CanvasObject {
	s.preview = canvas.NewImageFromImage(nil)
	s.preview.FillMode = canvas.ImageFillContain
	s.preview.ScaleMode = canvas.ImageScaleFastest
	s.preview.SetMinSize(fyne.NewSize(320, 180))
	bg := canvas.NewRectangle(color.Black)
	s.previewInfo = canvas.NewText("", color.White)
	s.previewInfo.TextSize = theme.CaptionTextSize()
	s.previewInfo.TextStyle = fyne.TextStyle{Monospace: true}
	infoBg := canvas.NewRectangle(color.NRGBA{A: 0x90})
	info := container.NewStack(infoBg, container.NewPadded(s.previewInfo))
	s.previewMsg = widget.NewLabel("Starting the preview…")
	s.previewMsg.Alignment = fyne.TextAlignCenter
	s.previewMsg.Wrapping = fyne.TextWrapWord
	overlay := container.NewBorder(container.NewHBox(info, layout.NewSpacer()), nil, nil, nil)
	s.previewRate = widget.NewSelect(nil, nil)
	s.fillPreviewRate()
	s.previewRate.OnChanged = func(label string) {
		if n, ok := previewRateFromLabel(label); ok {
			s.setPreviewRate(n)
		}
	}
	bar := container.NewHBox(layout.NewSpacer(), widget.NewLabel("Preview"), s.previewRate)
	// NO SIGNAL: over the last picture, dimmed, while the camera is lost.
	s.noSignal = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	s.noSignal.Wrapping = fyne.TextWrapWord
	s.noSignal.Importance = widget.DangerImportance
	s.noSignalBox = container.NewStack(canvas.NewRectangle(color.NRGBA{A: 0xb0}), middle(s.noSignal))
	s.noSignalBox.Hide()
	return container.NewBorder(nil, bar, nil, nil,
		container.NewStack(bg, s.preview, middle(s.previewMsg), s.noSignalBox, overlay))
}

func (s *Studio) buildStats() fyne.CanvasObject {
	s.healthDot = canvas.NewCircle(colGrey)
	s.healthLabel = widget.NewLabel("idle")
	s.healthLabel.Truncation = fyne.TextTruncateEllipsis
	s.statsLabel = widget.NewLabel("")
	s.statsLabel.TextStyle = fyne.TextStyle{Monospace: true}
	s.cpuLabel = widget.NewLabel("CPU —")
	s.graphBox = container.NewGridWrap(fyne.NewSize(220, 60))
	health := container.NewBorder(nil, nil, container.NewGridWrap(fyne.NewSize(16, 16), s.healthDot), nil, s.healthLabel)
	statsPane := container.NewBorder(health, nil, nil, nil,
		container.NewScroll(container.NewVBox(s.statsLabel, s.cpuLabel, s.graphBox)))

	s.logLabel = widget.NewLabel("")
	s.logLabel.Selectable = true
	s.logLabel.Wrapping = fyne.TextWrapWord // sentences wrap: no sideways scrolling
	s.logScroll = container.NewVScroll(s.logLabel)
	s.copyLogBtn = widget.NewButtonWithIcon("Copy log", theme.ContentCopyIcon(), func() {
		lines, _ := s.logs.Lines()
		s.app.Clipboard().SetContent(strings.Join(lines, "\n"))
	})
	logPane := container.NewBorder(nil, nil, nil, container.NewVBox(s.copyLogBtn), s.logScroll)
	split := container.NewHSplit(statsPane, logPane)
	split.Offset = 0.55
	s.splits.log = split
	return split
}

// refreshLog shows the log buffer's lines.
func (s *Studio) refreshLog() {
	lines, seq := s.logs.Lines()
	if seq == s.logSeen {
		return
	}
	s.logSeen = seq
	s.logLabel.SetText(strings.Join(lines, "\n"))
	s.logScroll.ScrollToBottom()
}

// refreshAllStreams updates everything that depends on stats.
func (s *Studio) refreshAllStreams() {
	s.cameraList.Refresh()
	s.refreshStatsPanel()
	s.refreshDestStates()
	s.refreshButtons()
}

// refreshStream updates what depends on stream i's running state.
func (s *Studio) refreshStream(i int) {
	s.cameraList.RefreshItem(i)
	if i == s.selected {
		s.refreshStatsPanel()
		s.refreshDestStates()
	}
	s.refreshButtons()
}

// refreshSelection fills the controls with the selected stream.
func (s *Studio) refreshSelection() {
	has := s.selected >= 0 && s.selected < len(s.views)
	for _, b := range []*widget.Button{s.editCamBtn, s.dupCamBtn, s.removeCamBtn, s.addDestBtn} {
		if has {
			b.Enable()
		} else {
			b.Disable()
		}
	}
	if !has {
		s.preview.Image = nil
		s.preview.Refresh()
		s.previewMsg.SetText("Add a camera to start (Ctrl+N)")
		s.previewMsg.Show()
		s.rebuildDestinations()
		s.refreshButtons()
		return
	}
	v := s.views[s.selected]
	s.preview.Image = v.thumb
	s.preview.Refresh()
	if v.err() != "" {
		s.previewMsg.SetText("No preview: " + v.err())
	} else {
		s.previewMsg.SetText("Connecting to " + media.RedactURL(s.cfg.Streams[s.selected].Source) + "…")
	}
	s.previewMsg.Show()
	s.fillOutput()
	s.rebuildDestinations()
	s.refreshStatsPanel()
	s.refreshButtons()
	s.refreshSignal()
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
	setEnabled(s.stopAllBtn, anyLive)
	setEnabled(s.startAllBtn, anyStartable)
	if s.selected < 0 || s.selected >= len(s.views) {
		s.startBtn.SetText("Start streaming")
		s.startBtn.Disable()
		s.startReason.SetText("")
		return
	}
	v := s.views[s.selected]
	if v.streaming() {
		s.startBtn.SetText("Stop streaming")
		s.startBtn.SetIcon(theme.MediaStopIcon())
		s.startBtn.Importance = widget.DangerImportance
		s.startBtn.Enable()
		s.startReason.SetText("")
		return
	}
	s.startBtn.SetText("Start streaming")
	s.startBtn.SetIcon(theme.MediaPlayIcon())
	s.startBtn.Importance = widget.HighImportance
	if reason := s.startProblem(s.selected); reason != "" {
		s.startBtn.Disable()
		s.startReason.SetText("Cannot start: " + reason)
	} else {
		s.startBtn.Enable()
		s.startReason.SetText("")
	}
}

func setEnabled(b fyne.Disableable, on bool) {
	if on {
		b.Enable()
	} else {
		b.Disable()
	}
}

// refreshStatsPanel shows the selected stream's numbers, graphs and health.
func (s *Studio) refreshStatsPanel() {
	s.cpuLabel.SetText(fmt.Sprintf("App CPU: %.0f %% of one core", s.cpuPercent))
	if s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	v := s.views[s.selected]
	st := v.stats
	h, reason := v.health, v.reason
	if v.relay() == nil {
		h, reason = HealthIdle, "not running"
		if v.err() != "" {
			h, reason = HealthRed, v.err()
		}
	}
	s.healthDot.FillColor = healthColor(h)
	s.healthDot.Refresh()
	s.healthLabel.SetText(fmt.Sprintf("%s: %s", strings.ToUpper(h.String()), reason))
	if v.relay() != nil {
		s.statsLabel.SetText(fmt.Sprintf(
			"Input  %s %dx%d  %.1f fps  %.0f kbps  keyframe every %.1fs\n"+
				"Output %s %dx%d  %.1f fps  %.0f kbps  speed %s\n"+
				"Audio  %s %s  %.0f kbps\n"+
				"Dropped %d (input %d, waiting keyframe %d, decode %d, destinations %d)\n"+
				"Uptime %s   camera reconnects %d",
			st.Input.VideoCodec, st.Input.Width, st.Input.Height, st.Input.FPS, st.Input.BitrateKbps, st.Input.KeyframeIntervalSeconds,
			st.Video.Mode, st.Video.Width, st.Video.Height, st.Video.FPS, st.Video.BitrateKbps, speedText(st.Video.Speed),
			st.Audio.Mode, st.Audio.Codec, st.Audio.BitrateKbps,
			droppedTotal(st), st.Dropped.InputOverflow, st.Dropped.WaitingKeyframe, st.Dropped.DecodeErrors, st.Dropped.Destinations,
			(time.Duration(st.UptimeSeconds) * time.Second).String(), st.Input.Reconnects))
		src := ""
		if st.Input.Width > 0 {
			src = fmt.Sprintf("%dx%d  %.0f fps  ", st.Input.Width, st.Input.Height, st.Input.FPS)
		}
		s.previewInfo.Text = src + time.Now().Format("15:04:05")
	} else {
		s.statsLabel.SetText("Not running.")
		s.previewInfo.Text = ""
	}
	s.previewInfo.Refresh()
	for name, g := range s.graphs {
		g.SetValues(v.hist[name])
	}
}

func speedText(sp float64) string {
	if sp == 0 {
		return "— (copy)"
	}
	return fmt.Sprintf("%.2fx", sp)
}

// middle centres a wrapping label vertically and gives it the whole width
// (container.NewCenter would give it its one-letter-wide minimum, and a
// long text would then stand as a column that pushes the window's
// panels out).
func middle(l *widget.Label) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer())
}
