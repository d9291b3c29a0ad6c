package ui

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"
	"fyne.io/fyne/v2/widget"
	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/settings"
)

// harness runs a Studio on Fyne's test driver. Everything the pump hands
// to the window, and everything the test does to it, runs under one lock,
// standing in for the single Fyne goroutine of a real app. Like fyne.Do,
// the Studio's do only queues its function and returns: a test that holds
// the "Fyne goroutine" while the Studio waits for its own goroutines (Quit)
// must not deadlock where the real app would not.
type harness struct {
	t    *testing.T
	s    *Studio
	path string

	mu      sync.Mutex
	stopped bool
	sigMu   sync.Mutex
	sig     chan struct{}

	qmu     sync.Mutex
	queue   []func()
	kick    chan struct{} // something was queued
	done    chan struct{} // closed to stop the queue's runner
	drained chan struct{} // closed when the runner has returned
}

// newHarness writes cfg (nil: no file, the studio creates it) and opens a
// studio on it.
func newHarness(t *testing.T, cfg *settings.Config) *harness {
	t.Helper()
	h := newBareHarness(t)
	if cfg != nil {
		if err := cfg.Save(h.path); err != nil {
			t.Fatal(err)
		}
	}
	h.open()
	return h
}

// newBareHarness returns a harness with no studio yet: open starts it.
func newBareHarness(t *testing.T) *harness {
	testx.NoLeaks(t, goleak.IgnoreCurrent())
	h := &harness{t: t, path: filepath.Join(t.TempDir(), "config.toml"), sig: make(chan struct{}),
		kick: make(chan struct{}, 1), done: make(chan struct{}), drained: make(chan struct{})}
	go h.runQueue()
	t.Cleanup(h.close)
	return h
}

func (h *harness) open() {
	a := test.NewTempApp(h.t)
	var err error
	h.ui(func() {
		h.s, err = newStudio(a, Options{ConfigPath: h.path}, h.do)
	})
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) close() {
	h.mu.Lock()
	h.stopped = true
	h.mu.Unlock()
	if h.s != nil {
		h.s.Close()
	}
	close(h.done)
	<-h.drained
}

// do is the Studio's fyne.Do in tests: it queues f for the "Fyne
// goroutine" and returns.
func (h *harness) do(f func()) {
	h.qmu.Lock()
	h.queue = append(h.queue, f)
	h.qmu.Unlock()
	select {
	case h.kick <- struct{}{}:
	default: // the runner is already due to look
	}
}

// runQueue runs what do queued, in order, under the UI lock, and tells
// waitFor after each batch.
func (h *harness) runQueue() {
	defer close(h.drained)
	for {
		select {
		case <-h.done:
			return
		case <-h.kick:
		}
		h.qmu.Lock()
		fs := h.queue
		h.queue = nil
		h.qmu.Unlock()
		h.mu.Lock()
		for _, f := range fs {
			if !h.stopped {
				f()
			}
		}
		h.mu.Unlock()
		h.sigMu.Lock()
		close(h.sig)
		h.sig = make(chan struct{})
		h.sigMu.Unlock()
	}
}

// ui runs f as if on the Fyne goroutine.
func (h *harness) ui(f func()) {
	h.mu.Lock()
	defer h.mu.Unlock()
	f()
}

// waitFor waits until cond (run on the "Fyne goroutine") holds, checking
// after every update the pump delivers.
func (h *harness) waitFor(what string, timeout time.Duration, cond func() bool) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	for {
		h.sigMu.Lock()
		sig := h.sig
		h.sigMu.Unlock()
		ok := false
		h.ui(func() { ok = cond() })
		if ok {
			return
		}
		select {
		case <-sig:
		case <-ctx.Done():
			h.t.Fatalf("timed out after %v waiting for %s", timeout, what)
		}
	}
}

func (h *harness) load() *settings.Config {
	h.t.Helper()
	c, err := settings.Load(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	return c
}

func (h *harness) fileBytes() []byte {
	h.t.Helper()
	b, err := os.ReadFile(h.path)
	if err != nil {
		h.t.Fatal(err)
	}
	return b
}

// pressEnter is Enter in an entry, as a person ends typing.
func pressEnter(e *widget.Entry) { e.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn}) }
