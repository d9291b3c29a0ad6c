package ui

import (
	"image/color"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media/relay"
)

// camerasPanel is the list of cameras, each with its thumbnail and state
// badge, and the buttons that add, edit, duplicate and remove them.
type camerasPanel struct {
	list                   *cameraList
	add, edit, dup, remove *widget.Button
	root                   fyne.CanvasObject
}

func (s *Studio) newCamerasPanel() *camerasPanel {
	p := &camerasPanel{}
	p.list = newCameraList(s.toggleSelected,
		func() int { return len(s.views) },
		newCameraItem,
		func(id widget.ListItemID, o fyne.CanvasObject) {
			if id < len(s.views) {
				updateCameraItem(o, s.cfg.Streams[id].Name, s.views[id])
			}
		})
	p.list.OnSelected = func(id widget.ListItemID) {
		if id != s.selected {
			s.selectStream(id)
		}
	}
	p.add = widget.NewButtonWithIcon(tr("Add"), theme.ContentAddIcon(), func() { s.showCameraForm(-1) })
	p.edit = widget.NewButtonWithIcon(tr("Edit"), theme.DocumentCreateIcon(), func() { s.showCameraForm(s.selected) })
	p.dup = widget.NewButtonWithIcon(tr("Duplicate"), theme.ContentCopyIcon(), func() { s.duplicateStream(s.selected) })
	p.remove = widget.NewButtonWithIcon(tr("Remove"), theme.DeleteIcon(), func() { s.removeStream(s.selected) })
	buttons := container.NewGridWithColumns(2, p.add, p.edit, p.dup, p.remove)
	title := widget.NewLabelWithStyle(tr("Cameras"), fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.root = container.NewBorder(title, buttons, nil, nil, p.list)
	return p
}

// enable enables the buttons that act on the selected camera.
func (p *camerasPanel) enable(has bool) {
	for _, b := range []*widget.Button{p.edit, p.dup, p.remove} {
		setEnabled(b, has)
	}
}

// newCameraItem makes one row of the list: thumbnail (a camera icon until
// the camera has shown a picture), name, state badge.
func newCameraItem() fyne.CanvasObject {
	thumb := canvas.NewImageFromImage(nil)
	thumb.FillMode = canvas.ImageFillContain
	thumb.ScaleMode = canvas.ImageScaleFastest
	thumb.SetMinSize(fyne.NewSize(64, 36))
	bg := canvas.NewRectangle(color.NRGBA{A: 0x30})
	bg.SetMinSize(fyne.NewSize(64, 36))
	dot := canvas.NewCircle(colGrey)
	dot.Resize(fyne.NewSize(10, 10))
	state := canvas.NewText(tr("idle"), colGrey)
	state.TextSize = theme.CaptionTextSize()
	name := widget.NewLabel(tr("Camera"))
	name.Truncation = fyne.TextTruncateEllipsis
	icon := widget.NewIcon(theme.MediaVideoIcon())
	return container.NewBorder(nil, nil, container.NewStack(bg, icon, thumb),
		nil, container.NewVBox(name, container.NewHBox(container.NewGridWrap(fyne.NewSize(10, 10), dot), state)))
}

func updateCameraItem(o fyne.CanvasObject, name string, v *streamView) {
	b := o.(*fyne.Container)
	pic := b.Objects[1].(*fyne.Container)
	icon, thumb := pic.Objects[1].(*widget.Icon), pic.Objects[2].(*canvas.Image)
	info := b.Objects[0].(*fyne.Container)
	info.Objects[0].(*widget.Label).SetText(name)
	row := info.Objects[1].(*fyne.Container)
	dot := row.Objects[0].(*fyne.Container).Objects[0].(*canvas.Circle)
	state := row.Objects[1].(*canvas.Text)
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
}

// badge is the state word shown next to a camera: idle, connecting, live,
// preview, no signal, retrying or error.
func badge(v *streamView) (string, color.Color) {
	if v.relay() == nil {
		if v.err() != "" {
			return tr("error"), colRed
		}
		return tr("idle"), colGrey
	}
	if !v.stats.SlateSince.IsZero() && v.streaming() {
		return tr("on slate"), colAmber
	}
	if v.stats.Input.Lost() {
		return tr("no signal"), colRed
	}
	switch v.stats.State {
	case relay.StateLive:
		if v.streaming() {
			return tr("live"), colGreen
		}
		return tr("preview"), colGreen
	case relay.StateRetrying:
		return tr("retrying"), colAmber
	case relay.StateFailed, relay.StateRefused:
		return tr("error"), colRed
	case relay.StateConnecting, relay.StateIdle:
		return tr("connecting"), colAmber
	}
	return tr("idle"), colGrey
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
