package ui

import (
	"image/color"
	"strings"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

// destPanel is the selected stream's destinations: one card each, with
// its switch, stream key, state and health, and the button that adds one.
type destPanel struct {
	// rules lists the platform rules the stream breaks (see rules.go).
	rules    *fyne.Container
	rulesSig string
	ruleRows []ruleRow
	box      *fyne.Container
	rows     []*destRow
	add      *widget.Button
	root     fyne.CanvasObject
}

// destRow is one destination's card: its widgets, kept for the stats
// updates and for tests.
type destRow struct {
	name    string
	colour  color.Color    // its line in the bitrate graph
	dot     *canvas.Circle // its health
	enabled *widget.Check
	key     *widget.Entry // a password entry: masked, with a reveal toggle
	state   *widget.Label // what is true now, in words
	detail  *widget.Label // reconnects, drops, the last error
	edit    *widget.Button
	remove  *widget.Button
}

func (s *Studio) newDestPanel() *destPanel {
	p := &destPanel{box: container.NewVBox(), rules: container.NewVBox()}
	p.add = widget.NewButtonWithIcon(tr("Add destination"), theme.ContentAddIcon(), func() { s.showDestForm(-1) })
	p.root = newVScroll(container.NewVBox(p.rules, p.box, p.add))
	return p
}

// seriesColours are the destinations' colours, in their order, in the
// graph and on their cards.
var seriesColours = []color.Color{
	color.NRGBA{R: 0x3d, G: 0x8b, B: 0xfd, A: 0xff}, // blue
	color.NRGBA{R: 0xf0, G: 0x7c, B: 0x1e, A: 0xff}, // orange
	color.NRGBA{R: 0x9b, G: 0x59, B: 0xd0, A: 0xff}, // purple
	color.NRGBA{R: 0x1a, G: 0xb5, B: 0xa5, A: 0xff}, // teal
	color.NRGBA{R: 0xe8, G: 0x4d, B: 0x8a, A: 0xff}, // pink
	color.NRGBA{R: 0x8d, G: 0x9a, B: 0x2e, A: 0xff}, // olive
}

func seriesColour(j int) color.Color { return seriesColours[j%len(seriesColours)] }

// rebuildDestinations lists the selected stream's destinations, and their
// lines in the stats panel's graph.
func (s *Studio) rebuildDestinations() {
	p := s.dests
	p.box.RemoveAll()
	p.rows = nil
	setEnabled(p.add, s.selected >= 0 && s.selected < len(s.views))
	if s.selected < 0 || s.selected >= len(s.views) {
		p.box.Refresh()
		s.stats.setSeries(nil)
		s.refreshRules()
		return
	}
	st := s.cfg.Streams[s.selected]
	if len(st.Destinations) == 0 {
		l := widget.NewLabel(tr("No destination yet: add YouTube, Twitch, Facebook or your own server."))
		l.Wrapping = fyne.TextWrapWord
		p.box.Add(l)
	}
	var series []series
	for j, d := range st.Destinations {
		row := s.newDestRow(j, d)
		p.rows = append(p.rows, row)
		p.box.Add(row.card(d))
		series = append(series, newSeries(d.Name, row.colour))
	}
	p.box.Refresh()
	s.stats.setSeries(series)
	s.refreshDestStates()
	p.rulesSig = "\x00" // redraw: the rules' wording may have changed too
	s.refreshRules()
}

func (row *destRow) card(d settings.Destination) fyne.CanvasObject {
	title := widget.NewLabelWithStyle(d.Name, fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	swatch := canvas.NewRectangle(row.colour)
	swatch.CornerRadius = 2
	server := widget.NewLabel(media.RTMPServer(d.URL))
	server.Truncation = fyne.TextTruncateEllipsis
	left := container.NewHBox(row.enabled, container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), swatch)))
	state := container.NewBorder(nil, nil, container.NewCenter(container.NewGridWrap(fyne.NewSize(12, 12), row.dot)), nil, row.state)
	head := container.NewBorder(nil, nil, left, container.NewHBox(row.edit, row.remove), title)
	if d.IsLocalHLS() {
		// No server and no key: the studio serves it itself.
		server.SetText(tr("Local HLS, served by Remote control"))
		return container.NewVBox(head, server, state, row.detail, widget.NewSeparator())
	}
	return container.NewVBox(head, server, row.key, state, row.detail, widget.NewSeparator())
}

func (s *Studio) newDestRow(j int, d settings.Destination) *destRow {
	i := s.selected
	row := &destRow{name: d.Name, colour: seriesColour(j), dot: canvas.NewCircle(colGrey)}
	row.enabled = widget.NewCheck(tr("on"), nil)
	row.enabled.SetChecked(d.Enabled)
	row.enabled.OnChanged = func(on bool) {
		if s.commitOrShow(func(c *settings.Config) { c.Streams[i].Destinations[j].Enabled = on }) {
			s.afterDestChange(i)
			s.refreshDestStates()
		}
	}
	row.key = widget.NewPasswordEntry()
	row.key.SetPlaceHolder(tr("stream key"))
	row.key.SetText(d.Key)
	// The key is saved at every change; a live stream picks it up once
	// typing pauses (or on Enter), not with a reconnection per character.
	row.key.OnChanged = func(k string) {
		k = strings.TrimSpace(k)
		if err := s.commit(func(c *settings.Config) { c.Streams[i].Destinations[j].Key = k }); err != nil {
			row.detail.SetText(tr("Key not saved: {{.Error}}", "Error", engineText(err.Error())))
			return
		}
		row.detail.SetText("")
		if s.views[i].streaming() {
			row.state.SetText(tr("key changed: this destination reconnects with it when you stop typing"))
			s.keyEdit.Call(func() { s.afterDestChange(i) })
		} else {
			s.refreshButtons()
			s.refreshDestStates()
		}
	}
	row.key.OnSubmitted = func(string) { s.keyEdit.Flush() }
	row.state = widget.NewLabel("")
	row.state.Wrapping = fyne.TextWrapWord
	row.detail = widget.NewLabel("")
	row.detail.Wrapping = fyne.TextWrapWord
	row.detail.SizeName = theme.SizeNameCaptionText
	row.edit = widget.NewButtonWithIcon("", theme.DocumentCreateIcon(), func() { s.showDestForm(j) })
	row.remove = widget.NewButtonWithIcon("", theme.DeleteIcon(), func() {
		s.ask(tr("Remove destination?"), tr("Remove \"{{.Name}}\" from \"{{.Stream}}\"? Its stream key is forgotten.", "Name", d.Name, "Stream", s.cfg.Streams[i].Name), tr("Remove"), func() {
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

// refreshDestStates shows each destination's state, health and details.
func (s *Studio) refreshDestStates() {
	if s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	v, st := s.views[s.selected], s.cfg.Streams[s.selected]
	for j, row := range s.dests.rows {
		if j >= len(st.Destinations) {
			break
		}
		ds := destStateOf(v, st.Destinations[j])
		if row.state.Text != ds.text {
			row.state.SetText(ds.text)
		}
		if row.detail.Text != ds.detail {
			row.detail.SetText(ds.detail)
		}
		if c := healthColor(ds.health); row.dot.FillColor != c {
			row.dot.FillColor = c
			row.dot.Refresh()
		}
	}
}

// destState is what a destination's card says.
type destState struct {
	text   string // "live · 2480 kbps · 30 fps", "retrying in 4s: connection refused"
	health studio.Health
	detail string // reconnects, frames dropped, the last error
}

// destStateOf says what is true of destination d of the stream shown by v:
// off, no key, not streaming, connecting, live with its rate, camera lost,
// retrying with the reason, refused.
func destStateOf(v *streamView, d settings.Destination) destState {
	switch {
	case !d.Enabled:
		return destState{text: tr("off: switch it on to send here"), health: studio.HealthIdle}
	case d.IsLocalHLS():
		return localHLSState(v)
	case strings.TrimSpace(d.Key) == "":
		return destState{text: tr("no stream key: paste it from the platform"), health: studio.HealthIdle}
	case !v.streaming():
		return destState{text: tr("ready (not streaming)"), health: studio.HealthIdle}
	}
	var ds *relay.DestinationStats
	for k := range v.stats.Destinations {
		if v.stats.Destinations[k].Name == d.Name {
			ds = &v.stats.Destinations[k]
		}
	}
	if ds == nil {
		return destState{text: tr("connecting…"), health: studio.HealthAmber}
	}
	var out destState
	switch ds.State {
	case relay.StateLive:
		switch {
		case !v.stats.SlateSince.IsZero():
			out = destState{text: tr("live {{.Slate}} · {{.Rate}} · {{.FPS}}", "Slate", engineText(studio.OnSlate(v.stats)), "Rate", formatKbps(ds.BitrateKbps), "FPS", formatFPS(ds.FPS)), health: studio.HealthAmber}
		case v.stats.Input.Lost():
			out = destState{text: tr("connected; camera lost: waiting for pictures"), health: studio.HealthAmber}
		default:
			out = destState{text: tr("live · {{.Rate}} · {{.FPS}}", "Rate", formatKbps(ds.BitrateKbps), "FPS", formatFPS(ds.FPS)), health: studio.HealthGreen}
		}
	case relay.StateConnecting, relay.StateIdle:
		out = destState{text: tr("connecting to {{.Server}}…", "Server", ds.Server), health: studio.HealthAmber}
	case relay.StateRetrying:
		out = destState{text: nonEmpty(engineText(ds.Reason), tr("retrying")), health: studio.HealthRed}
	case relay.StateRefused:
		out = destState{text: tr("refused: {{.Reason}}", "Reason", nonEmpty(engineText(ds.Reason), engineText(ds.LastError), tr("the server said no"))), health: studio.HealthRed}
	default:
		out = destState{text: tr("{{.State}}: {{.Reason}}", "State", engineText(string(ds.State)), "Reason", nonEmpty(engineText(ds.Reason), engineText(ds.LastError))), health: studio.HealthRed}
	}
	var detail []string
	if ds.Reconnects > 0 {
		detail = append(detail, tr("reconnects {{.N}}", "N", ds.Reconnects))
	}
	if ds.Dropped > 0 {
		detail = append(detail, tr("frames dropped {{.N}}", "N", ds.Dropped))
	}
	if lastErr := engineText(ds.LastError); ds.LastError != "" && out.health != studio.HealthGreen && !strings.Contains(out.text, lastErr) {
		detail = append(detail, tr("last error: {{.Error}}", "Error", lastErr))
	}
	out.detail = strings.Join(detail, " · ")
	return out
}

// localHLSState says what the stream's Local HLS holds.
func localHLSState(v *streamView) destState {
	switch h := v.stats.HLS; {
	case !v.streaming():
		return destState{text: tr("ready: served by Remote control while the stream is live"), health: studio.HealthIdle}
	case h == nil || h.Segments == 0:
		return destState{text: tr("segmenting: the first segment comes in a few seconds"), health: studio.HealthAmber}
	case h.Error != "":
		return destState{text: tr("stopped: {{.Error}}", "Error", engineText(h.Error)), health: studio.HealthRed}
	default:
		return destState{
			text:   trn("live · {{.Count}} segments · {{.Size}} in memory", h.Segments, "Size", formatBytes(h.Bytes)),
			health: studio.HealthGreen,
			detail: tr("play it at /hls/ on the Remote control address (File › Remote control)"),
		}
	}
}
