package ui

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/dialog"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// probeTimeout bounds the camera dialog's Test.
const probeTimeout = 10 * time.Second

// dialogHandle is an open dialog.
type dialogHandle struct{ d dialog.Dialog }

// Hide closes the dialog.
func (h *dialogHandle) Hide() { h.d.Hide() }

func (s *Studio) showCustom(title string, content fyne.CanvasObject, size fyne.Size) *dialogHandle {
	d := dialog.NewCustomWithoutButtons(title, content, s.win)
	d.Resize(size)
	d.Show()
	return &dialogHandle{d}
}

// confirmation is an open question with its buttons, kept for tests.
type confirmation struct {
	dlg     *dialogHandle
	yes, no *widget.Button
	message string
}

// ask shows a question; onYes runs if the person agrees. With an empty
// yesLabel it is a message with an OK button.
func (s *Studio) ask(title, message, yesLabel string, onYes func()) {
	c := &confirmation{message: message}
	msg := widget.NewLabel(message)
	msg.Wrapping = fyne.TextWrapWord
	done := func() {
		c.dlg.Hide()
		if s.confirm == c {
			s.confirm = nil
		}
	}
	var buttons *fyne.Container
	if yesLabel == "" {
		c.no = widget.NewButton(tr("OK"), done)
		buttons = container.NewHBox(c.no)
	} else {
		c.no = widget.NewButton(tr("Cancel"), done)
		c.yes = widget.NewButton(yesLabel, func() {
			done()
			onYes()
		})
		c.yes.Importance = widget.DangerImportance
		buttons = container.NewHBox(c.no, c.yes)
	}
	c.dlg = s.showCustom(title, container.NewBorder(nil, container.NewCenter(buttons), nil, nil, msg), fyne.NewSize(460, 200))
	s.confirm = c
}

// cameraForm is the add/edit camera dialog.
type cameraForm struct {
	index                 int // -1: a new camera
	dlg                   *dialogHandle
	name, url, user, pass *widget.Entry
	transport             *widget.Select
	test, save, cancel    *widget.Button
	find                  *widget.Button // opens the Find cameras dialog
	result, errLabel      *widget.Label
	details               *widget.Form // what Test found, one labelled field each
	probeCancel           context.CancelFunc
}

// showCameraForm opens the dialog for stream i, or for a new one (-1).
func (s *Studio) showCameraForm(i int) {
	if s.cameraForm != nil {
		return
	}
	f := &cameraForm{index: i}
	f.name = widget.NewEntry()
	f.url = widget.NewEntry()
	f.url.SetPlaceHolder(tr("rtsp://192.168.1.20:554/stream1 or test://pattern"))
	f.user = widget.NewEntry()
	f.pass = widget.NewPasswordEntry()
	f.transport = widget.NewSelect(transportLabels(), nil)
	selectByValue(f.transport, transports, settings.TransportAuto)
	f.result = widget.NewLabel("")
	f.result.Wrapping = fyne.TextWrapWord
	f.errLabel = widget.NewLabel("")
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.errLabel.Importance = widget.DangerImportance
	title := tr("Add camera")
	if i >= 0 && i < len(s.cfg.Streams) {
		title = tr("Edit camera")
		st := s.cfg.Streams[i]
		f.name.SetText(st.Name)
		selectByValue(f.transport, transports, st.RTSPTransport)
		src, user, pass := splitUserInfo(st.Source)
		f.url.SetText(src)
		f.user.SetText(user)
		f.pass.SetText(pass)
	} else {
		f.name.SetText(s.numberedName(tr("Camera")))
	}
	f.find = widget.NewButtonWithIcon(tr("Find cameras…"), theme.SearchIcon(), func() { s.showFinder(f) })
	f.test = widget.NewButton(tr("Test"), func() { s.probeCamera(f) })
	f.cancel = widget.NewButton(tr("Cancel"), func() { s.closeCameraForm() })
	f.save = widget.NewButton(tr("Save"), func() { s.saveCameraForm() })
	f.save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(tr("Name"), f.name),
		widget.NewFormItem("URL", container.NewBorder(nil, nil, nil, f.find, f.url)),
		widget.NewFormItem(tr("User"), f.user),
		widget.NewFormItem(tr("Password"), f.pass),
		widget.NewFormItem(tr("Transport"), f.transport),
	)
	f.details = widget.NewForm()
	f.details.Hide()
	// What Test finds scrolls above the buttons; it never hides under them.
	buttons := container.NewBorder(nil, nil, f.test, container.NewHBox(f.cancel, f.save))
	content := container.NewBorder(form, buttons, nil, nil,
		newVScroll(container.NewVBox(f.errLabel, f.result, f.details)))
	f.dlg = s.showCustom(title, content, fyne.NewSize(560, 420))
	s.cameraForm = f
	// Enter in a field saves, as the Save button does. A new camera
	// already has a name: the cursor waits in the URL.
	for _, e := range []*widget.Entry{f.name, f.url, f.user, f.pass} {
		e.OnSubmitted = func(string) { s.saveCameraForm() }
	}
	if i < 0 {
		s.win.Canvas().Focus(f.url)
	} else {
		s.win.Canvas().Focus(f.name)
	}
}

// source builds the camera URL with the user and password in it.
func (f *cameraForm) source() (string, error) {
	raw := strings.TrimSpace(f.url.Text)
	if raw == settings.TestPatternSource || (f.user.Text == "" && f.pass.Text == "") {
		return raw, relay.ValidateInput(raw)
	}
	if err := relay.ValidateInput(raw); err != nil {
		return "", err
	}
	u, err := url.Parse(raw)
	if err != nil {
		return "", errors.New(tr("camera URL {{.URL}} is not valid", "URL", media.RedactURL(raw)))
	}
	if f.pass.Text != "" {
		u.User = url.UserPassword(f.user.Text, f.pass.Text)
	} else {
		u.User = url.User(f.user.Text)
	}
	return u.String(), nil
}

// sourceMessage is why the camera URL cannot be used, without the
// engine's "invalid …" prefix.
func sourceMessage(err error) string {
	return engineText(strings.TrimPrefix(err.Error(), relay.ErrInvalid.Error()+": "))
}

// transports are the settings values of the Transport select's options, in
// their order (see transportLabels).
var transports = []string{settings.TransportAuto, settings.TransportTCP, settings.TransportUDP}

func transportLabels() []string {
	return []string{tr("auto"), settings.TransportTCP, settings.TransportUDP}
}

// splitUserInfo returns a source URL without its user info, and the user
// and password it held.
func splitUserInfo(src string) (string, string, string) {
	u, err := url.Parse(src)
	if err != nil || u.User == nil {
		return src, "", ""
	}
	user := u.User.Username()
	pass, _ := u.User.Password()
	u.User = nil
	return u.String(), user, pass
}

func (s *Studio) closeCameraForm() {
	f := s.cameraForm
	if f == nil {
		return
	}
	if f.probeCancel != nil {
		f.probeCancel()
	}
	s.closeFinder()
	f.dlg.Hide()
	s.cameraForm = nil
}

// saveCameraForm validates and saves the dialog; on an error it stays open
// and says what is wrong.
func (s *Studio) saveCameraForm() {
	f := s.cameraForm
	src, err := f.source()
	if err != nil {
		f.errLabel.SetText(sourceMessage(err))
		return
	}
	name := strings.TrimSpace(f.name.Text)
	i := f.index
	err = s.commit(func(c *settings.Config) {
		if i < 0 {
			st := settings.NewStream(name, src)
			st.RTSPTransport = selectValue(f.transport, transports)
			c.Streams = append(c.Streams, st)
			return
		}
		c.Streams[i].Name = name
		c.Streams[i].Source = src
		c.Streams[i].RTSPTransport = selectValue(f.transport, transports)
	})
	if err != nil {
		f.errLabel.SetText(engineText(err.Error()))
		return
	}
	s.closeCameraForm()
	if i < 0 {
		s.views = append(s.views, s.newStreamView())
		s.cams.list.Refresh()
		s.log.Info("camera added", "stream", name, "source", media.RedactURL(src))
		s.selectStream(len(s.views) - 1)
		return
	}
	s.log.Info("camera changed", "stream", name, "source", media.RedactURL(src))
	s.restartStream(i, "camera")
	if i == s.selected {
		s.refreshSelection()
	}
	s.cams.list.Refresh()
}

// probeCamera runs relay.Probe in the background and shows what it found.
func (s *Studio) probeCamera(f *cameraForm) {
	src, err := f.source()
	if err != nil {
		f.errLabel.SetText(sourceMessage(err))
		return
	}
	f.errLabel.SetText("")
	if f.probeCancel != nil {
		f.probeCancel()
	}
	ctx, cancel := context.WithTimeout(s.ctx, probeTimeout)
	f.probeCancel = cancel
	f.result.SetText(tr("Testing {{.URL}}…", "URL", media.RedactURL(src)))
	f.details.Hide()
	f.test.Disable()
	transport := selectValue(f.transport, transports)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer cancel()
		info, err := relay.Probe(ctx, relay.ProbeConfig{Input: src, RTSPTransport: transport, Duration: probeTimeout - time.Second, Logger: s.log})
		s.do(func() {
			f.test.Enable()
			if err != nil {
				f.result.SetText(tr("Test failed: {{.Error}}", "Error", engineText(err.Error())))
				return
			}
			v := info.Video
			f.result.SetText(tr("Found: {{.Codec}} {{.Width}}x{{.Height}} at {{.FPS}}", "Codec", codecName(v.Codec), "Width", v.Width, "Height", v.Height, "FPS", formatFPS(v.FPS)))
			f.details.Items = nil
			for _, it := range probeFields(info) {
				l := widget.NewLabel(it[1])
				l.Wrapping = fyne.TextWrapWord
				f.details.Append(it[0], l)
			}
			f.details.Show()
			f.details.Refresh()
		})
	}()
}

// probeFields words what a probe found as labelled fields.
func probeFields(info relay.Info) [][2]string {
	v := info.Video
	out := [][2]string{{tr("Video"), fmt.Sprintf("%s %s · %s · %s", codecName(v.Codec), formatSize(v.Width, v.Height), formatFPS(v.FPS), formatKbps(v.BitrateKbps))}}
	switch {
	case v.KeyframeIntervalSeconds > 4:
		out = append(out, [2]string{tr("Keyframes"), tr("every {{.Seconds}} s: platforms want 4 s or less; set the video to transcode to fix it", "Seconds", fmt.Sprintf("%.1f", v.KeyframeIntervalSeconds))})
	case v.KeyframeIntervalSeconds > 0:
		out = append(out, [2]string{tr("Keyframes"), tr("every {{.Seconds}} s", "Seconds", fmt.Sprintf("%.1f", v.KeyframeIntervalSeconds))})
	default:
		out = append(out, [2]string{tr("Keyframes"), tr("fewer than two in {{.Seconds}} s", "Seconds", fmt.Sprintf("%.0f", v.KeyframeIntervalAtLeast))})
	}
	audio := tr("none (a silent track is sent: platforms want one)")
	if a := info.Audio; a != nil {
		ch := tr("stereo")
		if a.Channels == 1 {
			ch = tr("mono")
		} else if a.Channels > 2 {
			ch = tr("{{.N}} channels", "N", a.Channels)
		}
		audio = fmt.Sprintf("%s %d Hz %s", codecName(a.Codec), a.SampleRate, ch)
	}
	return append(out, [2]string{tr("Audio"), audio})
}

// uniqueName is base, or base 2, base 3 … when a stream has that name.
func (s *Studio) uniqueName(base string) string { return s.freeName(base, false) }

// numberedName is base 1, or base 2 … : the name of a new camera.
func (s *Studio) numberedName(base string) string { return s.freeName(base, true) }

func (s *Studio) freeName(base string, numbered bool) string {
	taken := map[string]bool{}
	for _, st := range s.cfg.Streams {
		taken[strings.ToLower(st.Name)] = true
	}
	for n := 1; ; n++ {
		name := fmt.Sprintf("%s %d", base, n)
		if n == 1 && !numbered {
			name = base
		}
		if !taken[strings.ToLower(name)] {
			return name
		}
	}
}

// duplicateStream copies stream i (destinations and keys included, all
// disabled so the copy never pushes twice to the same key).
func (s *Studio) duplicateStream(i int) {
	if i < 0 || i >= len(s.cfg.Streams) {
		return
	}
	cp := cloneStreams(s.cfg.Streams[i : i+1])[0]
	cp.Name = s.uniqueName(tr("{{.Name}} copy", "Name", cp.Name))
	cp.Autostart = false
	for j := range cp.Destinations {
		cp.Destinations[j].Enabled = false
	}
	if !s.commitOrShow(func(c *settings.Config) { c.Streams = append(c.Streams, cp) }) {
		return
	}
	s.views = append(s.views, s.newStreamView())
	s.cams.list.Refresh()
	s.log.Info("camera duplicated", "stream", cp.Name)
	s.selectStream(len(s.views) - 1)
}

// removeStream asks, then stops and removes stream i.
func (s *Studio) removeStream(i int) {
	if i < 0 || i >= len(s.cfg.Streams) {
		return
	}
	name := s.cfg.Streams[i].Name
	msg := tr("Remove \"{{.Name}}\" and its destinations?", "Name", name)
	if s.views[i].streaming() {
		msg = tr("Remove \"{{.Name}}\" and its destinations? It is live: removing stops it.", "Name", name)
	}
	s.ask(tr("Remove camera?"), msg, tr("Remove"), func() {
		if i >= len(s.cfg.Streams) || s.cfg.Streams[i].Name != name {
			return
		}
		// Pending typing belongs to streams whose places are about to shift.
		s.outputEdit.Stop()
		s.keyEdit.Stop()
		if !s.commitOrShow(func(c *settings.Config) { c.Streams = append(c.Streams[:i:i], c.Streams[i+1:]...) }) {
			return
		}
		s.streams.Remove(s.views[i].stream)
		s.views = append(s.views[:i:i], s.views[i+1:]...)
		s.log.Info("camera removed", "stream", name)
		s.publish()
		s.cams.list.UnselectAll()
		s.cams.list.Refresh()
		s.selected = -1
		if len(s.views) > 0 {
			s.selectStream(min(i, len(s.views)-1))
		} else {
			s.refreshSelection()
		}
	})
}

// destForm is the add- or edit-destination dialog.
type destForm struct {
	dlg            *dialogHandle
	platform       *widget.Select
	name, url, key *widget.Entry
	save, cancel   *widget.Button
	errLabel       *widget.Label
	hint           *widget.Label // where the platform shows its server and key
}

// showDestForm opens the destination dialog of the selected stream: a new
// destination for j < 0, else destination j to edit (name, server, key;
// whether it is enabled stays as it is).
func (s *Studio) showDestForm(j int) {
	if s.selected < 0 || s.selected >= len(s.views) || s.destForm != nil {
		return
	}
	i := s.selected
	editing := j >= 0 && j < len(s.cfg.Streams[i].Destinations)
	f := &destForm{}
	f.name = widget.NewEntry()
	f.url = widget.NewEntry()
	f.url.SetPlaceHolder(tr("rtmp://host/app"))
	f.key = widget.NewPasswordEntry()
	f.key.SetPlaceHolder(tr("paste the stream key"))
	f.errLabel = widget.NewLabel("")
	f.errLabel.Wrapping = fyne.TextWrapWord
	f.errLabel.Importance = widget.DangerImportance
	f.hint = widget.NewLabel("")
	f.hint.Wrapping = fyne.TextWrapWord
	f.platform = widget.NewSelect(platformNames(), func(label string) {
		choice := platformIndex(label)
		if choice == localHLSIndex() {
			f.url.SetText("")
			f.key.SetText("")
			f.url.Disable()
			f.key.Disable()
			f.name.SetText(settings.NewLocalHLS().Name)
			f.hint.SetText("")
			f.errLabel.SetText(tr("Served by File › Remote control at /hls/STREAM/index.m3u8 while the stream is live: no second encode."))
			return
		}
		f.url.Enable()
		f.key.Enable()
		f.errLabel.SetText("")
		p := settings.CustomPlatform()
		if choice >= 0 && choice < len(Platforms) {
			p = Platforms[choice]
		}
		f.url.SetText(p.Server)
		f.url.SetPlaceHolder(tr("rtmp://host/app"))
		if p.ID == "" {
			f.name.SetText(tr("My server"))
		} else {
			f.name.SetText(platformLabel(p))
		}
		if p.ID != "" && p.Server == "" {
			f.url.SetPlaceHolder(tr("paste the server address the platform shows"))
		}
		// Where the platform shows its server and key: the streamer
		// copies them from there.
		hint := engineText(p.Where)
		if p.KeyHint != "" {
			hint += "\n" + tr("The key: {{.Hint}}", "Hint", engineText(p.KeyHint))
		}
		f.hint.SetText(hint)
	})
	title, verb := tr("Add destination"), tr("Add")
	if editing {
		title, verb = tr("Edit destination"), tr("Save")
		d := s.cfg.Streams[i].Destinations[j]
		if d.IsLocalHLS() {
			f.platform.SetSelectedIndex(localHLSIndex())
		} else {
			f.platform.SetSelectedIndex(platformOf(d.URL))
		}
		f.name.SetText(d.Name) // after the platform, which fills in its own
		f.url.SetText(d.URL)
		f.key.SetText(d.Key)
	} else {
		f.platform.SetSelectedIndex(0)
	}
	done := func() {
		f.dlg.Hide()
		s.destForm = nil
	}
	f.cancel = widget.NewButton(tr("Cancel"), done)
	f.save = widget.NewButton(verb, func() {
		d := settings.NewDestination(strings.TrimSpace(f.name.Text), strings.TrimSpace(f.url.Text), strings.TrimSpace(f.key.Text))
		if f.platform.SelectedIndex() == localHLSIndex() {
			d = settings.Destination{Name: strings.TrimSpace(f.name.Text), Kind: settings.DestinationLocalHLS, Enabled: true}
		}
		err := s.commit(func(c *settings.Config) {
			if editing {
				d.Enabled = c.Streams[i].Destinations[j].Enabled
				c.Streams[i].Destinations[j] = d
			} else {
				c.Streams[i].Destinations = append(c.Streams[i].Destinations, d)
			}
		})
		if err != nil {
			f.errLabel.SetText(engineText(err.Error()))
			return
		}
		done()
		what := "destination added"
		if editing {
			what = "destination changed"
		}
		if d.IsLocalHLS() {
			s.log.Info(what, "stream", s.cfg.Streams[i].Name, "destination", d.Name, "kind", "Local HLS")
		} else {
			s.log.Info(what, "stream", s.cfg.Streams[i].Name, "destination", d.Name, "server", media.RTMPServer(d.URL))
		}
		if i == s.selected {
			s.rebuildDestinations()
		}
		s.afterDestChange(i)
	})
	f.save.Importance = widget.HighImportance
	form := widget.NewForm(
		widget.NewFormItem(tr("Platform"), f.platform),
		widget.NewFormItem(tr("Name"), f.name),
		widget.NewFormItem(tr("Server URL"), f.url),
		widget.NewFormItem(tr("Stream key"), f.key),
	)
	f.dlg = s.showCustom(title, container.NewBorder(form, container.NewHBox(f.cancel, f.save), nil, nil,
		container.NewVBox(f.hint, f.errLabel)), fyne.NewSize(600, 420))
	s.destForm = f
}
