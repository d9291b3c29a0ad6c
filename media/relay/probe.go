package relay

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/rtsp"
	"github.com/relaystudio/relaystudio/media/testsrc"
)

// ProbeConfig says which source to describe and for how long to watch it.
type ProbeConfig struct {
	Input         string
	RTSPTransport string
	// Duration bounds the probe. It defaults to 10 s. The probe returns
	// earlier once it has seen two keyframes and a second of video.
	Duration time.Duration
	Logger   *slog.Logger
}

// Info describes a source.
type Info struct {
	Input string     `json:"input"` // redacted
	Video VideoInfo  `json:"video"`
	Audio *AudioInfo `json:"audio,omitempty"`
}

// VideoInfo is what a probe saw of a source's video.
type VideoInfo struct {
	Codec   string  `json:"codec"`
	Profile string  `json:"profile,omitempty"` // H.264's: baseline, main, high …
	Width   int     `json:"width"`
	Height  int     `json:"height"`
	FPS     float64 `json:"fps"`
	// KeyframeIntervalSeconds is 0 when fewer than two keyframes arrived;
	// KeyframeIntervalAtLeast then says how long the probe waited.
	KeyframeIntervalSeconds float64 `json:"keyframe_interval_s"`
	KeyframeIntervalAtLeast float64 `json:"keyframe_interval_at_least_s,omitempty"`
	BitrateKbps             float64 `json:"bitrate_kbps"`
}

// AudioInfo is what a probe saw of a source's audio.
type AudioInfo struct {
	Codec      string `json:"codec"`
	SampleRate int    `json:"sample_rate"`
	Channels   int    `json:"channels"`
}

// String formats the description for people.
func (i Info) String() string {
	var b strings.Builder
	v := i.Video
	fmt.Fprintf(&b, "source:   %s\n", i.Input)
	fmt.Fprintf(&b, "video:    %s %dx%d, %s fps, %.0f kb/s\n", v.Codec, v.Width, v.Height, trimFloat(v.FPS), v.BitrateKbps)
	switch {
	case v.KeyframeIntervalSeconds > 0:
		fmt.Fprintf(&b, "keyframes: every %.2f s", v.KeyframeIntervalSeconds)
		if v.KeyframeIntervalSeconds > 4 {
			b.WriteString(" (platforms want 4 s or less: transcode the video to H.264 to fix it)")
		}
		b.WriteString("\n")
	default:
		fmt.Fprintf(&b, "keyframes: fewer than two in %.0f s\n", v.KeyframeIntervalAtLeast)
	}
	if a := i.Audio; a != nil {
		fmt.Fprintf(&b, "audio:    %s %d Hz, %s\n", a.Codec, a.SampleRate, channelsName(a.Channels))
	} else {
		b.WriteString("audio:    none\n")
	}
	return b.String()
}

func trimFloat(f float64) string {
	return strings.TrimRight(strings.TrimRight(fmt.Sprintf("%.2f", f), "0"), ".")
}

func channelsName(n int) string {
	switch n {
	case 1:
		return "mono"
	case 2:
		return "stereo"
	default:
		return fmt.Sprintf("%d channels", n)
	}
}

// Probe connects to a source and describes it: codecs, size, frame rate,
// keyframe interval and bitrate. Cameras are measured; the test pattern is
// described by what it generates.
func Probe(ctx context.Context, c ProbeConfig) (Info, error) {
	if err := ValidateInput(c.Input); err != nil {
		return Info{}, err
	}
	if c.RTSPTransport == "" {
		c.RTSPTransport = "auto"
	}
	if c.Input == TestPattern {
		t := (&testsrc.Source{}).Describe()
		return describe(c.Input, t.Tracks, t.FPS, t.KeyframeInterval, t.VideoBitrate), nil
	}
	info, err := rtsp.Probe(ctx, rtsp.Source{URL: c.Input, Transport: c.RTSPTransport, Logger: c.Logger}, c.Duration)
	if err != nil {
		return Info{}, err
	}
	out := describe(c.Input, info.Tracks, info.FPS, info.KeyframeInterval, info.VideoBitrate)
	if info.KeyframeInterval == 0 {
		d := c.Duration
		if d <= 0 {
			d = rtsp.DefaultProbeDuration
		}
		out.Video.KeyframeIntervalAtLeast = round2(d.Seconds())
	}
	return out, nil
}

func describe(input string, t media.Tracks, fps float64, keyInt time.Duration, bitrate int) Info {
	v := t.Video
	info := Info{
		Input: media.RedactURL(input),
		Video: VideoInfo{
			Codec: v.Codec.String(), Profile: v.H264Profile(), Width: v.Width, Height: v.Height,
			FPS:                     round2(fps),
			KeyframeIntervalSeconds: round2(keyInt.Seconds()),
			BitrateKbps:             math.Round(float64(bitrate) / 1000),
		},
	}
	if a := t.Audio; a != nil {
		info.Audio = &AudioInfo{Codec: a.Codec.String(), SampleRate: a.SampleRate, Channels: a.Channels}
	}
	return info
}
