package fakecam

import (
	"context"
	"errors"
	"testing"
	"time"
)

// StartTest encodes a clip of cfg with the ffmpeg CLI, serves it from a
// camera (ParamsInSDP, then setup, if any, may change it) and closes the
// camera when the test ends. Without ffmpeg it skips the test, saying how
// to install it.
func StartTest(tb testing.TB, cfg ClipConfig, setup func(*Camera)) *Camera {
	tb.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	clip, err := EncodeClip(ctx, cfg)
	if errors.Is(err, ErrNoFFmpeg) {
		tb.Skip("ffmpeg is not installed: run make deps")
	}
	if err != nil {
		tb.Fatal(err)
	}
	cam := &Camera{ParamsInSDP: true}
	clip.Apply(cam)
	if setup != nil {
		setup(cam)
	}
	if err := cam.Start(); err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(cam.Close)
	return cam
}
