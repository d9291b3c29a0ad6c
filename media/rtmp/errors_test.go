package rtmp

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"syscall"
	"testing"
	"time"
)

func TestDescribe(t *testing.T) {
	opErr := func(err error) error {
		return &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", err)}
	}
	for _, tc := range []struct {
		err  error
		want string
	}{
		{&phaseError{"dial", opErr(syscall.ECONNREFUSED)}, "connection refused"},
		{&phaseError{"dial", &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, "host not found"},
		{&phaseError{"dial", opErr(syscall.ENETUNREACH)}, "network unreachable"},
		{&phaseError{"dial", context.DeadlineExceeded}, "timed out"},
		{&phaseError{"handshake", os.ErrDeadlineExceeded}, "handshake timed out: the server does not answer RTMP"},
		{&phaseError{"createStream", os.ErrDeadlineExceeded}, "timed out waiting for the server (createStream)"},
		{&phaseError{"connect", io.EOF}, "the server hung up on connect: check the application name in the URL (scheme://host/APP/key)"},
		{io.EOF, "connection closed by the server"},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), "connection reset by the server"},
		{errWriteStalled, "write timed out: the destination stopped taking data"},
		{&refusal{msg: "stream key refused by rtmp://h/app"}, "stream key refused by rtmp://h/app"},
		{&tls.CertificateVerificationError{Err: x509.UnknownAuthorityError{}}, "certificate not trusted: signed by an unknown authority"},
		{x509.HostnameError{Host: "a.example"}, "certificate not trusted: it is not valid for a.example"},
		{x509.CertificateInvalidError{Reason: x509.Expired}, "certificate not trusted: expired or not yet valid"},
		{tls.RecordHeaderError{}, "TLS handshake failed: the server does not speak TLS here (rtmps:// on a plain RTMP port?)"},
		{errors.New("first line\nsecond"), "first line"},
	} {
		if got := describe(tc.err); got != tc.want {
			t.Errorf("describe(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
	if !errors.Is(&refusal{msg: "x"}, ErrRefused) {
		t.Error("a refusal is not ErrRefused")
	}
}

func TestClock(t *testing.T) {
	var k clock
	steps := []struct {
		track int
		at    time.Duration
		want  uint32
	}{
		{trackVideo, 5 * time.Second, 0}, // the first frame is the zero
		{trackAudio, 5*time.Second - 20*time.Millisecond, 0},
		{trackAudio, 5*time.Second + 21*time.Millisecond, 21},
		{trackVideo, 5*time.Second + 33*time.Millisecond, 33},
		{trackAudio, 5*time.Second + 10*time.Millisecond, 21}, // backwards: clamped
		{trackVideo, 5*time.Second + 66*time.Millisecond, 66},
	}
	for i, s := range steps {
		if got := k.at(s.track, s.at); got != s.want {
			t.Errorf("step %d: %d, want %d", i, got, s.want)
		}
	}
}
