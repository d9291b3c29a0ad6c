package ui

import (
	"fmt"
	"strconv"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/settings"
)

// outputPanel is the selected stream's video and audio settings. Every
// change is saved when made (typed values once typing pauses, or on
// Enter) and applied to the running stream.
type outputPanel struct {
	videoMode, resolution, preset    *widget.Select
	audioMode                        *widget.Select
	customSize, fps, bitrate, keyint *widget.Entry
	audioBitrate                     *widget.Entry
	msg                              *widget.Label
	// filling is set while fill shows a stream: the fields' callbacks
	// must not save what they are only shown.
	filling bool
	root    fyne.CanvasObject
}

const transcodeLabel = "transcode (h264)"

func (s *Studio) newOutputPanel() *outputPanel {
	p := &outputPanel{}
	changed := func(string) { p.enable(); s.applyOutput() }
	p.videoMode = widget.NewSelect([]string{"copy", transcodeLabel}, changed)
	p.resolution = widget.NewSelect(resolutionLabels(), changed)
	p.customSize = widget.NewEntry()
	p.customSize.SetPlaceHolder("e.g. 1280x720")
	p.fps = widget.NewEntry()
	p.fps.SetPlaceHolder("camera's rate")
	p.bitrate = widget.NewEntry()
	p.preset = widget.NewSelect(media.Presets, func(string) { s.applyOutput() })
	p.keyint = widget.NewEntry()
	p.audioMode = widget.NewSelect([]string{settings.AudioAuto, settings.AudioCopy, settings.AudioAAC, settings.AudioSilent, settings.AudioNone}, func(string) { s.applyOutput() })
	p.audioBitrate = widget.NewEntry()
	for _, e := range []*widget.Entry{p.customSize, p.fps, p.bitrate, p.keyint, p.audioBitrate} {
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
		widget.NewFormItem("Video", p.videoMode),
		widget.NewFormItem("Resolution", container.NewGridWithColumns(2, p.resolution, p.customSize)),
		widget.NewFormItem("FPS", p.fps),
		widget.NewFormItem("Bitrate", p.bitrate),
		widget.NewFormItem("x264 preset", p.preset),
		widget.NewFormItem("Keyframes every", p.keyint),
		widget.NewFormItem("Audio", p.audioMode),
		widget.NewFormItem("Audio bitrate", p.audioBitrate),
	)
	p.root = newVScroll(container.NewVBox(form, p.msg))
	return p
}

// fill shows st's output settings without saving them.
func (p *outputPanel) fill(st settings.Stream) {
	p.filling = true
	defer func() { p.filling = false }()
	if st.Video.Mode == settings.VideoH264 {
		p.videoMode.SetSelected(transcodeLabel)
	} else {
		p.videoMode.SetSelected("copy")
	}
	label := resolutionLabel(st.Video.Size)
	p.resolution.SetSelected(label)
	p.customSize.SetText("")
	if label == "Custom" {
		p.customSize.SetText(st.Video.Size)
	}
	p.fps.SetText("")
	if st.Video.FPS > 0 {
		p.fps.SetText(strconv.FormatFloat(st.Video.FPS, 'f', -1, 64))
	}
	p.bitrate.SetText(st.Video.Bitrate)
	p.preset.SetSelected(st.Video.Preset)
	p.keyint.SetText(st.Video.KeyframeInterval)
	p.audioMode.SetSelected(st.Audio.Mode)
	p.audioBitrate.SetText(st.Audio.Bitrate)
	p.msg.SetText("")
	p.enable()
}

// transcode reports whether the video is set to be encoded.
func (p *outputPanel) transcode() bool { return p.videoMode.Selected == transcodeLabel }

// enable enables the encoder's fields only when they do something: in
// copy mode the camera's picture goes out as it is.
func (p *outputPanel) enable() {
	for _, w := range []fyne.Disableable{p.resolution, p.fps, p.bitrate, p.preset, p.keyint} {
		setEnabled(w, p.transcode())
	}
	setEnabled(p.customSize, p.transcode() && p.resolution.Selected == "Custom")
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
	for _, r := range resolutions {
		if r.label == p.resolution.Selected && r.label != "Custom" {
			v.Size = r.size
		}
	}
	if p.resolution.Selected == "Custom" {
		v.Size = strings.TrimSpace(p.customSize.Text)
	}
	v.FPS = 0
	if t := strings.TrimSpace(p.fps.Text); t != "" {
		f, err := strconv.ParseFloat(t, 64)
		if err != nil {
			return v, settings.Audio{}, fmt.Errorf("FPS %q: want a number such as 30, or leave empty for the camera's rate", t)
		}
		v.FPS = f
	}
	v.Bitrate = strings.TrimSpace(p.bitrate.Text)
	v.Preset = p.preset.Selected
	v.KeyframeInterval = strings.TrimSpace(p.keyint.Text)
	a := settings.Audio{Mode: p.audioMode.Selected, Bitrate: strings.TrimSpace(p.audioBitrate.Text)}
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
	if v == old.Video && a == old.Audio {
		return
	}
	err = s.commit(func(c *settings.Config) {
		c.Streams[i].Video = v
		c.Streams[i].Audio = a
	})
	if err != nil {
		p.msg.SetText("Not saved: " + err.Error())
		s.log.Warn("output settings not saved", "stream", old.Name, "error", err)
		return
	}
	msg := "Saved."
	if s.views[i].streaming() {
		msg = s.applyLive(i)
	}
	p.msg.SetText(msg)
	s.refreshStatsPanel()
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
