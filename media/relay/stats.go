package relay

import (
	"fmt"
	"math"
	"slices"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/record"
)

// State of a stream or of one destination: the engine's states
// (media.State), which a destination's publisher reports too.
type State = media.State

// States. A stream goes idle → connecting → live, and ends stopped (Close)
// or failed (an error it cannot get past).
const (
	StateIdle       = media.StateIdle
	StateConnecting = media.StateConnecting
	StateLive       = media.StateLive
	StateRetrying   = media.StateRetrying
	StateRefused    = media.StateRefused
	StateStopped    = media.StateStopped
	StateFailed     = media.StateFailed
)

// Stats is a snapshot of a running stream. It is a plain value: safe to
// keep, compare and marshal to JSON. It never holds a stream key or a
// password.
type Stats struct {
	Name   string `json:"name,omitempty"`
	State  State  `json:"state"`
	Reason string `json:"reason,omitempty"`
	// UptimeSeconds counts from the moment the stream first went live,
	// and goes on while the camera or a destination reconnects: it is the
	// broadcast's, not the camera session's. Zero until then, and once
	// the stream has stopped or failed.
	UptimeSeconds float64            `json:"uptime_s"`
	Input         InputStats         `json:"input"`
	Video         VideoStats         `json:"video"`
	Audio         AudioStats         `json:"audio"`
	Dropped       DropStats          `json:"dropped"`
	Destinations  []DestinationStats `json:"destinations"`
	// SlateSince is when destinations began to get the slate in place of
	// the camera's picture; zero while they get the camera.
	SlateSince time.Time `json:"slate_since,omitzero"`
	// Recording is what the stream's recording did; nil without one.
	Recording *record.Stats `json:"recording,omitempty"`
	// HLS is what the stream's local HLS holds; nil when it is off.
	HLS *record.HLSStats `json:"hls,omitempty"`
	// Warnings are conditions a person should fix (a long camera GOP).
	Warnings  []string `json:"warnings,omitempty"`
	LastError string   `json:"last_error,omitempty"`
}

// InputStats describes what the source delivers.
type InputStats struct {
	URL string `json:"url"` // redacted
	// State is the camera's: connecting, live, or retrying (lost, with
	// Reason saying why and when the next attempt is). Empty when the
	// stream is not running.
	State       State   `json:"state,omitempty"`
	Reason      string  `json:"reason,omitempty"`
	VideoCodec  string  `json:"video_codec,omitempty"`
	Width       int     `json:"width,omitempty"`
	Height      int     `json:"height,omitempty"`
	FPS         float64 `json:"fps"`
	BitrateKbps float64 `json:"bitrate_kbps"`
	// KeyframeIntervalSeconds is the last interval seen between keyframes.
	KeyframeIntervalSeconds float64 `json:"keyframe_interval_s"`
	AudioCodec              string  `json:"audio_codec,omitempty"`
	SampleRate              int     `json:"sample_rate,omitempty"`
	Channels                int     `json:"channels,omitempty"`
	Frames                  uint64  `json:"frames"`
	// Reconnects counts camera sessions lost and retried.
	Reconnects uint64 `json:"reconnects"`
}

// Lost reports whether the camera was lost and sends no pictures yet:
// waiting to retry, or reconnected and not yet sending.
func (in InputStats) Lost() bool {
	return in.State == StateRetrying || in.State == StateConnecting && in.Reconnects > 0
}

// VideoStats describes the video sent to destinations.
type VideoStats struct {
	Mode        VideoMode `json:"mode"`
	Width       int       `json:"width,omitempty"`
	Height      int       `json:"height,omitempty"`
	FPS         float64   `json:"fps"`
	BitrateKbps float64   `json:"bitrate_kbps"`
	// Speed is media time processed per second of encoder work: 1.0 means
	// just real time, above is headroom, below the encoder falls behind.
	// Zero in copy mode.
	Speed  float64 `json:"speed,omitempty"`
	Frames uint64  `json:"frames"`
}

// AudioStats describes the audio sent to destinations.
type AudioStats struct {
	Mode        AudioMode `json:"mode"`
	Codec       string    `json:"codec,omitempty"`
	BitrateKbps float64   `json:"bitrate_kbps"`
	// Muted: destinations get silence in place of the audio (SetMuted).
	Muted bool `json:"muted,omitempty"`
}

// DropStats counts frames dropped, by reason.
type DropStats struct {
	// InputOverflow: the pipeline could not keep up with the source.
	InputOverflow uint64 `json:"input_overflow"`
	// WaitingKeyframe: video skipped until the next keyframe after a gap.
	WaitingKeyframe uint64 `json:"waiting_keyframe"`
	// DecodeErrors: units the decoder rejected.
	DecodeErrors uint64 `json:"decode_errors"`
	// Destinations: tags dropped by slow destinations, all summed.
	Destinations uint64 `json:"destinations"`
}

// Total is every frame dropped, whatever the reason.
func (d DropStats) Total() uint64 {
	return d.InputOverflow + d.WaitingKeyframe + d.DecodeErrors + d.Destinations
}

// DestinationStats is one destination's state.
type DestinationStats struct {
	Name        string  `json:"name"`
	Server      string  `json:"server"` // scheme://host/app, no key
	State       State   `json:"state"`
	Reason      string  `json:"reason,omitempty"`
	BitrateKbps float64 `json:"bitrate_kbps"`
	FPS         float64 `json:"fps"`
	BytesSent   uint64  `json:"bytes_sent"`
	// Dropped counts frames lost while connected: DroppedSlow, and frames
	// skipped until the next keyframe after such a drop. Frames skipped
	// while a new connection waits for its first keyframe are not lost
	// (nothing had started on it) and not counted.
	Dropped uint64 `json:"dropped"`
	// DroppedSlow counts frames dropped because the destination did not
	// keep up (its queue was full).
	DroppedSlow uint64 `json:"dropped_slow"`
	// NotConnected counts frames that came while the destination had no
	// connection (connecting or waiting to retry): not sent, not dropped.
	NotConnected uint64 `json:"not_connected"`
	Reconnects   uint64 `json:"reconnects"`
	LastError    string `json:"last_error,omitempty"`
}

// rateWindow is how far back rates look.
const rateWindow = 3 * time.Second

// rate turns a monotonically growing counter into a per-second rate over
// the last rateWindow. It is sampled by the relay's stats ticker, so any
// number of Stats callers see the same figures.
type rate struct {
	mu      sync.Mutex
	samples []rateSample
	value   float64
}

type rateSample struct {
	at time.Time
	n  float64
}

// sample records the counter's current value and recomputes the rate.
func (r *rate) sample(now time.Time, n float64) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.samples = append(r.samples, rateSample{now, n})
	cut := 0
	for cut < len(r.samples)-2 && now.Sub(r.samples[cut+1].at) >= rateWindow {
		cut++
	}
	r.samples = r.samples[cut:]
	first := r.samples[0]
	if dt := now.Sub(first.at).Seconds(); dt > 0 {
		r.value = math.Max(0, (n-first.n)/dt)
	}
}

func (r *rate) get() float64 {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.value
}

// round2 keeps stats readable in JSON.
func round2(v float64) float64 { return math.Round(v*100) / 100 }

// Stats returns a snapshot of the stream. It is cheap (the UI may call it
// every second for every stream) and changes nothing.
func (r *Relay) Stats() Stats {
	src, out := r.source.Load(), r.output.Load()
	r.mu.Lock()
	started, closed, failed := r.started, r.closed, r.failed
	r.mu.Unlock()

	s := Stats{
		Name:     r.cfg.Name,
		Warnings: slices.Clone(out.warnings),
		Input:    InputStats{URL: media.RedactURL(r.cfg.Input), Reconnects: src.reconnects},
		Video:    VideoStats{Mode: out.videoMode, Width: out.outW, Height: out.outH},
		Audio:    AudioStats{Mode: out.audioMode, Codec: out.audioOut, Muted: r.muted.Load()},
	}
	if started && !closed && failed == nil {
		s.SlateSince = out.slateSince
	}
	if rec := r.rec.Load(); rec != nil {
		rs := rec.Stats()
		s.Recording = &rs
	}
	if hls := r.hls.Load(); hls != nil {
		hs := hls.Stats()
		s.HLS = &hs
	}
	// The pipeline's tracks count while they are the current session's.
	hasTracks := out.session != 0 && out.session == src.session && src.retryErr == nil
	if hasTracks {
		v := out.tracks.Video
		s.Input.VideoCodec, s.Input.Width, s.Input.Height = v.Codec.String(), v.Width, v.Height
		if a := out.tracks.Audio; a != nil {
			s.Input.AudioCodec, s.Input.SampleRate, s.Input.Channels = a.Codec.String(), a.SampleRate, a.Channels
		}
	}
	s.Input.KeyframeIntervalSeconds = round2(out.keyInt.Seconds())
	switch {
	case failed != nil:
		s.LastError = failed.Error()
	case src.lastErr != nil:
		s.LastError = src.lastErr.Error()
	}
	retryAt, retryErr := src.retryAt, src.retryErr

	c := &r.counters
	s.Input.Frames = c.inFrames.Load()
	s.Input.FPS = round2(r.rates.inFPS.get())
	s.Input.BitrateKbps = round2(r.rates.inBitrate.get() / 1000)
	s.Video.Frames = c.outFrames.Load()
	s.Video.FPS = round2(r.rates.outFPS.get())
	s.Video.BitrateKbps = round2(r.rates.outBitrate.get() / 1000)
	s.Audio.BitrateKbps = round2(r.rates.audioBitrate.get() / 1000)
	if busy := r.rates.speedBusy.get(); busy > 0 {
		s.Video.Speed = round2(r.rates.speedMedia.get() / busy)
	}
	s.Dropped = DropStats{
		InputOverflow:   c.inputOverflow.Load(),
		WaitingKeyframe: c.waitingKey.Load(),
		DecodeErrors:    c.decodeErrors.Load(),
	}

	anyLive, anyRetry, retryReason := false, false, ""
	dests := r.destinations()
	for _, d := range dests {
		ps := d.pub.Stats()
		ds := DestinationStats{
			Name:         d.name,
			Server:       d.server,
			State:        ps.State,
			Reason:       ps.Reason,
			BitrateKbps:  round2(d.rateBits.get() / 1000),
			FPS:          round2(d.rateFPS.get()),
			BytesSent:    ps.BytesSent,
			Dropped:      ps.DroppedQueueFull + ps.DroppedWaitingKey,
			DroppedSlow:  ps.DroppedQueueFull,
			NotConnected: ps.NotConnected,
			Reconnects:   ps.Reconnects,
			LastError:    ps.LastError,
		}
		s.Dropped.Destinations += ds.Dropped
		switch ds.State {
		case StateLive:
			anyLive = true
		case StateRetrying, StateRefused:
			if !anyRetry {
				anyRetry, retryReason = true, ds.Name+": "+ds.Reason
			}
		}
		s.Destinations = append(s.Destinations, ds)
	}

	switch {
	case !started || closed || failed != nil:
	case retryErr != nil:
		s.Input.State = StateRetrying
		if secs := math.Ceil(time.Until(retryAt).Seconds()); secs > 0 {
			s.Input.Reason = fmt.Sprintf("retrying in %.0fs: %v", secs, retryErr)
		} else {
			s.Input.Reason = fmt.Sprintf("reconnecting: %v", retryErr)
		}
	case !hasTracks || s.Input.Frames == 0:
		s.Input.State = StateConnecting
	default:
		s.Input.State = StateLive
	}

	switch {
	case failed != nil:
		s.State, s.Reason = StateFailed, failed.Error()
	case closed:
		s.State = StateStopped
	case !started:
		s.State = StateIdle
	case retryErr != nil:
		s.State, s.Reason = StateRetrying, s.Input.Reason
	case !hasTracks || s.Input.Frames == 0:
		s.State, s.Reason = StateConnecting, "waiting for the source"
	case len(dests) == 0 || anyLive:
		s.State = StateLive
	case anyRetry:
		s.State, s.Reason = StateRetrying, retryReason
	default:
		s.State, s.Reason = StateConnecting, "connecting to the destinations"
	}
	if since := r.liveSince.Load(); since != 0 && s.State != StateStopped && s.State != StateFailed {
		s.UptimeSeconds = round2(time.Since(time.Unix(0, since)).Seconds())
	}
	return s
}
