package fakecam

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/pion/rtp"
	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/media"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

var (
	clipOnce sync.Once
	testClip Clip
	clipErr  error
)

// shortClip is a 1 s H.264 + AAC clip, encoded once.
func shortClip(t *testing.T) Clip {
	t.Helper()
	clipOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		testClip, clipErr = EncodeClip(ctx, ClipConfig{Duration: time.Second, GOP: 10, Audio: media.CodecAAC})
	})
	if errors.Is(clipErr, ErrNoFFmpeg) {
		t.Skip(clipErr)
	}
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	return testClip
}

func TestEncodeClip(t *testing.T) {
	cl := shortClip(t)
	v := cl.Tracks.Video
	if v.Codec != media.CodecH264 || v.Width != 320 || v.Height != 240 || v.FPS != 25 {
		t.Fatalf("video track = %+v", v)
	}
	if len(cl.Video) != 25 {
		t.Fatalf("%d video units, want 25", len(cl.Video))
	}
	for i, u := range cl.Video {
		if u.Key != (i%10 == 0) {
			t.Errorf("unit %d: key=%v with a GOP of 10", i, u.Key)
		}
		if u.DTS != time.Duration(i)*40*time.Millisecond {
			t.Errorf("unit %d: DTS %v", i, u.DTS)
		}
		for _, n := range u.NALUs {
			if n[0]&0x1f == 9 {
				t.Errorf("unit %d holds an access unit delimiter", i)
			}
		}
	}
	if !hasParams(media.CodecH264, cl.Video[0].NALUs) {
		t.Error("the first keyframe lacks its parameter sets")
	}
	a := cl.Tracks.Audio
	if a == nil || a.Codec != media.CodecAAC || a.SampleRate != 48000 || a.Channels != 1 || len(cl.Audio) < 40 {
		t.Fatalf("audio = %+v, %d units", a, len(cl.Audio))
	}
}

func TestSplitAnnexB(t *testing.T) {
	in := []byte{0, 0, 0, 1, 9, 0xf0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3}
	got := splitAnnexB(in)
	want := [][]byte{{9, 0xf0}, {0x67, 1, 2}, {0x68, 3}}
	if len(got) != len(want) {
		t.Fatalf("got %x", got)
	}
	for i := range want {
		if !bytes.Equal(got[i], want[i]) {
			t.Fatalf("NALU %d = %x, want %x", i, got[i], want[i])
		}
	}
}

func TestMidGOP(t *testing.T) {
	units := make([]media.VideoUnit, 20)
	units[0].Key, units[10].Key = true, true
	if i := midGOP(units); i != 5 {
		t.Errorf("midGOP = %d, want 5", i)
	}
	if i := midGOP(units[:1]); i != -1 {
		t.Errorf("midGOP of a single keyframe = %d, want -1", i)
	}
}

func TestValidate(t *testing.T) {
	cl := shortClip(t)
	for name, c := range map[string]*Camera{
		"no video":       {},
		"no params":      {Tracks: media.Tracks{Video: &media.VideoTrack{Codec: media.CodecH264}}, Video: cl.Video},
		"not key first":  {Tracks: cl.Tracks, Video: cl.Video[1:]},
		"bad audio":      {Tracks: media.Tracks{Video: cl.Tracks.Video, Audio: &media.AudioTrack{Codec: media.CodecH264}}, Video: cl.Video},
		"aac w/o config": {Tracks: media.Tracks{Video: cl.Tracks.Video, Audio: &media.AudioTrack{Codec: media.CodecAAC, SampleRate: 8000, Channels: 1}}, Video: cl.Video},
	} {
		if err := c.Start(); err == nil {
			c.Close()
			t.Errorf("%s: Start succeeded", name)
		}
	}
}

// reader is a plain gortsplib client recording the RTP timestamps of the
// video track and the number of audio packets.
type reader struct {
	c          *gortsplib.Client
	desc       *description.Session
	mu         sync.Mutex
	videoTS    []uint32
	videoMark  []bool
	audioCount int
	wake       chan struct{}
}

func play(t *testing.T, rawURL string) (*reader, error) {
	t.Helper()
	u, err := base.ParseURL(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	tcp := gortsplib.TransportTCP
	r := &reader{wake: make(chan struct{}, 1)}
	r.c = &gortsplib.Client{Scheme: u.Scheme, Host: u.Host, Transport: &tcp,
		OnPacketsLost: func(uint64) {}, OnDecodeError: func(error) {}, OnTransportSwitch: func(error) {}}
	if err := r.c.Start2(); err != nil {
		t.Fatal(err)
	}
	desc, _, err := r.c.Describe(u)
	if err != nil {
		r.c.Close()
		return nil, err
	}
	r.desc = desc
	if err := r.c.SetupAll(desc.BaseURL, desc.Medias); err != nil {
		r.c.Close()
		return nil, err
	}
	r.c.OnPacketRTPAny(func(m *description.Media, _ format.Format, pkt *rtp.Packet) {
		r.mu.Lock()
		if m == desc.Medias[0] {
			r.videoTS = append(r.videoTS, pkt.Timestamp)
			r.videoMark = append(r.videoMark, pkt.Marker)
		} else {
			r.audioCount++
		}
		r.mu.Unlock()
		select {
		case r.wake <- struct{}{}:
		default:
		}
	})
	if _, err := r.c.Play(nil); err != nil {
		r.c.Close()
		return nil, err
	}
	t.Cleanup(r.c.Close)
	return r, nil
}

// frames returns the RTP timestamps of complete video frames.
func (r *reader) frames() []uint32 {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []uint32
	for i, ts := range r.videoTS {
		if r.videoMark[i] {
			out = append(out, ts)
		}
	}
	return out
}

func (r *reader) waitFrames(t *testing.T, n int, timeout time.Duration) []uint32 {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if f := r.frames(); len(f) >= n {
			return f
		}
		select {
		case <-r.wake:
		case <-deadline.C:
			t.Fatalf("fewer than %d frames after %s", n, timeout)
		}
	}
}

func TestTimestampsContinueAcrossLoops(t *testing.T) {
	cl := shortClip(t)
	cam := &Camera{ParamsInSDP: true, AUsPerPacket: 2}
	cl.Apply(cam)
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	r, err := play(t, cam.URL())
	if err != nil {
		t.Fatal(err)
	}
	// 1.4 s of a 1 s clip.
	frames := r.waitFrames(t, 35, 10*time.Second)
	for i := 1; i < len(frames); i++ {
		if d := frames[i] - frames[i-1]; d != 3600 {
			t.Fatalf("frame %d: RTP timestamp step %d, want 3600 (25 fps at 90 kHz), also across the loop", i, d)
		}
	}
	r.mu.Lock()
	audio := r.audioCount
	r.mu.Unlock()
	if audio == 0 {
		t.Error("no audio packets")
	}
	// SDP carries the parameter sets when asked to.
	if f := r.desc.Medias[0].Formats[0].(*format.H264); !bytes.Equal(f.SPS, cl.Tracks.Video.SPS) {
		t.Error("SDP without the SPS despite ParamsInSDP")
	}
}

func TestPauseResumeRestart(t *testing.T) {
	cl := shortClip(t)
	cam := &Camera{}
	cl.Apply(cam)
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	r, err := play(t, cam.URL())
	if err != nil {
		t.Fatal(err)
	}
	if f := r.desc.Medias[0].Formats[0].(*format.H264); f.SPS != nil {
		t.Error("SDP carries the SPS without ParamsInSDP")
	}
	r.waitFrames(t, 3, 10*time.Second)
	cam.Pause()
	// Let a frame in flight land, then nothing may arrive for 300 ms.
	time.Sleep(100 * time.Millisecond)
	before := len(r.frames())
	time.Sleep(300 * time.Millisecond)
	if after := len(r.frames()); after != before {
		t.Fatalf("%d frames arrived while paused", after-before)
	}
	cam.Resume()
	r.waitFrames(t, before+3, 10*time.Second)

	port := cam.Port()
	url := cam.URL()
	if err := cam.Restart(); err != nil {
		t.Fatal(err)
	}
	if err := r.c.Wait(); err == nil {
		t.Error("the client was not dropped by Restart")
	}
	if cam.Port() != port || cam.URL() != url {
		t.Fatalf("after Restart the camera is at %s, was %s", cam.URL(), url)
	}
	r2, err := play(t, cam.URL())
	if err != nil {
		t.Fatal(err)
	}
	r2.waitFrames(t, 3, 10*time.Second)
	if cam.Sessions() != 2 {
		t.Errorf("Sessions = %d, want 2", cam.Sessions())
	}
}

func TestAuthAndPath(t *testing.T) {
	cl := shortClip(t)
	cam := &Camera{User: "u", Pass: "p@ss/word", Path: "/ch1"}
	cl.Apply(cam)
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	if !strings.HasSuffix(cam.URL(), "/ch1") || !strings.Contains(cam.URL(), "u:p%40ss%2Fword@127.0.0.1:") {
		t.Errorf("URL = %s", cam.URL())
	}
	if _, err := play(t, cam.URL()); err != nil {
		t.Fatalf("right credentials: %v", err)
	}
	var status liberrors.ErrClientBadStatusCode
	if _, err := play(t, strings.Replace(cam.URL(), "p%40ss", "bad", 1)); !errors.As(err, &status) || status.Code != 401 {
		t.Errorf("wrong password: %v, want 401", err)
	}
	if _, err := play(t, strings.Replace(cam.URL(), "/ch1", "/ch2", 1)); !errors.As(err, &status) || status.Code != 404 {
		t.Errorf("wrong path: %v, want 404", err)
	}
}

func TestAddr(t *testing.T) {
	cl := shortClip(t)
	first := &Camera{}
	cl.Apply(first)
	if err := first.Start(); err != nil {
		t.Fatal(err)
	}
	port := first.Port()
	first.Close()

	// A camera that comes up later on the port a client was told about.
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	cam := &Camera{Addr: addr}
	cl.Apply(cam)
	if err := cam.Start(); err != nil {
		t.Fatal(err)
	}
	defer cam.Close()
	if cam.Port() != port {
		t.Fatalf("Port = %d, want %d", cam.Port(), port)
	}
	r, err := play(t, cam.URL())
	if err != nil {
		t.Fatal(err)
	}
	r.waitFrames(t, 3, 10*time.Second)

	busy := &Camera{Addr: addr}
	cl.Apply(busy)
	if err := busy.Start(); err == nil {
		busy.Close()
		t.Fatal("a second camera started on a port in use")
	}
}

// TestShapes checks that each camera shape of the benchmarks is what its
// name says: the slices per picture, B-frames (presentation order differs
// from decoding order), the codec, and the bitrate within a quarter.
func TestShapes(t *testing.T) {
	const d = 2 * time.Second // a GOP: the keyframe's burst evens out
	for _, sh := range Shapes(d) {
		cfg := sh.Clip
		// A third of the size keeps the test quick; slices, B-frames and
		// the codec do not depend on it. The bitrate is checked at full size
		// only for the plain shape, which has none set.
		cfg.Width, cfg.Height = 640, 360
		cl, err := EncodeClip(context.Background(), cfg)
		if errors.Is(err, ErrNoFFmpeg) {
			t.Skip(err)
		}
		if err != nil {
			t.Fatalf("%s: %v", sh.Name, err)
		}
		codec := cfg.Video
		if codec == media.CodecUnknown {
			codec = media.CodecH264
		}
		if cl.Tracks.Video.Codec != codec {
			t.Errorf("%s: codec %s", sh.Name, cl.Tracks.Video.Codec)
		}
		slices, reordered, bytes := 0, false, 0
		for _, u := range cl.Video {
			for _, n := range u.NALUs {
				bytes += len(n)
				if codec == media.CodecH264 && (n[0]&0x1f == 1 || n[0]&0x1f == 5) {
					slices++
				}
			}
			reordered = reordered || u.PTS != u.DTS
		}
		if codec == media.CodecH264 {
			want := max(cfg.Slices, 1)
			if got := float64(slices) / float64(len(cl.Video)); got != float64(want) {
				t.Errorf("%s: %.2f slices per picture, want %d", sh.Name, got, want)
			}
		}
		if reordered != (cfg.BFrames > 0) {
			t.Errorf("%s: presentation order differs from decoding order: %v, with %d B-frames", sh.Name, reordered, cfg.BFrames)
		}
		if cfg.Bitrate > 0 {
			rate := float64(bytes*8) / d.Seconds()
			if rate < 0.75*float64(cfg.Bitrate) || rate > 1.25*float64(cfg.Bitrate) {
				t.Errorf("%s: %.0f b/s, want about %d", sh.Name, rate, cfg.Bitrate)
			}
		}
	}
}
