package codec

import (
	"encoding/binary"
	"math"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/media"
)

// Test helpers that drive FFmpeg directly: they make inputs the product
// never makes itself (Opus, H.265) and read decoded audio back as numbers.

// openEncoder opens an FFmpeg encoder configured by setup, with options.
func openEncoder(t *testing.T, name string, setup func(*astiav.CodecContext), opts map[string]string) *astiav.CodecContext {
	t.Helper()
	c := astiav.FindEncoderByName(name)
	if c == nil {
		t.Skipf("this FFmpeg has no %s encoder", name)
	}
	cc := astiav.AllocCodecContext(c)
	t.Cleanup(cc.Free)
	setup(cc)
	d := astiav.NewDictionary()
	defer d.Free()
	for k, v := range opts {
		if err := d.Set(k, v, astiav.NewDictionaryFlags()); err != nil {
			t.Fatal(err)
		}
	}
	if err := cc.Open(c, d); err != nil {
		t.Fatalf("open %s: %v", name, err)
	}
	return cc
}

// encodeAll sends frame (nil = flush) and returns the packets that come out.
func encodeAll(t *testing.T, cc *astiav.CodecContext, frame *astiav.Frame) [][]byte {
	t.Helper()
	if err := cc.SendFrame(frame); err != nil && !isAgain(err) {
		t.Fatal(err)
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	var out [][]byte
	for {
		if err := cc.ReceivePacket(pkt); err != nil {
			if isAgain(err) {
				return out
			}
			t.Fatal(err)
		}
		out = append(out, pkt.Data())
		pkt.Unref()
	}
}

// opusTone encodes d of a 440 Hz stereo tone with libopus, in 20 ms packets.
func opusTone(t *testing.T, d time.Duration) []media.AudioUnit {
	t.Helper()
	enc := openEncoder(t, "libopus", func(cc *astiav.CodecContext) {
		cc.SetSampleRate(48000)
		cc.SetSampleFormat(astiav.SampleFormatS16)
		cc.SetChannelLayout(astiav.ChannelLayoutStereo)
		cc.SetBitRate(64000)
		cc.SetTimeBase(astiav.NewRational(1, 48000))
	}, nil)
	g, err := newGraph("sine=frequency=440:sample_rate=48000,aformat=sample_fmts=s16:channel_layouts=stereo,asetnsamples=n=960:p=0",
		"", nil, "abuffersink")
	if err != nil {
		t.Fatal(err)
	}
	defer g.close()
	frame := astiav.AllocFrame()
	defer frame.Free()
	var units []media.AudioUnit
	for n := int64(0); time.Duration(n)*time.Second/48000 < d; n += 960 {
		if err := g.pull(frame); err != nil {
			t.Fatal(err)
		}
		frame.SetPts(n)
		for _, p := range encodeAll(t, enc, frame) {
			units = append(units, media.AudioUnit{PTS: time.Duration(len(units)) * 20 * time.Millisecond, Data: p})
		}
		frame.Unref()
	}
	return units
}

// hevcPattern encodes n frames of the w x h pattern with libx265 and
// returns the track (parameter sets from the global header) and the units.
func hevcPattern(t *testing.T, w, h, n int) (media.VideoTrack, []media.VideoUnit) {
	t.Helper()
	enc := openEncoder(t, "libx265", func(cc *astiav.CodecContext) {
		cc.SetWidth(w)
		cc.SetHeight(h)
		cc.SetPixelFormat(astiav.PixelFormatYuv420P)
		cc.SetTimeBase(astiav.NewRational(1, 25))
		cc.SetFramerate(astiav.NewRational(25, 1))
		cc.SetFlags(cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	}, map[string]string{"preset": "ultrafast", "tune": "zerolatency", "x265-params": "log-level=error:keyint=25"})
	track := media.VideoTrack{Codec: media.CodecH265, Width: w, Height: h}
	params, err := splitAnnexB(enc.ExtraData())
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range params {
		switch (p[0] >> 1) & 0x3f {
		case 32:
			track.VPS = p
		case 33:
			track.SPS = p
		case 34:
			track.PPS = p
		}
	}
	if track.VPS == nil || track.SPS == nil || track.PPS == nil {
		t.Fatalf("libx265 extradata has no VPS/SPS/PPS: %x", enc.ExtraData())
	}
	p, err := NewPattern(w, h, 25, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var units []media.VideoUnit
	collect := func(pkts [][]byte) {
		for _, b := range pkts {
			nalus, err := splitAnnexB(b)
			if err != nil {
				t.Fatal(err)
			}
			units = append(units, media.VideoUnit{PTS: time.Duration(len(units)) * 40 * time.Millisecond, NALUs: nalus})
		}
	}
	for i := 0; i < n; i++ {
		if err := p.Next(func(f *Frame) {
			f.f.SetPts(int64(i))
			collect(encodeAll(t, enc, f.f))
		}); err != nil {
			t.Fatal(err)
		}
	}
	collect(encodeAll(t, enc, nil))
	for i := range units {
		units[i].DTS = units[i].PTS
	}
	return track, units
}

// decodeAACToPCM decodes AAC units back to 48 kHz mono 16-bit samples:
// FFmpeg's AAC decoder, then its pcm_s16le encoder, whose packets are the
// raw samples (astiav v0.16.0 cannot read audio frame data directly).
func decodeAACToPCM(t *testing.T, track media.AudioTrack, units []media.AudioUnit) []int16 {
	t.Helper()
	dc := astiav.FindDecoder(astiav.CodecIDAac)
	dec := astiav.AllocCodecContext(dc)
	defer dec.Free()
	if err := dec.SetExtraData(track.Config); err != nil {
		t.Fatal(err)
	}
	if err := dec.Open(dc, nil); err != nil {
		t.Fatal(err)
	}
	pcm := openEncoder(t, "pcm_s16le", func(cc *astiav.CodecContext) {
		cc.SetSampleRate(48000)
		cc.SetSampleFormat(astiav.SampleFormatS16)
		cc.SetChannelLayout(astiav.ChannelLayoutMono)
		cc.SetTimeBase(astiav.NewRational(1, 48000))
	}, nil)
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	frame := astiav.AllocFrame()
	defer frame.Free()
	mono := astiav.AllocFrame()
	defer mono.Free()
	var g *graph
	defer func() {
		if g != nil {
			g.close()
		}
	}()
	var samples []int16
	var buf []byte
	for _, u := range units {
		var size int
		buf, size = padded(buf, u.Data)
		if err := fillPacket(pkt, buf, size); err != nil {
			t.Fatal(err)
		}
		err := dec.SendPacket(pkt)
		pkt.Unref()
		if err != nil {
			t.Fatalf("AAC decode: %v", err)
		}
		for {
			if err := dec.ReceiveFrame(frame); err != nil {
				if isAgain(err) {
					break
				}
				t.Fatal(err)
			}
			if g == nil {
				if g, err = newGraph("aresample=48000,aformat=sample_fmts=s16:channel_layouts=mono", "abuffer", astiav.FilterArgs{
					"time_base":      "1/48000",
					"sample_rate":    strconv.Itoa(frame.SampleRate()),
					"sample_fmt":     frame.SampleFormat().Name(),
					"channel_layout": frame.ChannelLayout().String(),
				}, "abuffersink"); err != nil {
					t.Fatal(err)
				}
			}
			if err := g.push(frame); err != nil {
				t.Fatal(err)
			}
			frame.Unref()
			for {
				if err := g.pull(mono); err != nil {
					if isAgain(err) {
						break
					}
					t.Fatal(err)
				}
				for _, p := range encodeAll(t, pcm, mono) {
					for i := 0; i+1 < len(p); i += 2 {
						samples = append(samples, int16(binary.LittleEndian.Uint16(p[i:])))
					}
				}
				mono.Unref()
			}
		}
	}
	return samples
}

// toneStats returns the RMS level and the frequency (from zero crossings)
// of 48 kHz samples.
func toneStats(s []int16) (rms, hz float64) {
	if len(s) == 0 {
		return 0, 0
	}
	var sum float64
	crossings := 0
	for i, v := range s {
		sum += float64(v) * float64(v)
		if i > 0 && (s[i-1] < 0) != (v < 0) {
			crossings++
		}
	}
	return math.Sqrt(sum / float64(len(s))), float64(crossings) / 2 / (float64(len(s)) / 48000)
}

// rssBytes returns the process's resident set size (Linux).
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm:", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
