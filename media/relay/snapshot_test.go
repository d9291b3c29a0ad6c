package relay

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

func TestSnapshot(t *testing.T) {
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	img, err := Snapshot(ctx, Config{Input: cam.URL(), RTSPTransport: "tcp"}, 160, 90)
	if err != nil {
		t.Fatal(err)
	}
	// 320x240 in a 160x90 box: 120x90.
	if b := img.Bounds(); b.Dx() != 120 || b.Dy() != 90 {
		t.Errorf("snapshot is %v, want 120x90", b)
	}

	// A camera that is not there: an error that says why, once ctx ends.
	ctx, cancel = context.WithTimeout(t.Context(), 3*time.Second)
	defer cancel()
	_, err = Snapshot(ctx, Config{Input: "rtsp://" + testx.ClosedPort(t) + "/none"}, 160, 90)
	if err == nil || !strings.Contains(err.Error(), "no picture") {
		t.Errorf("snapshot of a missing camera: %v", err)
	}
}
