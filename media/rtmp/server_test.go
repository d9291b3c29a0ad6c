package rtmp

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/yutopp/go-amf0"
	gortmp "github.com/yutopp/go-rtmp"
	"github.com/yutopp/go-rtmp/message"
)

// rec is one message an in-process test server received.
type rec struct {
	conn int    // connection number, from 1
	kind string // "connect", "publish", "meta", "video", "audio"
	ts   uint32
	data []byte // video/audio tag body

	connect message.NetConnectionConnectCommand
	publish message.NetStreamPublish
	meta    map[string]any
}

// testServer is go-rtmp's server on 127.0.0.1:0, recording everything a
// publisher sends (LIBRARIES.md §1.7). The hooks run on the connection's
// read goroutine; one that blocks stops that connection from reading.
type testServer struct {
	t    testing.TB
	addr string

	// Hooks, set before the publisher starts. nil = accept.
	onPublish func(conn int) error
	onVideo   func(conn int, n int) error // n counts video messages on that connection, from 1

	mu     sync.Mutex
	recs   []rec
	conns  int
	open   []net.Conn
	notify chan struct{} // signalled after every record

	srv       *gortmp.Server
	served    chan struct{}
	handlers  sync.WaitGroup
	closeOnce sync.Once
}

// startServer starts a recording server; tlsCfg non-nil makes it RTMPS.
// It is closed by t.Cleanup, connections and goroutines included.
func startServer(t testing.TB, tlsCfg *tls.Config, setup func(*testServer)) *testServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &testServer{t: t, addr: ln.Addr().String(), notify: make(chan struct{}, 1), served: make(chan struct{})}
	if setup != nil {
		setup(s)
	}
	if tlsCfg != nil {
		ln = tls.NewListener(ln, tlsCfg)
	}
	s.srv = gortmp.NewServer(&gortmp.ServerConfig{
		OnConnect: func(c net.Conn) (io.ReadWriteCloser, *gortmp.ConnConfig) {
			s.mu.Lock()
			s.conns++
			id := s.conns
			s.open = append(s.open, c)
			s.mu.Unlock()
			s.handlers.Add(1)
			return &trackedConn{Conn: c, done: s.handlers.Done}, &gortmp.ConnConfig{
				Handler: &recHandler{s: s, conn: id},
			}
		},
	})
	go func() {
		defer close(s.served)
		_ = s.srv.Serve(ln)
	}()
	t.Cleanup(s.close)
	return s
}

func (s *testServer) close() {
	s.closeOnce.Do(func() {
		_ = s.srv.Close()
		<-s.served
		s.dropAll()
		s.handlers.Wait()
	})
}

// dropAll closes every open connection from the server side.
func (s *testServer) dropAll() {
	s.mu.Lock()
	open := s.open
	s.open = nil
	s.mu.Unlock()
	for _, c := range open {
		_ = c.Close()
	}
}

func (s *testServer) url(key string) string { return "rtmp://" + s.addr + "/live/" + key }

func (s *testServer) add(r rec) {
	s.mu.Lock()
	s.recs = append(s.recs, r)
	s.mu.Unlock()
	select {
	case s.notify <- struct{}{}:
	default:
	}
}

func (s *testServer) records() []rec {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rec(nil), s.recs...)
}

// waitFor waits until cond holds for the records, or fails the test.
func (s *testServer) waitFor(what string, timeout time.Duration, cond func([]rec) bool) []rec {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		if r := s.records(); cond(r) {
			return r
		}
		select {
		case <-s.notify:
		case <-ctx.Done():
			s.t.Fatalf("timed out waiting for %s; server saw %s", what, summary(s.records()))
			return nil
		}
	}
}

// summary lists the records briefly for failure messages.
func summary(rs []rec) string {
	var b bytes.Buffer
	for i, r := range rs {
		if i == 40 {
			b.WriteString(" …")
			break
		}
		b.WriteString(" ")
		b.WriteString(r.kind)
		if r.kind == "video" || r.kind == "audio" {
			b.WriteString("@")
			b.WriteString(strconv.Itoa(int(r.ts)))
		}
	}
	return b.String()
}

// trackedConn tells the server when go-rtmp has finished with a connection.
type trackedConn struct {
	net.Conn
	once sync.Once
	done func()
}

func (c *trackedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.done)
	return err
}

type recHandler struct {
	gortmp.DefaultHandler
	s      *testServer
	conn   int
	videos int
}

func (h *recHandler) OnConnect(_ uint32, cmd *message.NetConnectionConnect) error {
	h.s.add(rec{conn: h.conn, kind: "connect", connect: cmd.Command})
	return nil
}

func (h *recHandler) OnPublish(_ *gortmp.StreamContext, _ uint32, cmd *message.NetStreamPublish) error {
	h.s.add(rec{conn: h.conn, kind: "publish", publish: *cmd})
	if h.s.onPublish != nil {
		return h.s.onPublish(h.conn)
	}
	return nil
}

func (h *recHandler) OnSetDataFrame(ts uint32, data *message.NetStreamSetDataFrame) error {
	r := rec{conn: h.conn, kind: "meta", ts: ts}
	dec := amf0.NewDecoder(bytes.NewReader(data.Payload))
	var name string
	if err := dec.Decode(&name); err == nil && name == "onMetaData" {
		var v any
		if err := dec.Decode(&v); err == nil {
			switch m := v.(type) {
			case amf0.ECMAArray:
				r.meta = m
			case map[string]any:
				r.meta = m
			}
		}
	}
	h.s.add(r)
	return nil
}

func (h *recHandler) OnVideo(ts uint32, payload io.Reader) error {
	b, err := io.ReadAll(payload) // copy: go-rtmp reuses the buffer
	if err != nil {
		return err
	}
	h.videos++
	h.s.add(rec{conn: h.conn, kind: "video", ts: ts, data: b})
	if h.s.onVideo != nil {
		return h.s.onVideo(h.conn, h.videos)
	}
	return nil
}

func (h *recHandler) OnAudio(ts uint32, payload io.Reader) error {
	b, err := io.ReadAll(payload)
	if err != nil {
		return err
	}
	h.s.add(rec{conn: h.conn, kind: "audio", ts: ts, data: b})
	return nil
}
