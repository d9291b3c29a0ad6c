package relay

import (
	"context"
	"errors"
	"image"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media/codec"
)

// PreviewConfig asks for preview frames that fit in a Width x Height box
// (the source's aspect ratio is kept), at most FPS per second. A zero Width
// or Height switches the preview off.
type PreviewConfig struct {
	Width, Height int
	// FPS defaults to 15 and is capped at 30.
	FPS float64
}

// SetPreview starts, changes or (with a zero config) stops the preview.
// In copy mode the relay decodes video only while a preview is on.
func (r *Relay) SetPreview(c PreviewConfig) {
	r.preview.set(c)
}

// Preview returns the preview configuration in force (zero when off), with
// its defaults applied.
func (r *Relay) Preview() PreviewConfig { return r.preview.config() }

// PreviewReady receives a value when a new preview frame is ready to be
// read with PreviewFrame. At most one is pending: a reader that falls
// behind gets one signal for several frames, and reads the latest.
func (r *Relay) PreviewReady() <-chan struct{} { return r.preview.readyChan() }

// PreviewFrame copies the latest preview frame into dst and returns it
// with its sequence number, which grows with every new frame. When dst is
// nil or of another size a new image is allocated, so callers can rotate
// their own buffers and never share one with the engine. It returns nil
// when no frame has been produced yet.
func (r *Relay) PreviewFrame(dst *image.RGBA) (*image.RGBA, uint64) {
	return r.preview.frame(dst)
}

// previewTap converts decoded frames to RGBA on the pipeline goroutine and
// hands them to readers without ever blocking the pipeline for longer than
// a pointer swap.
type previewTap struct {
	on atomic.Bool

	mu    sync.Mutex
	cfg   PreviewConfig
	front *image.RGBA // the latest complete frame, read under mu
	at    time.Time   // when front was made
	seq   uint64
	ready chan struct{} // signalled after each new frame; made on first use

	// Pipeline goroutine only.
	conv   *codec.RGBAConverter
	back   *image.RGBA
	gate   rateGate
	warned bool
}

func (t *previewTap) readyChan() chan struct{} {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.ready == nil {
		t.ready = make(chan struct{}, 1)
	}
	return t.ready
}

func (t *previewTap) set(c PreviewConfig) {
	if c.FPS <= 0 {
		c.FPS = 15
	}
	c.FPS = math.Min(c.FPS, 30)
	t.mu.Lock()
	t.cfg = c
	t.mu.Unlock()
	t.on.Store(c.Width > 0 && c.Height > 0)
}

func (t *previewTap) active() bool { return t.on.Load() }

// offer converts f if a preview is on and one is due.
func (t *previewTap) offer(f *codec.Frame, log *slog.Logger) {
	if !t.on.Load() {
		return
	}
	t.mu.Lock()
	cfg := t.cfg
	t.mu.Unlock()
	if !t.gate.allow(time.Now(), time.Duration(float64(time.Second)/cfg.FPS)) {
		return
	}
	w, h := fitBox(f.Width(), f.Height(), cfg.Width, cfg.Height)
	if w == 0 {
		return
	}
	if t.back == nil || t.back.Rect.Dx() != w || t.back.Rect.Dy() != h {
		t.back = image.NewRGBA(image.Rect(0, 0, w, h))
	}
	if t.conv == nil {
		t.conv = &codec.RGBAConverter{}
	}
	if err := t.conv.Convert(f, t.back); err != nil {
		if !t.warned {
			t.warned = true
			log.Warn("preview conversion failed", "error", err)
		}
		return
	}
	t.mu.Lock()
	t.front, t.back = t.back, t.front
	t.at = time.Now()
	t.seq++
	ready := t.ready
	t.mu.Unlock()
	if ready == nil {
		ready = t.readyChan()
	}
	select {
	case ready <- struct{}{}:
	default: // one is pending already
	}
}

// rateGate passes at most one event per interval on average, without
// turning a source's jitter into lost frames: a 30 fps camera whose frames
// arrive 28–38 ms apart passes whole through a 30 fps gate, where "at
// least 33 ms since the last one" would drop a frame at every early one.
type rateGate struct {
	next time.Time // when the next event is due
}

// allow reports whether an event at now passes a gate of one per interval.
func (g *rateGate) allow(now time.Time, interval time.Duration) bool {
	// Half an interval early is on time: the slot it fills is the next one.
	if now.Before(g.next.Add(-interval / 2)) {
		return false
	}
	g.next = g.next.Add(interval)
	// After a pause (no frames, or a slower source) the schedule restarts
	// from now rather than letting a burst catch up.
	if g.next.Before(now) {
		g.next = now.Add(interval)
	}
	return true
}

func (t *previewTap) frame(dst *image.RGBA) (*image.RGBA, uint64) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if t.front == nil {
		return nil, 0
	}
	if dst == nil || dst.Rect.Size() != t.front.Rect.Size() {
		dst = image.NewRGBA(t.front.Rect)
	}
	copy(dst.Pix, t.front.Pix)
	return dst, t.seq
}

func (t *previewTap) closeConverter() {
	if t.conv != nil {
		t.conv.Close()
		t.conv = nil
	}
}

// fitBox returns the largest even size with the source's aspect ratio that
// fits in the box, never larger than the source.
func fitBox(srcW, srcH, boxW, boxH int) (int, int) {
	if srcW <= 0 || srcH <= 0 || boxW <= 0 || boxH <= 0 {
		return 0, 0
	}
	s := math.Min(float64(boxW)/float64(srcW), float64(boxH)/float64(srcH))
	s = math.Min(s, 1)
	w := int(float64(srcW)*s) &^ 1
	h := int(float64(srcH)*s) &^ 1
	if w < 2 || h < 2 {
		return 0, 0
	}
	return w, h
}

// Snapshots (Still): a second tap beside the window's preview, on only
// while someone asks: each call keeps it on for stillLease, then the
// pipeline switches it off at its next frame (and, in copy mode, stops
// decoding when nothing else wants pictures).
const (
	stillLease = 10 * time.Second
	stillFPS   = 2
	// stillFresh is how old a snapshot may be and still be handed out
	// without waiting for the next picture.
	stillFresh = time.Second
)

// ErrNoPicture is returned by Still when no picture came in time: the
// camera is connecting, lost, or sends no video.
var ErrNoPicture = errors.New("no picture yet: the camera is connecting or sends none")

type stillTap struct {
	previewTap
	until atomic.Int64 // UnixNano the lease ends
}

// Still returns a recent picture of the stream that fits in a w x h box
// (the aspect ratio kept), waiting for one while ctx allows. It costs
// nothing until called: the first call starts a low-rate tap of the
// decoded pictures (in copy mode, decoding too) that stops about ten
// seconds after the last call.
func (r *Relay) Still(ctx context.Context, w, h int) (*image.RGBA, error) {
	t := &r.still
	t.until.Store(time.Now().Add(stillLease).UnixNano())
	t.mu.Lock()
	if t.cfg.Width != w || t.cfg.Height != h {
		t.front = nil // another size was asked for
	}
	t.mu.Unlock()
	if !t.active() || t.config() != (PreviewConfig{Width: w, Height: h, FPS: stillFPS}) {
		t.set(PreviewConfig{Width: w, Height: h, FPS: stillFPS})
	}
	ready := t.readyChan()
	for {
		t.mu.Lock()
		fresh := t.front != nil && time.Since(t.at) < stillFresh
		t.mu.Unlock()
		if fresh {
			img, _ := t.frame(nil)
			return img, nil
		}
		select {
		case <-ready:
		case <-r.done:
			return nil, ErrNoPicture
		case <-ctx.Done():
			return nil, ErrNoPicture
		}
	}
}

// config returns the tap's configuration (zero when off).
func (t *previewTap) config() PreviewConfig {
	t.mu.Lock()
	defer t.mu.Unlock()
	if !t.on.Load() {
		return PreviewConfig{}
	}
	return t.cfg
}

// offer takes f while the lease lasts, and ends the tap after it.
func (t *stillTap) offer(f *codec.Frame, log *slog.Logger) {
	if !t.active() {
		return
	}
	if time.Now().UnixNano() > t.until.Load() {
		t.set(PreviewConfig{})
		return
	}
	t.previewTap.offer(f, log)
}
