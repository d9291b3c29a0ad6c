package rtsp

import (
	"bytes"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// checkVideo verifies the properties every session must have: Tracks first
// and once, the first unit a keyframe at 0 with the parameter sets in
// front, every keyframe with them in front, DTS monotonic, PTS >= DTS, and
// the pictures are the clip's, in order, looping.
func checkVideo(t *testing.T, cl fakecam.Clip, events []string, tracks []media.Tracks, video []media.VideoUnit) {
	t.Helper()
	if len(events) == 0 || events[0] != "tracks" {
		t.Fatalf("first Sink call = %v, want tracks", events[:min(1, len(events))])
	}
	if len(tracks) != 1 {
		t.Fatalf("Tracks called %d times, want 1", len(tracks))
	}
	want := cl.Tracks.Video
	got := tracks[0].Video
	if got == nil {
		t.Fatal("Tracks.Video is nil")
	}
	if got.Codec != want.Codec || got.Width != want.Width || got.Height != want.Height {
		t.Errorf("video track = %s %dx%d, want %s %dx%d", got.Codec, got.Width, got.Height, want.Codec, want.Width, want.Height)
	}
	if got.FPS != want.FPS {
		t.Errorf("video track FPS = %v, want %v (from the SPS)", got.FPS, want.FPS)
	}
	if !bytes.Equal(got.SPS, want.SPS) || !bytes.Equal(got.PPS, want.PPS) || !bytes.Equal(got.VPS, want.VPS) {
		t.Error("video track parameter sets differ from the camera's")
	}

	if len(video) == 0 {
		t.Fatal("no video")
	}
	first := video[0]
	if !first.Key || first.PTS != 0 || first.DTS != 0 {
		t.Fatalf("first unit: key=%v pts=%v dts=%v, want a keyframe at 0", first.Key, first.PTS, first.DTS)
	}
	params := [][]byte{want.SPS, want.PPS}
	if want.Codec == media.CodecH265 {
		params = [][]byte{want.VPS, want.SPS, want.PPS}
	}
	var lastDTS time.Duration
	keys := 0
	start := indexInClip(want.Codec, cl.Video, first)
	if start < 0 {
		t.Fatal("the first unit is not a picture of the clip")
	}
	for i, u := range video {
		if u.Key {
			keys++
			if len(u.NALUs) < len(params) || !nalusEqual(u.NALUs[:len(params)], params) {
				t.Fatalf("keyframe %d does not start with the parameter sets", i)
			}
		}
		if u.DTS < lastDTS {
			t.Fatalf("unit %d: DTS %v < previous %v", i, u.DTS, lastDTS)
		}
		if u.PTS < u.DTS {
			t.Fatalf("unit %d: PTS %v < DTS %v", i, u.PTS, u.DTS)
		}
		lastDTS = u.DTS
		// Same picture as the clip, in order.
		ci := (start + i) % len(cl.Video)
		if !nalusEqual(picture(want.Codec, u.NALUs), picture(want.Codec, cl.Video[ci].NALUs)) {
			t.Fatalf("unit %d is not clip unit %d", i, ci)
		}
		if u.Key != cl.Video[ci].Key {
			t.Fatalf("unit %d: key=%v, clip says %v", i, u.Key, cl.Video[ci].Key)
		}
	}
	if keys < 2 {
		t.Errorf("saw %d keyframes, want at least 2", keys)
	}
}

// checkTiming verifies that video PTS follow the clip's timing (relative to
// the first unit, modulo loops) within a millisecond.
func checkTiming(t *testing.T, cl fakecam.Clip, video []media.VideoUnit) {
	t.Helper()
	start := indexInClip(cl.Tracks.Video.Codec, cl.Video, video[0])
	frame := time.Duration(float64(time.Second) / cl.Tracks.Video.FPS)
	loop := time.Duration(len(cl.Video)) * frame
	base := cl.Video[start].PTS
	for i, u := range video {
		ci := start + i
		want := cl.Video[ci%len(cl.Video)].PTS + time.Duration(ci/len(cl.Video))*loop - base
		if d := u.PTS - want; d < -time.Millisecond || d > time.Millisecond {
			t.Fatalf("unit %d: PTS %v, want %v (clip timing)", i, u.PTS, want)
		}
	}
}

// playedAudio returns the clip's audio units the camera plays: those
// within one pass of the video.
func playedAudio(cl fakecam.Clip) []media.AudioUnit {
	loop := time.Duration(float64(len(cl.Video)) * float64(time.Second) / cl.Tracks.Video.FPS)
	var out []media.AudioUnit
	for _, u := range cl.Audio {
		if t := u.PTS - cl.Video[0].DTS; t >= 0 && t < loop {
			out = append(out, u)
		}
	}
	return out
}

func TestH264AndAAC(t *testing.T) {
	testx.NoLeaks(t)
	cl := clip(t, fakecam.ClipConfig{Audio: media.CodecAAC, StripParams: true})
	cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true, AUsPerPacket: 3})
	var logs testx.Buffer
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, Logger: testx.Logger(&logs)})

	// 2.4 s of a 2 s clip: crosses a loop.
	sink.waitFor(t, src, 15*time.Second, "60 video units", atLeast(60, 0))
	closePromptly(t, src)
	if err := src.Wait(); err != nil {
		t.Fatalf("Wait after Close = %v, want nil", err)
	}
	events, tracks, video, audio := sink.snapshot()
	checkVideo(t, cl, events, tracks, video)
	checkTiming(t, cl, video)
	for i, u := range video {
		if u.PTS != u.DTS {
			t.Fatalf("unit %d: PTS %v != DTS %v without B-frames", i, u.PTS, u.DTS)
		}
	}

	a := tracks[0].Audio
	if a == nil || a.Codec != media.CodecAAC || a.SampleRate != 48000 || a.Channels != 1 ||
		!bytes.Equal(a.Config, cl.Tracks.Audio.Config) {
		t.Fatalf("audio track = %+v, want AAC 48000 Hz mono with the camera's config", a)
	}
	// Audio: same AUs as the clip in order, 1024 samples apart, the first
	// within 100 ms of the first video frame, monotonic.
	if len(audio) < 50 {
		t.Fatalf("%d audio units for %d video units", len(audio), len(video))
	}
	if audio[0].PTS < 0 || audio[0].PTS > 100*time.Millisecond {
		t.Errorf("first audio PTS %v, want within 100 ms of the first video frame", audio[0].PTS)
	}
	played := playedAudio(cl)
	start := -1
	for i, u := range played {
		if bytes.Equal(u.Data, audio[0].Data) {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal("the first audio unit is not an AU of the clip")
	}
	auDur := time.Second * 1024 / 48000
	for i := 1; i < len(audio); i++ {
		ci := (start + i) % len(played)
		if !bytes.Equal(audio[i].Data, played[ci].Data) {
			t.Fatalf("audio unit %d is not clip AU %d", i, ci)
		}
		if ci == 0 {
			continue // the loop seam: the clip's AAC is not a whole number of video frames
		}
		if d := audio[i].PTS - audio[i-1].PTS; d < auDur-time.Millisecond || d > auDur+time.Millisecond {
			t.Fatalf("audio unit %d: %v after the previous, want %v", i, d, auDur)
		}
	}
	// Rates: 25 video frames and 46.875 AAC frames per second.
	lastV := video[len(video)-1].PTS
	lastA := audio[len(audio)-1].PTS
	if d := lastA - lastV; d < -200*time.Millisecond || d > 200*time.Millisecond {
		t.Errorf("audio ends at %v, video at %v: not aligned", lastA, lastV)
	}
	ratio := float64(len(audio)) / float64(len(video))
	if math.Abs(ratio-46.875/25) > 0.15 {
		t.Errorf("%d audio units for %d video units: ratio %.2f, want %.2f", len(audio), len(video), ratio, 46.875/25)
	}

	st := src.Stats()
	if st.Transport != "tcp" || st.PacketsLost != 0 || st.DecodeErrors != 0 {
		t.Errorf("stats = %+v", st)
	}
	if !strings.Contains(logs.String(), "camera playing") {
		t.Errorf("logs lack the connection event:\n%s", logs.String())
	}
}

func TestH264InBandParamsMidGOP(t *testing.T) {
	cl := clip(t, fakecam.ClipConfig{})
	for _, transport := range []string{"tcp", "auto"} {
		t.Run(transport, func(t *testing.T) {
			testx.NoLeaks(t)
			cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: false, StartMidGOP: true})
			sink := newRecSink()
			src := startSource(t, &Source{URL: cam.URL(), Transport: transport, Sink: sink})
			sink.waitFor(t, src, 15*time.Second, "40 video units", atLeast(40, 0))
			closePromptly(t, src)
			events, tracks, video, _ := sink.snapshot()
			checkVideo(t, cl, events, tracks, video)
			checkTiming(t, cl, video)
			if tracks[0].Audio != nil {
				t.Errorf("audio track %+v for a camera without audio", tracks[0].Audio)
			}
			// The camera started mid-GOP: the first unit delivered is the
			// clip's next keyframe, not its first frame.
			if i := indexInClip(media.CodecH264, cl.Video, video[0]); !cl.Video[i].Key {
				t.Errorf("first unit is clip unit %d, not a keyframe", i)
			}
			if got := src.Stats().Transport; got != "tcp" {
				t.Errorf("transport = %q, want tcp (the camera refuses UDP)", got)
			}
		})
	}
}

func TestUDP(t *testing.T) {
	cl := clip(t, fakecam.ClipConfig{Audio: media.CodecAAC})
	for _, transport := range []string{"udp", "auto"} {
		t.Run(transport, func(t *testing.T) {
			testx.NoLeaks(t)
			cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true, UDP: true})
			sink := newRecSink()
			src := startSource(t, &Source{URL: cam.URL(), Transport: transport, Sink: sink})
			sink.waitFor(t, src, 15*time.Second, "30 video and 30 audio units", atLeast(30, 30))
			closePromptly(t, src)
			events, tracks, video, _ := sink.snapshot()
			checkVideo(t, cl, events, tracks, video)
			if got := src.Stats().Transport; got != "udp" {
				t.Errorf("transport = %q, want udp", got)
			}
		})
	}
}

func TestUDPRefused(t *testing.T) {
	testx.NoLeaks(t)
	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{})
	src := startSource(t, &Source{URL: cam.URL(), Transport: "udp", Sink: newRecSink()})
	err := waitErr(t, src, 15*time.Second)
	if !errors.Is(err, ErrUnsupported) || !strings.Contains(err.Error(), "461") {
		t.Fatalf("err = %v, want ErrUnsupported (461)", err)
	}
}

func TestBFrames(t *testing.T) {
	testx.NoLeaks(t)
	cl := clip(t, fakecam.ClipConfig{BFrames: 2, GOP: 12})
	cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
	sink.waitFor(t, src, 15*time.Second, "40 video units", atLeast(40, 0))
	closePromptly(t, src)
	events, tracks, video, _ := sink.snapshot()
	checkVideo(t, cl, events, tracks, video)
	checkTiming(t, cl, video)
	reordered := 0
	for _, u := range video {
		if u.PTS != u.DTS {
			reordered++
		}
	}
	if reordered == 0 {
		t.Fatalf("no unit with PTS != DTS in a B-frame stream: %s", describeUnits(video))
	}
}

func TestH265AndOpus(t *testing.T) {
	testx.NoLeaks(t)
	cl := clip(t, fakecam.ClipConfig{Video: media.CodecH265, Audio: media.CodecOpus, Channels: 2})
	cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: false})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
	sink.waitFor(t, src, 15*time.Second, "40 video and 40 audio units", atLeast(40, 40))
	closePromptly(t, src)
	events, tracks, video, audio := sink.snapshot()
	checkVideo(t, cl, events, tracks, video)
	checkTiming(t, cl, video)
	a := tracks[0].Audio
	if a == nil || a.Codec != media.CodecOpus || a.SampleRate != 48000 || a.Channels != 2 {
		t.Fatalf("audio track = %+v, want Opus 48000 Hz stereo", a)
	}
	for i := 1; i < len(audio); i++ {
		if !bytes.Equal(audio[i].Data, cl.Audio[0].Data) {
			t.Fatalf("audio unit %d = %x, want the clip's Opus frame", i, audio[i].Data)
		}
		if d := audio[i].PTS - audio[i-1].PTS; d != 20*time.Millisecond {
			t.Fatalf("audio unit %d: %v after the previous, want 20ms", i, d)
		}
	}
}

func TestG711(t *testing.T) {
	for _, codec := range []media.Codec{media.CodecPCMU, media.CodecPCMA} {
		t.Run(codec.String(), func(t *testing.T) {
			testx.NoLeaks(t)
			cl := clip(t, fakecam.ClipConfig{Audio: codec})
			cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true})
			sink := newRecSink()
			src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
			sink.waitFor(t, src, 15*time.Second, "20 video and 20 audio units", atLeast(20, 20))
			closePromptly(t, src)
			_, tracks, _, audio := sink.snapshot()
			a := tracks[0].Audio
			if a == nil || a.Codec != codec || a.SampleRate != 8000 || a.Channels != 1 {
				t.Fatalf("audio track = %+v, want %s 8000 Hz mono", a, codec)
			}
			for i, u := range audio {
				if !bytes.Equal(u.Data, cl.Audio[0].Data) {
					t.Fatalf("audio unit %d: %d bytes, want the clip's 160 samples", i, len(u.Data))
				}
			}
		})
	}
}

func TestAACLATM(t *testing.T) {
	testx.NoLeaks(t)
	cl := clip(t, fakecam.ClipConfig{Audio: media.CodecAAC})
	cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true, AACLATM: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
	sink.waitFor(t, src, 15*time.Second, "20 video and 40 audio units", atLeast(20, 40))
	closePromptly(t, src)
	_, tracks, _, audio := sink.snapshot()
	a := tracks[0].Audio
	if a == nil || a.Codec != media.CodecAAC || a.SampleRate != 48000 || !bytes.Equal(a.Config, cl.Tracks.Audio.Config) {
		t.Fatalf("audio track = %+v, want AAC with the camera's config", a)
	}
	played := playedAudio(cl)
	start := -1
	for i, u := range played {
		if bytes.Equal(u.Data, audio[0].Data) {
			start = i
			break
		}
	}
	if start < 0 {
		t.Fatal("first audio unit is not a clip AU")
	}
	for i, u := range audio {
		if !bytes.Equal(u.Data, played[(start+i)%len(played)].Data) {
			t.Fatalf("audio unit %d differs from the clip", i)
		}
	}
}
