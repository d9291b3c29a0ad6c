package rtmp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"syscall"
)

// ErrRefused is matched (errors.Is) by every error that means the
// destination turned the publisher away rather than failed: the stream key
// or application was refused, or the server's certificate is not trusted.
// Retrying quickly will not help; the user has to fix the settings.
var ErrRefused = errors.New("refused by the destination")

// refusal is an ErrRefused with a message for people.
type refusal struct {
	msg   string
	cause error
}

func (r *refusal) Error() string        { return r.msg }
func (r *refusal) Unwrap() error        { return r.cause }
func (r *refusal) Is(target error) bool { return target == ErrRefused }

// errWriteStalled ends a connection whose writes stopped progressing.
var errWriteStalled = errors.New("write timed out: the destination stopped taking data")

// phaseError records which step of a connection failed, so that a timeout
// can say what was being waited for.
type phaseError struct {
	phase string // "dial", "handshake", "connect", "createStream", "publish"
	err   error
}

func (e *phaseError) Error() string { return e.phase + ": " + e.err.Error() }
func (e *phaseError) Unwrap() error { return e.err }

// describe turns err into a short phrase for people: "connection refused",
// "timed out", "host not found", "certificate not trusted: ...". It never
// returns the stream key because none of the errors it sees contain it
// (server-provided text is redacted where it is received).
func describe(err error) string {
	if err == nil {
		return ""
	}
	var r *refusal
	if errors.As(err, &r) {
		return r.msg
	}
	if errors.Is(err, errWriteStalled) {
		return errWriteStalled.Error()
	}
	if msg, ok := certificateProblem(err); ok {
		return msg
	}
	var rh tls.RecordHeaderError
	if errors.As(err, &rh) {
		return "TLS handshake failed: the server does not speak TLS here (rtmps:// on a plain RTMP port?)"
	}
	var dns *net.DNSError
	if errors.As(err, &dns) {
		if dns.IsNotFound {
			return "host not found"
		}
		if dns.IsTimeout {
			return "host lookup timed out"
		}
		return "host lookup failed"
	}
	var phase string
	var pe *phaseError
	if errors.As(err, &pe) {
		phase = pe.phase
	}
	hungUp := errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)
	switch {
	case hungUp && phase == "connect":
		// nginx, for one, just hangs up on an application it does not serve.
		return "the server hung up on connect: check the application name in the URL (scheme://host/APP/key)"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, syscall.EPIPE):
		return "connection reset by the server"
	case errors.Is(err, syscall.EHOSTUNREACH), errors.Is(err, syscall.ENETUNREACH):
		return "network unreachable"
	case isTimeout(err):
		switch phase {
		case "", "dial":
			return "timed out"
		case "handshake":
			return "handshake timed out: the server does not answer RTMP"
		default:
			return "timed out waiting for the server (" + phase + ")"
		}
	case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection closed by the server"
	case errors.Is(err, net.ErrClosed):
		return "connection closed"
	}
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		msg = msg[:i]
	}
	return msg
}

func isTimeout(err error) bool {
	if errors.Is(err, os.ErrDeadlineExceeded) || errors.Is(err, context.DeadlineExceeded) {
		return true
	}
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// certificateProblem recognises a failed certificate verification and
// words it for people. It is the only way an rtmps connection may fail
// for trust reasons: verification is never skipped.
func certificateProblem(err error) (string, bool) {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
	)
	switch {
	case errors.As(err, &unknown):
		return "certificate not trusted: signed by an unknown authority", true
	case errors.As(err, &hostname):
		return "certificate not trusted: it is not valid for " + hostname.Host, true
	case errors.As(err, &invalid):
		if invalid.Reason == x509.Expired {
			return "certificate not trusted: expired or not yet valid", true
		}
		return "certificate not trusted: " + strings.TrimPrefix(invalid.Error(), "x509: "), true
	case errors.As(err, &verify):
		return "certificate not trusted: " + strings.TrimPrefix(verify.Err.Error(), "x509: "), true
	}
	return "", false
}
