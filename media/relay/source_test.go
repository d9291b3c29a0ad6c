package relay

import (
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/rtsp"
)

// scriptedSource is one camera session that delivers tracks or not, then
// ends with err at once.
type scriptedSource struct {
	sink   *relaySink
	tracks bool
	err    error
	done   chan struct{}
}

func (s *scriptedSource) Start() error {
	if s.tracks {
		s.sink.gotTracks.Store(true) // as Tracks does, without queueing them
	}
	close(s.done)
	return nil
}
func (s *scriptedSource) Close()      {}
func (s *scriptedSource) Wait() error { <-s.done; return s.err }

// TestFirstSessionUpBeforePipelineTookTracks: a first camera session that
// got as far as its tracks and dropped before the pipeline took them still
// counts as the camera having been up, so a 404 after it (a camera that
// reboots answers 404 for a while) is retried, not taken as a wrong path.
func TestFirstSessionUpBeforePipelineTookTracks(t *testing.T) {
	r, err := New(Config{Input: "rtsp://127.0.0.1:1/cam"})
	if err != nil {
		t.Fatal(err)
	}
	var sessions atomic.Int32
	r.openSource = func(sink *relaySink) source {
		s := &scriptedSource{sink: sink, done: make(chan struct{})}
		switch sessions.Add(1) {
		case 1:
			s.tracks, s.err = true, errors.New("connection reset")
		default:
			s.err = rtsp.ErrNotFound
		}
		return s
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	deadline := time.Now().Add(10 * time.Second)
	for sessions.Load() < 3 {
		select {
		case <-r.Done():
			t.Fatalf("the stream ended after %d sessions: %v", sessions.Load(), r.Wait())
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("only %d camera sessions in 10 s", sessions.Load())
		}
	}
	if s := r.Stats(); s.State != StateRetrying && s.State != StateConnecting {
		t.Errorf("state %s (%s), want retrying", s.State, s.Reason)
	}
}

// TestSecondSessionHidesFirstTracks: once a new camera session starts, the
// tracks of the one before are not shown as the camera's.
func TestSecondSessionHidesFirstTracks(t *testing.T) {
	r, err := New(Config{Input: TestPattern})
	if err != nil {
		t.Fatal(err)
	}
	r.output.Store(&outputState{session: 1, tracks: media.Tracks{Video: &media.VideoTrack{Codec: media.CodecH264, Width: 640, Height: 360}}})
	r.source.Store(&sourceState{session: 1})
	if s := r.Stats(); s.Input.Width != 640 {
		t.Fatalf("session 1: input width %d, want 640", s.Input.Width)
	}
	r.source.Store(&sourceState{session: 2})
	if s := r.Stats(); s.Input.Width != 0 || s.Input.VideoCodec != "" {
		t.Errorf("session 2 before its tracks: input %+v, want none", s.Input)
	}
}
