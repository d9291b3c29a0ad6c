package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/settings"
)

// destRow is one destination in the controls: its widgets, kept for the
// stats updates and for tests.
type destRow struct {
	name    string
	enabled *widget.Check
	key     *widget.Entry // a password entry: masked, with a reveal toggle
	state   *widget.Label
	lastErr *widget.Label
	edit    *widget.Button // opens the destination dialog on it
	remove  *widget.Button
}

func (s *Studio) buildControls() fyne.CanvasObject {
	s.videoMode = widget.NewSelect([]string{"copy", "transcode (h264)"}, func(string) { s.enableOutputFields(); s.applyOutput() })
	s.resolution = widget.NewSelect(resolutionLabels(), func(string) { s.enableOutputFields(); s.applyOutput() })
	s.customSize = widget.NewEntry()
	s.customSize.SetPlaceHolder("e.g. 1280x720")
	s.fps = widget.NewEntry()
	s.fps.SetPlaceHolder("camera's rate")
	s.bitrate = widget.NewEntry()
	s.preset = widget.NewSelect(media.Presets, func(string) { s.applyOutput() })
	s.keyint = widget.NewEntry()
	s.audioMode = widget.NewSelect([]string{settings.AudioAuto, settings.AudioCopy, settings.AudioAAC, settings.AudioSilent, settings.AudioNone}, func(string) { s.applyOutput() })
	s.audioBitrate = widget.NewEntry()
	// Typed values are saved (and applied to a live stream) once typing
	// pauses, or at once on Enter.
	for _, e := range []*widget.Entry{s.customSize, s.fps, s.bitrate, s.keyint, s.audioBitrate} {
		e.OnChanged = func(string) {
			if !s.settingOutput {
				s.outputEdit.Call(s.applyOutput)
			}
		}
		e.OnSubmitted = func(string) { s.outputEdit.Stop(); s.applyOutput() }
	}
	s.outputMsg = widget.NewLabel("")
	s.outputMsg.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem("Video", s.videoMode),
		widget.NewFormItem("Resolution", container.NewGridWithColumns(2, s.resolution, s.customSize)),
		widget.NewFormItem("FPS", s.fps),
		widget.NewFormItem("Bitrate", s.bitrate),
		widget.NewFormItem("x264 preset", s.preset),
		widget.NewFormItem("Keyframes every", s.keyint),
		widget.NewFormItem("Audio", s.audioMode),
		widget.NewFormItem("Audio bitrate", s.audioBitrate),
	)

	s.destBox = container.NewVBox()
	s.addDestBtn = widget.NewButtonWithIcon("Add destination", theme.ContentAddIcon(), func() { s.showDestForm(-1) })

	s.startBtn = widget.NewButtonWithIcon("Start streaming", theme.MediaPlayIcon(), func() { s.toggleSelected() })
	s.startBtn.Importance = widget.HighImportance
	s.startReason = widget.NewLabel("")
	s.startReason.Wrapping = fyne.TextWrapWord
	s.startReason.Importance = widget.WarningImportance
	s.startAllBtn = widget.NewButton("Start all", func() { s.startAll() })
	s.stopAllBtn = widget.NewButton("Stop all", func() { s.stopAll() })

	bold := fyne.TextStyle{Bold: true}
	body := container.NewVBox(
		s.startBtn, s.startReason,
		container.NewGridWithColumns(2, s.startAllBtn, s.stopAllBtn),
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Destinations", fyne.TextAlignLeading, bold),
		s.destBox, s.addDestBtn,
		widget.NewSeparator(),
		widget.NewLabelWithStyle("Output", fyne.TextAlignLeading, bold),
		form, s.outputMsg,
	)
	return container.NewVScroll(body)
}

// fillOutput shows the selected stream's output settings without saving.
func (s *Studio) fillOutput() {
	st := s.cfg.Streams[s.selected]
	s.settingOutput = true
	defer func() { s.settingOutput = false }()
	if st.Video.Mode == settings.VideoH264 {
		s.videoMode.SetSelected("transcode (h264)")
	} else {
		s.videoMode.SetSelected("copy")
	}
	label := resolutionLabel(st.Video.Size)
	s.resolution.SetSelected(label)
	s.customSize.SetText("")
	if label == "Custom" {
		s.customSize.SetText(st.Video.Size)
	}
	s.fps.SetText("")
	if st.Video.FPS > 0 {
		s.fps.SetText(strconv.FormatFloat(st.Video.FPS, 'f', -1, 64))
	}
	s.bitrate.SetText(st.Video.Bitrate)
	s.preset.SetSelected(st.Video.Preset)
	s.keyint.SetText(st.Video.KeyframeInterval)
	s.audioMode.SetSelected(st.Audio.Mode)
	s.audioBitrate.SetText(st.Audio.Bitrate)
	s.outputMsg.SetText("")
	s.enableOutputFields()
}

// enableOutputFields enables the encoder's fields only when they do
// something: in copy mode the camera's picture goes out as it is.
func (s *Studio) enableOutputFields() {
	transcode := strings.HasPrefix(s.videoMode.Selected, "transcode")
	for _, w := range []fyne.Disableable{s.resolution, s.fps, s.bitrate, s.preset, s.keyint} {
		setEnabled(w, transcode)
	}
	setEnabled(s.customSize, transcode && s.resolution.Selected == "Custom")
}

// applyOutput saves the output controls into the selected stream and, if
// it runs, restarts it with them.
func (s *Studio) applyOutput() {
	if s.settingOutput || s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	i := s.selected
	old := s.cfg.Streams[i]
	v := old.Video
	v.Mode = settings.VideoCopy
	if strings.HasPrefix(s.videoMode.Selected, "transcode") {
		v.Mode = settings.VideoH264
	}
	v.Size = ""
	for _, r := range resolutions {
		if r.label == s.resolution.Selected && r.label != "Custom" {
			v.Size = r.size
		}
	}
	if s.resolution.Selected == "Custom" {
		v.Size = strings.TrimSpace(s.customSize.Text)
	}
	v.FPS = 0
	if t := strings.TrimSpace(s.fps.Text); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			s.outputMsg.SetText(fmt.Sprintf("FPS %q: want a number such as 30, or leave empty for the camera's rate", t))
			return
		}
		v.FPS = f
	}
	v.Bitrate = strings.TrimSpace(s.bitrate.Text)
	v.Preset = s.preset.Selected
	v.KeyframeInterval = strings.TrimSpace(s.keyint.Text)
	a := settings.Audio{Mode: s.audioMode.Selected, Bitrate: strings.TrimSpace(s.audioBitrate.Text)}
	if v == old.Video && a == old.Audio {
		return
	}
	err := s.commit(func(c *settings.Config) {
		c.Streams[i].Video = v
		c.Streams[i].Audio = a
	})
	if err != nil {
		s.outputMsg.SetText("Not saved: " + err.Error())
		s.log.Warn("output settings not saved", "stream", old.Name, "error", err)
		return
	}
	msg := "Saved."
	if s.views[i].streaming() {
		msg = s.applyLive(i)
	}
	s.outputMsg.SetText(msg)
	s.refreshButtons()
}

// applyLive hands stream i's saved output settings to its running relay,
// and says what happens: the encoder restarts while every destination stays
// connected. Should the relay refuse, the stream restarts instead.
func (s *Studio) applyLive(i int) string {
	if err := s.views[i].stream.ApplyOutput(s.cfg.Streams[i]); err != nil {
		s.log.Warn("output settings could not be applied live: restarting the stream", "stream", s.cfg.Streams[i].Name, "error", err)
		s.restartStream(i, "output settings")
		return "Saved; the stream restarts to apply it."
	}
	return "Saved and applied: the encoder restarts, destinations stay connected and resume at the next keyframe (a second or two)."
}

// rebuildDestinations lists the selected stream's destinations, and one
// bitrate graph per destination in the stats panel.
func (s *Studio) rebuildDestinations() {
	s.destBox.RemoveAll()
	s.destRows = nil
	s.graphBox.RemoveAll()
	s.graphs = map[string]*bitrateGraph{}
	if s.selected < 0 || s.selected >= len(s.views) {
		s.destBox.Refresh()
		return
	}
	st := s.cfg.Streams[s.selected]
	if len(st.Destinations) == 0 {
		s.destBox.Add(widget.NewLabel("No destination yet: add YouTube, Twitch, Facebook or your own server."))
	}
	for j, d := range st.Destinations {
		row := s.newDestRow(j, d)
		s.destRows = append(s.destRows, row)
		title := widget.NewLabelWithStyle(d.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
		server := widget.NewLabel(media.RTMPServer(d.URL))
		server.Truncation = fyne.TextTruncateEllipsis
		card := container.NewVBox(
			container.NewBorder(nil, nil, row.enabled, container.NewHBox(row.edit, row.remove), title),
			server,
			row.key,
			container.NewHBox(widget.NewLabel("State:"), row.state),
			row.lastErr,
			widget.NewSeparator(),
		)
		s.destBox.Add(card)
		g := newBitrateGraph(d.Name)
		s.graphs[d.Name] = g
		s.graphBox.Add(g)
	}
	s.destBox.Refresh()
	s.graphBox.Refresh()
	s.refreshDestStates()
}

func (s *Studio) newDestRow(j int, d settings.Destination) *destRow {
	i := s.selected
	row := &destRow{name: d.Name}
	row.enabled = widget.NewCheck("on", nil)
	row.enabled.SetChecked(d.Enabled)
	row.enabled.OnChanged = func(on bool) {
		if s.commitOrShow(func(c *settings.Config) { c.Streams[i].Destinations[j].Enabled = on }) {
			s.afterDestChange(i)
		}
	}
	row.key = widget.NewPasswordEntry()
	row.key.SetPlaceHolder("stream key")
	row.key.SetText(d.Key)
	// The key is saved at every change; a live stream picks it up once
	// typing pauses (or on Enter), not with a restart per character.
	row.key.OnChanged = func(k string) {
		k = strings.TrimSpace(k)
		if err := s.commit(func(c *settings.Config) { c.Streams[i].Destinations[j].Key = k }); err != nil {
			row.lastErr.SetText("Key not saved: " + err.Error())
			return
		}
		row.lastErr.SetText("")
		if s.views[i].streaming() {
			row.state.SetText("key changed: this destination reconnects with it when you stop typing")
			s.keyEdit.Call(func() { s.afterDestChange(i) })
		} else {
			s.refreshButtons()
		}
	}
	row.key.OnSubmitted = func(string) { s.keyEdit.Flush() }
	row.state = widget.NewLabel("idle")
	row.lastErr = widget.NewLabel("")
	row.lastErr.Wrapping = fyne.TextWrapWord
	row.lastErr.Importance = widget.DangerImportance
	row.edit = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() { s.showDestForm(j) })
	row.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		s.ask("Remove destination?", fmt.Sprintf("Remove %q from %q? Its stream key is forgotten.", d.Name, s.cfg.Streams[i].Name), "Remove", func() {
			if s.commitOrShow(func(c *settings.Config) {
				ds := c.Streams[i].Destinations
				c.Streams[i].Destinations = append(ds[:j:j], ds[j+1:]...)
			}) {
				s.rebuildDestinations()
				s.afterDestChange(i)
			}
		})
	})
	return row
}

// afterDestChange applies a destination change to a running stream: live,
// so that the camera and the other destinations carry on; by a restart
// only if the relay cannot take it live.
func (s *Studio) afterDestChange(i int) {
	if v := s.views[i]; v.streaming() {
		switch {
		case s.startProblem(i) != "":
			s.stopStream(i)
		default:
			if err := v.stream.ApplyDestinations(s.cfg.Streams[i]); err != nil {
				s.log.Warn("destinations could not be changed live: restarting the stream", "stream", s.cfg.Streams[i].Name, "error", err)
				s.restartStream(i, "destinations")
			}
		}
	}
	s.refreshButtons()
}

// refreshDestStates shows each destination's state and last error.
func (s *Studio) refreshDestStates() {
	if s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	v := s.views[s.selected]
	for _, row := range s.destRows {
		state, lastErr := "idle", ""
		if v.streaming() {
			state = "starting"
			for _, d := range v.stats.Destinations {
				if d.Name == row.name {
					state = string(d.State)
					if d.Reason != "" {
						state += ": " + d.Reason
					}
					if d.State == "live" {
						state += fmt.Sprintf(" (%.0f kbps, %.0f fps)", d.BitrateKbps, d.FPS)
					}
					if d.Reconnects > 0 || d.Dropped > 0 {
						state += fmt.Sprintf(" · reconnects %d · frames dropped %d", d.Reconnects, d.Dropped)
					}
					lastErr = d.LastError
				}
			}
		}
		row.state.SetText(state)
		if lastErr != "" {
			row.lastErr.SetText("Last error: " + lastErr)
		}
	}
}
