package rtsp

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/format"

	"github.com/relaystudio/relaystudio/media"
)

// DefaultDescribeTimeout bounds Describe when its timeout is 0.
const DefaultDescribeTimeout = 5 * time.Second

// Describe asks the camera at rawURL for its stream description (DESCRIBE,
// with the URL's credentials, Basic or Digest) without playing it, and
// returns the video codec the stream offers. It is the cheap check of
// whether a path exists on a camera: one request, nothing decoded. Its
// errors are those of Source (ErrUnauthorized, ErrNotFound, ErrUnreachable,
// ErrNoVideo, ErrUnsupported) and never contain the password.
func Describe(ctx context.Context, rawURL string, timeout time.Duration) (media.Codec, error) {
	return DescribeTLS(ctx, rawURL, timeout, nil)
}

// DescribeTLS is Describe that verifies an rtsps:// camera with tlsConfig
// (nil: the system's trust store), as Source.TLSConfig does.
func DescribeTLS(ctx context.Context, rawURL string, timeout time.Duration, tlsConfig *tls.Config) (media.Codec, error) {
	if err := ParseURL(rawURL); err != nil {
		return 0, err
	}
	u, err := base.ParseURL(rawURL)
	if err != nil {
		return 0, newError(rawURL, nil, nil, "is not a valid URL")
	}
	if timeout <= 0 {
		timeout = DefaultDescribeTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	c := &gortsplib.Client{
		Scheme:       u.Scheme,
		Host:         u.Host,
		ReadTimeout:  timeout,
		WriteTimeout: timeout,
		TLSConfig:    tlsConfig.Clone(), // gortsplib writes ServerName into it
	}
	if err := c.Start2(); err != nil {
		return 0, newError(rawURL, nil, err, "cannot start the RTSP client: %s", err)
	}
	// Closing the client is what unblocks Describe.
	stop := context.AfterFunc(ctx, c.Close)
	defer func() {
		stop()
		c.Close()
	}()
	desc, _, err := c.Describe(u)
	if err != nil {
		if ctx.Err() != nil && !errors.Is(ctx.Err(), context.Canceled) {
			e := newError(rawURL, ErrUnreachable, nil, "did not answer within %s", timeout)
			e.timeout = true
			return 0, e
		}
		return 0, classify(rawURL, err)
	}
	ss := &session{url: rawURL, log: slog.New(slog.DiscardHandler)}
	sel, err := ss.selectMedias(desc)
	if err != nil {
		return 0, err
	}
	if _, ok := sel.videoFormat.(*format.H265); ok {
		return media.CodecH265, nil
	}
	return media.CodecH264, nil
}
