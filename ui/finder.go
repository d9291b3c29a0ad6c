package ui

// The "Find cameras" dialog: ONVIF discovery on the local networks (or at
// one address), the camera's profiles once its user and password are in,
// and the brands' usual RTSP paths when ONVIF is off. What the person picks
// fills the camera form, where Test and Save are.

import (
	"context"
	"errors"
	"fmt"
	"image"
	"net/url"
	"strings"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media/discover"
)

// Bounds of what the finder runs.
const (
	findScanTime     = 3 * time.Second
	findQueryTimeout = 15 * time.Second
	findTryTimeout   = 4 * time.Second // each DESCRIBE of a brand path
)

// defaultCameraUser is the user the finder offers when the camera form has
// none: most cameras ship with it. A name, not words: it stays as it is.
const defaultCameraUser = "admin"

// finder is the open Find cameras dialog.
type finder struct {
	form   *cameraForm
	dlg    *dialogHandle
	ctx    context.Context // ends when the dialog closes
	cancel context.CancelFunc

	cams     []*foundCamera
	selected int // index in cams, -1 for none
	list     *widget.List

	scanning   *widget.ProgressBarInfinite
	scanStatus *widget.Label
	counting   bool // scanStatus is empty or says how many cameras answered
	rescan     *widget.Button
	scanGen    int // the scan whose answers are wanted

	address *widget.Entry
	look    *widget.Button

	user, pass *widget.Entry
	connect    *widget.Button
	status     *widget.Label
	connectGen int // the connect whose answer is wanted

	choices  *widget.RadioGroup
	options  []streamChoice // parallel to choices.Options
	tryPaths *widget.Button
	use      *widget.Button
	close    *widget.Button
}

// foundCamera is one row of the list.
type foundCamera struct {
	cam    discover.Camera
	direct bool // typed, not discovered: its address was asked directly
	dev    *discover.Device
	thumb  image.Image
}

// streamChoice is one stream the person may pick.
type streamChoice struct {
	label, url string
}

func (c *foundCamera) title() string {
	if c.dev != nil && c.dev.Model != "" {
		t := strings.TrimSpace(c.dev.Manufacturer + " " + c.dev.Model)
		if c.cam.Name != "" && c.cam.Name != t && c.cam.Name != c.dev.Model {
			t = c.cam.Name + " · " + t
		}
		return t
	}
	if c.cam.Name != "" {
		if c.cam.Hardware != "" && c.cam.Hardware != c.cam.Name {
			return c.cam.Name + " · " + c.cam.Hardware
		}
		return c.cam.Name
	}
	if c.cam.Hardware != "" {
		return c.cam.Hardware
	}
	return tr("ONVIF camera")
}

// name is what the camera is called in the studio once added.
func (c *foundCamera) name() string {
	switch {
	case c.cam.Name != "":
		return c.cam.Name
	case c.dev != nil && c.dev.Model != "":
		return c.dev.Model
	case c.cam.Hardware != "":
		return c.cam.Hardware
	}
	return tr("Camera {{.Address}}", "Address", c.cam.From)
}

func (c *foundCamera) subtitle() string {
	s := c.cam.From
	if h := hostOfURL(c.cam.Address()); h != "" && h != c.cam.From {
		s = h
	}
	if c.cam.Location != "" {
		s += " · " + c.cam.Location
	}
	if c.cam.Warning != "" {
		s += " · " + c.cam.Warning
	}
	return s
}

// showFinder opens the Find cameras dialog for the camera form f and starts
// scanning.
func (s *Studio) showFinder(f *cameraForm) {
	if s.finder != nil {
		return
	}
	fd := &finder{form: f, selected: -1}
	fd.ctx, fd.cancel = context.WithCancel(s.ctx)
	fd.list = widget.NewList(func() int { return len(fd.cams) }, newFoundItem, func(id widget.ListItemID, o fyne.CanvasObject) {
		if id < len(fd.cams) {
			updateFoundItem(o, fd.cams[id])
		}
	})
	fd.list.OnSelected = func(id widget.ListItemID) { s.selectFound(id) }
	fd.scanning = widget.NewProgressBarInfinite()
	fd.scanStatus = widget.NewLabel("")
	fd.counting = true
	fd.rescan = widget.NewButtonWithIcon(tr("Scan again"), theme.ViewRefreshIcon(), func() { s.scanCameras("") })
	fd.address = widget.NewEntry()
	fd.address.SetPlaceHolder(tr("192.168.2.30, a camera on another network"))
	fd.look = widget.NewButton(tr("Look"), func() { s.lookAtAddress() })
	fd.address.OnSubmitted = func(string) { s.lookAtAddress() }
	fd.user = widget.NewEntry()
	fd.user.SetText(f.user.Text)
	if fd.user.Text == "" {
		fd.user.SetText(defaultCameraUser)
	}
	fd.pass = widget.NewPasswordEntry()
	fd.pass.SetText(f.pass.Text)
	fd.connect = widget.NewButton(tr("Show streams"), func() { s.connectFound() })
	fd.connect.Importance = widget.HighImportance
	fd.pass.OnSubmitted = func(string) { s.connectFound() }
	fd.user.OnSubmitted = func(string) { s.connectFound() }
	fd.status = widget.NewLabel(tr("Pick a camera, then type its user and password."))
	fd.status.Wrapping = fyne.TextWrapWord
	fd.choices = widget.NewRadioGroup(nil, func(string) { fd.refreshButtons() })
	fd.tryPaths = widget.NewButton(tr("Try the usual paths"), func() { s.tryBrandPaths() })
	fd.use = widget.NewButton(tr("Use this stream"), func() { s.useFound() })
	fd.use.Importance = widget.HighImportance
	fd.close = widget.NewButton(tr("Cancel"), func() { s.closeFinder() })

	top := container.NewVBox(
		container.NewBorder(nil, nil, nil, fd.rescan, container.NewStack(fd.scanning, fd.scanStatus)),
	)
	other := container.NewBorder(nil, nil, widget.NewLabel(tr("Address")), fd.look, fd.address)
	login := widget.NewForm(
		widget.NewFormItem(tr("User"), fd.user),
		widget.NewFormItem(tr("Password"), fd.pass),
	)
	bottom := container.NewVBox(
		other,
		widget.NewSeparator(),
		container.NewBorder(nil, nil, nil, container.NewVBox(fd.connect), login),
		fd.status,
		fd.choices,
		container.NewBorder(nil, nil, fd.tryPaths, container.NewHBox(fd.close, fd.use)),
	)
	s.finder = fd
	fd.dlg = s.showCustom(tr("Find cameras"), container.NewBorder(top, bottom, nil, nil, fd.list), fyne.NewSize(620, 600))
	fd.refreshButtons()
	s.scanCameras("")
}

func newFoundItem() fyne.CanvasObject {
	thumb := canvas.NewImageFromResource(theme.MediaVideoIcon())
	thumb.FillMode = canvas.ImageFillContain
	thumb.SetMinSize(fyne.NewSize(80, 45))
	title := widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	title.Truncation = fyne.TextTruncateEllipsis
	sub := widget.NewLabel("")
	sub.Truncation = fyne.TextTruncateEllipsis
	sub.Importance = widget.LowImportance
	return container.NewBorder(nil, nil, thumb, nil, container.NewVBox(title, sub))
}

func updateFoundItem(o fyne.CanvasObject, c *foundCamera) {
	row := o.(*fyne.Container)
	texts := row.Objects[0].(*fyne.Container)
	thumb := row.Objects[1].(*canvas.Image)
	texts.Objects[0].(*widget.Label).SetText(c.title())
	texts.Objects[1].(*widget.Label).SetText(c.subtitle())
	if c.thumb != nil {
		thumb.Resource, thumb.Image = nil, c.thumb
	} else {
		thumb.Image, thumb.Resource = nil, theme.MediaVideoIcon()
	}
	thumb.Refresh()
}

// scanCameras probes the local networks, or the one address given, and
// adds each camera to the list as it answers.
func (s *Studio) scanCameras(address string) {
	fd := s.finder
	fd.scanGen++
	gen := fd.scanGen
	if address == "" {
		fd.setScanStatus("", true)
		fd.scanning.Show()
		fd.scanning.Start()
	} else {
		fd.status.SetText(tr("Asking {{.Address}}…", "Address", address))
	}
	fd.rescan.Disable()
	fd.look.Disable()
	// One camera is asked for at an address: its first answer ends the
	// wait.
	ctx, answered := context.WithCancel(fd.ctx)
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		defer answered()
		cams, err := discover.Probe(ctx, discover.ProbeConfig{Timeout: findScanTime, Address: address, Logger: s.log,
			Found: func(c discover.Camera) {
				if address != "" {
					answered()
				}
				s.do(func() {
					if s.finder == fd && fd.scanGen == gen {
						fd.add(&foundCamera{cam: c})
					}
				})
			}})
		s.do(func() {
			if s.finder != fd || fd.scanGen != gen {
				return
			}
			fd.scanning.Stop()
			fd.scanning.Hide()
			fd.rescan.Enable()
			fd.look.Enable()
			if len(fd.cams) > 0 {
				fd.setScanStatus(trn("{{.Count}} camera found.", len(fd.cams)), true)
			}
			switch {
			case err != nil:
				fd.setScanStatus(tr("Scan failed: {{.Reason}}", "Reason", engineText(err.Error())), false)
			case address != "" && len(cams) == 0:
				// Discovery may be off while ONVIF answers.
				fd.add(&foundCamera{cam: discover.Direct(address), direct: true})
				fd.selectAddress(address)
				fd.status.SetText(tr("{{.Address}} did not answer the discovery probe; type its user and password to ask it directly, or try the usual paths.", "Address", address))
			case address != "":
				fd.selectAddress(address)
				fd.status.SetText(tr("Found it: type its user and password."))
			case len(fd.cams) == 0:
				fd.setScanStatus(tr("No ONVIF camera answered. Type its address below, or enter its URL in the camera form."), false)
			default:
				fd.setScanStatus(trn("{{.Count}} camera found.", len(fd.cams)), true)
			}
		})
	}()
}

// add puts c in the list, or updates the row of the same camera.
func (fd *finder) add(c *foundCamera) {
	for i, old := range fd.cams {
		if old.cam.Endpoint == c.cam.Endpoint || (old.direct && old.cam.From == c.cam.From) {
			if old.dev != nil {
				c.dev, c.thumb = old.dev, old.thumb
			}
			fd.cams[i] = c
			fd.list.RefreshItem(i)
			return
		}
	}
	fd.cams = append(fd.cams, c)
	fd.list.Refresh()
	if fd.counting {
		fd.setScanStatus(trn("{{.Count}} camera found so far…", len(fd.cams)), true)
	}
}

// setScanStatus shows msg above the list; counting says it is how many
// cameras answered (which the next answer may update) rather than a
// problem (which it must not hide).
func (fd *finder) setScanStatus(msg string, counting bool) {
	fd.scanStatus.SetText(msg)
	fd.counting = counting
}

// selectAddress selects the row of the camera at address.
func (fd *finder) selectAddress(address string) {
	host := discover.Direct(address).From
	for i := len(fd.cams) - 1; i >= 0; i-- { // the latest answer from there
		if fd.cams[i].cam.From == host {
			fd.list.Select(i)
			return
		}
	}
}

func (s *Studio) lookAtAddress() {
	fd := s.finder
	a := strings.TrimSpace(fd.address.Text)
	if a == "" {
		fd.status.SetText(tr("Type the camera's address first, e.g. 192.168.2.30."))
		return
	}
	if _, err := discover.DeviceURL(a); err != nil {
		fd.setError(engineText(err.Error()))
		return
	}
	s.scanCameras(a)
}

func (s *Studio) selectFound(id int) {
	fd := s.finder
	if fd == nil || id >= len(fd.cams) {
		return
	}
	fd.selected = id
	fd.connectGen++ // an answer about another camera is not wanted any more
	c := fd.cams[id]
	fd.showChoices(nil)
	if c.dev != nil {
		fd.showDevice(c)
	} else {
		fd.setInfo(tr("{{.Camera}}: type its user and password, then Show streams.", "Camera", c.title()))
	}
	fd.refreshButtons()
	s.win.Canvas().Focus(fd.pass)
}

// connectFound asks the selected camera for its profiles.
func (s *Studio) connectFound() {
	fd := s.finder
	if fd == nil || fd.selected < 0 {
		return
	}
	c := fd.cams[fd.selected]
	fd.connectGen++
	gen := fd.connectGen
	user, pass := fd.user.Text, fd.pass.Text
	fd.setInfo(tr("Asking {{.Camera}} for its streams…", "Camera", c.title()))
	fd.showChoices(nil)
	fd.connect.Disable()
	ctx := fd.ctx
	addr := c.cam.Address()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		dev, err := discover.Query(ctx, discover.QueryConfig{Address: addr, User: user, Password: pass, Timeout: findQueryTimeout, Logger: s.log})
		s.do(func() {
			if s.finder != fd {
				return
			}
			fd.connect.Enable()
			if fd.connectGen != gen {
				return
			}
			if err != nil {
				if errors.Is(err, discover.ErrUnauthorized) {
					fd.setError(tr("Wrong user or password for {{.Camera}}. Check them in the camera's web page: ONVIF may have its own account.", "Camera", c.title()))
				} else {
					fd.setError(tr("{{.Reason}}. Try the usual paths, or type the URL in the camera form.", "Reason", engineText(err.Error())))
				}
				fd.refreshButtons()
				return
			}
			c.dev = &dev
			fd.list.RefreshItem(fd.selected)
			fd.showDevice(c)
			if m := dev.Main(); m >= 0 && dev.Profiles[m].SnapshotURI != "" {
				s.fetchThumb(fd, c, dev.Profiles[m].SnapshotURI, user, pass)
			}
		})
	}()
}

// fetchThumb shows the camera's snapshot in its row.
func (s *Studio) fetchThumb(fd *finder, c *foundCamera, uri, user, pass string) {
	ctx := fd.ctx
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		img, err := discover.Snapshot(ctx, uri, user, pass, 0)
		if err != nil {
			s.log.Debug("camera snapshot not shown", "err", err)
			return
		}
		s.do(func() {
			if s.finder != fd {
				return
			}
			c.thumb = img
			for i, x := range fd.cams {
				if x == c {
					fd.list.RefreshItem(i)
				}
			}
		})
	}()
}

// showDevice offers the camera's streams: the main one selected, the sub
// stream as the light one.
func (fd *finder) showDevice(c *foundCamera) {
	d := c.dev
	main, sub := d.Main(), d.Sub()
	var opts []streamChoice
	add := func(i int, role string) {
		p := d.Profiles[i]
		opts = append(opts, streamChoice{label: role + " · " + profileLine(p), url: p.StreamURI})
	}
	if main >= 0 {
		add(main, tr("Main stream, for streaming"))
	}
	if sub >= 0 {
		add(sub, tr("Sub stream, light"))
	}
	var problems []string
	for i, p := range d.Profiles {
		switch {
		case i == main || i == sub:
		case p.Streamable():
			add(i, p.Name)
		case p.Problem != "":
			problems = append(problems, tr("{{.Profile}}: {{.Problem}}", "Profile", p.Name, "Problem", engineText(p.Problem)))
		}
	}
	if len(opts) == 0 {
		if len(problems) > 0 {
			fd.setError(tr("{{.Camera}} offers no H.264 or H.265 stream. {{.Problems}}. Try the usual paths.",
				"Camera", c.title(), "Problems", strings.Join(problems, tr("; "))))
		} else {
			fd.setError(tr("{{.Camera}} offers no H.264 or H.265 stream. Try the usual paths.", "Camera", c.title()))
		}
		return
	}
	fd.setInfo(tr("{{.Camera}}: pick a stream.", "Camera", c.title()))
	fd.showChoices(opts)
}

// profileLine is "H264 1920x1080 · 25 fps · 4096 kb/s (MainStream)".
func profileLine(p discover.Profile) string {
	parts := []string{strings.TrimSpace(p.Codec + " " + formatSize(p.Width, p.Height))}
	if p.FPS > 0 {
		parts = append(parts, formatFPS(p.FPS))
	}
	if p.BitrateKbps > 0 {
		parts = append(parts, fmt.Sprintf("%d kb/s", p.BitrateKbps))
	}
	return strings.Join(parts, " · ") + " (" + p.Name + ")"
}

// showChoices replaces the streams offered; the first is selected.
func (fd *finder) showChoices(opts []streamChoice) {
	fd.options = opts
	labels := make([]string, len(opts))
	for i, o := range opts {
		labels[i] = o.label
	}
	fd.choices.Options = labels
	fd.choices.Selected = ""
	if len(labels) > 0 {
		fd.choices.Selected = labels[0]
	}
	fd.choices.Refresh()
	fd.refreshButtons()
}

// chosen is the stream picked, if any.
func (fd *finder) chosen() (streamChoice, bool) {
	for _, o := range fd.options {
		if o.label == fd.choices.Selected {
			return o, true
		}
	}
	return streamChoice{}, false
}

func (fd *finder) refreshButtons() {
	setEnabled(fd.connect, fd.selected >= 0)
	setEnabled(fd.tryPaths, fd.selected >= 0 || strings.TrimSpace(fd.address.Text) != "")
	_, ok := fd.chosen()
	setEnabled(fd.use, ok)
}

func (fd *finder) setInfo(msg string) {
	fd.status.Importance = widget.MediumImportance
	fd.status.SetText(msg)
}

func (fd *finder) setError(msg string) {
	fd.status.Importance = widget.DangerImportance
	fd.status.SetText(msg)
}

// tryBrandPaths asks the selected camera (or the typed address) for the
// common brands' RTSP paths, and offers those that answer.
func (s *Studio) tryBrandPaths() {
	fd := s.finder
	host := strings.TrimSpace(fd.address.Text)
	if fd.selected >= 0 {
		host = fd.cams[fd.selected].cam.From
	}
	if host == "" {
		return
	}
	fd.connectGen++
	gen := fd.connectGen
	user, pass := fd.user.Text, fd.pass.Text
	fd.setInfo(tr("Trying the usual RTSP paths on {{.Host}}…", "Host", host))
	fd.showChoices(nil)
	fd.tryPaths.Disable()
	ctx := fd.ctx
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		found, err := discover.TryTemplates(ctx, discover.TryConfig{Host: host, User: user, Password: pass, Timeout: findTryTimeout})
		s.do(func() {
			if s.finder != fd {
				return
			}
			fd.refreshButtons()
			if fd.connectGen != gen {
				return
			}
			switch {
			case errors.Is(err, discover.ErrUnauthorized):
				fd.setError(tr("Wrong user or password for {{.Host}}.", "Host", host))
			case err != nil:
				fd.setError(tr("{{.Reason}}.", "Reason", engineText(err.Error())))
			case len(found) == 0:
				fd.setError(tr("{{.Host}} answers RTSP but none of the usual paths: find the URL in the camera's manual and type it in the camera form.", "Host", host))
			default:
				var opts []streamChoice
				for _, f := range found {
					opts = append(opts, streamChoice{label: tr("{{.Brand}} main stream ({{.Codec}})", "Brand", f.Brand, "Codec", codecName(f.Codec)), url: f.Main})
					if f.Sub != "" {
						opts = append(opts, streamChoice{label: tr("{{.Brand}} sub stream, light", "Brand", f.Brand), url: f.Sub})
					}
				}
				fd.setInfo(tr("These paths answered on {{.Host}}: pick one.", "Host", host))
				fd.showChoices(opts)
			}
		})
	}()
}

// useFound puts the picked stream into the camera form and closes the
// finder.
func (s *Studio) useFound() {
	fd := s.finder
	ch, ok := fd.chosen()
	if !ok {
		return
	}
	f := fd.form
	f.url.SetText(ch.url)
	f.user.SetText(fd.user.Text)
	f.pass.SetText(fd.pass.Text)
	// A new camera whose name is still the one it was given (Camera 1,
	// in either language) takes the camera's own.
	if fd.selected >= 0 && f.index < 0 && (strings.HasPrefix(f.name.Text, "Camera") || strings.HasPrefix(f.name.Text, tr("Camera"))) {
		f.name.SetText(s.uniqueName(fd.cams[fd.selected].name()))
	}
	f.errLabel.SetText("")
	f.result.SetText(tr("Picked {{.Stream}}. Test it, or Save.", "Stream", ch.label))
	s.closeFinder()
}

func (s *Studio) closeFinder() {
	fd := s.finder
	if fd == nil {
		return
	}
	fd.cancel()
	fd.dlg.Hide()
	s.finder = nil
}

// hostOfURL is the host (no port) of a URL, "" if it has none.
func hostOfURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return ""
	}
	return u.Hostname()
}
