package ui

import (
	"fmt"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// statsPanel is the selected stream at a glance: its health and why, and
// its numbers as labelled fields. It owns the bitrate graph of its
// destinations too, which the layout shows under the destinations.
type statsPanel struct {
	dot    *canvas.Circle
	health *widget.Label // "AMBER: Twitch: refused: …", wrapped: the full reason
	fields statsFields
	values struct {
		camera, input, video, audio, dropped *widget.Label
	}
	chart *rateChart
	root  fyne.CanvasObject
}

// statsFields are the texts of the panel's fields.
type statsFields struct {
	Camera, Input, Video, Audio, Uptime, Dropped, CPU string
}

func newStatsPanel() *statsPanel {
	p := &statsPanel{dot: canvas.NewCircle(colGrey), chart: newRateChart()}
	p.health = widget.NewLabel(healthWord(studio.HealthIdle))
	p.health.Wrapping = fyne.TextWrapWord
	p.health.TextStyle.Bold = true
	v := &p.values
	// Uptime and CPU are shown in the preview's toolbar and bar; the
	// fields here are the stream's.
	rows := container.New(layout.NewFormLayout())
	for _, f := range []struct {
		name string
		l    **widget.Label
	}{{tr("Camera"), &v.camera}, {tr("Input"), &v.input}, {tr("Video out"), &v.video}, {tr("Audio out"), &v.audio}, {tr("Dropped"), &v.dropped}} {
		name := widget.NewLabelWithStyle(f.name, fyne.TextAlignTrailing, fyne.TextStyle{Bold: true})
		name.SizeName = theme.SizeNameCaptionText
		value := widget.NewLabel("—")
		value.SizeName = theme.SizeNameCaptionText
		value.Wrapping = fyne.TextWrapWord // the whole text, never cut
		*f.l = value
		rows.Add(name)
		rows.Add(value)
	}
	health := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(16, 16), p.dot)), nil, p.health)
	p.root = newVScroll(container.NewVBox(health, rows))
	return p
}

// setSeries gives the graph one line per destination, empty.
func (p *statsPanel) setSeries(s []series) { p.chart.setSeries(s) }

// show puts f in the fields.
func (p *statsPanel) show(f statsFields) {
	p.fields = f
	v := &p.values
	for _, x := range []struct {
		l    *widget.Label
		text string
	}{{v.camera, f.Camera}, {v.input, f.Input}, {v.video, f.Video}, {v.audio, f.Audio}, {v.dropped, f.Dropped}} {
		if x.l.Text != x.text {
			x.l.SetText(x.text)
		}
	}
}

// setHealth shows the stream's colour and why.
func (p *statsPanel) setHealth(h studio.Health, reason string) {
	if c := healthColor(h); p.dot.FillColor != c {
		p.dot.FillColor = c
		p.dot.Refresh()
	}
	if t := tr("{{.Health}}: {{.Reason}}", "Health", healthWord(h), "Reason", reason); t != p.health.Text {
		p.health.SetText(t)
	}
}

// healthWord names a health level as the stats panel shows it: GREEN,
// AMBER, RED, IDLE.
func healthWord(h studio.Health) string {
	switch h {
	case studio.HealthGreen:
		return tr("GREEN")
	case studio.HealthAmber:
		return tr("AMBER")
	case studio.HealthRed:
		return tr("RED")
	}
	return tr("IDLE")
}

// refreshStatsPanel shows the selected stream's numbers, graph and health.
func (s *Studio) refreshStatsPanel() {
	p := s.stats
	if s.selected < 0 || s.selected >= len(s.views) {
		p.setHealth(studio.HealthIdle, tr("no camera"))
		p.show(statsFields{Camera: "—", Input: "—", Video: "—", Audio: "—", Uptime: "—", Dropped: "—", CPU: cpuText(s.cpuPercent)})
		s.preview.refreshStatus(nil, p.fields)
		return
	}
	v := s.views[s.selected]
	h, reason := v.health, engineText(v.reason)
	if v.relay() == nil {
		h, reason = studio.HealthIdle, tr("not running")
		if v.err() != "" {
			h, reason = studio.HealthRed, engineText(v.err())
		}
	}
	p.setHealth(h, reason)
	f := fieldsOf(v, s.cfg.Streams[s.selected])
	f.CPU = cpuText(s.cpuPercent)
	p.show(f)
	for _, sr := range p.chart.series {
		p.chart.setValues(sr.name, v.hist[sr.name])
	}
	p.chart.Refresh()
	s.preview.refreshInfo(v)
	s.preview.refreshStatus(v, f)
}

func cpuText(pct float64) string {
	return tr("{{.Percent}} % of one core", "Percent", fmt.Sprintf("%.0f", pct))
}

// fieldsOf words what the stats panel shows of stream v (saved as saved)
// in each of its states: off, preview only, live, camera lost.
func fieldsOf(v *streamView, saved settings.Stream) statsFields {
	const none = "—"
	f := statsFields{Camera: tr("off"), Input: none, Video: tr("not streaming"), Audio: tr("not streaming"), Uptime: none, Dropped: none}
	if v.relay() == nil {
		if e := v.err(); e != "" {
			f.Camera = tr("cannot run: {{.Reason}}", "Reason", engineText(e))
		}
		return f
	}
	st := v.stats
	in := st.Input
	switch in.State {
	case relay.StateLive:
		f.Camera = tr("connected")
		if in.Reconnects > 0 {
			f.Camera = tr("connected (reconnected {{.Count}}×)", "Count", in.Reconnects)
		}
	case relay.StateRetrying:
		f.Camera = tr("lost: {{.Reason}}", "Reason", engineText(in.Reason))
	case relay.StateConnecting, "":
		f.Camera = tr("connecting…")
		if in.Reconnects > 0 {
			f.Camera = tr("reconnecting…")
		}
	default:
		f.Camera = engineText(string(in.State))
	}
	if st.State == relay.StateFailed {
		f.Camera = tr("failed: {{.Reason}}", "Reason", engineText(st.Reason))
	}
	if in.State == relay.StateLive && in.Width > 0 {
		parts := []string{codecName(in.VideoCodec) + " " + formatSize(in.Width, in.Height), formatFPS(in.FPS), formatKbps(in.BitrateKbps)}
		if in.KeyframeIntervalSeconds > 0 {
			parts = append(parts, tr("keyframe every {{.Seconds}} s", "Seconds", fmt.Sprintf("%.1f", in.KeyframeIntervalSeconds)))
		}
		if in.AudioCodec != "" {
			parts = append(parts, tr("audio {{.Codec}}", "Codec", codecName(in.AudioCodec)))
		}
		f.Input = strings.Join(parts, " · ")
	}
	if !v.streaming() {
		f.Video = tr("not streaming (preview only); on Start: {{.Plan}}", "Plan", planned(saved))
		return f
	}
	switch vs := st.Video; {
	case !st.SlateSince.IsZero():
		f.Video = tr("the slate since {{.Time}} (camera lost) · {{.Size}} · {{.FPS}} · {{.Bitrate}}", "Time", st.SlateSince.Local().Format("15:04"),
			"Size", formatSize(vs.Width, vs.Height), "FPS", formatFPS(vs.FPS), "Bitrate", formatKbps(vs.BitrateKbps))
	case in.State != relay.StateLive:
		f.Video = tr("waiting for the camera: nothing is sent")
	case vs.Width == 0:
		f.Video = tr("starting…")
	case vs.Mode == relay.VideoCopy:
		f.Video = tr("copy of the camera · {{.Size}} · {{.FPS}} · {{.Bitrate}}",
			"Size", formatSize(vs.Width, vs.Height), "FPS", formatFPS(vs.FPS), "Bitrate", formatKbps(vs.BitrateKbps))
	default:
		f.Video = tr("H.264 {{.Size}} · {{.FPS}} · {{.Bitrate}} · speed {{.Speed}}×",
			"Size", formatSize(vs.Width, vs.Height), "FPS", formatFPS(vs.FPS), "Bitrate", formatKbps(vs.BitrateKbps), "Speed", fmt.Sprintf("%.2f", vs.Speed))
	}
	switch a := st.Audio; {
	case a.Codec == "":
		f.Audio = tr("none")
	default:
		f.Audio = fmt.Sprintf("%s · %s", strings.Replace(a.Codec, "aac", "AAC", 1), formatKbps(a.BitrateKbps))
	}
	if st.UptimeSeconds > 0 {
		f.Uptime = formatUptime(st.UptimeSeconds)
	}
	f.Dropped = tr("none")
	if n := st.Dropped.Total(); n > 0 {
		d := st.Dropped
		var why []string
		for _, x := range []struct {
			n    uint64
			what string
		}{
			{d.InputOverflow, tr("{{.N}} could not keep up", "N", d.InputOverflow)},
			{d.WaitingKeyframe, tr("{{.N}} waiting for a keyframe", "N", d.WaitingKeyframe)},
			{d.DecodeErrors, tr("{{.N}} undecodable", "N", d.DecodeErrors)},
			{d.Destinations, tr("{{.N}} slow destinations", "N", d.Destinations)},
		} {
			if x.n > 0 {
				why = append(why, x.what)
			}
		}
		f.Dropped = trn("{{.Count}} frames ({{.Why}})", int(n), "Why", strings.Join(why, tr(", ")))
	}
	return f
}

// planned words what a stream will send once started.
func planned(st settings.Stream) string {
	if st.Video.Mode != settings.VideoH264 {
		return tr("copy of the camera")
	}
	size := st.Video.Size
	if size == "" {
		size = tr("camera's size")
	}
	return tr("H.264 {{.Size}} at {{.Bitrate}}, preset {{.Preset}}", "Size", size, "Bitrate", st.Video.Bitrate, "Preset", st.Video.Preset)
}

func codecName(c string) string {
	switch strings.ToLower(c) {
	case "h264":
		return "H.264"
	case "h265", "hevc":
		return "H.265"
	case "":
		return "?"
	}
	return strings.ToUpper(c)
}

func formatSize(w, h int) string { return fmt.Sprintf("%d×%d", w, h) }

func formatFPS(fps float64) string {
	if fps == float64(int(fps)) {
		return fmt.Sprintf("%.0f fps", fps)
	}
	return fmt.Sprintf("%.1f fps", fps)
}

func formatKbps(kbps float64) string {
	if kbps >= 10000 {
		return fmt.Sprintf("%.1f Mbps", kbps/1000)
	}
	return fmt.Sprintf("%.0f kbps", kbps)
}

// formatUptime words a duration as 1 h 02 min, 3 min 05 s or 12 s (as
// media.FormatDuration does, in the window's language).
func formatUptime(sec float64) string {
	d := time.Duration(sec) * time.Second
	h, m, secs := int(d.Hours()), int(d.Minutes())%60, int(d.Seconds())%60
	mm, ss := fmt.Sprintf("%02d", m), fmt.Sprintf("%02d", secs)
	switch {
	case h > 0 && m == 0:
		return tr("{{.H}} h", "H", h)
	case h > 0:
		return tr("{{.H}} h {{.M}} min", "H", h, "M", mm)
	case m > 0 && secs == 0:
		return tr("{{.M}} min", "M", m)
	case m > 0:
		return tr("{{.M}} min {{.S}} s", "M", m, "S", ss)
	}
	return tr("{{.S}} s", "S", secs)
}
