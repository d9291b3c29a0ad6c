// Package testsrc is the built-in source test://pattern: a moving test
// pattern with the time of day and a 440 Hz tone, encoded in-process and
// delivered like a camera would deliver it (H.264 with parameter sets in
// front of every keyframe, AAC), so everything can be tried without one.
//
// Record makes the same media as a pre-encoded clip, as fast as the CPU
// allows, for tests and benchmarks that replay it.
package testsrc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
)

// Defaults of the pattern.
const (
	DefaultWidth  = 1280
	DefaultHeight = 720
	DefaultFPS    = 30
	// VideoBitrate is the pattern's bitrate at 1280x720; other sizes get
	// the same bits per pixel (see Description.VideoBitrate).
	VideoBitrate     = 2_000_000
	AudioBitrate     = 128_000
	KeyframeInterval = time.Second
	toneHz           = 440
	encoderPreset    = "ultrafast"
	minVideoBitrate  = 200_000
)

// videoBitrate scales VideoBitrate to a frame size.
func videoBitrate(w, h int) int {
	return max(int(int64(VideoBitrate)*int64(w)*int64(h)/(DefaultWidth*DefaultHeight)), minVideoBitrate)
}

// Source generates the pattern until closed, like a camera: Tracks first,
// then video and audio units from PTS 0, audio aligned with video.
type Source struct {
	// Width and Height default to 1280x720 (when either is 0). Both must be
	// even.
	Width, Height int
	// FPS defaults to 30.
	FPS int
	// NoAudio leaves the tone out.
	NoAudio bool
	// Fast generates as fast as possible instead of pacing to the wall
	// clock (the default, what the relay wants). Tests use it to get
	// seconds of media quickly.
	Fast bool
	// Sink receives the tracks, then units, from the source's goroutine.
	// Required.
	Sink media.Sink
	// Logger: nil discards.
	Logger *slog.Logger

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	err     error
}

// size returns the configured size, frame rate and bitrate with defaults.
func (s *Source) size() (w, h, fps int) {
	w, h, fps = s.Width, s.Height, s.FPS
	if w == 0 || h == 0 {
		w, h = DefaultWidth, DefaultHeight
	}
	if fps == 0 {
		fps = DefaultFPS
	}
	return w, h, fps
}

// Description is what the pattern delivers, for probes.
type Description struct {
	Tracks           media.Tracks
	FPS              float64
	KeyframeInterval time.Duration
	VideoBitrate     int
}

// Describe returns what the source delivers with its current settings
// (parameter sets aside, which exist only once it runs).
func (s *Source) Describe() Description {
	w, h, fps := s.size()
	d := Description{
		Tracks:           media.Tracks{Video: &media.VideoTrack{Codec: media.CodecH264, Width: w, Height: h, FPS: float64(fps)}},
		FPS:              float64(fps),
		KeyframeInterval: KeyframeInterval,
		VideoBitrate:     videoBitrate(w, h),
	}
	if !s.NoAudio {
		d.Tracks.Audio = &media.AudioTrack{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2}
	}
	return d
}

// Start opens the pattern's generators and encoders (so a bad size fails
// here) and begins delivering in the background.
func (s *Source) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("test pattern already started")
	}
	if s.Sink == nil {
		return errors.New("test pattern: no sink")
	}
	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	w, h, fps := s.size()
	g, err := newGenerator(w, h, fps, !s.NoAudio, log)
	if err != nil {
		return err
	}
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	// The goroutine owns g (and its FFmpeg contexts) from here on.
	go func() {
		defer close(s.done)
		defer g.close()
		err := s.run(ctx, g)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}()
	return nil
}

// Close stops the pattern and waits for it. It returns within a frame's
// encoding time.
func (s *Source) Close() {
	s.mu.Lock()
	started, cancel := s.started, s.cancel
	s.mu.Unlock()
	if !started {
		return
	}
	cancel()
	<-s.done
}

// Wait returns when the pattern stopped: nil after Close, or what failed.
func (s *Source) Wait() error {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if !started {
		return nil
	}
	<-s.done
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.err
}

// run delivers until ctx ends, paced to the wall clock unless Fast.
func (s *Source) run(ctx context.Context, g *generator) error {
	s.Sink.Tracks(g.tracks)
	start := time.Now()
	tick := time.NewTimer(0)
	defer tick.Stop()
	for {
		if err := ctx.Err(); err != nil {
			return nil
		}
		if err := g.step(s.Sink.Video, s.Sink.Audio); err != nil {
			return err
		}
		if s.Fast {
			continue
		}
		// Pace on the wall clock, not on the previous frame, so the rate
		// does not drift: the next frame is due at its PTS.
		tick.Reset(time.Until(start.Add(g.clock())))
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
	}
}

// Record generates d of the pattern as fast as possible and returns it as
// a camera would have delivered it: the tracks, then the video and audio
// units (PTS from 0). audio=false leaves the tone out. It is meant for tests
// and benchmarks that replay a pre-encoded clip.
func Record(ctx context.Context, w, h, fps int, d time.Duration, audio bool) (media.Tracks, []media.VideoUnit, []media.AudioUnit, error) {
	if d <= 0 {
		return media.Tracks{}, nil, nil, fmt.Errorf("test pattern recording of %v: want a positive duration", d)
	}
	g, err := newGenerator(w, h, fps, audio, slog.New(slog.DiscardHandler))
	if err != nil {
		return media.Tracks{}, nil, nil, err
	}
	defer g.close()
	frames := int((d*time.Duration(fps) + time.Second - 1) / time.Second)
	video := make([]media.VideoUnit, 0, frames)
	var sound []media.AudioUnit
	for range frames {
		if err := ctx.Err(); err != nil {
			return media.Tracks{}, nil, nil, err
		}
		err := g.step(func(u media.VideoUnit) { video = append(video, u) }, func(u media.AudioUnit) { sound = append(sound, u) })
		if err != nil {
			return media.Tracks{}, nil, nil, err
		}
	}
	return g.tracks, video, sound, nil
}

// generator makes the pattern's media one frame at a time. It owns FFmpeg
// contexts: one goroutine at a time.
type generator struct {
	pattern *codec.Pattern
	enc     *codec.VideoEncoder
	tone    *codec.AudioGenerator // nil without audio
	tracks  media.Tracks
	fps     int
	frames  int // frames generated so far
}

func newGenerator(w, h, fps int, audio bool, log *slog.Logger) (_ *generator, err error) {
	if w < 16 || h < 16 || w > 7680 || h > 7680 || w%2 != 0 || h%2 != 0 {
		return nil, fmt.Errorf("test pattern size %dx%d: want even sides between 16 and 7680", w, h)
	}
	if fps < 1 || fps > 120 {
		return nil, fmt.Errorf("test pattern at %d fps: want 1 to 120", fps)
	}
	g := &generator{fps: fps}
	defer func() {
		if err != nil {
			g.close()
		}
	}()
	if g.pattern, err = codec.NewPattern(w, h, fps); err != nil {
		return nil, err
	}
	g.enc, err = codec.NewVideoEncoder(codec.VideoEncoderConfig{
		Width: w, Height: h, FPS: float64(fps),
		Bitrate: videoBitrate(w, h), Preset: encoderPreset, KeyframeInterval: KeyframeInterval,
		// The pattern is a helper: leave the CPU to the relay's encoder.
		Threads: 2,
	})
	if err != nil {
		return nil, err
	}
	g.tracks.Video = &media.VideoTrack{
		Codec: media.CodecH264, Width: w, Height: h, FPS: float64(fps),
		SPS: g.enc.SPS(), PPS: g.enc.PPS(),
	}
	if audio {
		if g.tone, err = codec.NewTone(toneHz, AudioBitrate); err != nil {
			return nil, err
		}
		t := g.tone.Track()
		g.tracks.Audio = &t
	}
	return g, nil
}

// clock is the media time generated so far: the PTS of the next frame.
func (g *generator) clock() time.Duration {
	return time.Duration(g.frames) * time.Second / time.Duration(g.fps)
}

// step generates one video frame, then the audio up to the frame's end.
// Keyframe units come with SPS and PPS in front (the encoder puts them).
func (g *generator) step(video func(media.VideoUnit), audio func(media.AudioUnit)) error {
	var encErr error
	err := g.pattern.Next(func(f *codec.Frame) {
		encErr = g.enc.Encode(f, video)
	})
	if err == nil {
		err = encErr
	}
	if err != nil {
		return err
	}
	g.frames++
	if g.tone != nil {
		// Started at the encoder's priming delay, the first AAC unit has
		// PTS 0 like the first frame; the tone lags by those 21 ms.
		return g.tone.Generate(codec.AACDelay, g.clock(), audio)
	}
	return nil
}

// close frees what newGenerator made, whatever part of it exists.
func (g *generator) close() {
	if g.tone != nil {
		g.tone.Close()
	}
	if g.enc != nil {
		g.enc.Close()
	}
	if g.pattern != nil {
		g.pattern.Close()
	}
}
