package ingest

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"math"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/internal/testx"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// needFFmpeg skips tests that publish or probe when the CLIs are missing.
func needFFmpeg(t *testing.T) {
	t.Helper()
	testx.SkipWithout(t, "ffmpeg", "ffprobe")
}

func within(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

// checkPattern asserts that r describes d of PublishTestPattern's output.
func checkPattern(t *testing.T, r Report, d time.Duration) {
	t.Helper()
	frames := d.Seconds() * PatternFPS
	if r.VideoCodec != "h264" || r.Width != PatternWidth || r.Height != PatternHeight {
		t.Errorf("video %s %dx%d, want h264 %dx%d", r.VideoCodec, r.Width, r.Height, PatternWidth, PatternHeight)
	}
	if !within(r.FPS, PatternFPS, 0.5) {
		t.Errorf("fps %.2f, want %d", r.FPS, PatternFPS)
	}
	if !within(float64(r.VideoFrames), frames, 0.1*frames) {
		t.Errorf("%d video frames, want about %.0f", r.VideoFrames, frames)
	}
	if !r.FirstVideoIsKey {
		t.Error("the first video packet is not a keyframe")
	}
	if want := int(d/PatternKeyframe) - 1; len(r.KeyframeIntervals) < want {
		t.Errorf("%d keyframe intervals, want at least %d", len(r.KeyframeIntervals), want)
	}
	for _, k := range r.KeyframeIntervals {
		if !within(k.Seconds(), PatternKeyframe.Seconds(), 0.05) {
			t.Errorf("keyframe interval %v, want %v", k, PatternKeyframe)
		}
	}
	if !within(r.MeanKeyframeInterval().Seconds(), PatternKeyframe.Seconds(), 0.05) {
		t.Errorf("mean keyframe interval %v, want %v", r.MeanKeyframeInterval(), PatternKeyframe)
	}
	if r.VideoBitrate < 50_000 || r.VideoBitrate > 20_000_000 {
		t.Errorf("video bitrate %d b/s is implausible for a 640x360 test pattern", r.VideoBitrate)
	}
	if !within(r.Duration.Seconds(), d.Seconds(), 0.3) {
		t.Errorf("duration %v, want about %v", r.Duration, d)
	}
	if r.AudioCodec != "aac" || r.AudioProfile != "LC" || r.SampleRate != PatternSampleRate || r.Channels != PatternChannels {
		t.Errorf("audio %s %s %d Hz %d ch, want aac LC %d Hz %d ch", r.AudioCodec, r.AudioProfile,
			r.SampleRate, r.Channels, PatternSampleRate, PatternChannels)
	}
	if packets := d.Seconds() * PatternSampleRate / 1024; !within(float64(r.AudioPackets), packets, 0.1*packets) {
		t.Errorf("%d audio packets, want about %.0f", r.AudioPackets, packets)
	}
	if t.Failed() {
		t.Logf("report: %v", r)
	}
}

func TestPublishRecordProbe(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	n := StartNginx(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	const d = 4 * time.Second
	if err := PublishTestPattern(ctx, n.URL("live", "k1"), d); err != nil {
		t.Fatal(err)
	}
	path := n.Recording("live", "k1")
	r, err := Probe(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	checkPattern(t, r, d)

	// The bitrate is computed from packet sizes: the video bytes must be
	// most of the file, not a factor off.
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	covered := float64(r.VideoFrames) / r.FPS
	videoBytes := float64(r.VideoBitrate) * covered / 8
	if videoBytes > float64(fi.Size()) || videoBytes < 0.5*float64(fi.Size()) {
		t.Errorf("video bitrate %d b/s means %.0f bytes of video in a %d-byte recording", r.VideoBitrate, videoBytes, fi.Size())
	}
}

func TestProbeLive(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	n := StartNginx(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	pubCtx, stopPub := context.WithCancel(ctx)
	published := make(chan error, 1)
	go func() { published <- PublishTestPattern(pubCtx, n.URL("live", "cam"), 20*time.Second) }()
	defer func() {
		stopPub()
		<-published // ends with a "context canceled" error, as intended
	}()
	if err := n.WaitRecording(ctx, "live", "cam", 20_000); err != nil {
		t.Fatal(err)
	}

	const window = 3 * time.Second
	r, err := ProbeLive(ctx, n.URL("live", "cam"), window)
	if err != nil {
		t.Fatal(err)
	}
	if r.VideoCodec != "h264" || r.Width != PatternWidth || r.Height != PatternHeight || !within(r.FPS, PatternFPS, 0.5) {
		t.Errorf("live read: %v", r)
	}
	if frames := window.Seconds() * PatternFPS; !within(float64(r.VideoFrames), frames, 0.2*frames) {
		t.Errorf("%d video frames in a %v window, want about %.0f", r.VideoFrames, window, frames)
	}
	if r.AudioCodec != "aac" || r.AudioPackets == 0 {
		t.Errorf("live read without audio: %v", r)
	}
	if !r.FirstVideoIsKey {
		t.Error("the live read does not start at a keyframe")
	}
	for _, k := range r.KeyframeIntervals {
		if !within(k.Seconds(), PatternKeyframe.Seconds(), 0.05) {
			t.Errorf("live keyframe interval %v, want %v", k, PatternKeyframe)
		}
	}
}

func TestOnPublishRefusal(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	type call struct{ app, key string }
	calls := make(chan call, 10)
	n := StartNginx(t, Options{
		Apps: []string{"live", "alt"},
		OnPublish: func(app, key string) bool {
			calls <- call{app, key}
			return key == "good"
		},
	})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	err := PublishTestPattern(ctx, n.URL("live", "secret-bad"), 3*time.Second)
	if err == nil {
		t.Fatal("a publish refused by on_publish succeeded")
	}
	if strings.Contains(err.Error(), "secret-bad") {
		t.Errorf("the error shows the stream key: %v", err)
	}
	if ctx.Err() != nil {
		t.Fatalf("the refused publish did not end by itself: %v", err)
	}
	if _, err := os.Stat(n.Recording("live", "secret-bad")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused stream was recorded (stat: %v)", err)
	}

	if err := PublishTestPattern(ctx, n.URL("alt", "good"), time.Second); err != nil {
		t.Fatalf("accepted publish: %v", err)
	}
	r, err := Probe(ctx, n.Recording("alt", "good"))
	if err != nil {
		t.Fatal(err)
	}
	if r.VideoCodec != "h264" || r.VideoFrames == 0 {
		t.Errorf("accepted stream recorded as %v", r)
	}

	want := []call{{"live", "secret-bad"}, {"alt", "good"}}
	for _, w := range want {
		select {
		case got := <-calls:
			if got != w {
				t.Errorf("on_publish got %+v, want %+v", got, w)
			}
		default:
			t.Errorf("on_publish was not called for %+v", w)
		}
	}
}

func TestStopRestart(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	n := StartNginx(t, Options{})
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()
	addr := n.Addr()

	// Stop drops a connected publisher.
	published := make(chan error, 1)
	go func() { published <- PublishTestPattern(ctx, n.URL("live", "s"), 20*time.Second) }()
	if err := n.WaitRecording(ctx, "live", "s", 20_000); err != nil {
		t.Fatal(err)
	}
	n.Stop()
	if err := <-published; err == nil || ctx.Err() != nil {
		t.Errorf("publisher after Stop: %v (context: %v), want a connection error", err, ctx.Err())
	}
	if c, err := net.DialTimeout("tcp", addr, time.Second); err == nil {
		c.Close()
		t.Fatal("nginx still accepts connections after Stop")
	}
	n.Stop() // stopping twice is harmless

	n.Restart()
	if n.Addr() != addr {
		t.Fatalf("Restart moved nginx from %s to %s", addr, n.Addr())
	}
	n.Restart() // restarting a running nginx works too
	if err := PublishTestPattern(ctx, n.URL("live", "s"), time.Second); err != nil {
		t.Fatalf("publish after Restart: %v", err)
	}
	r, err := Probe(ctx, n.Recording("live", "s"))
	if err != nil {
		t.Fatal(err)
	}
	if !within(float64(r.VideoFrames), PatternFPS, 5) {
		t.Errorf("the recording after Restart holds %d frames, want the 1 s publish's %d", r.VideoFrames, PatternFPS)
	}
}

// rtmpHandshake sends an RTMP C0+C1 and reads S0+S1 (RTMP spec 5.2): proof
// that an RTMP server answers behind c.
func rtmpHandshake(c net.Conn) error {
	if err := c.SetDeadline(time.Now().Add(5 * time.Second)); err != nil {
		return err
	}
	c0c1 := make([]byte, 1+1536)
	c0c1[0] = 3
	if _, err := c.Write(c0c1); err != nil {
		return err
	}
	s0s1 := make([]byte, 1+1536)
	if _, err := io.ReadFull(c, s0s1); err != nil {
		return err
	}
	if s0s1[0] != 3 {
		return errors.New("not an RTMP version 3 answer")
	}
	return nil
}

func TestTLSProxy(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	n := StartNginx(t, Options{})
	leaf, pool := testx.Certificates(t)
	addr := n.StartTLSProxy(t, leaf)
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Second)
	defer cancel()

	dial := func(cfg *tls.Config) error {
		d := tls.Dialer{NetDialer: &net.Dialer{Timeout: 5 * time.Second}, Config: cfg}
		c, err := d.DialContext(ctx, "tcp", addr)
		if err != nil {
			return err
		}
		defer c.Close()
		return rtmpHandshake(c)
	}
	for _, name := range []string{"127.0.0.1", "localhost"} {
		if err := dial(&tls.Config{RootCAs: pool, ServerName: name}); err != nil {
			t.Errorf("RTMP over TLS as %s: %v", name, err)
		}
	}
	var unknown x509.UnknownAuthorityError
	if err := dial(&tls.Config{ServerName: "127.0.0.1"}); !errors.As(err, &unknown) {
		t.Errorf("a client trusting only the system roots got %v, want an unknown-authority error", err)
	}
	var wrongHost x509.HostnameError
	if err := dial(&tls.Config{RootCAs: pool, ServerName: "example.com"}); !errors.As(err, &wrongHost) {
		t.Errorf("a client expecting example.com got %v, want a hostname error", err)
	}

	// The front forwards to whatever nginx runs now.
	n.Restart()
	if err := PublishTestPattern(ctx, "rtmps://"+addr+"/live/tls", time.Second); err != nil {
		t.Fatalf("publish over the TLS proxy: %v", err)
	}
	r, err := Probe(ctx, n.Recording("live", "tls"))
	if err != nil {
		t.Fatal(err)
	}
	if r.VideoCodec != "h264" || r.VideoFrames == 0 {
		t.Errorf("stream published over TLS recorded as %v", r)
	}
}

func TestTLSProxyCloseWithOpenConnection(t *testing.T) {
	// The proxy's cleanup must end connections that are still open, or it
	// would hang; goleak then checks nothing is left.
	n := StartNginx(t, Options{})
	leaf, pool := testx.Certificates(t)
	var c *tls.Conn
	t.Run("connect", func(t *testing.T) {
		addr := n.StartTLSProxy(t, leaf)
		var err error
		c, err = tls.Dial("tcp", addr, &tls.Config{RootCAs: pool, ServerName: "127.0.0.1"})
		if err != nil {
			t.Fatal(err)
		}
		if err := rtmpHandshake(c); err != nil {
			t.Fatal(err)
		}
	}) // the subtest's cleanup closes the proxy with c still open
	defer c.Close()
	if err := c.SetReadDeadline(time.Now().Add(5 * time.Second)); err != nil {
		t.Fatal(err)
	}
	// Whatever nginx sent before (the handshake's S2) drains, then EOF.
	if _, err := io.Copy(io.Discard, c); err != nil {
		t.Errorf("read after the proxy closed: %v, want the connection closed", err)
	}
}

func TestProbeErrors(t *testing.T) {
	t.Parallel()
	needFFmpeg(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	dir := t.TempDir()

	missing := filepath.Join(dir, "missing.flv")
	if _, err := Probe(ctx, missing); err == nil || !strings.Contains(err.Error(), missing) {
		t.Errorf("probe of a missing file: %v, want an error naming it", err)
	}
	text := filepath.Join(dir, "text.flv")
	if err := os.WriteFile(text, []byte("not a video"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Probe(ctx, text); err == nil {
		t.Error("probe of a text file succeeded")
	}
	if _, err := ProbeLive(ctx, "rtmp://127.0.0.1:1/live/key", 0); err == nil {
		t.Error("ProbeLive accepted a zero window")
	}

	n := StartNginx(t, Options{})
	_, err := ProbeLive(ctx, n.URL("live", "nobody-publishes-this"), time.Second)
	if err == nil {
		t.Fatal("probe of a stream nobody publishes succeeded")
	}
	if ctx.Err() != nil {
		t.Fatalf("probe of an idle stream did not give up by itself: %v", err)
	}
	if strings.Contains(err.Error(), "nobody-publishes-this") {
		t.Errorf("the error shows the stream key: %v", err)
	}
}

// ffprobeJSON is a trimmed ffprobe output: a video stream with 25 fps ms
// timestamps whose first packet is not a key, one packet with only a PTS,
// one with no timestamp at all, a 48 kHz audio stream in its own time base,
// and a second video stream that must be ignored.
const ffprobeJSON = `{
  "packets": [
    {"codec_type":"video","stream_index":0,"pts":40,"dts":0,"duration":40,"size":"1000","flags":"__"},
    {"codec_type":"audio","stream_index":1,"pts":0,"dts":0,"duration":1024,"size":"300","flags":"K_"},
    {"codec_type":"video","stream_index":0,"pts":80,"dts":40,"duration":40,"size":"1000","flags":"K_"},
    {"codec_type":"video","stream_index":2,"pts":0,"dts":0,"size":"999999","flags":"K_"},
    {"codec_type":"video","stream_index":0,"pts":120,"dts":80,"duration":40,"size":"1000","flags":"__"},
    {"codec_type":"audio","stream_index":1,"pts":1024,"dts":1024,"duration":1024,"size":"300","flags":"K_"},
    {"codec_type":"video","stream_index":0,"pts":120,"duration":40,"size":"1000","flags":"K_"},
    {"codec_type":"video","stream_index":0,"size":"5000","flags":"__"}
  ],
  "streams": [
    {"index":0,"codec_name":"h264","codec_type":"video","width":1280,"height":720,"time_base":"1/1000"},
    {"index":1,"codec_name":"aac","profile":"HE-AAC","codec_type":"audio","sample_rate":"48000","channels":2,"time_base":"1/48000"},
    {"index":2,"codec_name":"hevc","codec_type":"video","width":16,"height":16,"time_base":"1/1000"}
  ]
}`

func TestParseReport(t *testing.T) {
	r, err := parseReport([]byte(ffprobeJSON))
	if err != nil {
		t.Fatal(err)
	}
	if r.VideoCodec != "h264" || r.Width != 1280 || r.Height != 720 {
		t.Errorf("video %s %dx%d, want h264 1280x720", r.VideoCodec, r.Width, r.Height)
	}
	if r.VideoFrames != 4 || r.FirstVideoIsKey {
		t.Errorf("%d frames, first key %v; want 4 frames (the untimed one skipped), first not key", r.VideoFrames, r.FirstVideoIsKey)
	}
	if !within(r.FPS, 25, 1e-9) {
		t.Errorf("fps %v, want 25", r.FPS)
	}
	// 4000 bytes over 4 frames of 40 ms.
	if r.VideoBitrate != 200_000 {
		t.Errorf("video bitrate %d, want 200000", r.VideoBitrate)
	}
	if len(r.KeyframeIntervals) != 1 || r.KeyframeIntervals[0] != 80*time.Millisecond {
		t.Errorf("keyframe intervals %v, want [80ms]", r.KeyframeIntervals)
	}
	if r.MeanKeyframeInterval() != 80*time.Millisecond {
		t.Errorf("mean keyframe interval %v, want 80ms", r.MeanKeyframeInterval())
	}
	// Video runs 0..160 ms; audio 0..42.7 ms.
	if r.Duration != 160*time.Millisecond {
		t.Errorf("duration %v, want 160ms", r.Duration)
	}
	if r.AudioCodec != "aac" || r.AudioProfile != "HE-AAC" || r.SampleRate != 48000 || r.Channels != 2 || r.AudioPackets != 2 {
		t.Errorf("audio: %v", r)
	}

	if (Report{}).MeanKeyframeInterval() != 0 {
		t.Error("MeanKeyframeInterval without keyframes is not 0")
	}
	for _, bad := range []string{`{`, `{"streams":[{"index":0,"codec_type":"data"}]}`} {
		if _, err := parseReport([]byte(bad)); err == nil {
			t.Errorf("parseReport(%s) succeeded", bad)
		}
	}
}

func TestNginxURLs(t *testing.T) {
	n := StartNginx(t, Options{})
	host, port, err := net.SplitHostPort(n.Addr())
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("Addr %q: want 127.0.0.1:PORT", n.Addr())
	}
	if got, want := n.URL("live", "k"), "rtmp://"+n.Addr()+"/live/k"; got != want {
		t.Errorf("URL = %q, want %q", got, want)
	}
	if got := n.Recording("live", "k"); filepath.Base(got) != "k.flv" || filepath.Base(filepath.Dir(got)) != "live" {
		t.Errorf("Recording = %q, want .../live/k.flv", got)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	if err := n.WaitRecording(ctx, "live", "k", 1); err == nil {
		t.Error("WaitRecording succeeded for a stream nobody published")
	}
}

func TestPortTaken(t *testing.T) {
	t.Parallel()
	n := StartNginx(t, Options{})
	n.Stop()
	l, err := net.Listen("tcp", n.Addr())
	if err != nil {
		t.Fatalf("take nginx's port: %v", err)
	}
	defer l.Close()
	// StartNginx retries on another port when this error comes back.
	n.mu.Lock()
	err = n.start()
	n.mu.Unlock()
	if !errors.Is(err, errPortBusy) {
		t.Fatalf("start on a taken port: %v, want errPortBusy", err)
	}
}
