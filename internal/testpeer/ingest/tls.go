package ingest

import (
	"crypto/tls"
	"io"
	"net"
	"sync"
	"testing"
	"time"
)

// StartTLSProxy starts an RTMPS front for nginx, which has no inbound TLS:
// a TLS listener on 127.0.0.1:0 presenting cert (testx.Certificates makes
// one) that forwards each connection to nginx's RTMP port. It returns the
// listener's address ("127.0.0.1:PORT"); publish to rtmps://ADDR/app/key.
// Each connection is forwarded to nginx as it runs at that moment, so the
// front survives Restart. Cleanup closes the listener and every connection
// and waits for the forwarding goroutines.
func (n *Nginx) StartTLSProxy(tb testing.TB, cert tls.Certificate) string {
	tb.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("ingest: TLS proxy: %v", err)
	}
	p := &tlsProxy{
		listener: tls.NewListener(l, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}),
		target:   n.Addr(),
		conns:    map[net.Conn]struct{}{},
	}
	p.wg.Add(1)
	go p.accept()
	tb.Cleanup(p.close)
	return l.Addr().String()
}

// tlsProxy owns its listener, the connections it forwards and their
// goroutines.
type tlsProxy struct {
	listener net.Listener
	target   string
	wg       sync.WaitGroup

	mu     sync.Mutex
	closed bool
	conns  map[net.Conn]struct{}
}

func (p *tlsProxy) accept() {
	defer p.wg.Done()
	for {
		c, err := p.listener.Accept()
		if err != nil {
			return // closed
		}
		if !p.track(c) {
			return
		}
		p.wg.Add(1)
		go p.forward(c)
	}
}

// track registers c so close can unblock its readers; it closes c and
// reports false once the proxy is closing.
func (p *tlsProxy) track(c net.Conn) bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed {
		c.Close()
		return false
	}
	p.conns[c] = struct{}{}
	return true
}

func (p *tlsProxy) untrack(c net.Conn) {
	p.mu.Lock()
	delete(p.conns, c)
	p.mu.Unlock()
	c.Close()
}

func (p *tlsProxy) forward(client net.Conn) {
	defer p.wg.Done()
	defer p.untrack(client)
	up, err := net.DialTimeout("tcp", p.target, 5*time.Second)
	if err != nil {
		return // nginx is down: the client sees its connection close
	}
	if !p.track(up) {
		return
	}
	defer p.untrack(up)
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(up, client)
		// Either side ending ends both: closing unblocks the other copy.
		up.Close()
		client.Close()
	}()
	_, _ = io.Copy(client, up)
	client.Close()
	up.Close()
	<-done
}

func (p *tlsProxy) close() {
	p.listener.Close()
	p.mu.Lock()
	p.closed = true
	for c := range p.conns {
		c.Close()
	}
	p.mu.Unlock()
	p.wg.Wait()
}
