package rtmp

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/yutopp/go-rtmp/handshake"

	"github.com/relaystudio/relaystudio/internal/testpeer/silent"
	"github.com/relaystudio/relaystudio/internal/testx"
)

const (
	frameStep = 33 * time.Millisecond
	testBase  = 5 * time.Second // the source's clock is not at 0 when a destination starts
)

// mediaAfter returns the connection's records from the metadata on.
func connRecords(rs []rec, conn int) []rec {
	var out []rec
	for _, r := range rs {
		if r.conn == conn {
			out = append(out, r)
		}
	}
	return out
}

func countKind(rs []rec, conn int, kind string) int {
	n := 0
	for _, r := range rs {
		if r.conn == conn && r.kind == kind {
			n++
		}
	}
	return n
}

// checkConnectionStart asserts what every (re)connect must look like:
// metadata, AVC sequence header, AAC sequence header, then media that starts
// with a video keyframe at 0 ms, no audio before it, and timestamps that
// never go backwards per type.
func checkConnectionStart(t *testing.T, rs []rec) {
	t.Helper()
	var media []rec
	for _, r := range rs {
		if r.kind == "meta" || r.kind == "video" || r.kind == "audio" {
			media = append(media, r)
		}
	}
	if len(media) < 4 {
		t.Fatalf("too few messages: %s", summary(rs))
	}
	m := media[0]
	if m.kind != "meta" || m.ts != 0 {
		t.Fatalf("first message is %s@%d, want metadata at 0: %s", m.kind, m.ts, summary(rs))
	}
	if m.meta["videocodecid"] != 7.0 || m.meta["audiocodecid"] != 10.0 || m.meta["width"] != 1280.0 ||
		m.meta["stereo"] != true || m.meta["audiodatarate"] != 128.0 {
		t.Errorf("metadata = %v", m.meta)
	}
	if v := media[1]; v.kind != "video" || !bytes.HasPrefix(v.data, []byte{0x17, 0x00}) || v.ts != 0 {
		t.Errorf("second message is %s % X @%d, want the AVC sequence header at 0", v.kind, head(v.data), v.ts)
	} else if want := testHeaders(t).Video; !bytes.Equal(v.data, want) {
		t.Errorf("AVC sequence header = % X, want % X", v.data, want)
	}
	if a := media[2]; a.kind != "audio" || !bytes.Equal(a.data, AACSequenceHeader(testASC)) || a.ts != 0 {
		t.Errorf("third message is %s % X @%d, want the AAC sequence header at 0", a.kind, head(a.data), a.ts)
	}
	if k := media[3]; k.kind != "video" || !bytes.HasPrefix(k.data, []byte{0x17, 0x01}) || k.ts != 0 {
		t.Errorf("first media is %s % X @%d, want a keyframe at 0", k.kind, head(k.data), k.ts)
	}
	last := map[string]uint32{}
	for _, r := range media[1:] {
		if r.kind == "meta" {
			continue
		}
		if r.ts < last[r.kind] {
			t.Errorf("%s timestamp went back from %d to %d: %s", r.kind, last[r.kind], r.ts, summary(rs))
		}
		last[r.kind] = r.ts
	}
}

func head(b []byte) []byte { return b[:min(len(b), 5)] }

func TestPublishOrderAndTimestamps(t *testing.T) {
	testx.NoLeaks(t)
	srv := startServer(t, nil, nil)
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger()})
	log.wait(t, 10*time.Second, "destination live")

	// Media before headers is held back.
	p.WriteVideo(0, true, frame(true, 0, 0, 10))
	p.SetHeaders(testHeaders(t))
	// Audio before the first keyframe, and an inter frame, are dropped.
	p.WriteAudio(testBase-10*time.Millisecond, audioFrame(0))
	p.WriteVideo(testBase-frameStep, false, frame(false, 0, 0, 10))

	const frames = 30
	for i := range frames {
		dts := testBase + time.Duration(i)*frameStep
		cts := time.Duration(0)
		if i%3 == 1 {
			cts = 66 * time.Millisecond
		}
		p.WriteVideo(dts, i%10 == 0, frame(i%10 == 0, i, cts, 2000))
		p.WriteAudio(dts+5*time.Millisecond, audioFrame(i))
	}
	p.WriteAudio(testBase, audioFrame(99)) // late: must be clamped, not sent backwards

	rs := srv.waitFor("all frames", 10*time.Second, func(rs []rec) bool {
		return countKind(rs, 1, "video") >= frames+1 && countKind(rs, 1, "audio") >= frames+2
	})

	var connect, publish *rec
	for i := range rs {
		switch rs[i].kind {
		case "connect":
			connect = &rs[i]
		case "publish":
			publish = &rs[i]
		}
	}
	if connect == nil || publish == nil {
		t.Fatalf("no connect or publish: %s", summary(rs))
	}
	c := connect.connect
	if c.App != "live" || c.TCURL != "rtmp://"+srv.addr+"/live" || c.Type != "nonprivate" || c.FlashVer == "" {
		t.Errorf("connect = %+v", c)
	}
	if publish.publish.PublishingName != secretKey || publish.publish.PublishingType != "live" {
		t.Errorf("publish = %+v", publish.publish)
	}
	checkNoKey(t, c.App, c.TCURL)

	checkConnectionStart(t, rs)
	var videos, audios []rec
	for _, r := range rs {
		switch {
		case r.kind == "video" && r.data[1] == 0x01:
			videos = append(videos, r)
		case r.kind == "audio" && r.data[1] == 0x01:
			audios = append(audios, r)
		}
	}
	for i, v := range videos {
		if want := uint32(time.Duration(i) * frameStep / time.Millisecond); v.ts != want {
			t.Errorf("video %d at %d ms, want %d", i, v.ts, want)
		}
		wantCTS := []byte{0, 0, 0}
		if i%3 == 1 {
			wantCTS = []byte{0, 0, 66}
		}
		if !bytes.Equal(v.data[2:5], wantCTS) {
			t.Errorf("video %d composition time % X, want % X", i, v.data[2:5], wantCTS)
		}
		if int(v.data[11]) != i { // the frame number written by frame()
			t.Errorf("video %d carries frame %d", i, v.data[11])
		}
	}
	if a := audios[0]; a.ts != 5 || a.data[3] != 0 {
		t.Errorf("first audio = frame %d at %d ms, want frame 0 at 5", a.data[3], a.ts)
	}
	if a := audios[len(audios)-1]; a.data[3] != 99 || a.ts != uint32((frames-1)*frameStep/time.Millisecond)+5 {
		t.Errorf("late audio = frame %d at %d ms, want 99 clamped to the previous timestamp", a.data[3], a.ts)
	}

	s := p.Stats()
	if s.State != StateLive || s.VideoTags != frames || s.AudioTags != frames+1 || s.BytesSent == 0 {
		t.Errorf("stats = %+v", s)
	}
	// Frames before the headers and the first keyframe are skipped, not
	// lost: nothing had started on this connection.
	if s.SkippedStarting != 3 || s.DroppedWaitingKey != 0 || s.DroppedQueueFull != 0 {
		t.Errorf("skipped %d starting, dropped %d waiting key, %d queue full; want 3, 0, 0", s.SkippedStarting, s.DroppedWaitingKey, s.DroppedQueueFull)
	}
	closePromptly(t, p)
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after Close = %v", err)
	}
	if s := p.Stats(); s.State != StateStopped {
		t.Errorf("state after Close = %q", s.State)
	}
}

func TestRefusedKey(t *testing.T) {
	testx.NoLeaks(t)
	srv := startServer(t, nil, func(s *testServer) {
		s.onPublish = func(int) error { return errors.New("unknown stream key") }
	})
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger()})
	err := waitEnd(t, p, 10*time.Second)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("Wait = %v, want ErrRefused", err)
	}
	want := "stream key refused by rtmp://" + srv.addr + "/live"
	s := p.Stats()
	if err.Error() != want || s.State != StateRefused || s.Reason != want || s.LastError != want {
		t.Errorf("err %q, stats %+v; want state refused with %q", err, s, want)
	}
	checkNoKey(t, err.Error(), s.Reason, s.LastError)
}

func TestRefusedKeyRetriesSlowly(t *testing.T) {
	testx.NoLeaks(t)
	srv := startServer(t, nil, func(s *testServer) {
		s.onPublish = func(int) error { return errors.New("unknown stream key") }
	})
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger(), Retry: true, retryScale: 0.01})
	srv.waitFor("three publish attempts", 20*time.Second, func(rs []rec) bool {
		n := 0
		for _, r := range rs {
			if r.kind == "publish" {
				n++
			}
		}
		return n >= 3
	})
	line := log.wait(t, time.Second, "destination refused", "stream key refused by rtmp://"+srv.addr+"/live")
	// The delay shown is the unscaled one: at least 10 s.
	if !strings.Contains(line, `reason="retrying in 1`) {
		t.Errorf("refusal retry line = %s, want a 10-12 s delay", line)
	}
	if s := p.Stats(); s.Reconnects < 2 {
		t.Errorf("stats = %+v, want at least 2 reconnects", s)
	}
	closePromptly(t, p)
	if err := p.Wait(); err != nil {
		t.Errorf("Wait after Close with Retry = %v, want nil", err)
	}
}

// produce writes 30 fps video (a keyframe every 10 frames) and audio until
// ctx ends, as a source would.
func produce(ctx context.Context, p *Publisher, size int) {
	tick := time.NewTicker(2 * time.Millisecond) // faster than real time, bounded
	defer tick.Stop()
	for i := 0; ; i++ {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		dts := testBase + time.Duration(i)*frameStep
		p.WriteVideo(dts, i%10 == 0, frame(i%10 == 0, i, 0, size))
		p.WriteAudio(dts, audioFrame(i))
	}
}

func TestReconnectAfterServerDrop(t *testing.T) {
	testx.NoLeaks(t)
	srv := startServer(t, nil, func(s *testServer) {
		s.onVideo = func(conn, n int) error {
			if conn == 1 && n == 15 {
				return errors.New("drop the publisher")
			}
			return nil
		}
	})
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger(), Retry: true, retryScale: 0.01})
	p.SetHeaders(testHeaders(t))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); produce(ctx, p, 500) }()
	defer func() { cancel(); wg.Wait() }()

	rs := srv.waitFor("media on a second connection", 20*time.Second, func(rs []rec) bool {
		return countKind(rs, 2, "video") >= 12
	})
	checkConnectionStart(t, connRecords(rs, 1))
	checkConnectionStart(t, connRecords(rs, 2))
	log.wait(t, time.Second, "destination retrying", `reason="retrying in 1s: connection `)
	if s := p.Stats(); s.Reconnects < 1 || s.LastError == "" {
		t.Errorf("stats = %+v, want a reconnect and the last error", s)
	}
	cancel()
	wg.Wait()
	closePromptly(t, p)
}

func TestNothingListening(t *testing.T) {
	testx.NoLeaks(t)
	addr := testx.ClosedPort(t)
	t.Run("no retry", func(t *testing.T) {
		p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, Logger: newLogCapture(t).logger()})
		err := waitEnd(t, p, 10*time.Second)
		if err == nil || !strings.Contains(err.Error(), "connection refused") {
			t.Fatalf("Wait = %v, want connection refused", err)
		}
		if s := p.Stats(); s.State != StateFailed || s.Reason != "connection refused" {
			t.Errorf("stats = %+v", s)
		}
		checkNoKey(t, err.Error())
	})
	t.Run("retry", func(t *testing.T) {
		log := newLogCapture(t)
		p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, Logger: log.logger(), Retry: true})
		log.wait(t, 10*time.Second, "destination retrying", `reason="retrying in 1s: connection refused"`)
		// Frames offered meanwhile are not sent, and not counted as drops.
		p.SetHeaders(testHeaders(t))
		p.WriteVideo(testBase, true, frame(true, 0, 0, 10))
		p.WriteAudio(testBase, audioFrame(0))
		if s := p.Stats(); s.NotConnected != 2 || s.DroppedWaitingKey != 0 || s.DroppedQueueFull != 0 {
			t.Errorf("while retrying: %d not connected, %d waiting key, %d queue full; want 2, 0, 0", s.NotConnected, s.DroppedWaitingKey, s.DroppedQueueFull)
		}
		// The state counts down to the next attempt.
		log.wait(t, 10*time.Second, "destination retrying", `reason="retrying in 2s: connection refused"`)
		first := p.Stats().Reason
		time.Sleep(1100 * time.Millisecond)
		if later := p.Stats().Reason; later == first || !strings.HasPrefix(later, "retrying in ") {
			t.Errorf("reason %q, then %q a second later: want a countdown", first, later)
		}
		closePromptly(t, p)
	})
}

func TestHandshakeTimeout(t *testing.T) {
	testx.NoLeaks(t)
	addr, _ := silent.Server(t)
	p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, HandshakeTimeout: 300 * time.Millisecond})
	err := waitEnd(t, p, 10*time.Second)
	if err == nil || !strings.Contains(err.Error(), "handshake timed out") {
		t.Fatalf("Wait = %v, want a handshake timeout", err)
	}
	if s := p.Stats(); s.State != StateFailed || !strings.HasPrefix(s.Reason, "handshake timed out") {
		t.Errorf("stats = %+v", s)
	}
}

func TestCloseMidHandshake(t *testing.T) {
	testx.NoLeaks(t)
	addr, accepted := silent.Server(t)
	p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, HandshakeTimeout: time.Minute, Retry: true})
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the publisher did not connect")
	}
	if s := p.Stats(); s.State != StateConnecting {
		t.Errorf("state mid-handshake = %q", s.State)
	}
	closePromptly(t, p)
}

// The case go-rtmp's ClientConn cannot handle: the server completes the
// handshake and hangs up (nginx does that for an unknown application).
// ClientConn.Connect would block forever; the publisher must report it.
func TestServerHangsUpAfterHandshake(t *testing.T) {
	testx.NoLeaks(t)
	addr, accepted := silent.Server(t)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		c := <-accepted
		_ = handshake.HandshakeWithClient(c, c, &handshake.Config{SkipHandshakeVerification: true})
		c.Close()
	}()
	p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, HandshakeTimeout: time.Minute})
	err := waitEnd(t, p, 10*time.Second)
	wg.Wait()
	if err == nil || !strings.Contains(err.Error(), "hung up on connect") {
		t.Fatalf("Wait = %v, want the server's hang-up", err)
	}
}

// stallServer's connection stops reading after the first video frames, as a
// stuck ingest or a dead network path would.
func stallServer(t *testing.T) (*testServer, <-chan struct{}) {
	stalled := make(chan struct{})
	release := make(chan struct{})
	var once sync.Once
	srv := startServer(t, nil, func(s *testServer) {
		s.onVideo = func(_, n int) error {
			if n == 3 {
				once.Do(func() { close(stalled) })
				<-release
			}
			return nil
		}
	})
	t.Cleanup(func() { close(release) }) // runs before the server's cleanup
	return srv, stalled
}

func TestStalledServer(t *testing.T) {
	testx.NoLeaks(t)
	srv, stalled := stallServer(t)
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), QueueSize: 64, WriteTimeout: time.Minute, Logger: log.logger()})
	log.wait(t, 10*time.Second, "destination live")
	p.SetHeaders(testHeaders(t))
	for i := 0; i < 3; i++ {
		p.WriteVideo(testBase+time.Duration(i)*frameStep, i == 0, frame(i == 0, i, 0, 100))
	}
	select {
	case <-stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not get the first frames")
	}
	// 1 MB frames at 1 ms intervals, until the queue (64 frames) is full:
	// far more than the socket buffers hold, so the writer is stuck in a
	// write by then. Every call must return although nothing drains.
	big := frame(true, 0, 0, 1<<20)
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	giveUp := time.After(20 * time.Second)
	i := 3
	for ; p.Stats().DroppedQueueFull == 0; i++ {
		select {
		case <-tick.C:
		case <-giveUp:
			t.Fatalf("the queue never filled: %+v", p.Stats())
		}
		p.WriteVideo(testBase+time.Duration(i)*frameStep, i%10 == 0, big)
		p.WriteAudio(testBase+time.Duration(i)*frameStep, audioFrame(i))
	}
	for end := i + 100; i < end; i++ {
		p.WriteVideo(testBase+time.Duration(i)*frameStep, i%10 == 0, big)
	}
	s := p.Stats()
	if s.DroppedWaitingKey == 0 || s.BytesSent < 1<<20 {
		t.Errorf("stats = %+v, want a megabyte sent, then drops for the missing keyframe", s)
	}
	if s.State != StateLive {
		t.Errorf("state = %q, want live (WriteTimeout is a minute)", s.State)
	}
	closePromptly(t, p)
}

func TestStalledServerWriteTimeout(t *testing.T) {
	testx.NoLeaks(t)
	srv, stalled := stallServer(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), WriteTimeout: 500 * time.Millisecond})
	p.SetHeaders(testHeaders(t))
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); produce(ctx, p, 64<<10) }()
	defer func() { cancel(); wg.Wait() }()
	select {
	case <-stalled:
	case <-time.After(10 * time.Second):
		t.Fatal("the server did not get the first frames")
	}
	err := waitEnd(t, p, 20*time.Second)
	if err == nil || !strings.Contains(err.Error(), "write timed out") {
		t.Fatalf("Wait = %v, want a write timeout", err)
	}
	if s := p.Stats(); s.State != StateFailed {
		t.Errorf("stats = %+v", s)
	}
}

func TestRTMPS(t *testing.T) {
	testx.NoLeaks(t)
	leaf, pool := testx.Certificates(t)
	srv := startServer(t, &tls.Config{Certificates: []tls.Certificate{leaf}}, nil)
	url := "rtmps://" + srv.addr + "/live/" + secretKey

	t.Run("trusted", func(t *testing.T) {
		log := newLogCapture(t)
		p := start(t, &Publisher{URL: url, Logger: log.logger(), TLSConfig: &tls.Config{RootCAs: pool}})
		log.wait(t, 10*time.Second, "destination live")
		p.SetHeaders(testHeaders(t))
		for i := range 5 {
			p.WriteVideo(testBase+time.Duration(i)*frameStep, i == 0, frame(i == 0, i, 0, 5000))
			p.WriteAudio(testBase+time.Duration(i)*frameStep, audioFrame(i))
		}
		rs := srv.waitFor("media over TLS", 10*time.Second, func(rs []rec) bool { return countKind(rs, 1, "video") >= 6 })
		checkConnectionStart(t, connRecords(rs, 1))
		closePromptly(t, p)
	})
	for _, tc := range []struct {
		name string
		cfg  *tls.Config
		url  string
		want string
	}{
		{"unknown authority", &tls.Config{RootCAs: x509.NewCertPool()}, url, "certificate not trusted: signed by an unknown authority"},
		{"wrong host", &tls.Config{RootCAs: pool, ServerName: "example.com"}, url, "certificate not trusted: it is not valid for example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := start(t, &Publisher{URL: tc.url, TLSConfig: tc.cfg, Logger: newLogCapture(t).logger()})
			err := waitEnd(t, p, 10*time.Second)
			if !errors.Is(err, ErrRefused) || err.Error() != tc.want {
				t.Fatalf("Wait = %v, want %q", err, tc.want)
			}
			if s := p.Stats(); s.State != StateRefused || s.Reason != tc.want {
				t.Errorf("stats = %+v", s)
			}
		})
	}
	t.Run("plain server", func(t *testing.T) {
		plain := startServer(t, nil, nil)
		p := start(t, &Publisher{URL: "rtmps://" + plain.addr + "/live/" + secretKey, HandshakeTimeout: 2 * time.Second,
			DialTimeout: 2 * time.Second, TLSConfig: &tls.Config{RootCAs: pool}})
		if err := waitEnd(t, p, 10*time.Second); err == nil {
			t.Fatal("rtmps to a plain RTMP server succeeded")
		}
	})
}

func TestUnconfirmedPublishCountsAsLive(t *testing.T) {
	testx.NoLeaks(t)
	release := make(chan struct{})
	srv := startServer(t, nil, func(s *testServer) {
		// Holding OnPublish delays the server's onStatus past statusWait.
		s.onPublish = func(int) error { <-release; return nil }
	})
	t.Cleanup(func() {
		select {
		case <-release:
		default:
			close(release)
		}
	})
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger()})
	log.wait(t, 10*time.Second, "destination live", "did not confirm")
	close(release) // the late Publish.Start must be ignored quietly
	p.SetHeaders(testHeaders(t))
	for i := range 5 {
		p.WriteVideo(testBase+time.Duration(i)*frameStep, i == 0, frame(i == 0, i, 0, 100))
	}
	rs := srv.waitFor("media", 10*time.Second, func(rs []rec) bool { return countKind(rs, 1, "video") >= 6 })
	checkConnectionStart(t, connRecords(rs, 1))
	if s := p.Stats(); s.State != StateLive {
		t.Errorf("stats = %+v", s)
	}
	closePromptly(t, p)
}

func TestConcurrentWritersAndNewHeaders(t *testing.T) {
	testx.NoLeaks(t)
	srv := startServer(t, nil, nil)
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: srv.url(secretKey), Logger: log.logger()})
	log.wait(t, 10*time.Second, "destination live")
	h := testHeaders(t)
	p.SetHeaders(h)

	const frames = 120
	var wg sync.WaitGroup
	wg.Add(3)
	go func() { // video, with the encoder reopened half-way
		defer wg.Done()
		for i := range frames {
			if i == frames/2 {
				h2 := h
				h2.Metadata.Width = 640
				p.SetHeaders(h2)
			}
			p.WriteVideo(testBase+time.Duration(i)*frameStep, i%10 == 0, frame(i%10 == 0, i, 0, 1000))
			time.Sleep(time.Millisecond)
		}
	}()
	go func() { // audio
		defer wg.Done()
		for i := range frames {
			p.WriteAudio(testBase+time.Duration(i)*frameStep, audioFrame(i))
			time.Sleep(time.Millisecond)
		}
	}()
	go func() { // the UI polling
		defer wg.Done()
		for range frames {
			_ = p.Stats()
			time.Sleep(time.Millisecond)
		}
	}()
	wg.Wait()

	rs := srv.waitFor("metadata twice and the last keyframe", 10*time.Second, func(rs []rec) bool {
		metas := 0
		for _, r := range rs {
			if r.kind == "meta" {
				metas++
			}
			if metas == 2 && r.kind == "video" && r.data[0] == 0x17 && r.data[1] == 0x01 && int(r.data[11]) == frames-10 {
				return true
			}
		}
		return false
	})
	checkConnectionStart(t, rs)
	// After the second metadata: the new width, both sequence headers, then
	// a keyframe before any other video.
	var i int
	for i = len(rs) - 1; rs[i].kind != "meta"; i-- {
	}
	if rs[i].meta["width"] != 640.0 {
		t.Errorf("second metadata = %v", rs[i].meta)
	}
	rest := rs[i+1:]
	if len(rest) < 3 || !bytes.HasPrefix(rest[0].data, []byte{0x17, 0x00}) || !bytes.Equal(rest[1].data, h.Audio) {
		t.Fatalf("after the new metadata: %s", summary(rest))
	}
	for _, r := range rest[2:] {
		if r.kind == "video" {
			if r.data[0] != 0x17 {
				t.Errorf("first video after new headers is not a keyframe: % X", head(r.data))
			}
			break
		}
	}
	closePromptly(t, p)
}

func TestLifecycleErrors(t *testing.T) {
	testx.NoLeaks(t)
	if err := (&Publisher{URL: "rtmp://example.com/live"}).Start(); err == nil {
		t.Error("Start with a URL without key succeeded")
	}
	bad := &Publisher{URL: "rtmps://example.com/live/" + secretKey, TLSConfig: &tls.Config{InsecureSkipVerify: true}}
	if err := bad.Start(); err == nil || !strings.Contains(err.Error(), "verification") {
		t.Errorf("Start with InsecureSkipVerify = %v", err)
	} else {
		checkNoKey(t, err.Error())
	}

	var idle Publisher
	if s := idle.Stats(); s.State != StateIdle {
		t.Errorf("new publisher state = %q", s.State)
	}
	idle.WriteVideo(0, true, []byte{1}) // before Start: ignored
	idle.WriteAudio(0, []byte{1})
	if err := idle.Wait(); err != nil {
		t.Errorf("Wait before Start = %v", err)
	}
	idle.Close()
	idle.Close()
	if s := idle.Stats(); s.State != StateStopped || s.DroppedWaitingKey != 0 {
		t.Errorf("closed before Start: %+v", s)
	}
	idle.URL = "rtmp://127.0.0.1:1/live/" + secretKey
	if err := idle.Start(); err == nil {
		t.Error("Start after Close succeeded")
	}

	addr := testx.ClosedPort(t)
	p := start(t, &Publisher{URL: "rtmp://" + addr + "/live/" + secretKey, Retry: true})
	if err := p.Start(); err == nil {
		t.Error("second Start succeeded")
	}
}
