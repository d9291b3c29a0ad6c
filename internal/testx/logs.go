package testx

import (
	"bytes"
	"log/slog"
	"sync"
)

// Buffer is a bytes.Buffer that many goroutines may write while a test
// reads it: the target of a log handler, or of a process's output. The zero
// value is ready to use.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

// String returns everything written so far.
func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Logger returns a text logger into b that records everything, debug
// included.
func Logger(b *Buffer) *slog.Logger {
	return slog.New(slog.NewTextHandler(b, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// CaptureLog returns a logger that records everything, and what it
// recorded.
func CaptureLog() (*slog.Logger, *Buffer) {
	b := &Buffer{}
	return Logger(b), b
}
