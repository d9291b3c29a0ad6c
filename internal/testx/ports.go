package testx

import (
	"net"
	"strconv"
	"testing"
)

// FreePort asks the kernel for a free TCP port on 127.0.0.1, for a peer
// the test starts next (nginx). Another process may take it before the
// peer binds it: a caller that can tell "address in use" retries.
func FreePort(tb testing.TB) int {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("testx: find a free port: %v", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// ClosedPort returns a loopback address, "127.0.0.1:PORT", that nothing
// listens on: connecting to it is refused at once.
func ClosedPort(tb testing.TB) string {
	tb.Helper()
	return net.JoinHostPort("127.0.0.1", strconv.Itoa(FreePort(tb)))
}
