package rtsp

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/media"
)

// clips caches encoded clips per configuration: encoding takes a few
// hundred milliseconds and several tests share a clip.
var clips struct {
	mu sync.Mutex
	m  map[fakecam.ClipConfig]fakecam.Clip
}

func clip(t testing.TB, cfg fakecam.ClipConfig) fakecam.Clip {
	t.Helper()
	clips.mu.Lock()
	defer clips.mu.Unlock()
	if c, ok := clips.m[cfg]; ok {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := fakecam.EncodeClip(ctx, cfg)
	if errors.Is(err, fakecam.ErrNoFFmpeg) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	if clips.m == nil {
		clips.m = make(map[fakecam.ClipConfig]fakecam.Clip)
	}
	clips.m[cfg] = c
	return c
}

// startCamera starts cam with the clip and stops it when the test ends.
func startCamera(t *testing.T, cl fakecam.Clip, cam *fakecam.Camera) *fakecam.Camera {
	t.Helper()
	cl.Apply(cam)
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(cam.Close)
	return cam
}

// recSink records everything a Source delivers.
type recSink struct {
	mu     sync.Mutex
	events []string // "tracks", "video", "audio" in call order
	tracks []media.Tracks
	video  []media.VideoUnit
	audio  []media.AudioUnit
	// wake is signalled (without blocking) after every call, for waitFor.
	wake chan struct{}
}

func newRecSink() *recSink { return &recSink{wake: make(chan struct{}, 1)} }

func (r *recSink) signal() {
	select {
	case r.wake <- struct{}{}:
	default:
	}
}

func (r *recSink) Tracks(t media.Tracks) {
	r.mu.Lock()
	r.events = append(r.events, "tracks")
	r.tracks = append(r.tracks, t)
	r.mu.Unlock()
	r.signal()
}

func (r *recSink) Video(u media.VideoUnit) {
	r.mu.Lock()
	r.events = append(r.events, "video")
	r.video = append(r.video, u)
	r.mu.Unlock()
	r.signal()
}

func (r *recSink) Audio(u media.AudioUnit) {
	r.mu.Lock()
	r.events = append(r.events, "audio")
	r.audio = append(r.audio, u)
	r.mu.Unlock()
	r.signal()
}

// snapshot returns copies of what was recorded.
func (r *recSink) snapshot() (events []string, tracks []media.Tracks, video []media.VideoUnit, audio []media.AudioUnit) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.events...), append([]media.Tracks(nil), r.tracks...),
		append([]media.VideoUnit(nil), r.video...), append([]media.AudioUnit(nil), r.audio...)
}

// waitFor blocks until cond holds on the recorded data, the source ends,
// or timeout passes (a test failure).
func (r *recSink) waitFor(t *testing.T, src *Source, timeout time.Duration, what string, cond func(video []media.VideoUnit, audio []media.AudioUnit) bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		r.mu.Lock()
		ok := cond(r.video, r.audio)
		r.mu.Unlock()
		if ok {
			return
		}
		select {
		case <-r.wake:
		case <-src.run.done:
			t.Fatalf("waiting for %s: the session ended: %v", what, src.run.err)
		case <-deadline.C:
			t.Fatalf("waiting for %s: nothing after %s", what, timeout)
		}
	}
}

func atLeast(nv, na int) func([]media.VideoUnit, []media.AudioUnit) bool {
	return func(v []media.VideoUnit, a []media.AudioUnit) bool { return len(v) >= nv && len(a) >= na }
}

// startSource starts a Source and closes it when the test ends.
func startSource(t *testing.T, src *Source) *Source {
	t.Helper()
	if err := src.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(src.Close)
	return src
}

// waitErr waits for the session to end, bounded.
func waitErr(t *testing.T, src *Source, timeout time.Duration) error {
	t.Helper()
	select {
	case <-src.run.done:
		return src.Wait()
	case <-time.After(timeout):
		t.Fatalf("the session did not end within %s", timeout)
		return nil
	}
}

// closePromptly closes src and fails if that takes 2 s or more.
func closePromptly(t *testing.T, src *Source) {
	t.Helper()
	done := make(chan struct{})
	go func() {
		src.Close()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close took 2 s or more")
		<-done
	}
}

// nalusEqual compares NALU lists.
func nalusEqual(a, b [][]byte) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i], b[i]) {
			return false
		}
	}
	return true
}

// picture returns the unit's NALUs other than parameter sets and
// delimiters, to compare what was sent with what arrived.
func picture(codec media.Codec, nalus [][]byte) [][]byte {
	var out [][]byte
	for _, n := range nalus {
		var syn videoSyntax = h264Syntax{}
		if codec == media.CodecH265 {
			syn = h265Syntax{}
		}
		kind, aud, _ := syn.classify(n)
		if kind != notParam || aud {
			continue
		}
		out = append(out, n)
	}
	return out
}

// indexInClip finds the clip unit whose picture equals got.
func indexInClip(codec media.Codec, clip []media.VideoUnit, got media.VideoUnit) int {
	want := picture(codec, got.NALUs)
	for i, u := range clip {
		if nalusEqual(picture(codec, u.NALUs), want) {
			return i
		}
	}
	return -1
}

func describeUnits(us []media.VideoUnit) string {
	var b bytes.Buffer
	for i, u := range us {
		if i == 8 {
			b.WriteString("...")
			break
		}
		fmt.Fprintf(&b, "[pts=%v dts=%v key=%v n=%d] ", u.PTS, u.DTS, u.Key, len(u.NALUs))
	}
	return b.String()
}
