package ui

import (
	"cmp"
	"errors"
	"math"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/storage"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// outputPanel is the selected stream's video and audio settings. Every
// change is saved when made (typed values once typing pauses, or on
// Enter) and applied to the running stream.
type outputPanel struct {
	videoMode, resolution, preset    *widget.Select
	audioMode                        *widget.Select
	customSize, fps, bitrate, keyint *widget.Entry
	audioBitrate                     *widget.Entry
	// The slate: on or off, its picture, how soon and for how long.
	slateOn                          *widget.Check
	slateImage, slateAfter, slateEnd *widget.Entry
	slateChoose                      *widget.Button
	// The recording: on or off, its folder, how long each file runs.
	record                 *widget.Check
	recordDir, recordSplit *widget.Entry
	recordChoose           *widget.Button
	msg                    *widget.Label
	// filling is set while fill shows a stream: the fields' callbacks
	// must not save what they are only shown.
	filling bool
	root    fyne.CanvasObject
	// airRoot is the "On air" tab (overlay, slate, recording), airMsg
	// its message.
	airRoot fyne.CanvasObject
	airMsg  *widget.Label
	// The overlay.
	logo, logoWidth, text, textSize, textColour *widget.Entry
	logoChoose                                  *widget.Button
	logoPos, textPos                            *widget.Select
	logoOpacity                                 *widget.Slider
	textBox, clock                              *widget.Check
	overlayNote                                 *widget.Label
}

// whiteHex is the text colour's default as the field takes it: a value,
// the same in every language.
const whiteHex = "#FFFFFF"

// videoModes are the settings values of the Video select's options, in
// their order (see videoModeLabels).
var videoModes = []string{settings.VideoCopy, settings.VideoH264}

func videoModeLabels() []string { return []string{tr("copy"), tr("transcode (h264)")} }

// audioModes are the settings values of the Audio select's options, in
// their order (see audioModeLabels).
var audioModes = []string{settings.AudioAuto, settings.AudioCopy, settings.AudioAAC, settings.AudioSilent, settings.AudioNone}

func audioModeLabels() []string {
	return []string{tr("auto"), tr("copy"), tr("aac"), tr("silent"), tr("none")}
}

// cornerLabels are media.Corners, the overlay's positions, in words.
func cornerLabels() []string {
	out := make([]string, len(media.Corners))
	for i, c := range media.Corners {
		switch c {
		case "top-left":
			out[i] = tr("top-left")
		case "top-right":
			out[i] = tr("top-right")
		case "bottom-left":
			out[i] = tr("bottom-left")
		case "bottom-right":
			out[i] = tr("bottom-right")
		case "center":
			out[i] = tr("center")
		default:
			out[i] = c
		}
	}
	return out
}

func (s *Studio) newOutputPanel() *outputPanel {
	p := &outputPanel{}
	changed := func(string) { p.enable(); s.applyOutput() }
	p.videoMode = widget.NewSelect(videoModeLabels(), changed)
	p.resolution = widget.NewSelect(resolutionLabels(), changed)
	p.customSize = widget.NewEntry()
	p.customSize.SetPlaceHolder(tr("e.g. 1280x720"))
	p.fps = widget.NewEntry()
	p.fps.SetPlaceHolder(tr("camera's rate"))
	p.bitrate = widget.NewEntry()
	p.preset = widget.NewSelect(media.Presets, func(string) { s.applyOutput() })
	p.keyint = widget.NewEntry()
	p.audioMode = widget.NewSelect(audioModeLabels(), func(string) { s.applyOutput() })
	p.audioBitrate = widget.NewEntry()
	p.slateOn = widget.NewCheck(tr("While the camera is away, send a slate"), func(bool) { p.enable(); s.applyOutput() })
	p.slateImage = widget.NewEntry()
	p.slateImage.SetPlaceHolder(tr("none: a card with a clock"))
	p.slateChoose = widget.NewButton(tr("Choose…"), func() { s.chooseSlateImage() })
	p.slateAfter = widget.NewEntry()
	p.slateEnd = widget.NewEntry()
	p.record = widget.NewCheck(tr("Record what goes out"), func(bool) { p.enable(); s.applyOutput() })
	p.recordDir = widget.NewEntry()
	p.recordChoose = widget.NewButton(tr("Choose…"), func() { s.chooseRecordDir() })
	p.recordSplit = widget.NewEntry()
	for _, e := range []*widget.Entry{p.customSize, p.fps, p.bitrate, p.keyint, p.audioBitrate, p.slateImage, p.slateAfter, p.slateEnd, p.recordDir, p.recordSplit} {
		e.OnChanged = func(string) {
			if !p.filling {
				s.outputEdit.Call(s.applyOutput)
			}
		}
		e.OnSubmitted = func(string) { s.outputEdit.Stop(); s.applyOutput() }
	}
	p.msg = widget.NewLabel("")
	p.msg.Wrapping = fyne.TextWrapWord
	form := widget.NewForm(
		widget.NewFormItem(tr("Video"), p.videoMode),
		widget.NewFormItem(tr("Resolution"), container.NewGridWithColumns(2, p.resolution, p.customSize)),
		widget.NewFormItem(tr("FPS"), p.fps),
		widget.NewFormItem(tr("Bitrate"), p.bitrate),
		widget.NewFormItem(tr("x264 preset"), p.preset),
		widget.NewFormItem(tr("Keyframes every"), p.keyint),
		widget.NewFormItem(tr("Audio"), p.audioMode),
		widget.NewFormItem(tr("Audio bitrate"), p.audioBitrate),
	)
	airChanged := func(string) {
		if !p.filling {
			s.outputEdit.Call(s.applyOutput)
		}
	}
	p.logo = widget.NewEntry()
	p.logo.SetPlaceHolder(tr("none"))
	p.logoChoose = widget.NewButton(tr("Choose…"), func() { s.chooseLogo() })
	p.logoPos = widget.NewSelect(cornerLabels(), func(string) { s.applyOutput() })
	p.logoWidth = widget.NewEntry()
	p.logoWidth.SetPlaceHolder(tr("its own"))
	p.logoOpacity = widget.NewSlider(0.05, 1)
	p.logoOpacity.Step = 0.05
	p.logoOpacity.OnChangeEnded = func(float64) { s.applyOutput() }
	p.text = widget.NewEntry()
	p.text.SetPlaceHolder(tr("none"))
	p.textPos = widget.NewSelect(cornerLabels(), func(string) { s.applyOutput() })
	p.textSize = widget.NewEntry()
	p.textSize.SetPlaceHolder(tr("a twentieth of the height"))
	p.textColour = widget.NewEntry()
	p.textColour.SetPlaceHolder(whiteHex)
	p.textBox = widget.NewCheck(tr("a dark box behind the text"), func(bool) { s.applyOutput() })
	p.clock = widget.NewCheck(tr("the time of day, at the bottom"), func(bool) { s.applyOutput() })
	for _, e := range []*widget.Entry{p.logo, p.logoWidth, p.text, p.textSize, p.textColour} {
		e.OnChanged = airChanged
		e.OnSubmitted = func(string) { s.outputEdit.Stop(); s.applyOutput() }
	}
	p.overlayNote = widget.NewLabel(tr("The overlay is drawn when the video is transcoded (Output › Video): a copied picture goes out as the camera made it."))
	p.overlayNote.Wrapping = fyne.TextWrapWord
	p.overlayNote.Importance = widget.WarningImportance
	overlay := widget.NewForm(
		widget.NewFormItem(tr("Logo"), container.NewBorder(nil, nil, nil, p.logoChoose, p.logo)),
		widget.NewFormItem(tr("Logo position"), p.logoPos),
		widget.NewFormItem(tr("Logo width"), p.logoWidth),
		widget.NewFormItem(tr("Logo opacity"), p.logoOpacity),
		widget.NewFormItem(tr("Text"), p.text),
		widget.NewFormItem(tr("Text position"), p.textPos),
		widget.NewFormItem(tr("Text size"), p.textSize),
		widget.NewFormItem(tr("Text colour"), p.textColour),
		widget.NewFormItem("", p.textBox),
		widget.NewFormItem(tr("Clock"), p.clock),
	)
	air := widget.NewForm(
		widget.NewFormItem(tr("Slate"), p.slateOn),
		widget.NewFormItem(tr("Slate picture"), container.NewBorder(nil, nil, nil, p.slateChoose, p.slateImage)),
		widget.NewFormItem(tr("Slate after"), p.slateAfter),
		widget.NewFormItem(tr("Stop after"), p.slateEnd),
		widget.NewFormItem(tr("Record"), p.record),
		widget.NewFormItem(tr("Into"), container.NewBorder(nil, nil, nil, p.recordChoose, p.recordDir)),
		widget.NewFormItem(tr("New file every"), p.recordSplit),
	)
	p.airMsg = widget.NewLabel("")
	p.airMsg.Wrapping = fyne.TextWrapWord
	p.airMsg.Hide() // shown with a message: it sits at the top of a long tab
	p.root = newVScroll(container.NewVBox(form, p.msg))
	p.airRoot = newVScroll(container.NewVBox(p.airMsg, widget.NewLabelWithStyle(tr("Overlay"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true}),
		p.overlayNote, overlay, widget.NewSeparator(), air))
	return p
}

// fill shows st's output settings without saving them.
func (p *outputPanel) fill(st settings.Stream) {
	p.filling = true
	defer func() { p.filling = false }()
	if st.Video.Mode == settings.VideoH264 {
		selectByValue(p.videoMode, videoModes, settings.VideoH264)
	} else {
		selectByValue(p.videoMode, videoModes, settings.VideoCopy)
	}
	res := resolutionIndex(st.Video.Size)
	p.resolution.SetSelectedIndex(res)
	p.customSize.SetText("")
	if res == customResolution() {
		p.customSize.SetText(st.Video.Size)
	}
	p.fps.SetText("")
	if st.Video.FPS > 0 {
		p.fps.SetText(strconv.FormatFloat(st.Video.FPS, 'f', -1, 64))
	}
	p.bitrate.SetText(st.Video.Bitrate)
	p.preset.SetSelected(st.Video.Preset)
	p.keyint.SetText(st.Video.KeyframeInterval)
	selectByValue(p.audioMode, audioModes, st.Audio.Mode)
	p.audioBitrate.SetText(st.Audio.Bitrate)
	p.slateOn.SetChecked(st.Slate.Enabled)
	p.slateImage.SetText(st.Slate.Image)
	p.slateAfter.SetText(st.Slate.After)
	p.slateEnd.SetText(st.Slate.GiveUp)
	o := st.Overlay
	p.logo.SetText(o.Image)
	selectByValue(p.logoPos, media.Corners, cmp.Or(o.ImagePosition, "top-left"))
	p.logoWidth.SetText(intText(o.ImageWidth))
	p.logoOpacity.SetValue(cmp.Or(o.ImageOpacity, 1))
	p.text.SetText(o.Text)
	selectByValue(p.textPos, media.Corners, cmp.Or(o.TextPosition, "bottom-left"))
	p.textSize.SetText(intText(o.TextSize))
	p.textColour.SetText(o.TextColour)
	p.textBox.SetChecked(o.TextBox)
	p.clock.SetChecked(o.Clock)
	p.record.SetChecked(st.Record)
	p.recordDir.SetText(st.RecordDir)
	def := st
	def.RecordDir = ""
	p.recordDir.SetPlaceHolder(studio.RecordingDir(def))
	p.recordSplit.SetText(st.RecordSplit)
	p.msg.SetText("")
	p.sayOnAir("")
	p.enable()
}

// transcode reports whether the video is set to be encoded.
func (p *outputPanel) transcode() bool {
	return selectValue(p.videoMode, videoModes) == settings.VideoH264
}

// enable enables the encoder's fields only when they do something: in
// copy mode the camera's picture goes out as it is.
func (p *outputPanel) enable() {
	for _, w := range []fyne.Disableable{p.resolution, p.fps, p.bitrate, p.preset, p.keyint} {
		setEnabled(w, p.transcode())
	}
	setEnabled(p.customSize, p.transcode() && p.resolution.SelectedIndex() == customResolution())
	for _, w := range []fyne.Disableable{p.slateImage, p.slateChoose, p.slateAfter, p.slateEnd} {
		setEnabled(w, p.slateOn.Checked)
	}
	for _, w := range []fyne.Disableable{p.recordDir, p.recordChoose, p.recordSplit} {
		setEnabled(w, p.record.Checked)
	}
	p.overlayNote.Hidden = p.transcode()
	p.overlayNote.Refresh()
}

// sayOnAir shows msg at the top of the On air tab ("" hides it).
func (p *outputPanel) sayOnAir(msg string) {
	p.airMsg.SetText(msg)
	p.airMsg.Hidden = msg == ""
	p.airMsg.Refresh()
}

// readOverlay returns the overlay's fields as settings, or says what is
// wrong with them.
func (p *outputPanel) readOverlay() (settings.Overlay, error) {
	o := settings.Overlay{
		Image: strings.TrimSpace(p.logo.Text), ImagePosition: selectValue(p.logoPos, media.Corners),
		Text: strings.TrimSpace(p.text.Text), TextPosition: selectValue(p.textPos, media.Corners),
		TextColour: strings.TrimSpace(p.textColour.Text), TextBox: p.textBox.Checked, Clock: p.clock.Checked,
	}
	if o.ImagePosition == "top-left" {
		o.ImagePosition = ""
	}
	if o.TextPosition == "bottom-left" {
		o.TextPosition = ""
	}
	if v := math.Round(p.logoOpacity.Value*100) / 100; v < 1 {
		o.ImageOpacity = v
	}
	var err error
	if o.ImageWidth, err = pixels(tr("Logo width"), p.logoWidth.Text); err != nil {
		return o, err
	}
	if o.TextSize, err = pixels(tr("Text size"), p.textSize.Text); err != nil {
		return o, err
	}
	if _, err := media.ParseColour(o.TextColour); err != nil {
		return o, errors.New(tr("Text colour: {{.Error}}", "Error", engineText(err.Error())))
	}
	return o, nil
}

// pixels reads a size in pixels; empty is 0 (the default).
func pixels(what, t string) (int, error) {
	t = strings.TrimSpace(t)
	if t == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 0 {
		return 0, errors.New(tr("{{.What}} \"{{.Value}}\": want a number of pixels, or leave it empty", "What", what, "Value", t))
	}
	return n, nil
}

func intText(n int) string {
	if n == 0 {
		return ""
	}
	return strconv.Itoa(n)
}

// readRecord returns the recording's fields on top of old.
func (p *outputPanel) readRecord(old settings.Stream) settings.Stream {
	old.Record = p.record.Checked
	old.RecordDir = strings.TrimSpace(p.recordDir.Text)
	old.RecordSplit = strings.TrimSpace(p.recordSplit.Text)
	return old
}

// readSlate returns the slate's fields as settings.
func (p *outputPanel) readSlate() settings.Slate {
	return settings.Slate{
		Enabled: p.slateOn.Checked,
		Image:   strings.TrimSpace(p.slateImage.Text),
		After:   strings.TrimSpace(p.slateAfter.Text),
		GiveUp:  strings.TrimSpace(p.slateEnd.Text),
	}
}

// read returns the fields as settings on top of old, or says what is
// wrong with them.
func (p *outputPanel) read(old settings.Stream) (settings.Video, settings.Audio, error) {
	v := old.Video
	v.Mode = settings.VideoCopy
	if p.transcode() {
		v.Mode = settings.VideoH264
	}
	v.Size = ""
	switch res := p.resolution.SelectedIndex(); {
	case res == customResolution():
		v.Size = strings.TrimSpace(p.customSize.Text)
	case res >= 0:
		v.Size = resolutions[res].size
	}
	v.FPS = 0
	if t := strings.TrimSpace(p.fps.Text); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return v, settings.Audio{}, errors.New(tr("FPS \"{{.Value}}\": want a number such as 30, or leave empty for the camera's rate", "Value", t))
		}
		v.FPS = f
	}
	v.Bitrate = strings.TrimSpace(p.bitrate.Text)
	v.Preset = p.preset.Selected
	v.KeyframeInterval = strings.TrimSpace(p.keyint.Text)
	a := settings.Audio{Mode: selectValue(p.audioMode, audioModes), Bitrate: strings.TrimSpace(p.audioBitrate.Text)}
	return v, a, nil
}

// applyOutput saves the output controls into the selected stream and, if
// it runs, applies them to it.
func (s *Studio) applyOutput() {
	p := s.output
	if p.filling || s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	i := s.selected
	old := s.cfg.Streams[i]
	v, a, err := p.read(old)
	if err != nil {
		p.msg.SetText(err.Error())
		return
	}
	sl := p.readSlate()
	rec := p.readRecord(old)
	recChanged := rec.Record != old.Record || rec.RecordDir != old.RecordDir || rec.RecordSplit != old.RecordSplit
	outChanged := v != old.Video || a != old.Audio
	ov, err := p.readOverlay()
	if err != nil {
		p.sayOnAir(tr("Not saved: {{.Error}}", "Error", err.Error()))
		return
	}
	ovChanged := ov != old.Overlay
	if !outChanged && sl == old.Slate && !recChanged && !ovChanged {
		return
	}
	// Each tab says what became of its own change.
	say := p.msg.SetText
	if !outChanged {
		say = p.sayOnAir
	}
	if ov.Image != "" && ov.Image != old.Overlay.Image {
		if _, err := relay.LoadOverlayImage(ov.Image); err != nil {
			say(tr("Not saved: {{.Error}}", "Error", engineText(fieldMessage(err))))
			return
		}
	}
	if sl.Image != "" && sl.Enabled && sl.Image != old.Slate.Image {
		if _, err := relay.LoadSlateImage(sl.Image); err != nil {
			say(tr("Not saved: {{.Error}}", "Error", engineText(fieldMessage(err))))
			return
		}
	}
	err = s.commit(func(c *settings.Config) {
		c.Streams[i].Video = v
		c.Streams[i].Audio = a
		c.Streams[i].Slate = sl
		c.Streams[i].Overlay = ov
		c.Streams[i].Record, c.Streams[i].RecordDir, c.Streams[i].RecordSplit = rec.Record, rec.RecordDir, rec.RecordSplit
	})
	if err != nil {
		say(tr("Not saved: {{.Error}}", "Error", engineText(err.Error())))
		s.log.Warn("output settings not saved", "stream", old.Name, "error", err)
		return
	}
	msg := tr("Saved.")
	switch {
	case !s.views[i].streaming():
	case outChanged:
		msg = s.applyLive(i)
	case recChanged:
		msg = s.applyRecord(i)
	case ovChanged:
		msg = s.applyOverlay(i)
	default:
		msg = tr("Saved: the slate's settings apply when the stream next starts.")
	}
	say(msg)
	s.refreshStatsPanel()
	s.refreshButtons()
	s.refreshRules()
}

// applyLive hands stream i's saved output settings to its running relay,
// and says what happens: the encoder restarts while every destination stays
// connected. Should the relay refuse, the stream restarts instead.
func (s *Studio) applyLive(i int) string {
	if err := s.views[i].stream.ApplyOutput(s.cfg.Streams[i]); err != nil {
		s.log.Warn("output settings could not be applied live: restarting the stream", "stream", s.cfg.Streams[i].Name, "error", err)
		s.restartStream(i, "output settings")
		return tr("Saved; the stream restarts to apply it.")
	}
	return tr("Saved and applied: the encoder restarts, destinations stay connected and resume at the next keyframe (a second or two).")
}

// fieldMessage is an engine settings error without its "invalid stream
// settings" prefix: the form says which field it is about.
func fieldMessage(err error) string {
	var fe *relay.FieldError
	if errors.As(err, &fe) {
		return fe.Msg
	}
	return err.Error()
}

// chooseSlateImage lets the person pick the slate's picture.
func (s *Studio) chooseSlateImage() { s.choosePicture(s.output.slateImage) }

// choosePicture lets the person pick a PNG or JPEG file into entry, and
// saves it (checked first, as if typed).
func (s *Studio) choosePicture(entry *widget.Entry) {
	d := dialog.NewFileOpen(func(r fyne.URIReadCloser, err error) {
		if err != nil || r == nil {
			return
		}
		path := r.URI().Path()
		r.Close()
		s.picked(entry, path)
	}, s.win)
	d.SetFilter(storage.NewExtensionFileFilter([]string{".png", ".jpg", ".jpeg"}))
	d.Show()
}

// applyRecord starts, moves or stops the recording of live stream i as
// saved, and says what happens.
func (s *Studio) applyRecord(i int) string {
	saved := s.cfg.Streams[i]
	if err := s.views[i].stream.ApplyRecord(saved); err != nil {
		s.log.Warn("the recording could not be changed live", "stream", saved.Name, "error", err)
		return tr("Saved; the recording changes when the stream next starts ({{.Error}}).", "Error", engineText(fieldMessage(err)))
	}
	if !saved.Record {
		return tr("Saved: recording stopped; the stream goes on.")
	}
	return tr("Saved: recording into {{.Dir}}.", "Dir", studio.RecordingDir(saved))
}

// chooseRecordDir lets the person pick the folder of the recordings.
func (s *Studio) chooseRecordDir() {
	d := dialog.NewFolderOpen(func(u fyne.ListableURI, err error) {
		if err != nil || u == nil {
			return
		}
		s.picked(s.output.recordDir, u.Path())
	}, s.win)
	d.Show()
}

// picked puts what a dialog chose into entry and saves it at once, as
// Enter would.
func (s *Studio) picked(entry *widget.Entry, path string) {
	entry.SetText(path)
	s.outputEdit.Stop()
	s.applyOutput()
}

// applyOverlay hands live stream i's saved overlay to its relay.
func (s *Studio) applyOverlay(i int) string {
	saved := s.cfg.Streams[i]
	if err := s.views[i].stream.ApplyOverlay(saved); err != nil {
		s.log.Warn("the overlay could not be changed live", "stream", saved.Name, "error", err)
		return tr("Saved; the overlay changes when the stream next starts ({{.Error}}).", "Error", engineText(fieldMessage(err)))
	}
	if saved.Video.Mode != settings.VideoH264 {
		return tr("Saved: the overlay is drawn once the video is transcoded.")
	}
	return tr("Saved and drawn from the next picture on.")
}

// chooseLogo lets the person pick the overlay's logo.
func (s *Studio) chooseLogo() { s.choosePicture(s.output.logo) }
