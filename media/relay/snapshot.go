package relay

import (
	"context"
	"errors"
	"fmt"
	"image"
)

// Snapshot connects to c's source, decodes its first picture into a box
// of w x h (the aspect ratio kept), and disconnects: a camera's thumbnail,
// one keyframe's worth of work. c's destinations are ignored. It returns
// when the picture is there, the source fails, or ctx ends.
func Snapshot(ctx context.Context, c Config, w, h int) (*image.RGBA, error) {
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: snapshot size %dx%d", ErrInvalid, w, h)
	}
	c.Destinations = nil
	r, err := New(c)
	if err != nil {
		return nil, err
	}
	r.SetPreview(PreviewConfig{Width: w, Height: h, FPS: 1})
	if err := r.Start(); err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		select {
		case <-ctx.Done():
			if s := r.Stats(); s.Input.Reason != "" {
				return nil, fmt.Errorf("no picture: %s", s.Input.Reason)
			}
			return nil, fmt.Errorf("no picture: %w", ctx.Err())
		case <-r.Done():
			if err := r.Wait(); err != nil {
				return nil, err
			}
			return nil, errors.New("the source ended before its first picture")
		case <-r.PreviewReady():
			if img, _ := r.PreviewFrame(nil); img != nil {
				return img, nil
			}
		}
	}
}
