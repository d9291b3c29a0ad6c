// Package testsrc is the built-in source test://pattern: a moving test
// pattern with the time of day and a 440 Hz tone, encoded in-process and
// delivered like a camera would deliver it (H.264 with parameter sets in
// front of every keyframe, AAC), so everything can be tried without one.
package testsrc

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
)

// Defaults of the pattern.
const (
	DefaultWidth     = 1280
	DefaultHeight    = 720
	DefaultFPS       = 30
	VideoBitrate     = 2_000_000
	AudioBitrate     = 128_000
	KeyframeInterval = time.Second
	toneHz           = 440
	encoderPreset    = "ultrafast"
)

// Source generates the pattern in real time until closed.
type Source struct {
	// Width and Height default to 1280x720.
	Width, Height int
	// FPS defaults to 30.
	FPS int
	// NoAudio leaves the tone out.
	NoAudio bool
	// Sink receives the tracks, then units. Required.
	Sink media.Sink
	// Logger: nil discards.
	Logger *slog.Logger

	mu      sync.Mutex
	started bool
	cancel  context.CancelFunc
	done    chan struct{}
	err     error
}

func (s *Source) withDefaults() {
	if s.Width == 0 || s.Height == 0 {
		s.Width, s.Height = DefaultWidth, DefaultHeight
	}
	if s.FPS == 0 {
		s.FPS = DefaultFPS
	}
	if s.Logger == nil {
		s.Logger = slog.New(slog.DiscardHandler)
	}
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
	w, h, fps := s.Width, s.Height, s.FPS
	if w == 0 || h == 0 {
		w, h = DefaultWidth, DefaultHeight
	}
	if fps == 0 {
		fps = DefaultFPS
	}
	d := Description{
		Tracks:           media.Tracks{Video: &media.VideoTrack{Codec: media.CodecH264, Width: w, Height: h, FPS: float64(fps)}},
		FPS:              float64(fps),
		KeyframeInterval: KeyframeInterval,
		VideoBitrate:     VideoBitrate,
	}
	if !s.NoAudio {
		d.Tracks.Audio = &media.AudioTrack{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2}
	}
	return d
}

// Start begins generating in the background.
func (s *Source) Start() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.started {
		return errors.New("test pattern already started")
	}
	if s.Sink == nil {
		return errors.New("test pattern: no sink")
	}
	s.withDefaults()
	s.started = true
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel = cancel
	s.done = make(chan struct{})
	go func() {
		defer close(s.done)
		err := s.run(ctx)
		s.mu.Lock()
		s.err = err
		s.mu.Unlock()
	}()
	return nil
}

// Close stops the pattern and waits for it.
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

// run owns every FFmpeg object of the source.
func (s *Source) run(ctx context.Context) error {
	pattern, err := codec.NewPattern(s.Width, s.Height, s.FPS, s.Logger)
	if err != nil {
		return err
	}
	defer pattern.Close()
	enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{
		Width: s.Width, Height: s.Height, FPS: float64(s.FPS),
		Bitrate: VideoBitrate, Preset: encoderPreset, KeyframeInterval: KeyframeInterval,
		// The pattern is a helper: leave the CPU to the relay's encoder.
		Threads: 2,
	})
	if err != nil {
		return err
	}
	defer enc.Close()
	tracks := media.Tracks{Video: &media.VideoTrack{
		Codec: media.CodecH264, Width: s.Width, Height: s.Height, FPS: float64(s.FPS),
		SPS: enc.SPS(), PPS: enc.PPS(),
	}}
	var tone *codec.AudioGenerator
	if !s.NoAudio {
		if tone, err = codec.NewTone(toneHz, AudioBitrate); err != nil {
			return err
		}
		defer tone.Close()
		t := tone.Track()
		tracks.Audio = &t
	}
	s.Sink.Tracks(tracks)

	params := [][]byte{enc.SPS(), enc.PPS()}
	frameDur := time.Second / time.Duration(s.FPS)
	start := time.Now()
	tick := time.NewTimer(0)
	defer tick.Stop()
	var genErr error
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		}
		err := pattern.Next(func(f *codec.Frame) {
			genErr = enc.Encode(f, func(u media.VideoUnit) {
				if u.Key {
					// Like a camera: parameter sets in front of keyframes.
					u.NALUs = append(append([][]byte{}, params...), u.NALUs...)
				}
				s.Sink.Video(u)
			})
		})
		if err == nil {
			err = genErr
		}
		if err == nil && tone != nil {
			err = tone.Generate(0, time.Duration(i+1)*frameDur, s.Sink.Audio)
		}
		if err != nil {
			return err
		}
		// Pace on the wall clock, not on the previous frame, so the rate
		// does not drift.
		next := start.Add(time.Duration(i+1) * frameDur)
		tick.Reset(time.Until(next))
	}
}
