package rtsp

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// DefaultProbeDuration is used by Probe when d <= 0.
const DefaultProbeDuration = 10 * time.Second

// Info is what Probe learned about a camera.
type Info struct {
	// Tracks as a Source delivers them.
	Tracks media.Tracks
	// FPS is the frame rate the SPS declares (VUI timing) or, when it
	// declares none, the rate measured from the timestamps. 0 if unknown.
	FPS float64
	// KeyframeInterval is the time between the first two keyframes seen, 0
	// if fewer than two were seen.
	KeyframeInterval time.Duration
	// VideoBitrate is the measured video bitrate in bits per second, 0 if
	// fewer than two frames were seen.
	VideoBitrate int
}

// Probe connects to the camera described by cfg (URL, Transport, TLSConfig,
// timeouts and Logger are used; Sink is ignored) and watches it for up to d
// (DefaultProbeDuration if d <= 0), stopping early once it knows the size,
// the frame rate and the keyframe interval (two keyframes). It fails when
// the camera cannot be read or sends no keyframe within d.
func Probe(ctx context.Context, cfg Source, d time.Duration) (Info, error) {
	if d <= 0 {
		d = DefaultProbeDuration
	}
	ps := &probeSink{enough: make(chan struct{})}
	src := &Source{
		URL:            cfg.URL,
		Transport:      cfg.Transport,
		Sink:           ps,
		Logger:         cfg.Logger,
		ReadTimeout:    cfg.ReadTimeout,
		ConnectTimeout: cfg.ConnectTimeout,
		TLSConfig:      cfg.TLSConfig,
	}
	if err := src.Start(); err != nil {
		return Info{}, err
	}
	timer := time.NewTimer(d)
	defer timer.Stop()

	var sessionErr error
	select {
	case <-ps.enough:
	case <-timer.C:
	case <-ctx.Done():
		src.Close()
		return Info{}, fmt.Errorf("probing camera %s: %w", media.RedactURL(cfg.URL), ctx.Err())
	case <-src.run.done:
		sessionErr = src.run.err
	}
	src.Close()

	info, ok := ps.info()
	if !ok {
		if sessionErr != nil {
			return Info{}, sessionErr
		}
		return Info{}, newError(cfg.URL, ErrStalled, nil, "sent no video keyframe within %s", d)
	}
	return info, nil
}

// probeFrame is what Probe remembers of a video unit.
type probeFrame struct {
	dts  time.Duration
	size int // bytes
	key  bool
}

// probeSink collects the first units of a session for Probe.
type probeSink struct {
	enough chan struct{} // closed once two keyframes were seen

	mu     sync.Mutex
	tracks *media.Tracks
	frames []probeFrame
	keys   int
	done   bool
}

func (p *probeSink) Tracks(t media.Tracks) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.tracks = &t
}

func (p *probeSink) Video(u media.VideoUnit) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.done {
		return
	}
	size := 0
	for _, n := range u.NALUs {
		size += len(n)
	}
	p.frames = append(p.frames, probeFrame{dts: u.DTS, size: size, key: u.Key})
	if u.Key {
		p.keys++
	}
	if p.keys >= 2 {
		p.done = true
		close(p.enough)
	}
}

func (p *probeSink) Audio(media.AudioUnit) {}

// info computes the result from what was collected; ok is false when no
// video arrived.
func (p *probeSink) info() (Info, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.tracks == nil || len(p.frames) == 0 {
		return Info{}, false
	}
	info := Info{Tracks: *p.tracks}
	m := measureFrames(p.frames)
	info.KeyframeInterval = m.keyInterval
	info.VideoBitrate = m.bitrate
	info.FPS = m.fps
	if v := p.tracks.Video; v != nil && v.FPS > 0 {
		info.FPS = v.FPS
	}
	return info, true
}

type frameMeasure struct {
	fps         float64
	keyInterval time.Duration
	bitrate     int
}

// measureFrames measures frame rate, keyframe interval and bitrate from
// frames in decoding order. The span runs from the first frame to the last
// one, and the last frame's bytes are not counted (they belong to the time
// after the span), so one whole GOP from keyframe to keyframe measures that
// GOP exactly.
func measureFrames(frames []probeFrame) frameMeasure {
	var m frameMeasure
	firstKey := -1
	for i, f := range frames {
		if !f.key {
			continue
		}
		if firstKey < 0 {
			firstKey = i
			continue
		}
		m.keyInterval = f.dts - frames[firstKey].dts
		break
	}
	if len(frames) < 2 {
		return m
	}
	span := frames[len(frames)-1].dts - frames[0].dts
	if span <= 0 {
		return m
	}
	bytes := 0
	for _, f := range frames[:len(frames)-1] {
		bytes += f.size
	}
	m.fps = float64(len(frames)-1) / span.Seconds()
	m.bitrate = int(float64(bytes*8) / span.Seconds())
	return m
}
