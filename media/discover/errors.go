package discover

import (
	"context"
	"errors"
	"net"
	"syscall"

	"github.com/relaystudio/relaystudio/media/rtsp"
)

// Kinds of failure a caller may tell apart with errors.Is. Every error of
// this package wraps one of them where it applies, names the camera by its
// host, and never contains a password.
var (
	// ErrUnauthorized: the camera refused the user or password. The same
	// value as rtsp.ErrUnauthorized: a caller asks once, whichever way the
	// camera was reached.
	ErrUnauthorized = rtsp.ErrUnauthorized
	// ErrUnreachable: nothing answered at the address in time (the same
	// value as rtsp.ErrUnreachable).
	ErrUnreachable = rtsp.ErrUnreachable
	// ErrBadAnswer: something answered, but not as an ONVIF camera does
	// (not XML, a SOAP fault, a missing element, an HTTP error).
	ErrBadAnswer = errors.New("camera gave an answer that could not be used")
)

// Error is a failure talking to one camera.
type Error struct {
	Camera string // host[:port], never with credentials
	Op     string // the ONVIF operation, "" when not one
	kind   error
	msg    string
}

func (e *Error) Error() string { return "camera " + e.Camera + ": " + e.msg }

// Unwrap gives the kind to errors.Is.
func (e *Error) Unwrap() error { return e.kind }

// netError words a transport failure of op at camera.
func netError(camera, op string, err error, timeoutText string) *Error {
	e := &Error{Camera: camera, Op: op, kind: ErrUnreachable}
	var dns *net.DNSError
	var ne net.Error
	switch {
	case errors.As(err, &dns):
		e.msg = "host not found: check the address"
	case errors.Is(err, syscall.ECONNREFUSED):
		e.msg = "connection refused: check the address and port, and that ONVIF is switched on in the camera's settings"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		e.msg = "no route to the camera: check the address and the network"
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		e.msg = "did not answer " + op + " within " + timeoutText
	default:
		e.msg = "connection failed during " + op + ": check the address"
	}
	return e
}
