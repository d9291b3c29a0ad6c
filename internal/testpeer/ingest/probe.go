package ingest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// LiveWindow is how much of a live stream Probe reads.
const LiveWindow = 5 * time.Second

// Report is what ffprobe found in a file or stream: the first video and the
// first audio stream. Rates and intervals come from the packets' timestamps
// and sizes, not from what the container declares, so they describe what
// was actually sent.
type Report struct {
	VideoCodec    string  // ffprobe's codec name, "h264"; "" without video
	Width, Height int     // pixels
	FPS           float64 // video frames per second of decoding time
	VideoBitrate  int     // bits per second over the video packets' span
	// KeyframeIntervals are the decoding-time gaps between consecutive key
	// packets; empty with fewer than two keyframes.
	KeyframeIntervals []time.Duration
	VideoFrames       int           // video packets read
	Duration          time.Duration // from the first packet's start to the last one's end, both tracks
	AudioCodec        string        // "aac"; "" without audio
	AudioProfile      string        // "LC", "HE-AAC"...
	SampleRate        int           // Hz
	Channels          int
	AudioPackets      int
	FirstVideoIsKey   bool // the first video packet read is a keyframe
}

// MeanKeyframeInterval returns the mean of KeyframeIntervals, 0 when there
// are none.
func (r Report) MeanKeyframeInterval() time.Duration {
	if len(r.KeyframeIntervals) == 0 {
		return 0
	}
	var sum time.Duration
	for _, d := range r.KeyframeIntervals {
		sum += d
	}
	return sum / time.Duration(len(r.KeyframeIntervals))
}

// String summarises the report on one line, for test failure messages.
func (r Report) String() string {
	var b strings.Builder
	if r.VideoCodec != "" {
		fmt.Fprintf(&b, "video %s %dx%d %.2f fps %d kb/s, %d frames, keyframe every %v (first frame key: %v)",
			r.VideoCodec, r.Width, r.Height, r.FPS, r.VideoBitrate/1000, r.VideoFrames,
			r.MeanKeyframeInterval(), r.FirstVideoIsKey)
	} else {
		b.WriteString("no video")
	}
	if r.AudioCodec != "" {
		fmt.Fprintf(&b, "; audio %s %s %d Hz %d ch, %d packets", r.AudioCodec, r.AudioProfile,
			r.SampleRate, r.Channels, r.AudioPackets)
	} else {
		b.WriteString("; no audio")
	}
	fmt.Fprintf(&b, "; %v", r.Duration)
	return b.String()
}

// Probe runs ffprobe on a file or URL and reports its first video and audio
// streams. A network URL (rtmp://, rtmps://, rtsp://, http(s)://) is read
// for LiveWindow; a file is read whole. ctx bounds the run.
func Probe(ctx context.Context, pathOrURL string) (Report, error) {
	if isURL(pathOrURL) {
		return ProbeLive(ctx, pathOrURL, LiveWindow)
	}
	return probe(ctx, pathOrURL, pathOrURL, 0)
}

// ProbeLive reads window of a live stream and reports on it. The window is
// stream time from the first packet received; Nginx starts every player at
// a keyframe, so there FirstVideoIsKey is always true (check the recording
// to see how the publisher started), and an audio-only stream reads as
// nothing. It fails when nothing arrives for 5 s.
func ProbeLive(ctx context.Context, streamURL string, window time.Duration) (Report, error) {
	if window <= 0 {
		return Report{}, fmt.Errorf("probe %s: the read window must be positive", media.RedactURL(streamURL))
	}
	return probe(ctx, streamURL, media.RedactURL(streamURL), window)
}

// probe runs ffprobe; name is how errors call the input (keys redacted).
func probe(ctx context.Context, input, name string, window time.Duration) (Report, error) {
	args := []string{"-v", "error", "-show_streams", "-show_packets", "-of", "json"}
	if window > 0 {
		// rw_timeout (µs) ends the read of a stream that stalls or never
		// starts (nginx keeps a player of an unknown stream waiting).
		args = append(args, "-rw_timeout", "5000000",
			"-read_intervals", "%+"+strconv.FormatFloat(window.Seconds(), 'f', 3, 64))
	}
	args = append(args, input)
	cmd := exec.CommandContext(ctx, "ffprobe", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if errors.Is(err, exec.ErrNotFound) {
		return Report{}, errors.New("ffprobe is not installed: run `make deps` (apt package ffmpeg)")
	}
	if err != nil {
		if ctx.Err() != nil {
			return Report{}, fmt.Errorf("probe %s: %v", name, context.Cause(ctx))
		}
		msg := strings.TrimSpace(strings.ReplaceAll(stderr.String(), input, name))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return Report{}, fmt.Errorf("probe %s: %s", name, msg)
	}
	r, err := parseReport(stdout.Bytes())
	if err != nil {
		return Report{}, fmt.Errorf("probe %s: %w", name, err)
	}
	return r, nil
}

func isURL(s string) bool {
	u, err := url.Parse(s)
	if err != nil {
		return false
	}
	switch u.Scheme {
	case "rtmp", "rtmps", "rtsp", "rtsps", "http", "https", "srt", "udp", "tcp":
		return true
	}
	return false
}

// ffprobeOutput is the part of `ffprobe -show_streams -show_packets -of
// json` that Report needs. ffprobe leaves out fields it has no value for,
// hence the pointers; it prints some numbers as strings.
type ffprobeOutput struct {
	Streams []struct {
		Index      int    `json:"index"`
		CodecType  string `json:"codec_type"`
		CodecName  string `json:"codec_name"`
		Profile    string `json:"profile"`
		Width      int    `json:"width"`
		Height     int    `json:"height"`
		SampleRate string `json:"sample_rate"`
		Channels   int    `json:"channels"`
		TimeBase   string `json:"time_base"`
	} `json:"streams"`
	Packets []struct {
		StreamIndex int    `json:"stream_index"`
		PTS         *int64 `json:"pts"`
		DTS         *int64 `json:"dts"`
		Duration    *int64 `json:"duration"`
		Size        string `json:"size"`
		Flags       string `json:"flags"`
	} `json:"packets"`
}

// parseReport builds a Report from ffprobe's JSON.
func parseReport(data []byte) (Report, error) {
	var out ffprobeOutput
	if err := json.Unmarshal(data, &out); err != nil {
		return Report{}, fmt.Errorf("reading ffprobe's output: %v", err)
	}
	var r Report
	videoIdx, audioIdx := -1, -1
	timeBase := map[int]*big.Rat{}
	for _, s := range out.Streams {
		tb, ok := new(big.Rat).SetString(s.TimeBase)
		if !ok || tb.Sign() <= 0 {
			tb = big.NewRat(1, 1000) // FLV's, should ffprobe leave it out
		}
		timeBase[s.Index] = tb
		switch {
		case s.CodecType == "video" && videoIdx < 0:
			videoIdx = s.Index
			r.VideoCodec, r.Width, r.Height = s.CodecName, s.Width, s.Height
		case s.CodecType == "audio" && audioIdx < 0:
			audioIdx = s.Index
			r.AudioCodec, r.AudioProfile, r.Channels = s.CodecName, s.Profile, s.Channels
			r.SampleRate, _ = strconv.Atoi(s.SampleRate)
		}
	}
	if videoIdx < 0 && audioIdx < 0 {
		return Report{}, errors.New("no audio or video stream found")
	}

	var (
		haveSpan             bool
		start, end           time.Duration // over both tracks
		firstDTS, lastDTS    time.Duration // video
		videoBytes           int64
		lastKey              time.Duration
		haveKey, firstPacket = false, true
	)
	for _, p := range out.Packets {
		if p.StreamIndex != videoIdx && p.StreamIndex != audioIdx {
			continue
		}
		tb := timeBase[p.StreamIndex]
		ts := p.DTS
		if ts == nil {
			ts = p.PTS
		}
		if ts == nil {
			continue // nothing to place it in time
		}
		at := toDuration(*ts, tb)
		var dur time.Duration
		if p.Duration != nil {
			dur = toDuration(*p.Duration, tb)
		}
		if !haveSpan || at < start {
			start = at
		}
		if !haveSpan || at+dur > end {
			end = at + dur
		}
		haveSpan = true

		if p.StreamIndex == audioIdx {
			r.AudioPackets++
			continue
		}
		key := strings.HasPrefix(p.Flags, "K")
		if firstPacket {
			r.FirstVideoIsKey = key
			firstDTS, lastDTS = at, at
			firstPacket = false
		}
		firstDTS, lastDTS = min(firstDTS, at), max(lastDTS, at)
		r.VideoFrames++
		size, _ := strconv.ParseInt(p.Size, 10, 64)
		videoBytes += size
		if key {
			if haveKey {
				r.KeyframeIntervals = append(r.KeyframeIntervals, at-lastKey)
			}
			lastKey, haveKey = at, true
		}
	}
	r.Duration = end - start
	if span := lastDTS - firstDTS; r.VideoFrames >= 2 && span > 0 {
		frames := float64(r.VideoFrames - 1)
		r.FPS = frames / span.Seconds()
		// N frames cover N frame intervals, not the N-1 between the first
		// and the last timestamp.
		covered := span.Seconds() * float64(r.VideoFrames) / frames
		r.VideoBitrate = int(float64(videoBytes*8) / covered)
	}
	return r, nil
}

// toDuration converts ts in units of tb seconds.
func toDuration(ts int64, tb *big.Rat) time.Duration {
	ns := new(big.Rat).Mul(new(big.Rat).SetInt64(ts), tb)
	ns.Mul(ns, big.NewRat(int64(time.Second), 1))
	f, _ := ns.Float64()
	return time.Duration(f)
}
