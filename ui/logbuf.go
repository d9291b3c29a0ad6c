package ui

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"
)

// LogBuffer is a slog.Handler that keeps the last Size records as plain
// lines for the log panel. It adds nothing of its own to what the engine
// logs, and the engine never logs a stream key or a password, so the panel
// shows no secret either. It is safe for concurrent use.
type LogBuffer struct {
	// Size is how many lines are kept. It defaults to 500.
	Size int
	// Level is the lowest level kept. It defaults to Info.
	Level slog.Level
	// Next, when set, receives every record too (the terminal's log).
	Next slog.Handler

	mu       sync.Mutex
	lines    []string
	seq      uint64
	onChange func()
}

// logBufferHandler carries the attributes and groups added with WithAttrs
// and WithGroup; records end up in the shared buffer.
type logBufferHandler struct {
	buf    *LogBuffer
	prefix string // "key=value " pairs from WithAttrs
	group  string
	next   slog.Handler
}

// Handler returns the slog.Handler that feeds b.
func (b *LogBuffer) Handler() slog.Handler { return &logBufferHandler{buf: b, next: b.Next} }

// SetOnChange sets a function called (without b's lock held) after every
// new line. The window uses it to schedule a coalesced refresh.
func (b *LogBuffer) SetOnChange(f func()) {
	b.mu.Lock()
	b.onChange = f
	b.mu.Unlock()
}

// Lines returns a copy of the kept lines, oldest first, and a sequence
// number that grows with every line added.
func (b *LogBuffer) Lines() ([]string, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.lines...), b.seq
}

func (b *LogBuffer) add(line string) {
	size := b.Size
	if size <= 0 {
		size = 500
	}
	b.mu.Lock()
	b.lines = append(b.lines, line)
	if over := len(b.lines) - size; over > 0 {
		b.lines = append(b.lines[:0], b.lines[over:]...)
	}
	b.seq++
	f := b.onChange
	b.mu.Unlock()
	if f != nil {
		f()
	}
}

// Enabled implements slog.Handler.
func (h *logBufferHandler) Enabled(ctx context.Context, l slog.Level) bool {
	return l >= h.buf.Level || (h.next != nil && h.next.Enabled(ctx, l))
}

// Handle implements slog.Handler: "15:04:05 WARN stream=Cam 1 message key=value".
func (h *logBufferHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if r.Level < h.buf.Level {
		return err
	}
	var sb strings.Builder
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	sb.WriteString(t.Format("15:04:05"))
	if r.Level != slog.LevelInfo {
		sb.WriteString(" " + r.Level.String())
	}
	sb.WriteString(" ")
	sb.WriteString(h.prefix)
	sb.WriteString(r.Message)
	r.Attrs(func(a slog.Attr) bool {
		writeAttr(&sb, h.group, a)
		return true
	})
	h.buf.add(sb.String())
	return err
}

func writeAttr(sb *strings.Builder, group string, a slog.Attr) {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return
	}
	key := a.Key
	if group != "" {
		key = group + "." + key
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			writeAttr(sb, key, g)
		}
		return
	}
	v := a.Value.String()
	if strings.ContainsAny(v, " =\"") {
		v = fmt.Sprintf("%q", v)
	}
	sb.WriteString(" " + key + "=" + v)
}

// WithAttrs implements slog.Handler.
func (h *logBufferHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	var sb strings.Builder
	sb.WriteString(h.prefix)
	for _, a := range attrs {
		writeAttr(&sb, h.group, a)
	}
	n := *h
	// Attributes given once (stream=Cam 1) lead the line: "stream=Cam 1: ...".
	n.prefix = strings.TrimPrefix(sb.String(), " ")
	if n.prefix != "" && !strings.HasSuffix(n.prefix, ": ") {
		n.prefix = strings.TrimSuffix(n.prefix, ": ") + ": "
	}
	if h.next != nil {
		n.next = h.next.WithAttrs(attrs)
	}
	return &n
}

// WithGroup implements slog.Handler.
func (h *logBufferHandler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	n := *h
	if n.group != "" {
		n.group += "."
	}
	n.group += name
	if h.next != nil {
		n.next = h.next.WithGroup(name)
	}
	return &n
}
