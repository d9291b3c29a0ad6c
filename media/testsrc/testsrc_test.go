package testsrc

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// recorder is a Sink that keeps everything.
type recorder struct {
	mu     sync.Mutex
	tracks []media.Tracks
	video  []media.VideoUnit
	audio  []media.AudioUnit
	order  []string
}

func (r *recorder) Tracks(t media.Tracks) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.tracks = append(r.tracks, t)
	r.order = append(r.order, "tracks")
}

func (r *recorder) Video(u media.VideoUnit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.video = append(r.video, u)
	r.order = append(r.order, "video")
}

func (r *recorder) Audio(u media.AudioUnit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.audio = append(r.audio, u)
	r.order = append(r.order, "audio")
}

func TestPatternLikeACamera(t *testing.T) {
	rec := &recorder{}
	s := &Source{Width: 640, Height: 360, FPS: 30, Sink: rec}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	time.Sleep(2200 * time.Millisecond)
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}

	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.tracks) != 1 || rec.order[0] != "tracks" {
		t.Fatalf("tracks delivered %d times, first event %q", len(rec.tracks), rec.order[0])
	}
	v, a := rec.tracks[0].Video, rec.tracks[0].Audio
	if v.Codec != media.CodecH264 || v.Width != 640 || v.Height != 360 || v.FPS != 30 || len(v.SPS) == 0 || len(v.PPS) == 0 {
		t.Errorf("video track %+v", v)
	}
	if a == nil || a.Codec != media.CodecAAC || a.SampleRate != 48000 || a.Channels != 2 || len(a.Config) < 2 {
		t.Errorf("audio track %+v", a)
	}
	// Real time: about 2.2 s of 30 fps.
	if n := len(rec.video); n < 55 || n > 75 {
		t.Errorf("%d frames in 2.2 s at 30 fps", n)
	}
	if !rec.video[0].Key || rec.video[0].PTS != 0 {
		t.Errorf("first unit key=%v pts=%v", rec.video[0].Key, rec.video[0].PTS)
	}
	for i, u := range rec.video {
		if u.Key != (i%30 == 0) {
			t.Errorf("unit %d key=%v: want a keyframe every second", i, u.Key)
		}
		if u.Key && (u.NALUs[0][0]&0x1f != 7 || u.NALUs[1][0]&0x1f != 8) {
			t.Errorf("keyframe %d does not start with SPS and PPS", i)
		}
		if i > 0 && u.PTS <= rec.video[i-1].PTS {
			t.Fatalf("unit %d pts %v not after %v", i, u.PTS, rec.video[i-1].PTS)
		}
	}
	last := rec.video[len(rec.video)-1].PTS
	if len(rec.audio) == 0 {
		t.Fatal("no audio")
	}
	if rec.audio[0].PTS != 0 {
		t.Errorf("first audio unit at %v, want 0", rec.audio[0].PTS)
	}
	if d := rec.audio[len(rec.audio)-1].PTS - last; d > 100*time.Millisecond || d < -100*time.Millisecond {
		t.Errorf("audio ends %v away from video", d)
	}
}

func TestDescribeMatchesDefaults(t *testing.T) {
	d := (&Source{}).Describe()
	if d.Tracks.Video.Width != 1280 || d.Tracks.Video.Height != 720 || d.FPS != 30 || d.KeyframeInterval != time.Second || d.Tracks.Audio == nil {
		t.Errorf("%+v", d)
	}
	if (&Source{NoAudio: true}).Describe().Tracks.Audio != nil {
		t.Error("NoAudio still describes audio")
	}
}

func TestStartNeedsSink(t *testing.T) {
	if err := (&Source{}).Start(); err == nil {
		t.Fatal("started without a sink")
	}
	var s Source
	s.Close()
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
}

// signalSink records like recorder and says when it holds enough video.
type signalSink struct {
	recorder
	want   int
	enough chan struct{}
	once   sync.Once
}

func (s *signalSink) Video(u media.VideoUnit) {
	s.recorder.Video(u)
	s.mu.Lock()
	n := len(s.video)
	s.mu.Unlock()
	if n >= s.want {
		s.once.Do(func() { close(s.enough) })
	}
}

// TestFastDeliversQuickly takes 4 s of media from an unpaced source: it
// arrives long before 4 s pass (the test's bound), and Close is prompt
// while the source runs flat out.
func TestFastDeliversQuickly(t *testing.T) {
	sink := &signalSink{want: 120, enough: make(chan struct{})}
	s := &Source{Width: 320, Height: 240, FPS: 30, Fast: true, Sink: sink}
	if err := s.Start(); err != nil {
		t.Fatal(err)
	}
	select {
	case <-sink.enough:
	case <-time.After(3 * time.Second):
		t.Error("4 s of media took more than 3 s to generate")
	}
	start := time.Now()
	s.Close()
	if d := time.Since(start); d > time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := s.Wait(); err != nil {
		t.Fatal(err)
	}
	sink.mu.Lock()
	defer sink.mu.Unlock()
	if sink.order[0] != "tracks" || !sink.video[0].Key {
		t.Errorf("first event %q, first unit key=%v", sink.order[0], sink.video[0].Key)
	}
	for i, u := range sink.video {
		if want := time.Duration(math.Round(float64(i) * 1e9 / 30)); u.PTS != want {
			t.Fatalf("unit %d at %v, want %v", i, u.PTS, want)
		}
	}
}

func TestStartRefusesBadSizes(t *testing.T) {
	for _, s := range []*Source{
		{Width: 641, Height: 360, Sink: &recorder{}},
		{Width: 640, Height: 360, FPS: 500, Sink: &recorder{}},
	} {
		if err := s.Start(); err == nil {
			s.Close()
			t.Errorf("%dx%d at %d fps started", s.Width, s.Height, s.FPS)
		}
	}
}

// TestRecord makes a clip and checks it as a receiver would: parameter
// sets that parse, keyframes every second led by SPS/PPS, pictures that
// decode, and audio from 0 to the end without gaps.
func TestRecord(t *testing.T) {
	before := codec.Live()
	tracks, video, audio, err := Record(context.Background(), 640, 360, 25, 2*time.Second, true)
	if err != nil {
		t.Fatal(err)
	}
	if n := codec.Live(); n != before {
		t.Errorf("Record left %d FFmpeg objects behind", n-before)
	}
	if len(video) != 50 {
		t.Fatalf("%d video units for 2 s at 25 fps", len(video))
	}
	var sps h264.SPS
	if err := sps.Unmarshal(tracks.Video.SPS); err != nil {
		t.Fatal(err)
	}
	if sps.Width() != 640 || sps.Height() != 360 || tracks.Video.FPS != 25 {
		t.Errorf("SPS says %dx%d, track %g fps", sps.Width(), sps.Height(), tracks.Video.FPS)
	}
	dec, err := codec.NewVideoDecoder(*tracks.Video)
	if err != nil {
		t.Fatal(err)
	}
	defer dec.Close()
	decoded := 0
	for i, u := range video {
		if u.Key != (i%25 == 0) {
			t.Errorf("unit %d key=%v, want a keyframe every second", i, u.Key)
		}
		if u.Key && (u.NALUs[0][0]&0x1f != 7 || u.NALUs[1][0]&0x1f != 8) {
			t.Errorf("keyframe %d does not start with SPS and PPS", i)
		}
		if err := dec.Decode(u, func(f *codec.Frame) {
			if f.Width() != 640 || f.Height() != 360 || f.PTS() != u.PTS {
				t.Errorf("unit %d decoded to %dx%d at %v", i, f.Width(), f.Height(), f.PTS())
			}
			decoded++
		}); err != nil {
			t.Fatal(err)
		}
	}
	if decoded != len(video) {
		t.Errorf("%d of %d pictures decoded", decoded, len(video))
	}
	if tracks.Audio == nil || len(audio) == 0 || audio[0].PTS != 0 {
		t.Fatalf("audio track %v, %d units", tracks.Audio, len(audio))
	}
	step := time.Second * 1024 / 48000
	for i := 1; i < len(audio); i++ {
		if d := audio[i].PTS - audio[i-1].PTS; d < step-time.Microsecond || d > step+time.Microsecond {
			t.Fatalf("audio unit %d is %v after the previous", i, d)
		}
	}
	// The encoder holds one frame back, so audio ends up to two units
	// before the video.
	if end := audio[len(audio)-1].PTS + step; end < 2*time.Second-3*step || end > 2*time.Second+step {
		t.Errorf("audio ends at %v, video at 2 s", end)
	}

	_, v, a, err := Record(context.Background(), 320, 240, 30, time.Second, false)
	if err != nil || len(v) != 30 || len(a) != 0 {
		t.Errorf("without audio: %d video, %d audio units, %v", len(v), len(a), err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, _, err := Record(ctx, 320, 240, 30, time.Second, false); err == nil {
		t.Error("a cancelled recording succeeded")
	}
}
