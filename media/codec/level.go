package codec

import (
	"errors"
	"fmt"
	"math"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/media"
)

// SilentAACFrame returns one AAC access unit of silence for track (AAC-LC,
// its sample rate and channels), to stand in for each unit of the track
// while it is muted: the destinations keep an audio track with the same
// configuration and timing, and hear nothing. Every AAC-LC unit decodes on
// its own, so the same bytes serve every time.
func SilentAACFrame(track media.AudioTrack) ([]byte, error) {
	if track.Codec != media.CodecAAC || len(track.Config) < 2 {
		return nil, errors.New("not an AAC track with its configuration")
	}
	if ot := track.Config[0] >> 3; ot != 2 {
		return nil, fmt.Errorf("the audio is AAC object type %d, not AAC-LC: it cannot be muted in place (set the audio to aac)", ot)
	}
	enc, err := newAACEncoderAt(32000, track.SampleRate, track.Channels)
	if err != nil {
		return nil, err
	}
	defer enc.close()
	f := astiav.AllocFrame()
	defer f.Free()
	f.SetSampleFormat(astiav.SampleFormatFltp)
	f.SetChannelLayout(enc.cc.ChannelLayout())
	f.SetSampleRate(track.SampleRate)
	f.SetNbSamples(aacFrame)
	if err := f.AllocBuffer(0); err != nil {
		return nil, wrap("silent audio frame", err)
	}
	for ch := range track.Channels {
		clear(plane(f, ch, aacFrame*4))
	}
	// The first units carry the encoder's start-up; a few frames in, the
	// output is the steady silent unit.
	var last []byte
	for i := range 6 {
		f.SetPts(int64(i * aacFrame))
		err := enc.encode(f, func(u media.AudioUnit) { last = append(last[:0], u.Data...) })
		if err != nil {
			return nil, err
		}
	}
	if len(last) == 0 {
		return nil, errors.New("the AAC encoder gave no silent unit")
	}
	return last, nil
}

// AudioMeter decodes AAC units and tells their peak level: the level meter
// of what destinations receive.
type AudioMeter struct {
	res closer
	dec *audioDecoder
}

// NewAudioMeter opens an AAC decoder for track.
func NewAudioMeter(track media.AudioTrack) (*AudioMeter, error) {
	if track.Codec != media.CodecAAC {
		return nil, errors.New("the level meter takes AAC")
	}
	m := &AudioMeter{}
	dec, err := newAudioDecoder(&m.res, track)
	if err != nil {
		m.Close()
		return nil, err
	}
	m.dec = dec
	return m, nil
}

// Peak decodes one unit and returns the largest sample magnitude in it,
// 0 (silence) to 1 (full scale); a unit the decoder holds back gives 0.
func (m *AudioMeter) Peak(data []byte) (float64, error) {
	peak := 0.0
	err := m.dec.decode(media.AudioUnit{Data: data}, func(f *astiav.Frame) error {
		peak = max(peak, framePeak(f))
		return nil
	})
	return peak, err
}

// framePeak is the largest magnitude of a float frame's samples (FFmpeg's
// AAC decoder gives planar float).
func framePeak(f *astiav.Frame) float64 {
	n, ch := f.NbSamples(), f.ChannelLayout().NbChannels()
	var planes [][]float32
	switch f.SampleFormat() {
	case astiav.SampleFormatFltp:
		for i := range ch {
			planes = append(planes, floats(plane(f, i, n*4)))
		}
	case astiav.SampleFormatFlt:
		planes = append(planes, floats(plane(f, 0, n*ch*4)))
	default:
		return 0
	}
	peak := float32(0)
	for _, p := range planes {
		for _, v := range p {
			peak = max(peak, float32(math.Abs(float64(v))))
		}
	}
	return float64(min(peak, 1))
}

func floats(b []byte) []float32 {
	if len(b) < 4 {
		return nil
	}
	return unsafe.Slice((*float32)(unsafe.Pointer(&b[0])), len(b)/4)
}

// Close frees the meter.
func (m *AudioMeter) Close() { m.res.close() }
