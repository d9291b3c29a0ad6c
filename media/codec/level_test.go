package codec

import (
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// TestMeterAndSilentFrame: the meter reads a tone's level, and the silent
// unit made for a track decodes, with that track's decoder, to silence.
func TestMeterAndSilentFrame(t *testing.T) {
	checkFFmpegFreed(t)
	gen, err := NewTone(440, 128_000)
	if err != nil {
		t.Fatal(err)
	}
	defer gen.Close()
	var units []media.AudioUnit
	if err := gen.Generate(0, time.Second, func(u media.AudioUnit) { units = append(units, u) }); err != nil {
		t.Fatal(err)
	}
	m, err := NewAudioMeter(gen.Track())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Close()
	peak := 0.0
	for _, u := range units {
		p, err := m.Peak(u.Data)
		if err != nil {
			t.Fatal(err)
		}
		peak = max(peak, p)
	}
	// FFmpeg's sine source plays at 1/8 of full scale, in mono; spread to
	// stereo it is 3 dB lower in each channel: 0.088.
	if peak < 0.075 || peak > 0.1 {
		t.Errorf("the tone's peak reads %.3f, want about 0.088", peak)
	}

	for _, tr := range []struct{ rate, channels int }{{48000, 2}, {16000, 1}, {44100, 2}} {
		enc, err := newAACEncoderAt(64000, tr.rate, tr.channels)
		if err != nil {
			t.Fatal(err)
		}
		track := enc.track()
		enc.close()
		silent, err := SilentAACFrame(track)
		if err != nil {
			t.Fatalf("%d Hz × %d: %v", tr.rate, tr.channels, err)
		}
		m, err := NewAudioMeter(track)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			p, err := m.Peak(silent)
			if err != nil {
				t.Fatalf("%d Hz × %d: the silent unit does not decode: %v", tr.rate, tr.channels, err)
			}
			if i > 0 && p > 1e-4 {
				t.Errorf("%d Hz × %d: the silent unit decodes to a peak of %g", tr.rate, tr.channels, p)
			}
		}
		m.Close()
	}
	if _, err := SilentAACFrame(media.AudioTrack{Codec: media.CodecAAC, SampleRate: 48000, Channels: 2, Config: []byte{0x2b, 0x10}}); err == nil {
		t.Error("a silent unit for HE-AAC (object type 5) was made: it would not match the track")
	}
}
