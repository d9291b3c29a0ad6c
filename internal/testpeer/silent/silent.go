// Package silent is a test peer: a TCP server on loopback that accepts
// connections and never says a word, like a camera or an ingest that hangs
// mid-handshake. Tests use it for connect, handshake and read timeouts.
//
// Like the other peers under internal/testpeer/ it is for tests only: `make
// lint` fails if a product package imports it.
package silent

import (
	"net"
	"sync"
	"testing"
)

// Server listens on 127.0.0.1 on a free port until the test ends. It
// returns the address and a channel that receives the accepted connections
// (the first 16 not taken are dropped from the channel, not refused). The
// connections are held open, unread, and closed when the test ends.
func Server(t testing.TB) (addr string, accepted <-chan net.Conn) {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ch := make(chan net.Conn, 16)
	var (
		mu    sync.Mutex
		conns []net.Conn
		done  = make(chan struct{})
	)
	go func() {
		defer close(done)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
			select {
			case ch <- c:
			default: // nobody is watching: the connection is still held
			}
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-done
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String(), ch
}
