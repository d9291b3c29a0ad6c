package ui

import (
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/settings"
)

// Platform rules: each platform's ingest takes only so much (Twitch at
// most 6000 kb/s, YouTube a keyframe at least every 4 s …; see
// settings.Rules). The Destinations tab lists what the selected stream
// breaks of the rules of its enabled destinations, before Start and while
// live, with a button for the fix where there is one; a camera in copy
// mode is measured while it runs (its GOP, bitrate, size, frame rate), and
// Start asks before it streams anyway.

// cameraFacts is what the running stream i has measured of its camera,
// nil before it has.
func (s *Studio) cameraFacts(i int) *settings.CameraFacts {
	in := s.views[i].stats.Input
	if in.Width == 0 && in.FPS == 0 && in.KeyframeIntervalSeconds == 0 {
		return nil
	}
	cam := &settings.CameraFacts{
		Codec: strings.ToLower(in.VideoCodec), Width: in.Width, Height: in.Height, FPS: in.FPS,
		VideoKbps: int(in.BitrateKbps), AudioCodec: strings.ToLower(in.AudioCodec),
	}
	if cam.AudioCodec == "" && in.Frames > 0 {
		cam.AudioCodec = settings.AudioNoneCodec
	}
	if k := in.KeyframeIntervalSeconds; k > 0 {
		cam.KeyframeInterval = secondsDuration(k)
	}
	return cam
}

// violations are the rules stream i breaks.
func (s *Studio) violations(i int) []settings.Violation {
	if i < 0 || i >= len(s.cfg.Streams) {
		return nil
	}
	return s.cfg.Streams[i].Violations(s.cameraFacts(i))
}

// ruleText words v in the window's language: what is wrong and what to
// change, and the fix's button.
func ruleText(v settings.Violation) (what, fix string) {
	p := platformLabel(v.Platform)
	args := []any{"Platform", p, "Have", v.Have, "Limit", v.Limit, "Destination", v.Destination}
	switch v.Kind {
	case settings.RuleVideoBitrate:
		what = tr("{{.Platform}} accepts at most {{.Limit}}; this stream sends {{.Have}}.", args...)
		fix = tr("Set the bitrate to {{.Limit}}", args...)
	case settings.RuleAudioBitrate:
		what = tr("{{.Platform}} accepts audio of at most {{.Limit}}; this stream sends {{.Have}}.", args...)
		fix = tr("Set the audio bitrate to {{.Limit}}", args...)
	case settings.RuleKeyframe:
		what = tr("{{.Platform}} wants a keyframe at least every {{.Limit}}; this stream sends one every {{.Have}}.", args...)
		fix = tr("Set the keyframe interval to {{.Limit}}", args...)
	case settings.RuleFPS:
		what = tr("{{.Platform}} accepts at most {{.Limit}}; this stream sends {{.Have}}.", args...)
		fix = tr("Set the frame rate to {{.Limit}}", args...)
	case settings.RuleSize:
		what = tr("{{.Platform}} accepts pictures up to {{.Limit}}; this stream sends {{.Have}}.", args...)
		fix = tr("Lower the size to fit {{.Limit}}", args...)
	case settings.RuleRTMPS:
		what = tr("{{.Platform}} accepts RTMPS (rtmps://) only; destination “{{.Destination}}” uses {{.Have}}.", args...)
		fix = tr("Switch to the platform's rtmps:// server", args...)
	case settings.RuleAudioRequired:
		what = tr("{{.Platform}} does not go live without sound; this stream sends none.", args...)
		fix = tr("Set the audio to auto (silence when the camera has none)", args...)
	case settings.RuleCameraGOP:
		what = tr("{{.Platform}} wants a keyframe at least every {{.Limit}}; the camera sends one every {{.Have}} and copy mode passes it on. Set the camera's I-frame interval (GOP) to at most twice its frame rate, in the camera's video/encoding settings.", args...)
		fix = tr("Transcode instead (uses CPU)", args...)
	case settings.RuleCameraBitrate:
		what = tr("{{.Platform}} accepts at most {{.Limit}}; the camera sends {{.Have}} and copy mode passes it on. Lower the camera's video bitrate (constant bitrate), in its video/encoding settings.", args...)
		fix = tr("Transcode instead (uses CPU)", args...)
	case settings.RuleCameraFPS:
		what = tr("{{.Platform}} accepts at most {{.Limit}}; the camera sends {{.Have}} and copy mode passes it on. Lower the camera's frame rate, in its video/encoding settings.", args...)
		fix = tr("Transcode instead (uses CPU)", args...)
	case settings.RuleCameraSize:
		what = tr("{{.Platform}} accepts pictures up to {{.Limit}}; the camera sends {{.Have}} and copy mode passes it on. Choose a smaller resolution (or the substream) in the camera's settings.", args...)
		fix = tr("Transcode instead (uses CPU)", args...)
	case settings.RuleCameraCodec:
		what = tr("{{.Platform}} accepts {{.Limit}} video only; the camera sends {{.Have}}, which is transcoded (uses CPU). Set the camera's video encoding to H.264 to pass it through.", args...)
		fix = tr("Choose the transcode's size and bitrate", args...)
	case settings.RuleCameraProfile:
		what = tr("{{.Platform}} accepts the H.264 {{.Limit}} profile; the camera sends {{.Have}} and copy mode passes it on. Change the camera's H.264 profile, in its video/encoding settings.", args...)
		fix = tr("Transcode instead (uses CPU)", args...)
	default: // rules the relay cannot break today (codec, profile)
		what = engineText(v.Message + " " + v.Advice)
		fix = engineText(v.FixText)
	}
	if v.Fix == nil {
		fix = ""
	}
	return what, fix
}

// ruleSignature tells whether the rules broken changed since the list was
// drawn: the list is rebuilt only then, not at every stats update.
func ruleSignature(vs []settings.Violation) string {
	var b strings.Builder
	for _, v := range vs {
		b.WriteString(v.Destination + "\x00" + string(v.Kind) + "\x00" + v.Have + "\x00" + v.Limit + "\x01")
	}
	return b.String()
}

// refreshRules lists the rules the selected stream breaks at the top of
// the Destinations tab.
func (s *Studio) refreshRules() {
	p := s.dests
	if p == nil {
		return
	}
	vs := s.violations(s.selected)
	sig := ruleSignature(vs)
	if sig == p.rulesSig && p.rules != nil {
		return
	}
	p.rulesSig = sig
	p.rules.RemoveAll()
	p.ruleRows = nil
	i := s.selected
	for _, v := range vs {
		what, fixText := ruleText(v)
		l := widget.NewLabel(what)
		l.Wrapping = fyne.TextWrapWord
		l.Importance = widget.WarningImportance
		row := container.NewBorder(nil, nil, widget.NewIcon(theme.WarningIcon()), nil, l)
		if fixText != "" {
			v := v
			btn := widget.NewButton(fixText, func() { s.fixRule(i, v) })
			btn.Importance = widget.HighImportance
			row = container.NewVBox(row, container.NewHBox(btn))
		}
		p.ruleRows = append(p.ruleRows, ruleRow{v: v, text: what, fix: fixText})
		p.rules.Add(row)
	}
	if len(vs) > 0 {
		p.rules.Add(widget.NewSeparator())
	}
	p.rules.Refresh()
}

// ruleRow is one line of the list, kept for tests.
type ruleRow struct {
	v         settings.Violation
	text, fix string
}

// fixRule applies v's fix to stream i's settings, saves them, and hands
// them to the running stream as the output and destination controls do.
func (s *Studio) fixRule(i int, v settings.Violation) {
	if v.Fix == nil || i < 0 || i >= len(s.cfg.Streams) {
		return
	}
	before := s.cfg.Streams[i].Clone()
	if !s.commitOrShow(func(c *settings.Config) { v.Fix(&c.Streams[i]) }) {
		return
	}
	s.log.Info("platform rule fixed", "stream", s.cfg.Streams[i].Name, "destination", v.Destination, "rule", string(v.Kind))
	after := s.cfg.Streams[i]
	destsChanged := len(before.Destinations) != len(after.Destinations)
	for j := 0; !destsChanged && j < len(after.Destinations); j++ {
		destsChanged = before.Destinations[j] != after.Destinations[j]
	}
	if s.views[i].streaming() {
		if destsChanged {
			s.afterDestChange(i)
		} else {
			s.applyLive(i)
		}
	}
	if i == s.selected {
		s.refreshSelection()
	}
	s.refreshRules()
}

// confirmRules asks before stream i starts while it breaks platform
// rules; start runs if the person goes on (or at once when nothing is
// broken).
func (s *Studio) confirmRules(i int, start func()) {
	vs := s.violations(i)
	if len(vs) == 0 {
		start()
		return
	}
	lines := make([]string, len(vs))
	for k, v := range vs {
		lines[k], _ = ruleText(v)
	}
	s.ask(trn("“{{.Name}}” breaks a platform rule", len(vs), "Name", s.cfg.Streams[i].Name),
		strings.Join(lines, "\n\n")+"\n\n"+tr("The Destinations tab has a fix for each. Start anyway?"), tr("Start anyway"), start)
}

func secondsDuration(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
