package rtmp

import (
	"bytes"
	"reflect"
	"testing"
	"time"

	"github.com/yutopp/go-amf0"

	"github.com/relaystudio/relaystudio/media"
)

func TestAVCSequenceHeader(t *testing.T) {
	sps := []byte{0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9}
	pps := []byte{0x68, 0xEB, 0xE3, 0xCB}
	got, err := AVCSequenceHeader(sps, pps)
	if err != nil {
		t.Fatal(err)
	}
	want := []byte{
		0x17, 0x00, 0x00, 0x00, 0x00, // keyframe|AVC, seq header, CTS 0
		0x01, 0x64, 0x00, 0x1F, // version, profile, compat, level
		0xFF, 0xE1, // 4-byte lengths, 1 SPS
		0x00, 0x06, 0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9,
		0x01, // 1 PPS
		0x00, 0x04, 0x68, 0xEB, 0xE3, 0xCB,
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("got  % X\nwant % X", got, want)
	}

	for _, tc := range []struct {
		name     string
		sps, pps []byte
	}{
		{"short SPS", []byte{0x67, 0x64, 0x00}, pps},
		{"no SPS", nil, pps},
		{"no PPS", sps, nil},
	} {
		if _, err := AVCSequenceHeader(tc.sps, tc.pps); err == nil {
			t.Errorf("%s: no error", tc.name)
		}
	}
}

func TestVideoTagBody(t *testing.T) {
	for _, tc := range []struct {
		name string
		u    media.VideoUnit
		want []byte
	}{
		{
			name: "keyframe, AUD dropped, CTS 0",
			u: media.VideoUnit{PTS: time.Second, DTS: time.Second, Key: true, NALUs: [][]byte{
				{0x09, 0xF0}, // AUD
				{0x67, 0x42}, // SPS stays
				{0x65, 0xAA, 0xBB},
			}},
			want: []byte{0x17, 0x01, 0, 0, 0,
				0, 0, 0, 2, 0x67, 0x42,
				0, 0, 0, 3, 0x65, 0xAA, 0xBB},
		},
		{
			name: "inter frame with B-frame delay 66.7 ms",
			u:    media.VideoUnit{PTS: 2*time.Second + 66700*time.Microsecond, DTS: 2 * time.Second, NALUs: [][]byte{{0x41, 0x01}}},
			want: []byte{0x27, 0x01, 0, 0, 67, 0, 0, 0, 2, 0x41, 0x01},
		},
		{
			name: "large CTS uses all three bytes",
			u:    media.VideoUnit{PTS: 70000 * time.Millisecond, NALUs: [][]byte{{0x41}}},
			want: []byte{0x27, 0x01, 0x01, 0x11, 0x70, 0, 0, 0, 1, 0x41},
		},
		{
			name: "PTS before DTS is sent as 0, empty NALU skipped",
			u:    media.VideoUnit{PTS: 0, DTS: time.Second, NALUs: [][]byte{{}, {0x41, 0x02}}},
			want: []byte{0x27, 0x01, 0, 0, 0, 0, 0, 0, 2, 0x41, 0x02},
		},
	} {
		if got := VideoTagBody(tc.u); !bytes.Equal(got, tc.want) {
			t.Errorf("%s:\ngot  % X\nwant % X", tc.name, got, tc.want)
		}
	}
}

func TestAudioBodies(t *testing.T) {
	if got, want := AACSequenceHeader([]byte{0x11, 0x90}), []byte{0xAF, 0x00, 0x11, 0x90}; !bytes.Equal(got, want) {
		t.Errorf("AACSequenceHeader = % X, want % X", got, want)
	}
	if got, want := AudioTagBody([]byte{0x21, 0x10, 0x04}), []byte{0xAF, 0x01, 0x21, 0x10, 0x04}; !bytes.Equal(got, want) {
		t.Errorf("AudioTagBody = % X, want % X", got, want)
	}
}

func TestMetadata(t *testing.T) {
	m := Metadata{Width: 1280, Height: 720, FPS: 30, VideoBitrate: 2500000, AudioBitrate: 128000,
		AudioSampleRate: 48000, AudioChannels: 2, HasAudio: true, Encoder: "Relay Studio"}
	want := amf0.ECMAArray{
		"duration": 0.0, "width": 1280.0, "height": 720.0, "framerate": 30.0,
		"videocodecid": 7.0, "videodatarate": 2500.0,
		"audiocodecid": 10.0, "audiodatarate": 128.0, "audiosamplerate": 48000.0, "audiosamplesize": 16.0,
		"stereo": true, "encoder": "Relay Studio",
	}
	got := m.ecmaArray()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}

	// It must survive AMF0 as the ECMA array FFmpeg sends.
	var buf bytes.Buffer
	if err := amf0.NewEncoder(&buf).Encode(got); err != nil {
		t.Fatal(err)
	}
	if buf.Bytes()[0] != 0x08 {
		t.Errorf("AMF0 marker = %#x, want 0x08 (ECMA array)", buf.Bytes()[0])
	}
	var back any
	if err := amf0.NewDecoder(&buf).Decode(&back); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(back, any(want)) {
		t.Errorf("round trip: %v", back)
	}

	mono := Metadata{Width: 640, Height: 360, HasAudio: true, AudioChannels: 1}.ecmaArray()
	if mono["stereo"] != false {
		t.Errorf("mono: stereo = %v", mono["stereo"])
	}
	silent := Metadata{Width: 640, Height: 360}.ecmaArray()
	for _, k := range []string{"audiocodecid", "stereo", "audiodatarate", "framerate", "videodatarate", "encoder"} {
		if _, ok := silent[k]; ok {
			t.Errorf("video only, zero fields: %q present", k)
		}
	}
}
