package rtsp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"syscall"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/relaystudio/relaystudio/media"
)

// Kinds of failure a caller may want to tell apart with errors.Is. Errors
// returned by this package wrap one of them when it applies, and their
// message always names the camera by its redacted URL.
var (
	// ErrUnauthorized: the camera refused the credentials (401, or 403).
	ErrUnauthorized = errors.New("wrong user or password")
	// ErrNotFound: the camera has no stream at that path (404).
	ErrNotFound = errors.New("no such stream path")
	// ErrUnreachable: the camera could not be reached or did not answer in
	// time (connection refused, host not found, connect timeout).
	ErrUnreachable = errors.New("camera did not answer")
	// ErrStalled: the session was up but no video arrived for ReadTimeout
	// (or no usable keyframe within twice ReadTimeout).
	ErrStalled = errors.New("camera stopped sending video")
	// ErrNoVideo: the stream has no video track at all.
	ErrNoVideo = errors.New("no H.264 or H.265 video track")
	// ErrUnsupported: the stream uses something this package cannot read
	// (a video codec other than H.264/H.265, H.264 packetization mode 2, a
	// transport the camera refuses).
	ErrUnsupported = errors.New("unsupported stream")
	// ErrFormatChanged: the camera changed the picture size during the
	// session (Tracks would be stale). Reconnecting picks up the new size.
	ErrFormatChanged = errors.New("video format changed")
	// ErrMalformed: a packet from the camera made the reader fail (a panic
	// in depacketizing, recovered). The session ends; reconnecting resets
	// every parser.
	ErrMalformed = errors.New("camera sent a packet that could not be read")
)

// cameraError is what every failure of this package looks like: a message
// for people, prefixed with the camera's redacted URL, that unwraps to one
// of the sentinel kinds above (and to the underlying cause, when its text is
// safe to show).
type cameraError struct {
	url     string // redacted
	kind    error  // one of the sentinels, or nil
	msg     string // what went wrong and, when useful, what to do
	cause   error  // may be nil
	timeout bool
}

func (e *cameraError) Error() string { return "camera " + e.url + ": " + e.msg }

// Unwrap exposes the kind and the cause to errors.Is and errors.As.
func (e *cameraError) Unwrap() []error {
	var errs []error
	if e.kind != nil {
		errs = append(errs, e.kind)
	}
	if e.cause != nil {
		errs = append(errs, e.cause)
	}
	return errs
}

// Timeout reports whether the failure was a timeout (net.Error style), so
// callers that only care about "try again later" can ask generically.
func (e *cameraError) Timeout() bool { return e.timeout }

// newError builds a cameraError for rawURL. The URL is redacted here, once.
func newError(rawURL string, kind error, cause error, format string, args ...any) *cameraError {
	return &cameraError{
		url:   media.RedactURL(rawURL),
		kind:  kind,
		msg:   fmt.Sprintf(format, args...),
		cause: safeCause(rawURL, cause),
	}
}

// safeCause returns cause, or a plain copy of its text with the URL's
// password masked when the text contains it: library errors sometimes quote
// the request URL, and the password must never reach a log or the UI.
func safeCause(rawURL string, cause error) error {
	if cause == nil {
		return nil
	}
	pass := urlPassword(rawURL)
	if pass == "" || !strings.Contains(cause.Error(), pass) {
		return cause
	}
	return errors.New(strings.ReplaceAll(cause.Error(), pass, "xxxxx"))
}

func urlPassword(rawURL string) string {
	u, err := url.Parse(rawURL)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}

func hasCredentials(rawURL string) bool {
	u, err := url.Parse(rawURL)
	return err == nil && u.User != nil && u.User.Username() != ""
}

// classify turns an error from gortsplib or the network into a cameraError
// that says what failed in words a streamer understands.
func classify(rawURL string, err error) error {
	var ce *cameraError
	if errors.As(err, &ce) {
		return err
	}

	var status liberrors.ErrClientBadStatusCode
	if errors.As(err, &status) {
		return classifyStatus(rawURL, status)
	}

	var (
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		netErr  net.Error
	)
	switch {
	case errors.As(err, &dnsErr):
		if dnsErr.IsNotFound {
			return newError(rawURL, ErrUnreachable, err, "did not answer (host not found: check the address)")
		}
		e := newError(rawURL, ErrUnreachable, err, "did not answer (cannot resolve the host name: %s)", dnsErr.Err)
		e.timeout = dnsErr.IsTimeout
		return e
	case errors.Is(err, syscall.ECONNREFUSED):
		return newError(rawURL, ErrUnreachable, err, "did not answer (connection refused: check the address and port)")
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return newError(rawURL, ErrUnreachable, err, "did not answer (no route to host: check the address and the network)")
	case errors.As(err, &liberrors.ErrClientRequestTimedOut{}):
		e := newError(rawURL, ErrUnreachable, err, "did not answer a request in time")
		e.timeout = true
		return e
	case errors.As(err, &liberrors.ErrClientTCPTimeout{}), errors.As(err, &liberrors.ErrClientUDPTimeout{}):
		e := newError(rawURL, ErrStalled, err, "sent nothing for too long (stalled or network down)")
		e.timeout = true
		return e
	case errors.As(err, &certErr), errors.As(err, new(x509.UnknownAuthorityError)),
		errors.As(err, new(x509.HostnameError)), errors.As(err, new(x509.CertificateInvalidError)):
		return newError(rawURL, nil, err, "TLS certificate not accepted: %s", err)
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, syscall.ECONNRESET),
		errors.Is(err, syscall.EPIPE), errors.Is(err, net.ErrClosed):
		return newError(rawURL, nil, err, "connection closed by the camera")
	case errors.Is(err, context.DeadlineExceeded):
		e := newError(rawURL, ErrUnreachable, err, "did not answer in time")
		e.timeout = true
		return e
	case errors.As(err, &netErr) && netErr.Timeout():
		e := newError(rawURL, ErrUnreachable, err, "did not answer in time")
		e.timeout = true
		return e
	}
	return newError(rawURL, nil, err, "%s", safeCause(rawURL, err))
}

func classifyStatus(rawURL string, status liberrors.ErrClientBadStatusCode) error {
	code := int(status.Code)
	switch status.Code {
	case base.StatusUnauthorized:
		if !hasCredentials(rawURL) {
			return newError(rawURL, ErrUnauthorized, status,
				"needs a user and password (401): put them in the URL, rtsp://user:password@host/path")
		}
		return newError(rawURL, ErrUnauthorized, status, "wrong user or password (401)")
	case base.StatusForbidden:
		return newError(rawURL, ErrUnauthorized, status, "access denied (403): check the user's rights on the camera")
	case base.StatusNotFound:
		return newError(rawURL, ErrNotFound, status, "no such stream path (404): check the path in the URL")
	case base.StatusUnsupportedTransport:
		return newError(rawURL, ErrUnsupported, status,
			"refused the transport (461): choose another transport (tcp or auto)")
	case base.StatusServiceUnavailable:
		return newError(rawURL, nil, status, "busy (503): too many viewers, or it is restarting")
	}
	msg := status.Message
	if msg == "" {
		msg = "error"
	}
	return newError(rawURL, nil, status, "answered %d %s", code, msg)
}

// connectTimeoutError is the error for a camera that did not finish the
// RTSP handshake within ConnectTimeout.
func connectTimeoutError(rawURL string, d time.Duration) error {
	e := newError(rawURL, ErrUnreachable, nil, "did not answer within %s", d)
	e.timeout = true
	return e
}

// stalledError is the error for a session that received no video for d.
func stalledError(rawURL string, d time.Duration) error {
	e := newError(rawURL, ErrStalled, nil, "sent no video for %s (stalled or network down)", d)
	e.timeout = true
	return e
}
