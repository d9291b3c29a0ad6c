package relay

import (
	"context"
	"fmt"
	"io"
	"net"
	"slices"
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

// BenchmarkCopyLatency measures what a copy relay adds between the moment
// a camera has sent a picture's last RTP packet and the moment the ingest
// has the RTMP tag: both ends on loopback, in this process.
func BenchmarkCopyLatency(b *testing.B) {
	var sentMu sync.Mutex
	sent := map[time.Duration]time.Time{} // clip PTS → when sent
	var keys []time.Duration
	cam := benchCamera(b, func(pts time.Duration, key bool, at time.Time) {
		sentMu.Lock()
		sent[pts.Round(time.Millisecond)] = at
		if key {
			keys = append(keys, pts.Round(time.Millisecond))
		}
		sentMu.Unlock()
	})
	in, url := startArrivalIngest(b)

	const run = 10 * time.Second
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		r, err := New(Config{Input: cam.URL(), RTSPTransport: "tcp", Destinations: []Destination{{URL: url}}})
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
	sentMu.Lock()
	defer sentMu.Unlock()
	// Each connection starts its timestamps at 0 on a keyframe: anchor it
	// on the last keyframe the camera sent before that tag arrived.
	var lat []time.Duration
	var offset time.Duration
	for _, t := range tags {
		if t.ts == 0 && t.key {
			offset = -1
			for _, k := range keys {
				if at, ok := sent[k]; ok && !at.After(t.at) {
					offset = k
				}
			}
		}
		if offset < 0 {
			continue
		}
		// Milliseconds on the wire are truncated: allow a millisecond.
		want := offset + time.Duration(t.ts)*time.Millisecond
		for _, d := range []time.Duration{0, time.Millisecond, -time.Millisecond} {
			if at, ok := sent[want+d]; ok {
				lat = append(lat, t.at.Sub(at))
				break
			}
		}
	}
	b.Logf("%d tags, %d matched", len(tags), len(lat))
	if len(lat) < 100 {
		b.Fatalf("matched only %d of %d tags", len(lat), len(tags))
	}
	slices.Sort(lat)
	p := func(q float64) time.Duration { return lat[int(q*float64(len(lat)-1))] }
	b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(p(0.99).Microseconds())/1000, "p99-ms")
	fmt.Printf("copy relay added latency (RTP sent → RTMP tag received, %d pictures of 1080p30): p50 %v, p99 %v, max %v (target p99 < 5ms)\n",
		len(lat), p(0.5).Round(10*time.Microsecond), p(0.99).Round(10*time.Microsecond), lat[len(lat)-1].Round(10*time.Microsecond))
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
