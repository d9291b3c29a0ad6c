package ui

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
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
	entries  []LogEntry
	seq      uint64
	onChange func()
}

// logBufferHandler carries the attributes and groups added with WithAttrs
// and WithGroup; records end up in the shared buffer.
type logBufferHandler struct {
	buf   *LogBuffer
	attrs []slog.Attr // from WithAttrs, keys with their group
	group string
	next  slog.Handler
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

// LogEntry is one kept line and what the log panel filters it by.
type LogEntry struct {
	Text   string     // "15:04:05 Warning: Yard › YouTube: …"
	Level  slog.Level // of the record
	Stream string     // the stream it is about, "" for the studio's own
}

// Lines returns a copy of the kept lines, oldest first, and a sequence
// number that grows with every line added.
func (b *LogBuffer) Lines() ([]string, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	lines := make([]string, len(b.entries))
	for i, e := range b.entries {
		lines[i] = e.Text
	}
	return lines, b.seq
}

// Entries returns a copy of the kept entries, oldest first, and the same
// sequence number as Lines.
func (b *LogBuffer) Entries() ([]LogEntry, uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return slices.Clone(b.entries), b.seq
}

func (b *LogBuffer) add(e LogEntry) {
	size := b.Size
	if size <= 0 {
		size = 500
	}
	b.mu.Lock()
	b.entries = append(b.entries, e)
	if over := len(b.entries) - size; over > 0 {
		b.entries = append(b.entries[:0], b.entries[over:]...)
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

// Handle implements slog.Handler. A line is a sentence, not key=value
// pairs: "15:04:05 Warning: Yard › YouTube: destination failed: connection
// refused (in 4s)". Who it is about (the stream, then the destination)
// leads, the reason or error follows the message, and any other detail
// comes in brackets as words.
func (h *logBufferHandler) Handle(ctx context.Context, r slog.Record) error {
	var err error
	if h.next != nil && h.next.Enabled(ctx, r.Level) {
		err = h.next.Handle(ctx, r)
	}
	if r.Level < h.buf.Level {
		return err
	}
	attrs := slices.Clone(h.attrs)
	r.Attrs(func(a slog.Attr) bool {
		attrs = appendFlat(attrs, h.group, a)
		return true
	})
	t := r.Time
	if t.IsZero() {
		t = time.Now()
	}
	stream := ""
	for _, a := range attrs {
		if a.Key == "stream" {
			stream = a.Value.String()
		}
	}
	h.buf.add(LogEntry{Text: t.Format("15:04:05") + " " + sentence(r.Level, r.Message, attrs), Level: r.Level, Stream: stream})
	return err
}

// sentence words one record.
func sentence(level slog.Level, msg string, attrs []slog.Attr) string {
	get := func(key string) string {
		for _, a := range attrs {
			if a.Key == key {
				return a.Value.String()
			}
		}
		return ""
	}
	var who []string
	if v := get("stream"); v != "" {
		who = append(who, v)
	}
	if v := cmp.Or(get("name"), get("destination")); v != "" {
		who = append(who, v)
	}
	why := cmp.Or(get("reason"), get("error"), get("err"))
	var details []string
	for _, a := range attrs {
		switch a.Key {
		case "stream", "name", "destination", "reason", "error", "err":
			continue
		}
		details = append(details, engineText(strings.ReplaceAll(a.Key, "_", " "))+" "+a.Value.String())
	}
	// In Chinese the message, the reason and the details' words are
	// translated (engineText); names and values stay as they are.
	var sb strings.Builder
	if len(who) > 0 {
		sb.WriteString(strings.Join(who, " › ") + tr(": "))
	}
	sb.WriteString(engineText(msg))
	if why != "" && !strings.Contains(msg, why) {
		sb.WriteString(tr(": ") + engineText(why))
	}
	text := sb.String()
	if len(details) > 0 {
		text = tr("{{.Text}} ({{.Details}})", "Text", text, "Details", strings.Join(details, tr(", ")))
	}
	switch {
	case level >= slog.LevelError:
		return tr("Error: {{.Text}}", "Text", text)
	case level >= slog.LevelWarn:
		return tr("Warning: {{.Text}}", "Text", text)
	}
	return text
}

// appendFlat appends a, with groups flattened into dotted keys.
func appendFlat(attrs []slog.Attr, group string, a slog.Attr) []slog.Attr {
	a.Value = a.Value.Resolve()
	if a.Equal(slog.Attr{}) {
		return attrs
	}
	key := a.Key
	if group != "" {
		key = group + "." + key
	}
	if a.Value.Kind() == slog.KindGroup {
		for _, g := range a.Value.Group() {
			attrs = appendFlat(attrs, key, g)
		}
		return attrs
	}
	return append(attrs, slog.Attr{Key: key, Value: a.Value})
}

// WithAttrs implements slog.Handler.
func (h *logBufferHandler) WithAttrs(attrs []slog.Attr) slog.Handler {
	n := *h
	n.attrs = slices.Clone(h.attrs)
	for _, a := range attrs {
		n.attrs = appendFlat(n.attrs, h.group, a)
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
