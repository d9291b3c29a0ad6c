package relay

import (
	"context"
	"errors"
	"fmt"
	"image"
	"math"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testpeer/silent"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

const testKey = "key-4f2c9a7e"

var (
	clipsMu sync.Mutex
	clips   = map[fakecam.ClipConfig]fakecam.Clip{}
)

// recordClip encodes a 4 s, 30 fps camera clip with the ffmpeg CLI (one
// keyframe a second, AAC stereo when audio is asked for), once per config.
func recordClip(t *testing.T, w, h int, audio bool) fakecam.Clip {
	t.Helper()
	cfg := fakecam.ClipConfig{Width: w, Height: h, FPS: 30, GOP: 30, Duration: 4 * time.Second}
	if audio {
		cfg.Audio, cfg.SampleRate, cfg.Channels = media.CodecAAC, 48000, 2
	}
	return encodeClip(t, cfg)
}

// encodeClip encodes a camera clip with the ffmpeg CLI, once per config.
func encodeClip(t *testing.T, cfg fakecam.ClipConfig) fakecam.Clip {
	t.Helper()
	clipsMu.Lock()
	defer clipsMu.Unlock()
	if c, ok := clips[cfg]; ok {
		return c
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	c, err := fakecam.EncodeClip(ctx, cfg)
	if errors.Is(err, fakecam.ErrNoFFmpeg) {
		t.Skip("ffmpeg is not installed: run make deps")
	}
	if err != nil {
		t.Fatalf("encode a %dx%d %s clip: %v", cfg.Width, cfg.Height, cfg.Video, err)
	}
	clips[cfg] = c
	return c
}

// startCamera serves a clip over RTSP on loopback until the test ends.
func startCamera(t *testing.T, c fakecam.Clip, setup func(*fakecam.Camera)) *fakecam.Camera {
	t.Helper()
	cam := &fakecam.Camera{ParamsInSDP: true}
	c.Apply(cam)
	if setup != nil {
		setup(cam)
	}
	if err := cam.Start(); err != nil {
		t.Fatalf("fake camera: %v", err)
	}
	t.Cleanup(cam.Close)
	return cam
}

func startRelay(t *testing.T, cfg Config) *Relay {
	t.Helper()
	r, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(r.Close)
	return r
}

// waitFor polls the relay's stats until ok holds, or fails the test.
func waitFor(t *testing.T, r *Relay, d time.Duration, what string, ok func(Stats) bool) Stats {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := r.Stats()
		if ok(s) {
			return s
		}
		select {
		case <-r.Done():
			t.Fatalf("stream stopped while waiting for %s: %v", what, r.Wait())
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v; stats: %+v", what, d, s)
		}
	}
}

// streamFor runs the relay until at least d of video reached the
// destinations, then stops it and returns what nginx recorded.
func streamFor(t *testing.T, r *Relay, n *ingest.Nginx, d time.Duration) ingest.Report {
	t.Helper()
	relayFor(t, r, d)
	return probeRecording(t, n, testKey)
}

// relayFor runs the relay until it is live and at least d of video went
// out, then stops it and checks that it freed every FFmpeg object.
func relayFor(t *testing.T, r *Relay, d time.Duration) {
	t.Helper()
	waitFor(t, r, 20*time.Second, "live state", func(s Stats) bool { return s.State == StateLive })
	frames := func(s Stats) uint64 { return s.Video.Frames }
	start := frames(r.Stats())
	waitFor(t, r, d+15*time.Second, "enough video", func(s Stats) bool {
		return float64(frames(s)-start) >= d.Seconds()*30
	})
	r.Close()
	if err := r.Wait(); err != nil {
		t.Fatalf("Wait after Close = %v, want nil", err)
	}
	if n := codec.Live(); n != 0 {
		t.Errorf("%d FFmpeg objects still allocated after Close", n)
	}
}

// probeRecording waits for nginx's recording of live/key and reads it back.
func probeRecording(t *testing.T, n *ingest.Nginx, key string) ingest.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := n.WaitRecording(ctx, "live", key, 1000); err != nil {
		t.Fatal(err)
	}
	rep, err := ingest.Probe(ctx, n.Recording("live", key))
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("nginx received on %s: %v", key, rep)
	return rep
}

func near(got, want, tol float64) bool { return math.Abs(got-want) <= tol }

func TestCopyRelayToNginx(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Name:          "copy",
		Input:         cam.URL(),
		RTSPTransport: "tcp",
		Destinations:  []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	rep := streamFor(t, r, n, 5*time.Second)

	if rep.VideoCodec != "h264" || rep.Width != 640 || rep.Height != 360 {
		t.Errorf("video = %s %dx%d, want h264 640x360", rep.VideoCodec, rep.Width, rep.Height)
	}
	if !near(rep.FPS, 30, 0.5) {
		t.Errorf("fps = %.2f, want 30", rep.FPS)
	}
	if !rep.FirstVideoIsKey {
		t.Error("the first video frame nginx got is not a keyframe")
	}
	// Copy keeps the camera's GOP: the test pattern has one keyframe a second.
	if ki := rep.MeanKeyframeInterval().Seconds(); !near(ki, 1, 0.1) {
		t.Errorf("keyframe interval = %.2fs, want the camera's 1s", ki)
	}
	if rep.AudioCodec != "aac" || rep.SampleRate != 48000 || rep.Channels != 2 || rep.AudioPackets == 0 {
		t.Errorf("audio = %s %d Hz %d ch (%d packets), want aac 48000 stereo", rep.AudioCodec, rep.SampleRate, rep.Channels, rep.AudioPackets)
	}
}

func TestTranscode1080pTo720p(t *testing.T) {
	c := recordClip(t, 1920, 1080, true)
	cam := startCamera(t, c, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Name:          "transcode",
		Input:         cam.URL(),
		RTSPTransport: "tcp",
		Video: VideoConfig{
			Mode: VideoH264, Size: media.Size{Width: 1280, Height: 720}, FPS: 30,
			Bitrate: 2_500_000, Preset: "veryfast", KeyframeInterval: 2 * time.Second,
		},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	rep := streamFor(t, r, n, 8*time.Second)

	if rep.VideoCodec != "h264" || rep.Width != 1280 || rep.Height != 720 {
		t.Errorf("video = %s %dx%d, want h264 1280x720", rep.VideoCodec, rep.Width, rep.Height)
	}
	if !near(rep.FPS, 30, 0.5) {
		t.Errorf("fps = %.2f, want 30", rep.FPS)
	}
	if br := float64(rep.VideoBitrate); br < 2_000_000 || br > 3_000_000 {
		t.Errorf("video bitrate = %.0f kb/s, want 2500 ±20%%", br/1000)
	}
	if len(rep.KeyframeIntervals) < 2 {
		t.Fatalf("only %d keyframe intervals", len(rep.KeyframeIntervals))
	}
	for _, ki := range rep.KeyframeIntervals {
		if !near(ki.Seconds(), 2, 0.1) {
			t.Errorf("keyframe interval %v, want 2s ±0.1s (all: %v)", ki, rep.KeyframeIntervals)
			break
		}
	}
	if rep.AudioCodec != "aac" || rep.SampleRate != 48000 || rep.Channels != 2 || rep.AudioPackets == 0 {
		t.Errorf("audio = %q %d Hz %d ch, %d packets; want the camera's aac 48000 Hz stereo", rep.AudioCodec, rep.SampleRate, rep.Channels, rep.AudioPackets)
	}
}

// TestTranscodeChangesFrameRate: a 30 fps camera sent at 15 fps, with the
// keyframe interval still exact in seconds and the width derived from the
// height (aspect kept).
func TestTranscodeChangesFrameRate(t *testing.T) {
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input: cam.URL(), RTSPTransport: "tcp",
		Video: VideoConfig{
			Mode: VideoH264, Size: media.Size{Height: 180}, FPS: 15,
			Bitrate: 500_000, Preset: "ultrafast", KeyframeInterval: 2 * time.Second,
		},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	rep := streamFor(t, r, n, 6*time.Second)
	if rep.Width != 320 || rep.Height != 180 || !near(rep.FPS, 15, 0.3) {
		t.Errorf("video = %dx%d at %.2f fps, want 320x180 at 15", rep.Width, rep.Height, rep.FPS)
	}
	if br := float64(rep.VideoBitrate); br < 400_000 || br > 600_000 {
		t.Errorf("video bitrate = %.0f kb/s, want 500 ±20%%", br/1000)
	}
	for _, ki := range rep.KeyframeIntervals {
		if !near(ki.Seconds(), 2, 0.1) {
			t.Errorf("keyframe interval %v, want 2s (all: %v)", ki, rep.KeyframeIntervals)
			break
		}
	}
}

func TestTranscodeAudioToAAC(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Audio:        AudioConfig{Mode: AudioAAC, Bitrate: 96_000},
		Destinations: []Destination{{URL: n.URL("live", testKey)}},
	})
	rep := streamFor(t, r, n, 4*time.Second)
	if rep.AudioCodec != "aac" || rep.SampleRate != 48000 || rep.Channels != 2 {
		t.Errorf("audio = %s %d Hz %d ch, want aac 48000 stereo", rep.AudioCodec, rep.SampleRate, rep.Channels)
	}
	if s := r.Stats(); s.Audio.Codec != "aac" {
		t.Errorf("stats audio codec = %q", s.Audio.Codec)
	}
}

func TestInBandParametersMidGOPSilentAudio(t *testing.T) {
	c := recordClip(t, 640, 360, false)
	cam := startCamera(t, c, func(cam *fakecam.Camera) {
		cam.ParamsInSDP = false
		cam.StartMidGOP = true
	})
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{URL: n.URL("live", testKey)}},
	})
	rep := streamFor(t, r, n, 4*time.Second)
	if rep.VideoCodec != "h264" || rep.Width != 640 || rep.Height != 360 || !rep.FirstVideoIsKey {
		t.Errorf("nginx got %v", rep)
	}
	// Platforms want audio: a camera without any gets a silent AAC track.
	if rep.AudioCodec != "aac" || rep.SampleRate != 48000 || rep.Channels != 2 || rep.AudioPackets < 100 {
		t.Errorf("audio = %s %d Hz %d ch, %d packets; want silent aac 48000 stereo", rep.AudioCodec, rep.SampleRate, rep.Channels, rep.AudioPackets)
	}
	if s := r.Stats(); s.Audio.Codec != "aac (silent)" {
		t.Errorf("stats audio codec = %q", s.Audio.Codec)
	}
}

func TestStatsDuringRelay(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Name:         "door",
		Input:        cam.URL(),
		Video:        VideoConfig{Mode: VideoH264, Size: media.Size{Height: 240}, Bitrate: 500_000},
		Destinations: []Destination{{Name: "local", URL: n.URL("live", testKey)}},
	})
	// The rates are measured over the last seconds, so a busy moment on
	// the machine can dip them: wait for them to settle at 30 rather than
	// judging one sample.
	s := waitFor(t, r, 20*time.Second, "input and output at about 30 fps", func(s Stats) bool {
		return s.State == StateLive && s.UptimeSeconds >= 5 && near(s.Input.FPS, 30, 3) && near(s.Video.FPS, 30, 3)
	})
	if s.Input.VideoCodec != "h264" || s.Input.Width != 640 || s.Input.Height != 360 {
		t.Errorf("input = %+v", s.Input)
	}
	if s.Video.Width != 426 || s.Video.Height != 240 {
		t.Errorf("output size %dx%d, want 426x240 (aspect kept)", s.Video.Width, s.Video.Height)
	}
	if !near(s.Input.KeyframeIntervalSeconds, 1, 0.1) {
		t.Errorf("keyframe interval seen at the source = %v", s.Input.KeyframeIntervalSeconds)
	}
	if s.Video.Speed <= 0 || s.Video.BitrateKbps <= 0 || s.Input.BitrateKbps <= 0 {
		t.Errorf("speed %v, bitrates in %v out %v", s.Video.Speed, s.Input.BitrateKbps, s.Video.BitrateKbps)
	}
	if len(s.Destinations) != 1 || s.Destinations[0].State != StateLive || s.Destinations[0].BytesSent == 0 {
		t.Errorf("destinations = %+v", s.Destinations)
	}
	if strings.Contains(fmt.Sprintf("%+v", s), testKey) {
		t.Error("the stream key appears in the stats")
	}
}

func TestPreviewOnlyWithoutDestinations(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	r := startRelay(t, Config{Input: cam.URL()})
	waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive })
	if img, _ := r.PreviewFrame(nil); img != nil {
		t.Fatal("a preview frame exists before one was asked for")
	}

	r.SetPreview(PreviewConfig{Width: 320, Height: 320, FPS: 10})
	if got := r.Preview(); got != (PreviewConfig{Width: 320, Height: 320, FPS: 10}) {
		t.Errorf("Preview() = %+v after SetPreview", got)
	}
	select {
	case <-r.PreviewReady():
	case <-time.After(10 * time.Second):
		t.Fatal("PreviewReady did not signal a frame within 10 s")
	}
	img, seq := previewFrames(r, 5, 10*time.Second)
	if seq < 5 || img == nil {
		t.Fatalf("got %d preview frames in 10s", seq)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 180 {
		t.Errorf("preview is %dx%d, want 320x180 (fits the box, aspect kept)", b.Dx(), b.Dy())
	}
	if uniform(img) {
		t.Error("the preview frame is a single colour")
	}

	r.SetPreview(PreviewConfig{})
	if got := r.Preview(); got != (PreviewConfig{}) {
		t.Errorf("Preview() = %+v after switching it off", got)
	}
	time.Sleep(300 * time.Millisecond)
	_, before := r.PreviewFrame(nil)
	time.Sleep(500 * time.Millisecond)
	if _, after := r.PreviewFrame(nil); after != before {
		t.Errorf("preview frames kept coming after it was switched off (%d → %d)", before, after)
	}
}

// A snapshot of a copy-mode camera: decoding starts for it and stops
// once nobody asks; the window's preview is not touched.
func TestStillOnlyWhileAsked(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	r := startRelay(t, Config{Input: cam.URL()})
	waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	img, err := r.Still(ctx, 320, 320)
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != 320 || b.Dy() != 180 || uniform(img) {
		t.Fatalf("snapshot %v, uniform %v: want 320x180 with a picture", b, uniform(img))
	}
	if r.Preview() != (PreviewConfig{}) {
		t.Error("Still switched the preview on")
	}
	if !r.still.active() {
		t.Fatal("the snapshot tap is off right after a snapshot")
	}
	// The lease ends: the pipeline switches the tap off at its next frame.
	r.still.until.Store(time.Now().UnixNano())
	deadline := time.Now().Add(5 * time.Second)
	for r.still.active() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if r.still.active() {
		t.Fatal("the snapshot tap is still on after its lease ended")
	}
	// A camera that sends nothing in time: an error, not a hang.
	short, cancel2 := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel2()
	if _, err := r.Still(short, 100, 100); !errors.Is(err, ErrNoPicture) {
		t.Errorf("Still with no time = %v, want ErrNoPicture", err)
	}
}

func TestPreviewOfTestPattern(t *testing.T) {
	r := startRelay(t, Config{Input: TestPattern})
	r.SetPreview(PreviewConfig{Width: 640, Height: 360, FPS: 30})
	img, seq := previewFrames(r, 3, 15*time.Second)
	if seq < 3 || uniform(img) {
		t.Fatalf("test pattern preview: %d frames", seq)
	}
}

func TestCameraUnreachableIsRetried(t *testing.T) {
	r := startRelay(t, Config{Input: "rtsp://admin:s3cret@" + testx.ClosedPort(t) + "/ch1"})
	s := waitFor(t, r, 15*time.Second, "a second retry", func(s Stats) bool {
		return s.State == StateRetrying && s.Input.Reconnects >= 2
	})
	if !strings.Contains(s.Reason, "refused") || !strings.Contains(s.Reason, "retrying in") {
		t.Errorf("reason = %q, want a countdown and connection refused", s.Reason)
	}
	if strings.Contains(s.Reason, "s3cret") {
		t.Errorf("password in the reason: %q", s.Reason)
	}
}

func TestCameraWrongPassword(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, func(cam *fakecam.Camera) { cam.User, cam.Pass = "admin", "right" })
	u := strings.Replace(cam.URL(), "admin:right@", "admin:wrong-pass@", 1)
	r := startRelay(t, Config{Input: u})
	err := waitDone(t, r, 15*time.Second)
	if err == nil || !strings.Contains(err.Error(), "wrong user or password") {
		t.Fatalf("error = %v, want wrong user or password", err)
	}
	if strings.Contains(err.Error(), "wrong-pass") {
		t.Errorf("password in error: %v", err)
	}
}

func TestIngestUnreachableIsRetried(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{URL: "rtmp://" + testx.ClosedPort(t) + "/live/" + testKey}},
	})
	s := waitFor(t, r, 20*time.Second, "the destination retrying", func(s Stats) bool {
		return s.State == StateRetrying && len(s.Destinations) == 1 && s.Destinations[0].State == StateRetrying
	})
	d := s.Destinations[0]
	if !strings.Contains(d.Reason, "connection refused") || !strings.Contains(s.Reason, "connection refused") {
		t.Errorf("reasons: stream %q, destination %q", s.Reason, d.Reason)
	}
	if strings.Contains(fmt.Sprintf("%+v", s), testKey) {
		t.Error("the key appears in the stats")
	}
}

// previewFrames reads the preview each time PreviewReady signals a new
// frame, until its sequence number reaches n, d passes or the stream
// stops, and returns the latest frame and its number.
func previewFrames(r *Relay, n uint64, d time.Duration) (*image.RGBA, uint64) {
	timeout := time.After(d)
	img, seq := r.PreviewFrame(nil)
	for seq < n {
		select {
		case <-r.PreviewReady():
			img, seq = r.PreviewFrame(img)
		case <-r.Done():
			return img, seq
		case <-timeout:
			return img, seq
		}
	}
	return img, seq
}

func TestCloseIsPromptWhileConnecting(t *testing.T) {
	// A camera that accepts TCP and never answers.
	addr, accepted := silent.Server(t)
	r := startRelay(t, Config{Input: "rtsp://" + addr + "/x", Destinations: []Destination{{URL: "rtmp://" + addr + "/live/" + testKey}}})
	select {
	case <-accepted: // the relay is connected and waits for the camera's answer
	case <-time.After(10 * time.Second):
		t.Fatal("the relay did not connect to the camera")
	}
	start := time.Now()
	r.Close()
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("Close took %v", d)
	}
	if err := r.Wait(); err != nil {
		t.Errorf("Wait after Close = %v", err)
	}
}

func waitDone(t *testing.T, r *Relay, d time.Duration) error {
	t.Helper()
	select {
	case <-r.Done():
		return r.Wait()
	case <-time.After(d):
		t.Fatalf("the stream did not stop within %v: %+v", d, r.Stats())
		return errors.New("timeout")
	}
}

// TestSetOutputKeepsDestinationsConnected: changing a live stream's output
// (copy → transcode at another size, and back) restarts the encoder, not the
// stream: the camera and the destination stay connected and video goes on.
func TestSetOutputKeepsDestinationsConnected(t *testing.T) {
	c := recordClip(t, 640, 360, true)
	cam := startCamera(t, c, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Name: "change", Input: cam.URL(), RTSPTransport: "tcp",
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	waitFor(t, r, 20*time.Second, "live copy", func(s Stats) bool {
		return s.State == StateLive && s.Video.Mode == VideoCopy && s.Video.Width == 640 && s.Video.Frames > 30
	})

	if err := r.SetOutput(VideoConfig{Mode: VideoH264, Bitrate: 1}, AudioConfig{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("SetOutput with a 1 b/s bitrate = %v, want ErrInvalid", err)
	}
	small := VideoConfig{Mode: VideoH264, Size: media.Size{Width: 320, Height: 180}, Bitrate: 400_000, Preset: "ultrafast"}
	if err := r.SetOutput(small, AudioConfig{Mode: AudioAAC}); err != nil {
		t.Fatal(err)
	}
	before := r.Stats().Video.Frames
	s := waitFor(t, r, 15*time.Second, "the transcode at 320x180 to flow", func(s Stats) bool {
		return s.Video.Mode == VideoH264 && s.Video.Width == 320 && s.Video.Height == 180 && s.Video.Frames > before+30 &&
			len(s.Destinations) == 1 && s.Destinations[0].State == StateLive
	})
	if s.Input.Reconnects != 0 || s.Destinations[0].Reconnects != 0 {
		t.Errorf("reconnects: camera %d, destination %d; want none", s.Input.Reconnects, s.Destinations[0].Reconnects)
	}
	if s.Audio.Mode != AudioAAC {
		t.Errorf("audio mode %q, want aac", s.Audio.Mode)
	}

	// Back to copy: the camera's size again, still on the same connections.
	sent := s.Destinations[0].BytesSent
	if err := r.SetOutput(VideoConfig{Mode: VideoCopy}, AudioConfig{}); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, r, 15*time.Second, "copy again", func(s Stats) bool {
		return s.Video.Mode == VideoCopy && s.Video.Width == 640 && len(s.Destinations) == 1 &&
			s.Destinations[0].BytesSent > sent+100_000
	})
	if s.Input.Reconnects != 0 || s.Destinations[0].Reconnects != 0 {
		t.Errorf("after going back to copy: camera %d, destination %d reconnects; want none", s.Input.Reconnects, s.Destinations[0].Reconnects)
	}
	if err := n.WaitRecording(t.Context(), "live", testKey, 100_000); err != nil {
		t.Fatal(err)
	}
}
