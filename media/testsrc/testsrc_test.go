package testsrc

import (
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/media"
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
