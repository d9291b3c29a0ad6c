package ui

import (
	"image"
	"image/color"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/canvas"
	"fyne.io/fyne/v2/container"
	"fyne.io/fyne/v2/layout"
	"fyne.io/fyne/v2/theme"
	"fyne.io/fyne/v2/widget"

	"github.com/relaystudio/relaystudio/media/relay"
)

// previewPanel is the selected camera's picture, with the toolbar above it
// (Start/Stop of the selected stream, always in view; Start all, Stop all)
// and the bar below it (the preview's rate).
type previewPanel struct {
	image       *canvas.Image
	info        *canvas.Text  // source size and rate, clock: top left
	msg         *widget.Label // "Connecting to …", "No preview: …"
	noSignal    *widget.Label // NO SIGNAL and why, over the last picture
	noSignalBox *fyne.Container
	rate        *widget.Select // pictures a second in the preview

	start, startAll, stopAll *widget.Button
	status                   *widget.Label   // LIVE and the uptime of the broadcast
	cpu                      *widget.Label   // the app's CPU
	meter                    *levelMeter     // the outgoing audio
	mute                     *widget.Button  // outgoing audio becomes silence
	startReason              *widget.Label   // why Start is disabled
	seq                      uint64          // of the frame on screen
	picture                  *fyne.Container // the picture and its bars
	root                     fyne.CanvasObject
}

func (s *Studio) newPreviewPanel() *previewPanel {
	p := &previewPanel{}
	p.image = canvas.NewImageFromImage(nil)
	p.image.FillMode = canvas.ImageFillStretch // sized to its aspect by letterbox
	p.image.ScaleMode = canvas.ImageScaleFastest
	p.image.SetMinSize(fyne.NewSize(320, 180))
	p.info = canvas.NewText("", color.White)
	p.info.TextSize = theme.CaptionTextSize()
	p.info.TextStyle = fyne.TextStyle{Monospace: true}
	info := container.NewStack(canvas.NewRectangle(color.NRGBA{A: 0x90}), container.NewPadded(p.info))
	p.msg = widget.NewLabel(tr("Starting the preview…"))
	p.msg.Alignment = fyne.TextAlignCenter
	p.msg.Wrapping = fyne.TextWrapWord
	overlay := container.NewBorder(container.NewHBox(info, layout.NewSpacer()), nil, nil, nil)
	p.noSignal = widget.NewLabelWithStyle("", fyne.TextAlignCenter, fyne.TextStyle{Bold: true})
	p.noSignal.Wrapping = fyne.TextWrapWord
	p.noSignal.Importance = widget.DangerImportance
	p.noSignalBox = container.NewStack(canvas.NewRectangle(color.NRGBA{A: 0xb0}), middle(p.noSignal))
	p.noSignalBox.Hide()

	p.rate = widget.NewSelect(nil, nil)
	s.fillPreviewRate(p.rate)
	p.rate.OnChanged = func(label string) {
		if n, ok := previewRateFromLabel(label); ok {
			s.setPreviewRate(n)
		}
	}

	p.start = widget.NewButtonWithIcon(tr("Start streaming"), theme.MediaPlayIcon(), s.toggleSelected)
	p.start.Importance = widget.HighImportance
	p.startReason = widget.NewLabel("")
	p.startReason.Wrapping = fyne.TextWrapWord
	p.startReason.Importance = widget.WarningImportance
	p.startReason.Hide()
	p.startAll = widget.NewButton(tr("Start all"), s.startAll)
	p.stopAll = widget.NewButton(tr("Stop all"), s.stopAll)
	p.status = widget.NewLabelWithStyle("", fyne.TextAlignLeading, fyne.TextStyle{Bold: true})
	p.status.Importance = widget.DangerImportance
	p.cpu = widget.NewLabel("")
	p.cpu.SizeName = theme.SizeNameCaptionText
	toolbar := container.NewVBox(
		container.NewBorder(nil, nil, container.NewHBox(p.start, p.status), container.NewHBox(p.startAll, p.stopAll)),
		p.startReason)
	p.meter = newLevelMeter()
	p.mute = widget.NewButtonWithIcon(tr("Mute"), theme.VolumeUpIcon(), s.toggleMute)
	audio := container.NewHBox(p.mute, container.NewCenter(container.NewGridWrap(fyne.NewSize(110, 10), p.meter)))
	rate := container.NewGridWrap(fyne.NewSize(170, p.rate.MinSize().Height), p.rate)
	bar := container.NewBorder(nil, nil, container.NewHBox(audio, container.NewCenter(p.cpu)), container.NewHBox(widget.NewLabel(tr("Preview")), rate))
	lb := &letterbox{img: p.image, bars: [2]*canvas.Rectangle{canvas.NewRectangle(color.Black), canvas.NewRectangle(color.Black)}}
	p.picture = container.New(lb, lb.bars[0], lb.bars[1], p.image)
	picture := container.NewStack(p.picture, middle(p.msg), p.noSignalBox, overlay)
	p.root = container.NewBorder(toolbar, bar, nil, nil, picture)
	return p
}

// show puts img in the preview (nil: none), laying the picture out again
// only when its shape changes.
func (p *previewPanel) show(img image.Image) {
	var was, now image.Rectangle
	if p.image.Image != nil {
		was = p.image.Image.Bounds()
	}
	if img != nil {
		now = img.Bounds()
	}
	p.image.Image = img
	if was.Size() != now.Size() {
		p.picture.Refresh()
	}
	p.image.Refresh()
}

// letterbox lays the preview picture out at its aspect ratio, centred, with
// black bars over the rest of the panel (the whole panel without a
// picture). Each preview frame repaints the whole window, and where the
// desktop draws without a GPU (a virtual machine, a remote desktop) every
// rectangle is a shader run per pixel: a black backdrop under the whole
// picture cost as much to paint as the picture itself (BenchmarkPreviewCost).
type letterbox struct {
	img  *canvas.Image
	bars [2]*canvas.Rectangle
}

func (l *letterbox) MinSize([]fyne.CanvasObject) fyne.Size { return l.img.MinSize() }

func (l *letterbox) Layout(_ []fyne.CanvasObject, size fyne.Size) {
	if l.img.Image == nil || l.img.Image.Bounds().Empty() {
		l.img.Resize(fyne.Size{})
		l.bars[0].Move(fyne.Position{})
		l.bars[0].Resize(size)
		l.bars[1].Resize(fyne.Size{})
		return
	}
	b := l.img.Image.Bounds()
	aspect := float32(b.Dx()) / float32(b.Dy())
	w, h := size.Width, size.Height
	if h > 0 && w/h > aspect {
		w = h * aspect
	} else if aspect > 0 {
		h = w / aspect
	}
	at := fyne.NewPos((size.Width-w)/2, (size.Height-h)/2)
	l.img.Move(at)
	l.img.Resize(fyne.NewSize(w, h))
	if size.Width-w > size.Height-h { // bars left and right
		l.bars[0].Move(fyne.Position{})
		l.bars[0].Resize(fyne.NewSize(at.X, size.Height))
		l.bars[1].Move(fyne.NewPos(at.X+w, 0))
		l.bars[1].Resize(fyne.NewSize(size.Width-at.X-w, size.Height))
	} else { // above and below
		l.bars[0].Move(fyne.Position{})
		l.bars[0].Resize(fyne.NewSize(size.Width, at.Y))
		l.bars[1].Move(fyne.NewPos(0, at.Y+h))
		l.bars[1].Resize(fyne.NewSize(size.Width, size.Height-at.Y-h))
	}
}

// setMessage shows text over the picture ("" hides it).
func (p *previewPanel) setMessage(text string) {
	if text == "" {
		p.msg.Hide()
		return
	}
	p.msg.SetText(text)
	p.msg.Show()
}

// refreshButtons shows Start or Stop for the selected stream (v nil: none
// selected), disabled with the reason when it cannot start.
func (p *previewPanel) refreshButtons(v *streamView, problem string, anyLive, anyStartable bool) {
	setEnabled(p.stopAll, anyLive)
	setEnabled(p.startAll, anyStartable)
	reason := ""
	switch {
	case v == nil:
		p.start.SetText(tr("Start streaming"))
		p.start.SetIcon(theme.MediaPlayIcon())
		p.start.Importance = widget.HighImportance
		p.start.Disable()
	case v.streaming():
		p.start.SetText(tr("Stop streaming"))
		p.start.SetIcon(theme.MediaStopIcon())
		p.start.Importance = widget.DangerImportance
		p.start.Enable()
	default:
		p.start.SetText(tr("Start streaming"))
		p.start.SetIcon(theme.MediaPlayIcon())
		p.start.Importance = widget.HighImportance
		setEnabled(p.start, problem == "")
		if problem != "" {
			reason = tr("Cannot start: {{.Problem}}", "Problem", engineText(problem))
		}
	}
	p.start.Refresh()
	if reason != p.startReason.Text {
		p.startReason.SetText(reason)
	}
	p.startReason.Hidden = reason == ""
	p.startReason.Refresh()
}

// refreshStatus shows LIVE and the broadcast's uptime beside Stop while
// the stream of v is sent, and the app's CPU under the picture.
func (p *previewPanel) refreshStatus(v *streamView, f statsFields) {
	status := ""
	if v != nil && v.streaming() {
		status = tr("● LIVE")
		if f.Uptime != "—" {
			status += "  " + f.Uptime
		}
	}
	if v != nil && v.stream.Muted() {
		status += "  " + tr("MUTED")
	}
	if v != nil && v.streaming() && v.stats.Recording != nil && v.stats.Recording.Recording {
		status += "  " + tr("● REC")
	}
	if status != p.status.Text {
		p.status.SetText(status)
	}
	p.refreshMute(v)
	if cpu := tr("App CPU {{.CPU}}", "CPU", f.CPU); cpu != p.cpu.Text {
		p.cpu.SetText(cpu)
	}
}

// refreshMute shows whether v's outgoing audio is muted.
func (p *previewPanel) refreshMute(v *streamView) {
	setEnabled(p.mute, v != nil)
	text, icon, imp := tr("Mute"), theme.VolumeUpIcon(), widget.MediumImportance
	if v != nil && v.stream.Muted() {
		text, icon, imp = tr("Unmute"), theme.VolumeMuteIcon(), widget.WarningImportance
	}
	if p.mute.Text != text {
		p.mute.SetText(text)
		p.mute.SetIcon(icon)
		p.mute.Importance = imp
		p.mute.Refresh()
	}
	if v == nil || !v.streaming() {
		p.meter.reset() // the meter shows what is sent
	}
}

// refreshInfo shows the source's size and rate and the time over the
// picture while the stream runs.
func (p *previewPanel) refreshInfo(v *streamView) {
	text := ""
	if v != nil && v.relay() != nil {
		in := v.stats.Input
		if in.Width > 0 {
			text = formatSize(in.Width, in.Height) + "  " + formatFPS(in.FPS) + "  "
		}
		text += time.Now().Format("15:04:05")
	}
	if text != p.info.Text {
		p.info.Text = text
		p.info.Refresh()
	}
}

// refreshSignal shows NO SIGNAL over the preview while the camera of v is
// lost or its stream has failed, with why and when the next attempt is,
// and takes it away once the camera is back.
func (p *previewPanel) refreshSignal(v *streamView) {
	msg := ""
	if v != nil && v.relay() != nil {
		st := v.stats
		switch {
		case st.State == relay.StateFailed:
			msg = tr("NO SIGNAL") + "\n" + engineText(st.Reason)
		case !st.SlateSince.IsZero():
			why := tr("no pictures from the camera")
			if st.Input.State == relay.StateRetrying {
				why = tr("camera lost: {{.Reason}}", "Reason", engineText(st.Input.Reason))
			}
			msg = tr("NO SIGNAL: destinations get the slate") + "\n" + why
		case st.Input.State == relay.StateRetrying:
			msg = tr("NO SIGNAL") + "\n" + tr("camera lost: {{.Reason}}", "Reason", engineText(st.Input.Reason))
		case st.Input.State == relay.StateConnecting && st.Input.Reconnects > 0:
			msg = tr("NO SIGNAL") + "\n" + tr("reconnecting to the camera (lost: {{.Error}})", "Error", engineText(st.LastError))
		}
	}
	if msg == "" {
		p.noSignalBox.Hide()
		return
	}
	p.noSignal.SetText(msg)
	p.noSignalBox.Show()
	p.msg.Hide() // NO SIGNAL says it all
}

// middle centres a wrapping label vertically and gives it the whole width
// (container.NewCenter would give it its one-letter-wide minimum, and a
// long text would then stand as a column that pushes the window's
// panels out).
func middle(l *widget.Label) fyne.CanvasObject {
	return container.NewVBox(layout.NewSpacer(), l, layout.NewSpacer())
}
