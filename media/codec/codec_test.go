package codec

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"image"
	"image/png"
	"log/slog"
	"math"
	"math/rand"
	"os"
	"runtime"
	"runtime/debug"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"

	"github.com/relaystudio/relaystudio/media"
)

// checkFFmpegFreed fails when a test leaves FFmpeg objects allocated (the
// codec's own count, Live). It is not a goroutine check: FFmpeg's threads
// are C threads; TestMain's goleak.VerifyTestMain covers goroutines.
func checkFFmpegFreed(t *testing.T) {
	t.Helper()
	before := Live()
	t.Cleanup(func() {
		if n := Live(); n != before {
			t.Errorf("%d FFmpeg objects were not freed", n-before)
		}
	})
}

// encodePattern encodes n frames of the w x h pattern with cfg.
func encodePattern(t *testing.T, w, h, fps, n int, cfg VideoEncoderConfig) ([]media.VideoUnit, *VideoEncoder) {
	t.Helper()
	p, err := NewPattern(w, h, fps)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	enc, err := NewVideoEncoder(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(enc.Close)
	var out []media.VideoUnit
	collect := func(u media.VideoUnit) { out = append(out, u) }
	for i := 0; i < n; i++ {
		if err := p.Next(func(f *Frame) {
			if err := enc.Encode(f, collect); err != nil {
				t.Fatal(err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if err := enc.Flush(collect); err != nil {
		t.Fatal(err)
	}
	return out, enc
}

func unitBytes(u media.VideoUnit) int {
	n := 0
	for _, x := range u.NALUs {
		n += len(x)
	}
	return n
}

func TestEncoderKeyframesBitrateParams(t *testing.T) {
	checkFFmpegFreed(t)
	const fps, seconds = 30, 6
	units, enc := encodePattern(t, 1280, 720, fps, fps*seconds, VideoEncoderConfig{
		Width: 1280, Height: 720, FPS: fps, Bitrate: 2_500_000, Preset: "veryfast", KeyframeInterval: 2 * time.Second,
	})
	if len(units) != fps*seconds {
		t.Fatalf("got %d units for %d frames", len(units), fps*seconds)
	}
	total := 0
	for i, u := range units {
		if want := i%60 == 0; u.Key != want {
			t.Errorf("unit %d: key = %v, want %v", i, u.Key, want)
		}
		if want := time.Duration(i) * time.Second / fps; absDur(u.PTS-want) > time.Millisecond || u.DTS != u.PTS {
			t.Errorf("unit %d: pts %v dts %v, want %v", i, u.PTS, u.DTS, want)
		}
		for _, n := range u.NALUs {
			if bytes.HasPrefix(n, []byte{0, 0, 1}) || bytes.HasPrefix(n, []byte{0, 0, 0, 1}) {
				t.Fatalf("unit %d carries a start code", i)
			}
		}
		if u.Key && (len(u.NALUs) < 3 || !bytes.Equal(u.NALUs[0], enc.SPS()) || !bytes.Equal(u.NALUs[1], enc.PPS())) {
			t.Errorf("keyframe %d does not start with the SPS and PPS", i)
		}
		total += unitBytes(u)
	}
	rate := float64(total*8) / seconds
	if rate < 2_500_000*0.85 || rate > 2_500_000*1.15 {
		t.Errorf("bitrate %.0f kb/s, want 2500 ±15%%", rate/1000)
	}
	var sps h264.SPS
	if err := sps.Unmarshal(enc.SPS()); err != nil {
		t.Fatal(err)
	}
	if sps.Width() != 1280 || sps.Height() != 720 || sps.ProfileIdc != 77 {
		t.Errorf("SPS: %dx%d profile %d, want 1280x720 Main (77)", sps.Width(), sps.Height(), sps.ProfileIdc)
	}
	if len(enc.PPS()) == 0 {
		t.Error("no PPS")
	}
}

func absDur(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

func TestDecodeRoundTrip(t *testing.T) {
	checkFFmpegFreed(t)
	// 30 fps: PTS are not whole microseconds, and must still come back
	// exactly.
	units, enc := encodePattern(t, 320, 240, 30, 60, VideoEncoderConfig{Width: 320, Height: 240, FPS: 30, Bitrate: 400_000})
	dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264, SPS: enc.SPS(), PPS: enc.PPS()})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var pts []time.Duration
	for _, u := range units {
		if err := dec.Decode(u, func(f *Frame) {
			if f.Width() != 320 || f.Height() != 240 {
				t.Fatalf("decoded %dx%d", f.Width(), f.Height())
			}
			pts = append(pts, f.PTS())
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(pts) != len(units) {
		t.Fatalf("decoded %d frames from %d units", len(pts), len(units))
	}
	for i, p := range pts {
		if p != units[i].PTS {
			t.Fatalf("frame %d pts %v, want %v", i, p, units[i].PTS)
		}
	}
}

func TestDecoderSurvivesGarbage(t *testing.T) {
	checkFFmpegFreed(t)
	units, enc := encodePattern(t, 320, 240, 25, 30, VideoEncoderConfig{Width: 320, Height: 240, FPS: 25, Bitrate: 400_000})
	dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264, SPS: enc.SPS(), PPS: enc.PPS()})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	rng := rand.New(rand.NewSource(1))
	for i := 0; i < 50; i++ {
		junk := make([]byte, 1+rng.Intn(3000))
		rng.Read(junk)
		_ = dec.Decode(media.VideoUnit{NALUs: [][]byte{junk}}, func(*Frame) {})
	}
	if err := dec.Decode(media.VideoUnit{}, func(*Frame) {}); err == nil {
		t.Error("an empty unit was accepted")
	}
	got := 0
	for _, u := range units {
		_ = dec.Decode(u, func(*Frame) { got++ })
	}
	if got < len(units)/2 {
		t.Errorf("after garbage the decoder produced %d of %d frames", got, len(units))
	}
}

// frameRateConversion feeds frames at inFPS for 2 s into an outFPS encoder.
func frameRateConversion(t *testing.T, inFPS, outFPS int) int {
	t.Helper()
	units, _ := encodePattern(t, 160, 120, inFPS, 2*inFPS, VideoEncoderConfig{Width: 160, Height: 120, FPS: float64(outFPS), Bitrate: 200_000})
	for i := 1; i < len(units); i++ {
		if d := units[i].PTS - units[i-1].PTS; absDur(d-time.Second/time.Duration(outFPS)) > time.Millisecond {
			t.Fatalf("unit %d is %v after the previous one, want 1/%d s", i, d, outFPS)
		}
	}
	return len(units)
}

func TestFrameRateConversion(t *testing.T) {
	checkFFmpegFreed(t)
	if n := frameRateConversion(t, 25, 30); n < 59 || n > 61 {
		t.Errorf("25 → 30 fps over 2 s gave %d frames, want 60", n)
	}
	if n := frameRateConversion(t, 60, 30); n < 59 || n > 61 {
		t.Errorf("60 → 30 fps over 2 s gave %d frames, want 60", n)
	}
}

func TestEncoderRefusesBadConfig(t *testing.T) {
	checkFFmpegFreed(t)
	_, err := NewVideoEncoder(VideoEncoderConfig{Width: 1280, Height: 721, FPS: 30, Bitrate: 1e6})
	if err == nil || !strings.Contains(err.Error(), "1280x721") || !strings.Contains(err.Error(), "even") {
		t.Errorf("odd height: error %v, want one naming the size and asking for even sides", err)
	}
	for _, c := range []VideoEncoderConfig{
		{Width: 1281, Height: 720, FPS: 30, Bitrate: 1e6},
		{Width: 1280, Height: 720, FPS: 0, Bitrate: 1e6},
		{Width: 1280, Height: 720, FPS: 30, Bitrate: 1e6, Preset: "placebo"},
		{Width: 1280, Height: 720, FPS: 30},
	} {
		if e, err := NewVideoEncoder(c); err == nil {
			e.Close()
			t.Errorf("%+v accepted", c)
		}
	}
}

func TestRGBAConverter(t *testing.T) {
	checkFFmpegFreed(t)
	p, err := NewPattern(640, 360, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var c RGBAConverter
	defer c.Close()
	img := image.NewRGBA(image.Rect(0, 0, 320, 180))
	if err := p.Next(func(f *Frame) {
		if err := c.Convert(f, img); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	if img.Stride != 1280 {
		t.Fatalf("stride %d", img.Stride)
	}
	colours := map[[3]byte]bool{}
	for i := 0; i < len(img.Pix); i += 4 {
		colours[[3]byte{img.Pix[i], img.Pix[i+1], img.Pix[i+2]}] = true
	}
	if len(colours) < 50 {
		t.Errorf("only %d colours in the pattern", len(colours))
	}
	bad := image.NewRGBA(image.Rect(0, 0, 320, 180)).SubImage(image.Rect(0, 0, 100, 100)).(*image.RGBA)
	_ = p.Next(func(f *Frame) {
		if err := c.Convert(f, bad); err == nil {
			t.Error("a sub-image with a wider stride was accepted")
		}
	})
}

// tone returns n samples of a 440 Hz tone at rate as 16-bit linear PCM.
func tone(rate, n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/float64(rate)))
	}
	return s
}

// ulaw encodes linear PCM as G.711 µ-law (ITU-T G.711).
func ulaw(pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, v := range pcm {
		x := int(v)
		sign := 0
		if x < 0 {
			x, sign = -x, 0x80
		}
		x += 0x84
		if x > 0x7fff {
			x = 0x7fff
		}
		exp := 7
		for mask := 0x4000; x&mask == 0 && exp > 0; mask >>= 1 {
			exp--
		}
		out[i] = ^byte(sign | exp<<4 | (x>>(exp+3))&0x0f)
	}
	return out
}

// alaw encodes linear PCM as G.711 A-law.
func alaw(pcm []int16) []byte {
	out := make([]byte, len(pcm))
	for i, v := range pcm {
		x := int(v) >> 3
		sign := 0x80
		if x < 0 {
			x, sign = -x-1, 0
		}
		var b int
		if x < 32 {
			b = x >> 1
		} else {
			exp := 1
			for y := x >> 5; y > 1; y >>= 1 {
				exp++
			}
			b = exp<<4 | (x>>exp)&0x0f
		}
		out[i] = byte(b|sign) ^ 0x55
	}
	return out
}

// transcodeTone runs 2 s of a tone through a transcoder and checks the AAC.
func transcodeTone(t *testing.T, in media.AudioTrack, units []media.AudioUnit) {
	t.Helper()
	tr, err := NewAudioTranscoder(in, 128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	tk := tr.Track()
	if tk.Codec != media.CodecAAC || tk.SampleRate != 48000 || tk.Channels != 2 || len(tk.Config) < 2 {
		t.Fatalf("output track %+v", tk)
	}
	var out []media.AudioUnit
	for _, u := range units {
		if err := tr.Transcode(u, func(a media.AudioUnit) { out = append(out, a) }); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) < 80 { // 2 s = 93.75 AUs of 1024 samples, less encoder delay
		t.Fatalf("%d AAC units for 2 s", len(out))
	}
	step := time.Second * 1024 / 48000
	for i := 1; i < len(out); i++ {
		if d := out[i].PTS - out[i-1].PTS; absDur(d-step) > 50*time.Microsecond {
			t.Fatalf("AU %d is %v after the previous, want %v", i, d, step)
		}
	}
	// Decode the result back: it must carry the tone, not silence.
	back, err := NewAudioTranscoder(tk, 128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer back.Close()
	sizes := 0
	for _, u := range out {
		sizes += len(u.Data)
		if err := back.Transcode(u, func(media.AudioUnit) {}); err != nil {
			t.Fatalf("decoding our own AAC: %v", err)
		}
	}
	// Silence encodes to a few bytes per AU; a tone needs far more.
	if avg := sizes / len(out); avg < 40 {
		t.Errorf("average AU size %d bytes: the tone looks silent", avg)
	}
	var asc mpeg4audio.AudioSpecificConfig
	if err := asc.Unmarshal(tk.Config); err != nil {
		t.Fatal(err)
	}
	if asc.Type != mpeg4audio.ObjectTypeAACLC || asc.SampleRate != 48000 || asc.ChannelCount != 2 {
		t.Errorf("AudioSpecificConfig %+v, want AAC-LC 48 kHz stereo", asc)
	}
	// And as numbers: a 440 Hz tone at a clear level.
	pcm := decodeAACToPCM(t, tk, out)
	if len(pcm) < 48000 {
		t.Fatalf("%d samples decoded back", len(pcm))
	}
	rms, hz := toneStats(pcm[len(pcm)/4 : len(pcm)*3/4])
	if rms < 1000 || hz < 420 || hz > 460 {
		t.Errorf("decoded back: RMS %.0f at %.0f Hz, want a 440 Hz tone", rms, hz)
	}
}

func pcmUnits(rate int, enc func([]int16) []byte) []media.AudioUnit {
	pcm := tone(rate, 2*rate)
	var units []media.AudioUnit
	per := rate / 50 // 20 ms packets, like cameras
	for i := 0; i+per <= len(pcm); i += per {
		units = append(units, media.AudioUnit{PTS: time.Duration(i) * time.Second / time.Duration(rate), Data: enc(pcm[i : i+per])})
	}
	return units
}

func TestTranscodeG711(t *testing.T) {
	checkFFmpegFreed(t)
	t.Run("pcmu", func(t *testing.T) {
		transcodeTone(t, media.AudioTrack{Codec: media.CodecPCMU, SampleRate: 8000, Channels: 1}, pcmUnits(8000, ulaw))
	})
	t.Run("pcma", func(t *testing.T) {
		transcodeTone(t, media.AudioTrack{Codec: media.CodecPCMA, SampleRate: 8000, Channels: 1}, pcmUnits(8000, alaw))
	})
}

func TestTranscodeAAC(t *testing.T) {
	checkFFmpegFreed(t)
	gen, err := NewTone(440, 128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	var units []media.AudioUnit
	if err := gen.Generate(0, 2*time.Second+100*time.Millisecond, func(u media.AudioUnit) { units = append(units, u) }); err != nil {
		t.Fatal(err)
	}
	transcodeTone(t, gen.Track(), units)
}

func TestSilence(t *testing.T) {
	checkFFmpegFreed(t)
	s, err := NewSilence(128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	var units []media.AudioUnit
	start := 5 * time.Second
	if err := s.Generate(start, start+time.Second, func(u media.AudioUnit) { units = append(units, u) }); err != nil {
		t.Fatal(err)
	}
	if len(units) < 40 || units[len(units)-1].PTS < start {
		t.Fatalf("%d units, last at %v", len(units), units[len(units)-1].PTS)
	}
	// The AudioSpecificConfig says AAC-LC (object type 2), 48 kHz (index 3), 2 channels.
	cfg := binary.BigEndian.Uint16(s.Track().Config)
	if obj, idx, ch := cfg>>11, (cfg>>7)&0xf, (cfg>>3)&0xf; obj != 2 || idx != 3 || ch != 2 {
		t.Errorf("ASC object %d rate index %d channels %d", obj, idx, ch)
	}
}

// TestNoGrowthOverRounds decodes and encodes repeatedly and checks that
// every FFmpeg object is freed each round (the counter) and that the Go
// heap does not grow round over round.
func TestNoGrowthOverRounds(t *testing.T) {
	checkFFmpegFreed(t)
	units, enc := encodePattern(t, 320, 240, 25, 50, VideoEncoderConfig{Width: 320, Height: 240, FPS: 25, Bitrate: 300_000})
	for round := 0; round < 5; round++ {
		before := Live()
		dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264, SPS: enc.SPS(), PPS: enc.PPS()})
		if err != nil {
			t.Fatal(err)
		}
		re, err := NewVideoEncoder(VideoEncoderConfig{Width: 160, Height: 120, FPS: 25, Bitrate: 100_000})
		if err != nil {
			t.Fatal(err)
		}
		var conv RGBAConverter
		img := image.NewRGBA(image.Rect(0, 0, 64, 48))
		for _, u := range units {
			_ = dec.Decode(u, func(f *Frame) {
				_ = re.Encode(f, func(media.VideoUnit) {})
				_ = conv.Convert(f, img)
			})
		}
		conv.Close()
		re.Close()
		dec.Close()
		if Live() != before {
			t.Fatalf("round %d leaked %d objects", round, Live()-before)
		}
	}
}

// TestReencodeKeepsKeyframeInterval transcodes a stream with a keyframe
// every second into one with a keyframe every two: the decoded keyframes
// must not pull the output's keyframes along (libx264 honours a picture's
// type).
func TestReencodeKeepsKeyframeInterval(t *testing.T) {
	checkFFmpegFreed(t)
	units, enc := encodePattern(t, 320, 240, 30, 180, VideoEncoderConfig{
		Width: 320, Height: 240, FPS: 30, Bitrate: 400_000, KeyframeInterval: time.Second,
	})
	dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264, SPS: enc.SPS(), PPS: enc.PPS()})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	re, err := NewVideoEncoder(VideoEncoderConfig{Width: 256, Height: 144, FPS: 30, Bitrate: 300_000, KeyframeInterval: 2 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	var out []media.VideoUnit
	for _, u := range units {
		if err := dec.Decode(u, func(f *Frame) {
			if err := re.Encode(f, func(u media.VideoUnit) { out = append(out, u) }); err != nil {
				t.Fatal(err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(out) != len(units) {
		t.Fatalf("%d units out for %d in", len(out), len(units))
	}
	for i, u := range out {
		if want := i%60 == 0; u.Key != want {
			t.Errorf("unit %d: key = %v, want %v (source keyframes every 30)", i, u.Key, want)
		}
		if u.PTS != units[i].PTS {
			t.Errorf("unit %d: pts %v, want the source's %v", i, u.PTS, units[i].PTS)
		}
	}
	var sps h264.SPS
	if err := sps.Unmarshal(re.SPS()); err != nil {
		t.Fatal(err)
	}
	if sps.Width() != 256 || sps.Height() != 144 {
		t.Errorf("re-encoded at %dx%d, want 256x144", sps.Width(), sps.Height())
	}
}

// TestEncoderFollowsRestartedClock feeds a source whose clock jumps back
// to zero after two seconds, then one that stalls for three: the encoder
// keeps producing, on the grid, instead of dropping everything until the
// old clock is reached again or bursting out copies.
func TestEncoderFollowsRestartedClock(t *testing.T) {
	checkFFmpegFreed(t)
	p, err := NewPattern(160, 120, 25)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	enc, err := NewVideoEncoder(VideoEncoderConfig{Width: 160, Height: 120, FPS: 25, Bitrate: 200_000})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	var out []media.VideoUnit
	feed := func(pts time.Duration) {
		t.Helper()
		if err := p.Next(func(f *Frame) {
			f.pts = pts
			if err := enc.Encode(f, func(u media.VideoUnit) { out = append(out, u) }); err != nil {
				t.Fatal(err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	const frame = 40 * time.Millisecond
	for i := 0; i < 50; i++ { // 0 … 1.96 s
		feed(time.Duration(i) * frame)
	}
	for i := 0; i < 50; i++ { // the clock restarts at 0
		feed(time.Duration(i) * frame)
	}
	for i := 0; i < 10; i++ { // a three-second stall, then on
		feed(5*time.Second + time.Duration(i)*frame)
	}
	if len(out) != 110 {
		t.Fatalf("%d units for 110 frames", len(out))
	}
	if out[50].PTS != 0 || out[99].PTS != 49*frame || out[100].PTS != 5*time.Second {
		t.Errorf("PTS around the jumps: %v %v %v", out[50].PTS, out[99].PTS, out[100].PTS)
	}
	if err := enc.Flush(func(media.VideoUnit) {}); err != nil {
		t.Fatal(err)
	}
	if err := p.Next(func(f *Frame) {
		if enc.Encode(f, func(media.VideoUnit) {}) == nil {
			t.Error("a flushed encoder took a picture")
		}
	}); err != nil {
		t.Fatal(err)
	}
	if enc.Encode(nil, func(media.VideoUnit) {}) == nil {
		t.Error("a nil picture was accepted")
	}
}

func TestTranscoderRefusesBadTracks(t *testing.T) {
	checkFFmpegFreed(t)
	for _, in := range []media.AudioTrack{
		{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2},
		{Codec: media.CodecH264, SampleRate: 48000},
		{Codec: media.CodecPCMU},
	} {
		if tr, err := NewAudioTranscoder(in, 128_000); err == nil {
			tr.Close()
			t.Errorf("%+v accepted", in)
		}
	}
}

func TestTranscodeOpus(t *testing.T) {
	checkFFmpegFreed(t)
	units := opusTone(t, 2*time.Second)
	transcodeTone(t, media.AudioTrack{Codec: media.CodecOpus, SampleRate: 48000, Channels: 2}, units)
}

// TestTranscodeFillsGaps drops 300 ms of camera audio: the AAC output
// stays continuous (the hole becomes silence) and ends on the input's clock.
func TestTranscodeFillsGaps(t *testing.T) {
	checkFFmpegFreed(t)
	all := pcmUnits(8000, ulaw) // 2 s in 20 ms units
	var units []media.AudioUnit
	for _, u := range all {
		if u.PTS < 800*time.Millisecond || u.PTS >= 1100*time.Millisecond {
			units = append(units, u)
		}
	}
	tr, err := NewAudioTranscoder(media.AudioTrack{Codec: media.CodecPCMU, SampleRate: 8000, Channels: 1}, 96_000)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	var out []media.AudioUnit
	for _, u := range units {
		if err := tr.Transcode(u, func(a media.AudioUnit) { out = append(out, a) }); err != nil {
			t.Fatal(err)
		}
	}
	step := time.Second * 1024 / 48000
	for i := 1; i < len(out); i++ {
		if d := out[i].PTS - out[i-1].PTS; absDur(d-step) > 50*time.Microsecond {
			t.Fatalf("AU %d is %v after the previous, want %v", i, d, step)
		}
	}
	// 2 s of input clock, less what the last partial frame and the encoder
	// delay hold back.
	if end := out[len(out)-1].PTS; end < 1900*time.Millisecond || end > 2*time.Second {
		t.Errorf("last AU at %v, want close to 2 s: the gap was not filled", end)
	}
}

func TestDecodeH265(t *testing.T) {
	checkFFmpegFreed(t)
	track, units := hevcPattern(t, 320, 240, 30)
	dec, err := NewVideoDecoder(track)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	var got []time.Duration
	for _, u := range units {
		if err := dec.Decode(u, func(f *Frame) {
			if f.Width() != 320 || f.Height() != 240 {
				t.Fatalf("decoded %dx%d", f.Width(), f.Height())
			}
			got = append(got, f.PTS())
		}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != len(units) {
		t.Fatalf("decoded %d frames from %d units", len(got), len(units))
	}
	for i, p := range got {
		if p != units[i].PTS {
			t.Fatalf("frame %d pts %v, want %v", i, p, units[i].PTS)
		}
	}
	if _, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecOpus}); err == nil {
		t.Error("a video decoder for opus was made")
	}
}

// TestMemoryFlatOverRounds runs decode → encode → preview over 300 frames
// and 10 s of audio transcoding per round and checks that resident memory
// does not grow from round to round. A picture, packet or audio frame not
// unreferenced per iteration adds 3 to 35 MB a round; the noise, with the Go
// heap settled, is about ±4 MB.
func TestMemoryFlatOverRounds(t *testing.T) {
	checkFFmpegFreed(t)
	units, enc := encodePattern(t, 320, 240, 30, 300, VideoEncoderConfig{Width: 320, Height: 240, FPS: 30, Bitrate: 3_000_000})
	dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264, SPS: enc.SPS(), PPS: enc.PPS()})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	re, err := NewVideoEncoder(VideoEncoderConfig{Width: 320, Height: 240, FPS: 30, Bitrate: 300_000, Preset: "ultrafast"})
	if err != nil {
		t.Fatal(err)
	}
	defer re.Close()
	var conv RGBAConverter
	defer conv.Close()
	img := image.NewRGBA(image.Rect(0, 0, 160, 120))
	tr, err := NewAudioTranscoder(media.AudioTrack{Codec: media.CodecPCMU, SampleRate: 8000, Channels: 1}, 128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	audio := pcmUnits(8000, ulaw) // 2 s
	var audioClock time.Duration
	round := func() {
		// 10 s of audio: 470 AAC frames of 8 kB on the way through.
		for range 5 {
			for _, u := range audio {
				u.PTS += audioClock
				if err := tr.Transcode(u, func(media.AudioUnit) {}); err != nil {
					t.Fatal(err)
				}
			}
			audioClock += 2 * time.Second
		}
		for _, u := range units {
			if err := dec.Decode(u, func(f *Frame) {
				if err := re.Encode(f, func(media.VideoUnit) {}); err != nil {
					t.Fatal(err)
				}
				if err := conv.Convert(f, img); err != nil {
					t.Fatal(err)
				}
			}); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The Go heap's own growth is not what is measured: return it to the
	// OS before each reading.
	settled := func() int64 {
		runtime.GC()
		debug.FreeOSMemory()
		return rssBytes(t)
	}
	round() // warm up: pools, x264 lookahead, heap
	round()
	base := settled()
	for i := 0; i < 4; i++ {
		round()
	}
	grew := settled() - base
	t.Logf("resident memory: %d MB, %+d kB over 4 rounds", base>>20, grew>>10)
	if grew > 8<<20 {
		t.Errorf("resident memory grew %d MB over 4 rounds of 300 frames", grew>>20)
	}
}

// TestLoggerCapsLevelAndRate routes FFmpeg's complaints about garbage into a
// logger: they arrive, never above Warn, and a burst is capped.
func TestLoggerCapsLevelAndRate(t *testing.T) {
	checkFFmpegFreed(t)
	h := &recordingHandler{}
	SetLogger(slog.New(h))
	defer SetLogger(nil)
	dec, err := NewVideoDecoder(media.VideoTrack{Codec: media.CodecH264})
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	rng := rand.New(rand.NewSource(2))
	for i := 0; i < 200; i++ {
		junk := make([]byte, 200)
		rng.Read(junk)
		junk[0] = 0x65 // an IDR slice header over random bits
		_ = dec.Decode(media.VideoUnit{PTS: time.Duration(i) * time.Millisecond, NALUs: [][]byte{junk}}, func(*Frame) {})
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.records) == 0 {
		t.Fatal("FFmpeg's complaints did not reach the logger")
	}
	// Garbage makes the decoder say several things per packet: hundreds of
	// lines uncapped. The bound leaves room for one second boundary.
	if len(h.records) > 2*(ffmpegLogBurst+1) {
		t.Errorf("%d lines logged from one burst, want about %d", len(h.records), ffmpegLogBurst)
	}
	for _, r := range h.records {
		if r.Level > slog.LevelWarn || !strings.HasPrefix(r.Message, "ffmpeg: ") {
			t.Errorf("logged %v %q", r.Level, r.Message)
		}
	}
}

type recordingHandler struct {
	mu      sync.Mutex
	records []slog.Record
}

func (h *recordingHandler) Enabled(context.Context, slog.Level) bool { return true }
func (h *recordingHandler) Handle(_ context.Context, r slog.Record) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.records = append(h.records, r)
	return nil
}
func (h *recordingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *recordingHandler) WithGroup(string) slog.Handler      { return h }

// TestPatternClock: the pattern carries the clock, white text on a dark
// box centred near the bottom; the rest of the picture is testsrc2's.
func TestPatternClock(t *testing.T) {
	checkFFmpegFreed(t)
	const w, h = 640, 360
	p, err := NewPattern(w, h, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	plain, err := newGraph(fmt.Sprintf("testsrc2=size=%dx%d:rate=30,format=yuv420p", w, h), "", nil, "buffersink")
	if err != nil {
		t.Fatal(err)
	}
	defer plain.close()
	var c RGBAConverter
	defer c.Close()
	with, without := image.NewRGBA(image.Rect(0, 0, w, h)), image.NewRGBA(image.Rect(0, 0, w, h))
	if err := p.Next(func(f *Frame) {
		if err := c.Convert(f, with); err != nil {
			t.Fatal(err)
		}
	}); err != nil {
		t.Fatal(err)
	}
	raw := astiav.AllocFrame()
	defer raw.Free()
	if err := plain.pull(raw); err != nil {
		t.Fatal(err)
	}
	if err := c.Convert(&Frame{f: raw}, without); err != nil {
		t.Fatal(err)
	}
	raw.Unref()

	// Around the box: eight 36 px characters (h/10) and borders, centred,
	// its bottom edge about h/16 above the picture's.
	box := image.Rect(w/2-150, h-h/4, w/2+150, h)
	var changedOutside, changedInside, white int
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			i := with.PixOffset(x, y)
			differs := !bytes.Equal(with.Pix[i:i+3], without.Pix[i:i+3])
			inside := image.Pt(x, y).In(box)
			switch {
			case differs && inside:
				changedInside++
			case differs:
				changedOutside++
			}
			if inside && with.Pix[i] > 220 && with.Pix[i+1] > 220 && with.Pix[i+2] > 220 {
				white++
			}
		}
	}
	if changedOutside > 0 {
		t.Errorf("%d pixels outside the clock's box differ from testsrc2", changedOutside)
	}
	if changedInside < box.Dx()*box.Dy()/4 {
		t.Errorf("only %d pixels of the clock's box changed: no box drawn", changedInside)
	}
	if out := os.Getenv("RELAYSTUDIO_CLOCK_PNG"); out != "" { // to look at it
		f, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := png.Encode(f, with); err != nil {
			t.Fatal(err)
		}
	}
	if white < 500 {
		t.Errorf("%d white pixels in the box: no text drawn", white)
	}
}

// TestEncoderThreads: light encodes run x264 on one thread, heavy ones
// leave the count to x264, explicit counts are kept.
func TestEncoderThreads(t *testing.T) {
	for _, c := range []struct {
		cfg  VideoEncoderConfig
		want int
	}{
		{VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, Preset: "veryfast"}, 1},
		{VideoEncoderConfig{Width: 1920, Height: 1080, FPS: 30, Preset: "ultrafast"}, 1},
		{VideoEncoderConfig{Width: 1920, Height: 1080, FPS: 30, Preset: "veryfast"}, 0},
		{VideoEncoderConfig{Width: 1280, Height: 720, FPS: 60, Preset: "veryfast"}, 0},
		{VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, Preset: "medium"}, 0},
		{VideoEncoderConfig{Width: 1280, Height: 720, FPS: 30, Preset: "placebo"}, 0},
	} {
		if got := encoderThreads(c.cfg); got != c.want {
			t.Errorf("%dx%d@%g %s: %d threads, want %d", c.cfg.Width, c.cfg.Height, c.cfg.FPS, c.cfg.Preset, got, c.want)
		}
	}
}
