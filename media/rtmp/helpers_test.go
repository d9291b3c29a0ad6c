package rtmp

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

var (
	testSPS = []byte{0x67, 0x64, 0x00, 0x1F, 0xAC, 0xD9, 0x40, 0x50}
	testPPS = []byte{0x68, 0xEB, 0xE3, 0xCB}
	testASC = []byte{0x11, 0x90} // AAC-LC 48 kHz stereo
)

func testHeaders(t testing.TB) Headers {
	t.Helper()
	v, err := AVCSequenceHeader(testSPS, testPPS)
	if err != nil {
		t.Fatal(err)
	}
	return Headers{
		Metadata: Metadata{Width: 1280, Height: 720, FPS: 30, VideoBitrate: 2500000, AudioBitrate: 128000,
			AudioSampleRate: 48000, AudioChannels: 2, HasAudio: true, Encoder: "Relay Studio test"},
		Video: v,
		Audio: AACSequenceHeader(testASC),
	}
}

// frame returns a video tag body; n is written into the payload so tests
// can tell frames apart.
func frame(key bool, n int, cts time.Duration, size int) []byte {
	first := byte(0x41)
	if key {
		first = 0x65
	}
	nalu := make([]byte, max(size, 3))
	nalu[0], nalu[1], nalu[2] = first, byte(n>>8), byte(n)
	return VideoTagBody(media.VideoUnit{PTS: cts, DTS: 0, Key: key, NALUs: [][]byte{nalu}})
}

func audioFrame(n int) []byte { return AudioTagBody([]byte{0x21, byte(n)}) }

// logCapture is a slog handler that keeps every record as text, signals
// each one, and fails the test if the stream key ever appears.
type logCapture struct {
	mu     sync.Mutex
	lines  []string
	notify chan struct{}
}

func newLogCapture(t *testing.T) *logCapture {
	c := &logCapture{notify: make(chan struct{}, 1)}
	t.Cleanup(func() {
		for _, l := range c.all() {
			if strings.Contains(l, secretKey) {
				t.Errorf("the stream key was logged: %s", l)
			}
		}
	})
	return c
}

func (c *logCapture) logger() *slog.Logger { return slog.New(&captureHandler{c: c}) }

func (c *logCapture) all() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.lines)
}

// wait waits for a log line containing every one of parts.
func (c *logCapture) wait(t *testing.T, timeout time.Duration, parts ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		for _, l := range c.all() {
			if containsAll(l, parts) {
				return l
			}
		}
		select {
		case <-c.notify:
		case <-ctx.Done():
			t.Fatalf("no log line with %q; log:\n%s", parts, strings.Join(c.all(), "\n"))
			return ""
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}

type captureHandler struct {
	c     *logCapture
	attrs []slog.Attr
}

func (h *captureHandler) Enabled(context.Context, slog.Level) bool { return true }

func (h *captureHandler) Handle(_ context.Context, r slog.Record) error {
	var b strings.Builder
	b.WriteString(r.Message)
	for _, a := range h.attrs {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
	}
	r.Attrs(func(a slog.Attr) bool {
		fmt.Fprintf(&b, " %s=%q", a.Key, a.Value.String())
		return true
	})
	h.c.mu.Lock()
	h.c.lines = append(h.c.lines, b.String())
	h.c.mu.Unlock()
	select {
	case h.c.notify <- struct{}{}:
	default:
	}
	return nil
}

func (h *captureHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return &captureHandler{c: h.c, attrs: append(slices.Clone(h.attrs), as...)}
}

func (h *captureHandler) WithGroup(string) slog.Handler { return h }

// start starts p and closes it when the test ends.
func start(t *testing.T, p *Publisher) *Publisher {
	t.Helper()
	if err := p.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// waitEnd waits for p to end on its own and returns Wait's error.
func waitEnd(t *testing.T, p *Publisher, timeout time.Duration) error {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- p.Wait() }()
	select {
	case err := <-done:
		return err
	case <-time.After(timeout):
		p.Close() // releases the Wait goroutine
		<-done
		t.Fatalf("publisher still running after %s: %+v", timeout, p.Stats())
		return nil
	}
}

// closePromptly closes p and fails if that takes 2 s or more.
func closePromptly(t *testing.T, p *Publisher) {
	t.Helper()
	began := time.Now()
	p.Close()
	if d := time.Since(began); d >= 2*time.Second {
		t.Errorf("Close took %s, want < 2s", d)
	}
	if s := p.Stats(); s.State != StateStopped && s.State != StateFailed && s.State != StateRefused {
		t.Errorf("state after Close = %q", s.State)
	}
}

// checkNoKey fails if any text a person could see contains the key.
func checkNoKey(t *testing.T, texts ...string) {
	t.Helper()
	for _, s := range texts {
		if strings.Contains(s, secretKey) {
			t.Errorf("the stream key is visible: %s", s)
		}
	}
}
