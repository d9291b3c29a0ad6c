package relay

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	gortmp "github.com/yutopp/go-rtmp"
	rtmpmsg "github.com/yutopp/go-rtmp/message"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// tagArrival is one video tag as the in-process ingest received it.
type tagArrival struct {
	ts  uint32 // RTMP timestamp, ms
	key bool
	at  time.Time
}

// arrivalIngest is go-rtmp's server on loopback, timing every video tag.
type arrivalIngest struct {
	mu   sync.Mutex
	tags []tagArrival
}

type arrivalHandler struct {
	gortmp.DefaultHandler
	in *arrivalIngest
}

func (h *arrivalHandler) OnPublish(_ *gortmp.StreamContext, _ uint32, _ *rtmpmsg.NetStreamPublish) error {
	return nil
}

func (h *arrivalHandler) OnVideo(ts uint32, payload io.Reader) error {
	at := time.Now()
	var hdr [2]byte
	if _, err := io.ReadFull(payload, hdr[:]); err != nil || hdr[1] != 1 {
		return nil // sequence header, not a picture
	}
	h.in.mu.Lock()
	h.in.tags = append(h.in.tags, tagArrival{ts: ts, key: hdr[0]>>4 == 1, at: at})
	h.in.mu.Unlock()
	return nil
}

func startArrivalIngest(b *testing.B) (*arrivalIngest, string) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	in := &arrivalIngest{}
	srv := gortmp.NewServer(&gortmp.ServerConfig{
		OnConnect: func(c net.Conn) (io.ReadWriteCloser, *gortmp.ConnConfig) {
			return c, &gortmp.ConnConfig{Handler: &arrivalHandler{in: in}}
		},
	})
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	return in, "rtmp://" + l.Addr().String() + "/live/bench"
}

// benchCamera serves a 4 s 1080p30 clip with AAC (a keyframe every 2 s)
// until the benchmark ends; sent, when set, is told of every picture sent.
func benchCamera(b *testing.B, sent func(pts time.Duration, key bool, at time.Time)) *fakecam.Camera {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	clip, err := fakecam.EncodeClip(ctx, fakecam.ClipConfig{Width: 1920, Height: 1080, FPS: 30, GOP: 60, Duration: 4 * time.Second,
		Audio: media.CodecAAC, SampleRate: 48000, Channels: 2})
	if err != nil {
		b.Skip(err)
	}
	cam := &fakecam.Camera{ParamsInSDP: true, OnVideoSent: sent}
	clip.Apply(cam)
	if err := cam.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(cam.Close)
	return cam
}

// sentPictures is what the camera reports having sent: when the last RTP
// packet of each picture went out, by clip PTS rounded to the millisecond
// (the resolution of RTMP timestamps), and its keyframes in order.
type sentPictures struct {
	mu   sync.Mutex
	at   map[time.Duration]time.Time
	keys []time.Duration
}

func (s *sentPictures) record(pts time.Duration, key bool, at time.Time) {
	pts = pts.Round(time.Millisecond)
	s.mu.Lock()
	s.at[pts] = at
	if key {
		s.keys = append(s.keys, pts)
	}
	s.mu.Unlock()
}

// latencyWarmup is how much of each connection's start latencyMatch
// keeps apart: the relay opens its decoder and encoder on the first
// picture, which holds up the first few once per stream, not per picture.
const latencyWarmup = time.Second

// latencyMatch is the outcome of matching the ingest's tags to pictures.
type latencyMatch struct {
	lat       []time.Duration // tag received − picture sent, past each connection's warm-up
	warmup    []time.Duration // the same within it
	unmatched int             // tags of an anchored connection with no sent picture at their time
	acausal   int             // tags that would have arrived before their picture was sent
	pairs     []string        // the first few matches of each connection, to check by eye
}

// match pairs every tag with the picture it was made from. Each RTMP
// connection starts its timestamps at 0 on a keyframe (rtmp.Publisher), so
// a tag's timestamp is its picture's PTS minus that of the connection's
// first picture, truncated to the millisecond; that first picture is
// anchored on the last camera keyframe sent before the 0 ms tag arrived.
// That holds only without the slate (benchLatency turns it off): a slate
// picture sent while the camera's first keyframe was awaited would be the
// 0 ms tag, and put the camera's pictures a frame or more later.
//
// In copy mode the 0 ms tag is a camera keyframe itself. In h264 mode the
// encoder's output frame n has PTS origin + n/fps (codec.VideoEncoder),
// where origin is the PTS of the first picture decoded, and the decoder
// starts at a camera keyframe; the first session's timeline is not shifted
// (pipeline.shift), and a 30 fps camera on a 30 fps grid gives every
// output frame exactly one camera picture (no drop, no repeat). So output
// frame n is camera picture origin + n/30, and a connection's first tag
// is the encoder's frame 0, or, if the connection came up late, a later
// encoder keyframe: every 2 s from origin, as are the camera's keyframes
// (a 60-picture GOP at 30 fps), so that anchor is a camera keyframe too.
// The anchor cannot be a frame early (it is a keyframe, 2 s apart), and
// one a GOP early would show as latencies of seconds. One a frame or more
// late (a 0 ms tag that was not the camera's) pairs each tag with a later
// picture, which would arrive before that picture was sent wherever the
// true latency is under a frame: acausal counts such pairs, and they are
// not matched, so a wrong anchor fails the measurement rather than
// skewing it.
func (s *sentPictures) match(tags []tagArrival) latencyMatch {
	s.mu.Lock()
	defer s.mu.Unlock()
	var m latencyMatch
	anchor := time.Duration(-1)
	shown := 0
	for _, t := range tags {
		if t.ts == 0 && t.key {
			anchor, shown = -1, 0
			for _, k := range s.keys {
				if at, ok := s.at[k]; ok && !at.After(t.at) {
					anchor = k
				}
			}
		}
		if anchor < 0 {
			continue // no connection start seen: nothing to anchor on
		}
		// Both sides are rounded to the millisecond, differently (the
		// camera's PTS to the nearest, the RTMP timestamp down from the
		// encoder's nanoseconds): allow a millisecond either way. Pictures
		// are 33 ms apart, so this cannot pick a neighbour.
		want := anchor + time.Duration(t.ts)*time.Millisecond
		found := false
		for _, d := range []time.Duration{0, time.Millisecond, -time.Millisecond} {
			at, ok := s.at[want+d]
			if !ok {
				continue
			}
			found = true
			l := t.at.Sub(at)
			if l < 0 {
				m.acausal++
				break
			}
			if time.Duration(t.ts)*time.Millisecond < latencyWarmup {
				m.warmup = append(m.warmup, l)
			} else {
				m.lat = append(m.lat, l)
			}
			if shown < 3 {
				shown++
				m.pairs = append(m.pairs, fmt.Sprintf("tag %d ms → picture %v (anchor + %v) after %v",
					t.ts, want+d, want+d-anchor, l.Round(10*time.Microsecond)))
			}
			break
		}
		if !found {
			m.unmatched++
		}
	}
	return m
}

// benchLatency runs a relay of benchCamera with video to the arrival ingest
// for ten seconds per iteration, and reports what it adds between the
// camera's sending a picture and the ingest's receiving its tag, past the
// warm-up of each connection (whose maximum is printed beside).
func benchLatency(b *testing.B, name string, video VideoConfig, what, target string) {
	sent := &sentPictures{at: map[time.Duration]time.Time{}}
	cam := benchCamera(b, sent.record)
	in, url := startArrivalIngest(b)

	const run = 10 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		// No slate: it comes on when the camera's first keyframe takes
		// more than 2 s (the session set up, then up to a GOP to wait),
		// and its picture would then be the connection's 0 ms tag, which
		// sentPictures.match anchors on.
		r, err := New(Config{Input: cam.URL(), RTSPTransport: "tcp", Video: video, Slate: SlateConfig{Off: true},
			Destinations: []Destination{{URL: url}}})
		if err != nil {
			b.Fatal(err)
		}
		if err := r.Start(); err != nil {
			b.Fatal(err)
		}
		time.Sleep(run)
		r.Close()
	}
	b.StopTimer()

	in.mu.Lock()
	tags := slices.Clone(in.tags)
	in.mu.Unlock()
	m := sent.match(tags)
	// go test shows only the first lines a benchmark logs: keep it short.
	b.Logf("%d tags, %d matched (%d in warm-up), %d unmatched, %d acausal; %s",
		len(tags), len(m.lat)+len(m.warmup), len(m.warmup), m.unmatched, m.acausal, strings.Join(m.pairs, "; "))
	if len(m.lat) < 100 {
		b.Fatalf("matched only %d of %d tags past the warm-up", len(m.lat), len(tags))
	}
	warm := time.Duration(0)
	for _, l := range m.warmup {
		warm = max(warm, l)
	}
	lat := m.lat
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	fmt.Printf("%s relay added latency (RTP sent → RTMP tag received, %d pictures of 1080p30%s after the first %v): p50 %v, p99 %v, max %v (first %v: max %v)%s\n",
		name, len(lat), what, latencyWarmup, p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond),
		latencyWarmup, warm.Round(10*time.Microsecond), target)
}

// BenchmarkCopyLatency measures what a copy relay adds between the moment
// a camera has sent a picture's last RTP packet and the moment the ingest
// has the RTMP tag: both ends on loopback, in this process.
func BenchmarkCopyLatency(b *testing.B) {
	benchLatency(b, "copy", VideoConfig{}, "", " (target p99 < 5ms)")
}

// BenchmarkTranscodeLatency is BenchmarkCopyLatency through a 720p30
// transcode: decoding, scaling and encoding each picture come on top.
// The keyframe interval is the camera's (2 s), which the matching relies
// on (sentPictures.match).
func BenchmarkTranscodeLatency(b *testing.B) {
	benchLatency(b, "transcode", VideoConfig{
		Mode: VideoH264, Size: media.Size{Width: 1280, Height: 720}, FPS: 30,
		Bitrate: 2_500_000, Preset: "veryfast", KeyframeInterval: 2 * time.Second,
	}, " → 720p30 veryfast", "")
}

// BenchmarkRecordingCost runs a copy relay of a 1080p30 camera to an
// in-process ingest and switches its recording on and off every two
// seconds (SetRecord), and reports the process's CPU time with the
// recording against without it (record-ratio; the budget is 1.03). The
// fake camera is in the process too, so both phases carry its cost.
func BenchmarkRecordingCost(b *testing.B) {
	cam := benchCamera(b, nil)
	_, url := startArrivalIngest(b)
	r, err := New(Config{Input: cam.URL(), RTSPTransport: "tcp", Destinations: []Destination{{URL: url}}})
	if err != nil {
		b.Fatal(err)
	}
	if err := r.Start(); err != nil {
		b.Fatal(err)
	}
	defer r.Close()
	time.Sleep(3 * time.Second) // connected and flowing
	dir := b.TempDir()
	const phase = 2 * time.Second
	measure := func(rc RecordConfig) time.Duration {
		if err := r.SetRecord(rc); err != nil {
			b.Fatal(err)
		}
		time.Sleep(200 * time.Millisecond) // the switch itself is not measured
		start := testx.ProcessCPU()
		time.Sleep(phase)
		return testx.ProcessCPU() - start
	}
	var without, with time.Duration
	b.ResetTimer()
	for range b.N {
		without += measure(RecordConfig{})
		with += measure(RecordConfig{Dir: dir})
	}
	b.StopTimer()
	if s := r.Stats(); s.Video.Frames == 0 {
		b.Fatal("nothing was relayed")
	}
	b.ReportMetric(float64(with)/float64(without), "record-ratio")
	b.ReportMetric(float64(without)/float64(b.N)/float64(phase)*100, "cpu%-without")
}
