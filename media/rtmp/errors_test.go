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

func TestBackoff(t *testing.T) {
	normal := backoff{min: time.Second, max: 30 * time.Second}
	for i, base := range []time.Duration{1, 2, 4, 8, 16, 30, 30, 30} {
		base *= time.Second
		d := normal.next()
		if d < base*8/10 || d > min(base*12/10, 30*time.Second) {
			t.Errorf("attempt %d: %s, want %s ±20%% capped at 30s", i, d, base)
		}
	}
	normal.reset()
	if d := normal.next(); d > 1200*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
	refused := backoff{min: 10 * time.Second, max: 60 * time.Second, floor: 10 * time.Second}
	for i := range 8 {
		if d := refused.next(); d < 10*time.Second || d > 60*time.Second {
			t.Errorf("refused attempt %d: %s, want 10s..60s", i, d)
		}
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
