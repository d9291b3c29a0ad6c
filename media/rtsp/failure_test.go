package rtsp

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/silent"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

const secret = "s3cr3t-Pa55"

// noSecret fails when the password shows up in s.
func noSecret(t *testing.T, what, s string) {
	t.Helper()
	if strings.Contains(s, secret) {
		t.Errorf("%s contains the password: %s", what, s)
	}
}

func TestAuth(t *testing.T) {
	cl := clip(t, fakecam.ClipConfig{})

	// Cameras offer Basic, Digest or both: each must work.
	for name, scheme := range map[string]string{"basic": "basic", "digest": "digest", "both offered": ""} {
		t.Run("right password, "+name, func(t *testing.T) {
			testx.NoLeaks(t)
			cam := startCamera(t, cl, &fakecam.Camera{User: "admin", Pass: secret, Auth: scheme})
			var logs testx.Buffer
			sink := newRecSink()
			src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, Logger: testx.Logger(&logs)})
			sink.waitFor(t, src, 15*time.Second, "a video unit", atLeast(1, 0))
			closePromptly(t, src)
			noSecret(t, "the log", logs.String())
		})
	}

	t.Run("wrong password", func(t *testing.T) {
		testx.NoLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{User: "admin", Pass: "other"})
		u := strings.Replace(cam.URL(), "other", secret, 1)
		var logs testx.Buffer
		src := startSource(t, &Source{URL: u, Transport: "tcp", Sink: newRecSink(), Logger: testx.Logger(&logs)})
		err := waitErr(t, src, 15*time.Second)
		t.Log(err)
		if !errors.Is(err, ErrUnauthorized) {
			t.Fatalf("err = %v, want ErrUnauthorized", err)
		}
		msg := err.Error()
		if !strings.Contains(msg, "wrong user or password (401)") || !strings.Contains(msg, "admin:xxxxx@127.0.0.1") {
			t.Errorf("message %q should name the camera (redacted) and the problem", msg)
		}
		noSecret(t, "the error", msg)
		noSecret(t, "the log", logs.String())
		if cam.Sessions() != 0 {
			t.Error("the camera accepted a PLAY")
		}
	})

	t.Run("no credentials", func(t *testing.T) {
		testx.NoLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{User: "admin", Pass: secret})
		u := strings.Replace(cam.URL(), "admin:"+secret+"@", "", 1)
		src := startSource(t, &Source{URL: u, Transport: "tcp", Sink: newRecSink()})
		err := waitErr(t, src, 15*time.Second)
		t.Log(err)
		if !errors.Is(err, ErrUnauthorized) || !strings.Contains(err.Error(), "needs a user and password") {
			t.Fatalf("err = %v, want ErrUnauthorized asking for credentials", err)
		}
	})
}

func TestNotFound(t *testing.T) {
	testx.NoLeaks(t)
	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{})
	u := strings.Replace(cam.URL(), fakecam.DefaultPath, "/nope", 1)
	src := startSource(t, &Source{URL: u, Transport: "tcp", Sink: newRecSink()})
	err := waitErr(t, src, 15*time.Second)
	t.Log(err)
	if !errors.Is(err, ErrNotFound) || !strings.Contains(err.Error(), "/nope") {
		t.Fatalf("err = %v, want ErrNotFound naming the URL", err)
	}
}

func TestConnectionRefused(t *testing.T) {
	testx.NoLeaks(t)
	// A long ConnectTimeout: the error must come from the refusal, not the
	// timeout.
	u := "rtsp://admin:" + secret + "@" + testx.ClosedPort(t) + "/stream"
	src := startSource(t, &Source{URL: u, Sink: newRecSink(), ConnectTimeout: time.Minute})
	err := waitErr(t, src, 15*time.Second)
	t.Log(err)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "connection refused") {
		t.Fatalf("err = %v, want ErrUnreachable: connection refused", err)
	}
	var te interface{ Timeout() bool }
	if errors.As(err, &te) && te.Timeout() {
		t.Error("a refusal reported as a timeout")
	}
	noSecret(t, "the error", err.Error())
}

func TestConnectTimeout(t *testing.T) {
	testx.NoLeaks(t)
	addr, _ := silent.Server(t)
	src := startSource(t, &Source{URL: "rtsp://" + addr + "/stream", Sink: newRecSink(),
		ConnectTimeout: 500 * time.Millisecond, ReadTimeout: time.Minute})
	begin := time.Now()
	err := waitErr(t, src, 15*time.Second)
	t.Log(err)
	if !errors.Is(err, ErrUnreachable) || !strings.Contains(err.Error(), "did not answer within 500ms") {
		t.Fatalf("err = %v, want ErrUnreachable after the connect timeout", err)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Error("the connect timeout does not report Timeout()")
	}
	if d := time.Since(begin); d < 500*time.Millisecond {
		t.Errorf("gave up after %v, before ConnectTimeout", d)
	}
}

func TestCloseWhileConnecting(t *testing.T) {
	testx.NoLeaks(t)
	addr, accepted := silent.Server(t)
	src := startSource(t, &Source{URL: "rtsp://" + addr + "/stream", Sink: newRecSink(), ConnectTimeout: time.Minute})
	select {
	case <-accepted:
	case <-time.After(10 * time.Second):
		t.Fatal("the source did not connect")
	}
	closePromptly(t, src)
	if err := src.Wait(); err != nil {
		t.Fatalf("Wait after Close = %v, want nil", err)
	}
}

func TestCloseStates(t *testing.T) {
	testx.NoLeaks(t)
	var never Source
	never.Close() // not started: no-op
	if err := never.Wait(); err != nil {
		t.Fatalf("Wait without Start = %v", err)
	}

	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{ParamsInSDP: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
	sink.waitFor(t, src, 15*time.Second, "a video unit", atLeast(1, 0))
	closePromptly(t, src)
	closePromptly(t, src) // twice
	if err := src.Start(); err == nil {
		t.Error("a second Start succeeded")
	}
}

func TestReadTimeout(t *testing.T) {
	testx.NoLeaks(t)
	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{ParamsInSDP: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, ReadTimeout: time.Second})
	sink.waitFor(t, src, 15*time.Second, "5 video units", atLeast(5, 0))
	cam.Pause()
	paused := time.Now()
	err := waitErr(t, src, 10*time.Second)
	t.Log(err)
	stalled := time.Since(paused)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "sent no video for 1s") {
		t.Fatalf("err = %v, want ErrStalled", err)
	}
	var te interface{ Timeout() bool }
	if !errors.As(err, &te) || !te.Timeout() {
		t.Error("the read timeout does not report Timeout()")
	}
	// Correctness bounds, not speed: not before ReadTimeout (less the
	// frame in flight), and well before the 10 s library default.
	if stalled < 900*time.Millisecond || stalled > 5*time.Second {
		t.Errorf("session ended %v after the camera stalled, want about 1s", stalled)
	}
}

func TestCameraGoesAway(t *testing.T) {
	testx.NoLeaks(t)
	cam := startCamera(t, clip(t, fakecam.ClipConfig{}), &fakecam.Camera{ParamsInSDP: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink})
	sink.waitFor(t, src, 15*time.Second, "5 video units", atLeast(5, 0))
	cam.Close()
	err := waitErr(t, src, 15*time.Second)
	t.Log(err)
	if err == nil || errors.Is(err, ErrStalled) {
		t.Fatalf("err = %v, want the connection loss (not a stall)", err)
	}
	if !strings.Contains(err.Error(), "camera rtsp://127.0.0.1:") {
		t.Errorf("err %q does not name the camera", err)
	}
}

func TestStartValidates(t *testing.T) {
	testx.NoLeaks(t)
	for _, src := range []*Source{
		{URL: "http://cam/stream", Sink: newRecSink()},
		{URL: "rtsp://cam/stream", Sink: newRecSink(), Transport: "carrier-pigeon"},
		{URL: "rtsp://cam/stream"},
		{URL: "rtsp://cam/stream", Sink: newRecSink(), ReadTimeout: -time.Second},
	} {
		if err := src.Start(); err == nil {
			src.Close()
			t.Errorf("Start(%+v) succeeded", src)
		}
	}
}

func TestNoKeyframe(t *testing.T) {
	testx.NoLeaks(t)
	// The first GOP without its IDR, looping: pictures arrive, none usable.
	cl := clip(t, fakecam.ClipConfig{})
	var noIDR fakecam.Clip
	noIDR.Tracks = cl.Tracks
	noIDR.Video = append([]media.VideoUnit(nil), cl.Video[1:25]...)
	noIDR.Video[0].Key = true // fakecam wants a keyframe first; its NALUs are not one
	cam := startCamera(t, noIDR, &fakecam.Camera{ParamsInSDP: true})
	sink := newRecSink()
	src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, ReadTimeout: 500 * time.Millisecond})
	err := waitErr(t, src, 10*time.Second)
	t.Log(err)
	if !errors.Is(err, ErrStalled) || !strings.Contains(err.Error(), "no keyframe") {
		t.Fatalf("err = %v, want ErrStalled for want of a keyframe", err)
	}
	if events, _, _, _ := sink.snapshot(); len(events) != 0 {
		t.Errorf("the Sink got %v without a keyframe", events)
	}
}
