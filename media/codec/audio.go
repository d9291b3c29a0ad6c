package codec

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/media"
)

// AAC output: what every platform accepts (AAC-LC, 48 kHz, stereo).
const (
	aacRate     = 48000
	aacChannels = 2
	aacFrame    = 1024
)

// toAAC is the conversion every audio path ends with: 48 kHz stereo float
// planar in frames of exactly 1024 samples, as the AAC encoder wants.
var toAAC = fmt.Sprintf("aresample=%d,aformat=sample_fmts=fltp:channel_layouts=stereo,asetnsamples=n=%d:p=0", aacRate, aacFrame)

// toAACContinuous is toAAC for camera audio: aresample's async mode fills
// holes in the input (lost packets) with silence and trims overlaps, so the
// output is one continuous run of samples that stays on the input's clock
// and AAC units follow each other exactly 1024 samples apart.
var toAACContinuous = strings.Replace(toAAC, fmt.Sprintf("aresample=%d", aacRate), fmt.Sprintf("aresample=%d:async=1", aacRate), 1)

var aacTimeBase = astiav.NewRational(1, aacRate)

// AACDelay is the AAC encoder's priming: its first unit starts this long
// (1024 samples at 48 kHz) before the first sample it was given, and
// decodes to the encoder's start-up silence. A generator started at
// AACDelay produces units from PTS 0.
const AACDelay = aacFrame * time.Second / aacRate

// aacEncoder is FFmpeg's native AAC-LC encoder at 48 kHz stereo.
type aacEncoder struct {
	rate, channels int
	tb             astiav.Rational
	res            closer
	cc             *astiav.CodecContext
	pkt            *astiav.Packet
	config         []byte
}

func newAACEncoder(bitrate int) (*aacEncoder, error) {
	return newAACEncoderAt(bitrate, aacRate, aacChannels)
}

// newAACEncoderAt is an AAC-LC encoder at rate with 1 or 2 channels.
func newAACEncoderAt(bitrate, rate, channels int) (*aacEncoder, error) {
	layout := astiav.ChannelLayoutStereo
	switch channels {
	case 1:
		layout = astiav.ChannelLayoutMono
	case 2:
	default:
		return nil, fmt.Errorf("%d audio channels: the AAC encoder here takes 1 or 2", channels)
	}
	c := astiav.FindEncoder(audioEncoder)
	if c == nil {
		return nil, errors.New("FFmpeg has no AAC encoder")
	}
	e := &aacEncoder{rate: rate, channels: channels, tb: astiav.NewRational(1, rate), cc: astiav.AllocCodecContext(c)}
	if e.cc == nil {
		return nil, errors.New("cannot allocate an AAC encoder")
	}
	e.res.add(e.cc.Free)
	e.cc.SetSampleRate(rate)
	e.cc.SetSampleFormat(astiav.SampleFormatFltp)
	e.cc.SetChannelLayout(layout)
	e.cc.SetBitRate(int64(bitrate))
	e.cc.SetTimeBase(e.tb)
	// Global header: the AudioSpecificConfig comes in extradata, for the
	// FLV sequence header.
	e.cc.SetFlags(e.cc.Flags().Add(astiav.CodecContextFlagGlobalHeader))
	if err := e.cc.Open(c, nil); err != nil {
		e.res.close()
		return nil, wrap("open the AAC encoder", err)
	}
	e.config = append([]byte(nil), e.cc.ExtraData()...)
	if len(e.config) < 2 {
		e.res.close()
		return nil, errors.New("the AAC encoder gave no configuration")
	}
	e.pkt = e.res.allocPacket()
	return e, nil
}

func (e *aacEncoder) track() media.AudioTrack {
	return media.AudioTrack{Codec: media.CodecAAC, SampleRate: e.rate, Channels: e.channels, Config: e.config}
}

// encode sends one frame (pts in 1/48000) and hands out what comes out.
func (e *aacEncoder) encode(f *astiav.Frame, fn func(media.AudioUnit)) error {
	if err := e.cc.SendFrame(f); err != nil && !errors.Is(err, astiav.ErrEagain) {
		return wrap("AAC encode", err)
	}
	for {
		if err := e.cc.ReceivePacket(e.pkt); err != nil {
			if isAgain(err) {
				return nil
			}
			return wrap("AAC encode", err)
		}
		u := media.AudioUnit{PTS: toDuration(e.pkt.Pts(), e.tb), Data: e.pkt.Data()}
		e.pkt.Unref()
		fn(u)
	}
}

func (e *aacEncoder) close() { e.res.close() }

// audioDecoder decodes one audio track's units into frames. The
// transcoder and the level meter share it.
type audioDecoder struct {
	dec   *astiav.CodecContext
	tb    astiav.Rational
	pkt   *astiav.Packet
	frame *astiav.Frame // decoded
	buf   []byte        // packet scratch, reused
}

// newAudioDecoder opens a decoder for in; res frees it.
func newAudioDecoder(res *closer, in media.AudioTrack) (*audioDecoder, error) {
	id, ok := audioDecoders[in.Codec]
	if !ok {
		return nil, fmt.Errorf("no audio decoder for %s", in.Codec)
	}
	if in.Codec == media.CodecAAC && len(in.Config) == 0 {
		// Raw AAC units cannot be decoded without their configuration.
		return nil, errors.New("AAC track without its AudioSpecificConfig: cannot decode it")
	}
	if in.SampleRate <= 0 || in.SampleRate > 384000 {
		return nil, fmt.Errorf("audio sample rate %d is out of range", in.SampleRate)
	}
	c := astiav.FindDecoder(id)
	if c == nil {
		return nil, fmt.Errorf("FFmpeg has no %s decoder", in.Codec)
	}
	d := &audioDecoder{tb: astiav.NewRational(1, in.SampleRate), dec: astiav.AllocCodecContext(c)}
	if d.dec == nil {
		return nil, errors.New("cannot allocate an audio decoder")
	}
	res.add(d.dec.Free)
	d.dec.SetSampleRate(in.SampleRate)
	layout := astiav.ChannelLayoutMono
	if in.Channels == 2 {
		layout = astiav.ChannelLayoutStereo
	}
	d.dec.SetChannelLayout(layout)
	d.dec.SetTimeBase(d.tb)
	if len(in.Config) > 0 {
		if err := d.dec.SetExtraData(in.Config); err != nil {
			return nil, wrap("audio decoder configuration", err)
		}
	}
	if err := d.dec.Open(c, nil); err != nil {
		return nil, wrap("open the "+in.Codec.String()+" decoder", err)
	}
	d.pkt = res.allocPacket()
	d.frame = res.allocFrame()
	return d, nil
}

// decode decodes one unit and hands every frame that comes out to fn,
// which must not keep it.
func (d *audioDecoder) decode(u media.AudioUnit, fn func(*astiav.Frame) error) error {
	if len(u.Data) == 0 {
		return nil
	}
	var size int
	d.buf, size = padded(d.buf, u.Data)
	if err := fillPacket(d.pkt, d.buf, size); err != nil {
		return wrap("audio packet", err)
	}
	d.pkt.SetPts(fromDuration(u.PTS, d.tb))
	err := d.dec.SendPacket(d.pkt)
	d.pkt.Unref()
	if err != nil && !errors.Is(err, astiav.ErrEagain) {
		return wrap("audio decode", err)
	}
	for {
		if err := d.dec.ReceiveFrame(d.frame); err != nil {
			if isAgain(err) {
				return nil
			}
			return wrap("audio decode", err)
		}
		err := fn(d.frame)
		d.frame.Unref()
		if err != nil {
			return err
		}
	}
}

// AudioTranscoder converts camera audio (AAC, Opus, G.711 µ-law or A-law)
// to AAC-LC 48 kHz stereo at a bitrate.
type AudioTranscoder struct {
	in   media.AudioTrack
	res  closer
	dec  *audioDecoder
	out  *astiav.Frame // converted
	conv *graph        // made at the first decoded frame, when its format is known
	// convFormat is the decoded sample rate, format and layout conv takes.
	convFormat [3]string
	enc        *aacEncoder
}

// NewAudioTranscoder opens a decoder for in and an AAC encoder.
func NewAudioTranscoder(in media.AudioTrack, bitrate int) (*AudioTranscoder, error) {
	t := &AudioTranscoder{in: in}
	dec, err := newAudioDecoder(&t.res, in)
	if err != nil {
		t.Close()
		return nil, err
	}
	t.dec = dec
	t.out = t.res.allocFrame()
	enc, err := newAACEncoder(bitrate)
	if err != nil {
		t.Close()
		return nil, err
	}
	t.enc = enc
	return t, nil
}

// Track describes the output.
func (t *AudioTranscoder) Track() media.AudioTrack { return t.enc.track() }

// Transcode decodes one unit and encodes what it can; fn gets every AAC
// access unit produced. Units are 1024 samples apart without gaps, on the
// input's clock: holes in the input are filled with silence.
func (t *AudioTranscoder) Transcode(u media.AudioUnit, fn func(media.AudioUnit)) error {
	return t.dec.decode(u, func(f *astiav.Frame) error { return t.convert(f, fn) })
}

func (t *AudioTranscoder) convert(f *astiav.Frame, fn func(media.AudioUnit)) error {
	format := [3]string{fmt.Sprint(f.SampleRate()), f.SampleFormat().Name(), f.ChannelLayout().String()}
	if t.conv != nil && format != t.convFormat {
		// The camera changed its audio format mid-stream (HE-AAC switching
		// SBR, a new channel count): rebuild the conversion. The few samples
		// still inside the old graph are lost.
		t.conv.close()
		t.conv = nil
	}
	if t.conv == nil {
		g, err := newGraph(toAACContinuous, "abuffer", astiav.FilterArgs{
			"time_base":      fmt.Sprintf("1/%d", t.in.SampleRate),
			"sample_rate":    format[0],
			"sample_fmt":     format[1],
			"channel_layout": format[2],
		}, "abuffersink")
		if err != nil {
			return err
		}
		t.conv, t.convFormat = g, format
	}
	if err := t.conv.push(f); err != nil {
		return wrap("audio conversion", err)
	}
	return drain(t.conv, t.out, t.enc, fn)
}

// drain pulls every converted frame from g into out and encodes it.
func drain(g *graph, out *astiav.Frame, enc *aacEncoder, fn func(media.AudioUnit)) error {
	for {
		if err := g.pull(out); err != nil {
			if isAgain(err) {
				return nil
			}
			return wrap("audio conversion", err)
		}
		err := enc.encode(out, fn)
		out.Unref()
		if err != nil {
			return err
		}
	}
}

// Close frees the transcoder.
func (t *AudioTranscoder) Close() {
	if t.enc != nil {
		t.enc.close()
		t.enc = nil
	}
	if t.conv != nil {
		t.conv.close()
		t.conv = nil
	}
	t.res.close()
}

// AudioGenerator makes AAC audio from nothing: silence for cameras without
// a microphone (platforms want an audio track), or a tone for the test
// pattern.
type AudioGenerator struct {
	g     *graph
	enc   *aacEncoder
	frame *astiav.Frame
	made  time.Duration // media time generated so far
}

// NewSilence returns a generator of silent AAC-LC 48 kHz stereo.
func NewSilence(bitrate int) (*AudioGenerator, error) {
	return newGenerator(fmt.Sprintf("anullsrc=r=%d:cl=stereo,", aacRate)+toAAC, bitrate)
}

// NewTone returns a generator of a sine tone at freq Hz.
func NewTone(freq, bitrate int) (*AudioGenerator, error) {
	return newGenerator(fmt.Sprintf("sine=frequency=%d:sample_rate=%d,", freq, aacRate)+toAAC, bitrate)
}

func newGenerator(desc string, bitrate int) (*AudioGenerator, error) {
	g, err := newGraph(desc, "", nil, "abuffersink")
	if err != nil {
		return nil, err
	}
	enc, err := newAACEncoder(bitrate)
	if err != nil {
		g.close()
		return nil, err
	}
	frame := astiav.AllocFrame()
	live.Add(1)
	return &AudioGenerator{g: g, enc: enc, frame: frame}, nil
}

// Track describes the generated audio.
func (a *AudioGenerator) Track() media.AudioTrack { return a.enc.track() }

// Generate produces audio up to media time until, starting from start
// (the PTS of the first sample ever generated), and hands every AAC unit
// to fn.
func (a *AudioGenerator) Generate(start, until time.Duration, fn func(media.AudioUnit)) error {
	for start+a.made < until {
		if err := a.g.pull(a.frame); err != nil {
			return wrap("audio generator", err)
		}
		n := a.frame.NbSamples()
		a.frame.SetPts(fromDuration(start+a.made, aacTimeBase))
		a.made += time.Duration(n) * time.Second / aacRate
		err := a.enc.encode(a.frame, fn)
		a.frame.Unref()
		if err != nil {
			return err
		}
	}
	return nil
}

// Close frees the generator.
func (a *AudioGenerator) Close() {
	a.frame.Free()
	live.Add(-1)
	a.enc.close()
	a.g.close()
}
