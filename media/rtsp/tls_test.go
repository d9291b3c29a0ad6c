package rtsp

import (
	"crypto/tls"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testx"
)

func TestRTSPS(t *testing.T) {
	cert, pool := testx.Certificates(t)
	cl := clip(t, fakecam.ClipConfig{})

	t.Run("trusted", func(t *testing.T) {
		testx.NoLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
		if !strings.HasPrefix(cam.URL(), "rtsps://") {
			t.Fatalf("URL = %s", cam.URL())
		}
		cfg := &tls.Config{RootCAs: pool}
		sink := newRecSink()
		src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, TLSConfig: cfg})
		sink.waitFor(t, src, 15*time.Second, "10 video units", atLeast(10, 0))
		closePromptly(t, src)
		if cfg.ServerName != "" {
			t.Error("the caller's TLS config was modified")
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		testx.NoLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
		src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: newRecSink()})
		err := waitErr(t, src, 15*time.Second)
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "TLS certificate not accepted") {
			t.Fatalf("err = %v, want the certificate refused", err)
		}
	})
}
