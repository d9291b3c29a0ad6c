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

	"github.com/relaystudio/relaystudio/media"
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
	p.health = widget.NewLabel("idle")
	p.health.Wrapping = fyne.TextWrapWord
	p.health.TextStyle.Bold = true
	v := &p.values
	// Uptime and CPU are shown in the preview's toolbar and bar; the
	// fields here are the stream's.
	rows := container.New(layout.NewFormLayout())
	for _, f := range []struct {
		name string
		l    **widget.Label
	}{{"Camera", &v.camera}, {"Input", &v.input}, {"Video out", &v.video}, {"Audio out", &v.audio}, {"Dropped", &v.dropped}} {
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
	if t := strings.ToUpper(h.String()) + ": " + reason; t != p.health.Text {
		p.health.SetText(t)
	}
}

// refreshStatsPanel shows the selected stream's numbers, graph and health.
func (s *Studio) refreshStatsPanel() {
	p := s.stats
	if s.selected < 0 || s.selected >= len(s.views) {
		p.setHealth(studio.HealthIdle, "no camera")
		p.show(statsFields{Camera: "—", Input: "—", Video: "—", Audio: "—", Uptime: "—", Dropped: "—", CPU: cpuText(s.cpuPercent)})
		s.preview.refreshStatus(nil, p.fields)
		return
	}
	v := s.views[s.selected]
	h, reason := v.health, v.reason
	if v.relay() == nil {
		h, reason = studio.HealthIdle, "not running"
		if v.err() != "" {
			h, reason = studio.HealthRed, v.err()
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

func cpuText(pct float64) string { return fmt.Sprintf("%.0f %% of one core", pct) }

// fieldsOf words what the stats panel shows of stream v (saved as saved)
// in each of its states: off, preview only, live, camera lost.
func fieldsOf(v *streamView, saved settings.Stream) statsFields {
	const none = "—"
	f := statsFields{Camera: "off", Input: none, Video: "not streaming", Audio: "not streaming", Uptime: none, Dropped: none}
	if v.relay() == nil {
		if e := v.err(); e != "" {
			f.Camera = "cannot run: " + e
		}
		return f
	}
	st := v.stats
	in := st.Input
	switch in.State {
	case relay.StateLive:
		f.Camera = "connected"
		if in.Reconnects > 0 {
			f.Camera = fmt.Sprintf("connected (reconnected %d×)", in.Reconnects)
		}
	case relay.StateRetrying:
		f.Camera = "lost: " + in.Reason
	case relay.StateConnecting, "":
		f.Camera = "connecting…"
		if in.Reconnects > 0 {
			f.Camera = "reconnecting…"
		}
	default:
		f.Camera = string(in.State)
	}
	if st.State == relay.StateFailed {
		f.Camera = "failed: " + st.Reason
	}
	if in.State == relay.StateLive && in.Width > 0 {
		parts := []string{codecName(in.VideoCodec) + " " + formatSize(in.Width, in.Height), formatFPS(in.FPS), formatKbps(in.BitrateKbps)}
		if in.KeyframeIntervalSeconds > 0 {
			parts = append(parts, fmt.Sprintf("keyframe every %.1f s", in.KeyframeIntervalSeconds))
		}
		if in.AudioCodec != "" {
			parts = append(parts, "audio "+codecName(in.AudioCodec))
		}
		f.Input = strings.Join(parts, " · ")
	}
	if !v.streaming() {
		f.Video = "not streaming (preview only); on Start: " + planned(saved)
		return f
	}
	switch vs := st.Video; {
	case !st.SlateSince.IsZero():
		f.Video = fmt.Sprintf("the slate since %s (camera lost) · %s · %s · %s", st.SlateSince.Local().Format("15:04"), formatSize(vs.Width, vs.Height), formatFPS(vs.FPS), formatKbps(vs.BitrateKbps))
	case in.State != relay.StateLive:
		f.Video = "waiting for the camera: nothing is sent"
	case vs.Width == 0:
		f.Video = "starting…"
	case vs.Mode == relay.VideoCopy:
		f.Video = fmt.Sprintf("copy of the camera · %s · %s · %s", formatSize(vs.Width, vs.Height), formatFPS(vs.FPS), formatKbps(vs.BitrateKbps))
	default:
		f.Video = fmt.Sprintf("H.264 %s · %s · %s · speed %.2f×", formatSize(vs.Width, vs.Height), formatFPS(vs.FPS), formatKbps(vs.BitrateKbps), vs.Speed)
	}
	switch a := st.Audio; {
	case a.Codec == "":
		f.Audio = "none"
	default:
		f.Audio = fmt.Sprintf("%s · %s", strings.Replace(a.Codec, "aac", "AAC", 1), formatKbps(a.BitrateKbps))
	}
	if st.UptimeSeconds > 0 {
		f.Uptime = formatUptime(st.UptimeSeconds)
	}
	f.Dropped = "none"
	if n := st.Dropped.Total(); n > 0 {
		d := st.Dropped
		var why []string
		for _, x := range []struct {
			n    uint64
			what string
		}{{d.InputOverflow, "could not keep up"}, {d.WaitingKeyframe, "waiting for a keyframe"}, {d.DecodeErrors, "undecodable"}, {d.Destinations, "slow destinations"}} {
			if x.n > 0 {
				why = append(why, fmt.Sprintf("%d %s", x.n, x.what))
			}
		}
		f.Dropped = fmt.Sprintf("%d frames (%s)", n, strings.Join(why, ", "))
	}
	return f
}

// planned words what a stream will send once started.
func planned(st settings.Stream) string {
	if st.Video.Mode != settings.VideoH264 {
		return "copy of the camera"
	}
	size := st.Video.Size
	if size == "" {
		size = "camera's size"
	}
	return fmt.Sprintf("H.264 %s at %s, preset %s", size, st.Video.Bitrate, st.Video.Preset)
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

// formatUptime words a duration as 1 h 02 min, 3 min 05 s or 12 s.
func formatUptime(sec float64) string {
	return media.FormatDuration(time.Duration(sec) * time.Second)
}
