package fakecam

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/relaystudio/relaystudio/media"
)

// ErrNoFFmpeg is returned by EncodeClip when the ffmpeg or ffprobe command
// is not installed; tests may skip on it.
var ErrNoFFmpeg = errors.New("fakecam: ffmpeg and ffprobe are needed to encode a clip")

// ClipConfig describes a clip for EncodeClip. Zero values take the
// documented defaults.
type ClipConfig struct {
	// Video is CodecH264 (default) or CodecH265.
	Video media.Codec
	// Width and Height default to 320x240.
	Width, Height int
	// FPS defaults to 25.
	FPS int
	// GOP is the keyframe interval in frames; it defaults to FPS (1 s).
	GOP int
	// BFrames is the number of consecutive B-frames (default 0).
	BFrames int
	// Duration defaults to 2 s.
	Duration time.Duration
	// Audio is CodecUnknown (no audio, the default), CodecAAC (a 440 Hz
	// tone encoded by ffmpeg), or CodecOpus, CodecPCMU, CodecPCMA (silent
	// 20 ms frames, built without an encoder).
	Audio media.Codec
	// SampleRate defaults to 48000 (AAC, Opus) or 8000 (G.711).
	SampleRate int
	// Channels defaults to 1.
	Channels int
	// StripParams removes the in-band parameter sets from the keyframes, like
	// cameras that announce them only in the SDP.
	StripParams bool

	// The encoder's settings, to shape a clip like what a real camera sends
	// (see Shapes). Preset defaults to ultrafast.
	Preset string
	// Profile is the H.264 profile (baseline, main, high); empty leaves it
	// to the preset (ultrafast gives Constrained Baseline).
	Profile string
	// ZeroLatency is x264's (or x265's) zerolatency tune, as cameras encode:
	// no lookahead, sliced threads.
	ZeroLatency bool
	// Slices per picture (H.264); 0 leaves it to the encoder (one).
	Slices int
	// Bitrate in bits per second, held constant (VBV over one second);
	// 0 leaves the rate to the encoder's default quality.
	Bitrate int
	// Noise adds temporal noise of this strength (0–100) to the picture, so
	// that the bits go where a real sensor's would: the test pattern alone
	// compresses far better than any camera's picture.
	Noise int
}

// Shape is a named clip configuration shaped like what a kind of camera
// sends, for benchmarks.
type Shape struct {
	Name string
	Clip ClipConfig
}

// Shapes returns 1080p30 clips of the length given, with AAC, shaped like
// what cameras send: the project's plain clip (x264 ultrafast, one slice,
// easy to decode) and the shapes IP cameras send in practice — zero latency
// High profile with several slices per picture (what hardware encoders do
// to cut latency), High profile with B-frames, High profile at 6 Mb/s of a
// noisy picture, and H.265.
func Shapes(d time.Duration) []Shape {
	base := ClipConfig{Width: 1920, Height: 1080, FPS: 30, GOP: 60, Duration: d,
		Audio: media.CodecAAC, SampleRate: 48000, Channels: 2}
	with := func(f func(*ClipConfig)) ClipConfig {
		c := base
		f(&c)
		return c
	}
	return []Shape{
		{"plain (ultrafast, 1 slice)", base},
		{"zerolatency High, 4 slices, 3 Mb/s", with(func(c *ClipConfig) {
			c.Preset, c.Profile, c.ZeroLatency, c.Slices, c.Bitrate, c.Noise = "veryfast", "high", true, 4, 3_000_000, 4
		})},
		{"High with B-frames, 4 Mb/s", with(func(c *ClipConfig) {
			c.Preset, c.Profile, c.BFrames, c.Bitrate, c.Noise = "veryfast", "high", 2, 4_000_000, 4
		})},
		{"High 6 Mb/s, noisy", with(func(c *ClipConfig) {
			c.Preset, c.Profile, c.Bitrate, c.Noise = "veryfast", "high", 6_000_000, 12
		})},
		{"H.265 Main, 3 Mb/s", with(func(c *ClipConfig) {
			c.Video, c.Bitrate, c.Noise = media.CodecH265, 3_000_000, 4
		})},
	}
}

// Clip is a coded clip ready for a Camera.
type Clip struct {
	Tracks media.Tracks
	Video  []media.VideoUnit
	Audio  []media.AudioUnit
}

// Apply sets the camera's Tracks, Video and Audio from the clip.
func (cl Clip) Apply(c *Camera) {
	c.Tracks, c.Video, c.Audio = cl.Tracks, cl.Video, cl.Audio
}

func (cfg *ClipConfig) defaults() {
	if cfg.Video == media.CodecUnknown {
		cfg.Video = media.CodecH264
	}
	if cfg.Width == 0 || cfg.Height == 0 {
		cfg.Width, cfg.Height = 320, 240
	}
	if cfg.FPS <= 0 {
		cfg.FPS = 25
	}
	if cfg.GOP <= 0 {
		cfg.GOP = cfg.FPS
	}
	if cfg.Duration <= 0 {
		cfg.Duration = 2 * time.Second
	}
	if cfg.SampleRate <= 0 {
		cfg.SampleRate = 48000
		if cfg.Audio == media.CodecPCMU || cfg.Audio == media.CodecPCMA {
			cfg.SampleRate = 8000
		}
	}
	if cfg.Channels <= 0 {
		cfg.Channels = 1
	}
	if cfg.Preset == "" {
		cfg.Preset = "ultrafast"
	}
}

// EncodeClip encodes a test-pattern clip with the ffmpeg CLI (libx264 or
// libx265 with access unit delimiters, MPEG-TS for the timestamps) and
// splits it into units. It takes a fraction of a second for the defaults.
func EncodeClip(ctx context.Context, cfg ClipConfig) (Clip, error) {
	cfg.defaults()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		return Clip{}, ErrNoFFmpeg
	}
	if _, err := exec.LookPath("ffprobe"); err != nil {
		return Clip{}, ErrNoFFmpeg
	}
	dir, err := os.MkdirTemp("", "fakecam-clip-")
	if err != nil {
		return Clip{}, err
	}
	defer os.RemoveAll(dir)

	var (
		ts  = filepath.Join(dir, "v.ts")
		raw = filepath.Join(dir, "v.raw")
		aac = filepath.Join(dir, "a.aac")
		dur = strconv.FormatFloat(cfg.Duration.Seconds(), 'f', 3, 64)
	)
	args := []string{"-hide_banner", "-loglevel", "error", "-y",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d:duration=%s", cfg.Width, cfg.Height, cfg.FPS, dur)}
	if cfg.Audio == media.CodecAAC {
		args = append(args, "-f", "lavfi", "-i", fmt.Sprintf("sine=frequency=440:sample_rate=%d:duration=%s", cfg.SampleRate, dur))
	}
	args = append(args, "-map", "0:v")
	if cfg.Noise > 0 {
		args = append(args, "-vf", fmt.Sprintf("noise=alls=%d:allf=t", cfg.Noise))
	}
	args = append(args, "-pix_fmt", "yuv420p")
	if cfg.Bitrate > 0 {
		br := strconv.Itoa(cfg.Bitrate)
		args = append(args, "-b:v", br, "-maxrate", br, "-bufsize", br)
	}
	rawFormat := "h264"
	switch cfg.Video {
	case media.CodecH264:
		params := "aud=1"
		if cfg.Slices > 0 {
			// With sliced threads (zerolatency) x264 cuts one slice per
			// thread whatever slices says.
			params += fmt.Sprintf(":slices=%d:threads=%d", cfg.Slices, cfg.Slices)
		}
		args = append(args, "-c:v", "libx264", "-preset", cfg.Preset, "-g", strconv.Itoa(cfg.GOP),
			"-keyint_min", strconv.Itoa(cfg.GOP), "-sc_threshold", "0", "-bf", strconv.Itoa(cfg.BFrames))
		if cfg.Profile != "" {
			args = append(args, "-profile:v", cfg.Profile)
		}
		if cfg.ZeroLatency {
			args = append(args, "-tune", "zerolatency")
		}
		args = append(args, "-x264-params", params)
	case media.CodecH265:
		rawFormat = "hevc"
		args = append(args, "-c:v", "libx265", "-preset", cfg.Preset)
		if cfg.ZeroLatency {
			args = append(args, "-tune", "zerolatency")
		}
		args = append(args, "-x265-params",
			fmt.Sprintf("keyint=%d:min-keyint=%d:scenecut=0:bframes=%d:aud=1:repeat-headers=1:log-level=error",
				cfg.GOP, cfg.GOP, cfg.BFrames))
	default:
		return Clip{}, fmt.Errorf("fakecam: video codec %s not supported", cfg.Video)
	}
	args = append(args, "-f", "mpegts", ts)
	if cfg.Audio == media.CodecAAC {
		args = append(args, "-map", "1:a", "-c:a", "aac", "-ac", strconv.Itoa(cfg.Channels), "-b:a", "64k", "-f", "adts", aac)
	}
	if err := run(ctx, "ffmpeg", args...); err != nil {
		return Clip{}, err
	}
	if err := run(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error", "-y", "-i", ts, "-c", "copy", "-f", rawFormat, raw); err != nil {
		return Clip{}, err
	}
	times, err := probePackets(ctx, ts)
	if err != nil {
		return Clip{}, err
	}
	data, err := os.ReadFile(raw)
	if err != nil {
		return Clip{}, err
	}
	var clip Clip
	if clip.Video, clip.Tracks.Video, err = splitVideo(cfg, data, times); err != nil {
		return Clip{}, err
	}

	switch cfg.Audio {
	case media.CodecUnknown:
	case media.CodecAAC:
		b, err := os.ReadFile(aac)
		if err != nil {
			return Clip{}, err
		}
		clip.Tracks.Audio, clip.Audio, err = aacUnits(b)
		if err != nil {
			return Clip{}, err
		}
	case media.CodecOpus, media.CodecPCMU, media.CodecPCMA:
		clip.Tracks.Audio, clip.Audio = silentUnits(cfg)
	default:
		return Clip{}, fmt.Errorf("fakecam: audio codec %s not supported", cfg.Audio)
	}
	return clip, nil
}

func run(ctx context.Context, name string, args ...string) error {
	cmd := exec.CommandContext(ctx, name, args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("fakecam: %s: %w: %s", name, err, bytes.TrimSpace(stderr.Bytes()))
	}
	return nil
}

type packetTime struct {
	pts, dts time.Duration
	key      bool
}

// probePackets lists the video packets of a MPEG-TS file in decoding order.
func probePackets(ctx context.Context, path string) ([]packetTime, error) {
	cmd := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-select_streams", "v:0",
		"-show_entries", "packet=pts,dts,flags", "-of", "json", path)
	out, err := cmd.Output()
	if err != nil {
		return nil, fmt.Errorf("fakecam: ffprobe: %w", err)
	}
	var res struct {
		Packets []struct {
			PTS   *int64 `json:"pts"`
			DTS   *int64 `json:"dts"`
			Flags string `json:"flags"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		return nil, fmt.Errorf("fakecam: ffprobe output: %w", err)
	}
	if len(res.Packets) == 0 {
		return nil, errors.New("fakecam: ffprobe found no video packets")
	}
	// MPEG-TS timestamps are 90 kHz; rebase on the first DTS.
	var zero int64
	times := make([]packetTime, len(res.Packets))
	for i, p := range res.Packets {
		if p.PTS == nil {
			return nil, errors.New("fakecam: ffprobe: packet without PTS")
		}
		dts := *p.PTS
		if p.DTS != nil {
			dts = *p.DTS
		}
		if i == 0 {
			zero = dts
		}
		times[i] = packetTime{
			pts: time.Duration(*p.PTS-zero) * time.Second / 90000,
			dts: time.Duration(dts-zero) * time.Second / 90000,
			key: len(p.Flags) > 0 && p.Flags[0] == 'K',
		}
	}
	return times, nil
}

// splitVideo cuts an Annex-B stream into access units at the delimiters and
// pairs them with the probed timestamps.
func splitVideo(cfg ClipConfig, data []byte, times []packetTime) ([]media.VideoUnit, *media.VideoTrack, error) {
	isAUD := func(n []byte) bool { return n[0]&0x1f == 9 }
	kind := func(n []byte) int { return int(n[0] & 0x1f) }
	const vps, sps, pps = -1, 7, 8
	if cfg.Video == media.CodecH265 {
		isAUD = func(n []byte) bool { return (n[0]>>1)&0x3f == 35 }
		kind = func(n []byte) int {
			switch t := int((n[0] >> 1) & 0x3f); t {
			case 32:
				return vps
			case 33:
				return sps
			case 34:
				return pps
			default:
				return 100 + t
			}
		}
	}

	var aus [][][]byte
	for _, n := range splitAnnexB(data) {
		if len(n) == 0 {
			continue
		}
		if isAUD(n) {
			aus = append(aus, nil)
			continue
		}
		if len(aus) == 0 {
			aus = append(aus, nil)
		}
		aus[len(aus)-1] = append(aus[len(aus)-1], n)
	}
	if len(aus) != len(times) {
		return nil, nil, fmt.Errorf("fakecam: %d access units but %d packets", len(aus), len(times))
	}

	track := &media.VideoTrack{Codec: cfg.Video, FPS: float64(cfg.FPS)}
	units := make([]media.VideoUnit, 0, len(aus))
	for i, au := range aus {
		u := media.VideoUnit{PTS: times[i].pts, DTS: times[i].dts, Key: times[i].key}
		for _, n := range au {
			switch kind(n) {
			case vps:
				if track.VPS == nil {
					track.VPS = n
				}
			case sps:
				if track.SPS == nil {
					track.SPS = n
				}
			case pps:
				if track.PPS == nil {
					track.PPS = n
				}
			}
			if cfg.StripParams {
				if k := kind(n); k == vps || k == sps || k == pps {
					continue
				}
			}
			u.NALUs = append(u.NALUs, n)
		}
		units = append(units, u)
	}
	if track.SPS == nil || track.PPS == nil {
		return nil, nil, errors.New("fakecam: the encoded clip has no parameter sets")
	}
	var err error
	if cfg.Video == media.CodecH265 {
		var s h265.SPS
		err = s.Unmarshal(track.SPS)
		track.Width, track.Height = s.Width(), s.Height()
	} else {
		var s h264.SPS
		err = s.Unmarshal(track.SPS)
		track.Width, track.Height = s.Width(), s.Height()
	}
	if err != nil {
		return nil, nil, fmt.Errorf("fakecam: SPS: %w", err)
	}
	return units, track, nil
}

// splitAnnexB returns the NALUs of an Annex-B byte stream (3- or 4-byte
// start codes), without the start codes.
func splitAnnexB(b []byte) [][]byte {
	var out [][]byte
	start := -1
	for i := 0; i+2 < len(b); {
		if b[i] == 0 && b[i+1] == 0 && b[i+2] == 1 {
			if start >= 0 {
				out = append(out, trimZeros(b[start:i]))
			}
			i += 3
			start = i
			continue
		}
		i++
	}
	if start >= 0 && start < len(b) {
		out = append(out, b[start:])
	}
	return out
}

// trimZeros drops the trailing zero of a 4-byte start code (and any
// trailing_zero_8bits) from the end of a NALU.
func trimZeros(n []byte) []byte {
	for len(n) > 0 && n[len(n)-1] == 0 {
		n = n[:len(n)-1]
	}
	return n
}

// aacUnits parses an ADTS file into AUs at 1024 samples each.
func aacUnits(b []byte) (*media.AudioTrack, []media.AudioUnit, error) {
	var pkts mpeg4audio.ADTSPackets
	if err := pkts.Unmarshal(b); err != nil {
		return nil, nil, fmt.Errorf("fakecam: ADTS: %w", err)
	}
	if len(pkts) == 0 {
		return nil, nil, errors.New("fakecam: no AAC frames")
	}
	asc := mpeg4audio.AudioSpecificConfig{Type: pkts[0].Type, SampleRate: pkts[0].SampleRate, ChannelCount: pkts[0].ChannelCount}
	cfg, err := asc.Marshal()
	if err != nil {
		return nil, nil, fmt.Errorf("fakecam: AAC config: %w", err)
	}
	track := &media.AudioTrack{Codec: media.CodecAAC, SampleRate: asc.SampleRate, Channels: asc.ChannelCount, Config: cfg}
	units := make([]media.AudioUnit, len(pkts))
	for i, p := range pkts {
		units[i] = media.AudioUnit{
			PTS:  time.Duration(int64(i)*mpeg4audio.SamplesPerAccessUnit) * time.Second / time.Duration(asc.SampleRate),
			Data: p.AU,
		}
	}
	return track, units, nil
}

// silentUnits builds 20 ms frames of silence: Opus "silence" packets (a
// CELT-only TOC and the two-byte frame WebRTC uses) or G.711 silence.
func silentUnits(cfg ClipConfig) (*media.AudioTrack, []media.AudioUnit) {
	const frame = 20 * time.Millisecond
	track := &media.AudioTrack{Codec: cfg.Audio, SampleRate: cfg.SampleRate, Channels: cfg.Channels}
	var data []byte
	switch cfg.Audio {
	case media.CodecOpus:
		track.SampleRate = 48000
		data = []byte{0xf8, 0xff, 0xfe}
		if cfg.Channels > 1 {
			data[0] |= 0x04 // stereo flag of the TOC byte
		}
	case media.CodecPCMU:
		data = bytes.Repeat([]byte{0xff}, cfg.SampleRate/50*cfg.Channels)
	case media.CodecPCMA:
		data = bytes.Repeat([]byte{0xd5}, cfg.SampleRate/50*cfg.Channels)
	}
	n := int(cfg.Duration / frame)
	units := make([]media.AudioUnit, n)
	for i := range units {
		units[i] = media.AudioUnit{PTS: time.Duration(i) * frame, Data: bytes.Clone(data)}
	}
	return track, units
}
