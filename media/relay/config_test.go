package relay

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/relaystudio/relaystudio/media"
)

// TestValidateOutputAgreesWithThePublisher: every URL the publisher would
// refuse is refused by validation, before anything starts, without the key
// in the message; the ones it takes are taken.
func TestValidateOutputAgreesWithThePublisher(t *testing.T) {
	const key = "sk-live-0a1b2c"
	bad := map[string]string{
		"rtmp://u:pw@host/live/" + key:   "user:password@",
		"rtmp://host/live/" + key + " x": "spaces",
		"rtmp://host:/live/" + key:       "port",
		"rtmp://host/" + key:             "needs an application and a stream key",
		"rtmp://host/live/":              "needs an application and a stream key",
		"http://host/live/" + key:        "not supported",
	}
	for u, want := range bad {
		err := ValidateOutput(u)
		if err == nil || !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), want) {
			t.Errorf("ValidateOutput(%q) = %v, want an ErrInvalid mentioning %q", u, err, want)
		}
		if err != nil && strings.Contains(err.Error(), key) {
			t.Errorf("ValidateOutput(%q) leaks the key: %v", u, err)
		}
	}
	for _, u := range []string{
		"rtmp://a.rtmp.youtube.com/live2/" + key,
		"rtmp://b.rtmp.youtube.com/live2?backup=1/" + key,
		"rtmps://live-api-s.facebook.com:443/rtmp/" + key,
		"rtmp://127.0.0.1:1935/live/sub/" + key,
	} {
		if err := ValidateOutput(u); err != nil {
			t.Errorf("ValidateOutput(%q) = %v, want nil", u, err)
		}
	}
}

// TestInsecureTLSIsRefused: verification is never skipped, not even when
// the caller asks.
func TestInsecureTLSIsRefused(t *testing.T) {
	_, err := New(Config{
		Input:        TestPattern,
		Destinations: []Destination{{URL: "rtmps://127.0.0.1/live/k"}},
		TLSConfig:    &tls.Config{InsecureSkipVerify: true},
	})
	if err == nil || !strings.Contains(err.Error(), "verification cannot be turned off") {
		t.Fatalf("New with InsecureSkipVerify = %v", err)
	}
}

// TestUnusableCameraAudioBecomesSilence: camera audio that can be neither
// copied nor converted gives a warning and a silent AAC track, not a stream
// that stops for good.
func TestUnusableCameraAudioBecomesSilence(t *testing.T) {
	r, err := New(Config{Input: TestPattern, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	cases := map[string]*media.AudioTrack{
		"AAC without configuration":  {Codec: media.CodecAAC, SampleRate: 48000, Channels: 2},
		"Opus at an impossible rate": {Codec: media.CodecOpus, SampleRate: -1, Channels: 0},
	}
	for name, in := range cases {
		p := newPipeline(r)
		p.tracks = media.Tracks{Audio: in}
		rd := &rendition{audio: AudioConfig{Mode: AudioAuto, Bitrate: 128_000}}
		if err := p.setupAudio(rd); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if rd.silence == nil || rd.audioTrack == nil || rd.audioTrack.Codec != media.CodecAAC || rd.audioHeader == nil {
			t.Errorf("%s: no silent AAC track: %+v", name, rd.audioTrack)
		}
		rd.closeCodecs()
	}
	if w := r.Stats().Warnings; len(w) != 2 || !strings.Contains(w[0], "sending silence instead") {
		t.Errorf("warnings = %q, want two saying silence is sent instead", w)
	}
}
