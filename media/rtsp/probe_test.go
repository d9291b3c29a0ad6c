package rtsp

import (
	"context"
	"errors"
	"math"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/silent"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

func TestProbe(t *testing.T) {
	testx.NoLeaks(t)
	cl := clip(t, fakecam.ClipConfig{FPS: 30, GOP: 15, Audio: media.CodecAAC, SampleRate: 44100, Channels: 2})
	cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true})
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	info, err := Probe(ctx, Source{URL: cam.URL(), Transport: "tcp"}, 10*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	v := info.Tracks.Video
	if v == nil || v.Codec != media.CodecH264 || v.Width != 320 || v.Height != 240 {
		t.Fatalf("video = %+v, want H.264 320x240", v)
	}
	if math.Abs(info.FPS-30) > 0.5 {
		t.Errorf("FPS = %v, want 30", info.FPS)
	}
	if d := info.KeyframeInterval - 500*time.Millisecond; d < -100*time.Millisecond || d > 100*time.Millisecond {
		t.Errorf("keyframe interval = %v, want 0.5s", info.KeyframeInterval)
	}
	a := info.Tracks.Audio
	if a == nil || a.Codec != media.CodecAAC || a.SampleRate != 44100 || a.Channels != 2 {
		t.Errorf("audio = %+v, want AAC 44100 Hz stereo", a)
	}
	// The bitrate of the GOP the probe saw, from the clip itself.
	start := -1
	for i, u := range cl.Video {
		if u.Key && i > 0 {
			start = i
			break
		}
	}
	bytes := 0
	for _, u := range cl.Video[start : start+15] {
		for _, n := range u.NALUs {
			bytes += len(n)
		}
	}
	want := float64(bytes*8) / 0.5
	if r := float64(info.VideoBitrate) / want; r < 0.7 || r > 1.3 {
		t.Errorf("bitrate = %d, want about %.0f", info.VideoBitrate, want)
	}
}

func TestProbeErrors(t *testing.T) {
	testx.NoLeaks(t)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()

	_, err := Probe(ctx, Source{URL: "rtsp://" + testx.ClosedPort(t) + "/x"}, 5*time.Second)
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("refused: err = %v, want ErrUnreachable", err)
	}

	_, err = Probe(ctx, Source{URL: "ftp://cam/x"}, time.Second)
	if err == nil {
		t.Error("bad URL: no error")
	}

	// A camera that never sends a keyframe within d.
	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{ParamsInSDP: true})
	cam.Pause()
	_, err = Probe(ctx, Source{URL: cam.URL(), Transport: "tcp"}, 500*time.Millisecond)
	if !errors.Is(err, ErrStalled) {
		t.Errorf("silent camera: err = %v, want ErrStalled", err)
	}

	// Cancelled by the caller.
	addr, _ := silent.Server(t)
	cctx, ccancel := context.WithCancel(ctx)
	ccancel()
	_, err = Probe(cctx, Source{URL: "rtsp://" + addr + "/x"}, 5*time.Second)
	if !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: err = %v, want context.Canceled", err)
	}
}

func TestMeasureFrames(t *testing.T) {
	var frames []probeFrame
	// 24 fps, keyframe every 12 frames, 1000 bytes per frame.
	for i := 0; i <= 12; i++ {
		frames = append(frames, probeFrame{dts: time.Duration(i) * time.Second / 24, size: 1000, key: i%12 == 0})
	}
	m := measureFrames(frames)
	if math.Abs(m.fps-24) > 1e-6 {
		t.Errorf("fps = %v, want 24", m.fps)
	}
	if m.keyInterval != 500*time.Millisecond {
		t.Errorf("key interval = %v, want 500ms", m.keyInterval)
	}
	if m.bitrate != 12*1000*8*2 {
		t.Errorf("bitrate = %d, want %d", m.bitrate, 12*1000*8*2)
	}
	if m := measureFrames(frames[:1]); m != (frameMeasure{}) {
		t.Errorf("one frame: %+v, want zero", m)
	}
}

// TestProbeFPSFromSPSOrMeasured checks the choice between the declared and
// the measured frame rate.
func TestProbeFPSFromSPSOrMeasured(t *testing.T) {
	frames := []probeFrame{{dts: 0, key: true}, {dts: 100 * time.Millisecond}, {dts: 200 * time.Millisecond, key: true}}
	ps := &probeSink{enough: make(chan struct{})}
	ps.Tracks(media.Tracks{Video: &media.VideoTrack{Codec: media.CodecH264, Width: 16, Height: 16}})
	for _, f := range frames {
		ps.Video(media.VideoUnit{DTS: f.dts, PTS: f.dts, Key: f.key, NALUs: [][]byte{{0x65}}})
	}
	select {
	case <-ps.enough:
	default:
		t.Fatal("two keyframes did not end the probe")
	}
	info, ok := ps.info()
	if !ok || math.Abs(info.FPS-10) > 1e-6 {
		t.Errorf("measured FPS = %v, want 10", info.FPS)
	}
	ps.tracks.Video.FPS = 25
	if info, _ := ps.info(); info.FPS != 25 {
		t.Errorf("FPS = %v, want the declared 25", info.FPS)
	}
}
