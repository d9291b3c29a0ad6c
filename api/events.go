package api

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"strconv"
	"sync"
	"time"
)

// Event is one line of the studio's log, as /api/v1/events sends it.
type Event struct {
	ID      uint64            `json:"id"`
	Time    time.Time         `json:"time"`
	Level   string            `json:"level"`
	Message string            `json:"message"`
	Attrs   map[string]string `json:"attrs,omitempty"`
}

// eventsKept is how many recent events a new subscriber (or one that
// reconnects with Last-Event-ID) is sent first.
const eventsKept = 200

// subscriberQueue is how many events may wait for a slow subscriber;
// beyond it the subscriber misses events (its stream says so).
const subscriberQueue = 256

// Events is the studio's log for the API: a slog.Handler to put beside
// the log's own, that keeps the recent lines and hands each new one to
// the event streams. The studio's log lines carry no secret (settings and
// URLs log themselves masked), so neither do the events.
type Events struct {
	level slog.Leveler
	hub   *hub
	attrs []slog.Attr // WithAttrs, prefixed by their group
	group string
}

type hub struct {
	mu     sync.Mutex
	next   uint64
	recent []Event // ring, oldest first once full
	subs   map[chan Event]struct{}
	closed bool
}

// NewEvents returns an empty log that takes lines at level and above
// (nil: Info).
func NewEvents(level slog.Leveler) *Events {
	if level == nil {
		level = slog.LevelInfo
	}
	return &Events{level: level, hub: &hub{next: 1, subs: map[chan Event]struct{}{}}}
}

// Enabled implements slog.Handler.
func (e *Events) Enabled(_ context.Context, l slog.Level) bool { return l >= e.level.Level() }

// Handle implements slog.Handler.
func (e *Events) Handle(_ context.Context, r slog.Record) error {
	ev := Event{Time: r.Time, Level: r.Level.String(), Message: r.Message}
	if len(e.attrs) > 0 || r.NumAttrs() > 0 {
		ev.Attrs = map[string]string{}
	}
	for _, a := range e.attrs {
		addAttr(ev.Attrs, "", a)
	}
	r.Attrs(func(a slog.Attr) bool {
		addAttr(ev.Attrs, e.group, a)
		return true
	})
	e.hub.publish(ev)
	return nil
}

func addAttr(m map[string]string, prefix string, a slog.Attr) {
	v := a.Value.Resolve()
	key := a.Key
	if prefix != "" {
		key = prefix + "." + key
	}
	if v.Kind() == slog.KindGroup {
		for _, g := range v.Group() {
			addAttr(m, key, g)
		}
		return
	}
	if a.Key != "" {
		m[key] = v.String()
	}
}

// WithAttrs implements slog.Handler.
func (e *Events) WithAttrs(as []slog.Attr) slog.Handler {
	out := *e
	out.attrs = append([]slog.Attr(nil), e.attrs...)
	for _, a := range as {
		if e.group != "" {
			a.Key = e.group + "." + a.Key
		}
		out.attrs = append(out.attrs, a)
	}
	return &out
}

// WithGroup implements slog.Handler.
func (e *Events) WithGroup(name string) slog.Handler {
	if name == "" {
		return e
	}
	out := *e
	if e.group != "" {
		name = e.group + "." + name
	}
	out.group = name
	return &out
}

func (h *hub) publish(ev Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	ev.ID = h.next
	h.next++
	if len(h.recent) == eventsKept {
		copy(h.recent, h.recent[1:])
		h.recent = h.recent[:eventsKept-1]
	}
	h.recent = append(h.recent, ev)
	for c := range h.subs {
		select {
		case c <- ev:
		default: // a slow subscriber misses it: the ids show the gap
		}
	}
}

// subscribe returns the recent events after id, and a channel of the
// next ones (closed by closeSubscribers); nil when closed already.
func (h *hub) subscribe(after uint64) ([]Event, chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed {
		return nil, nil
	}
	var past []Event
	for _, ev := range h.recent {
		if ev.ID > after {
			past = append(past, ev)
		}
	}
	c := make(chan Event, subscriberQueue)
	h.subs[c] = struct{}{}
	return past, c
}

func (h *hub) unsubscribe(c chan Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if _, ok := h.subs[c]; ok {
		delete(h.subs, c)
		close(c)
	}
}

// closeSubscribers ends every event stream (the server shuts down).
func (e *Events) closeSubscribers() {
	h := e.hub
	h.mu.Lock()
	defer h.mu.Unlock()
	h.closed = true
	for c := range h.subs {
		delete(h.subs, c)
		close(c)
	}
}

// heartbeat keeps idle event streams open through proxies.
const heartbeat = 15 * time.Second

// events streams the log as Server-Sent Events: the recent lines first
// (after Last-Event-ID when the client reconnects), then each new one.
func (s *Server) events(w http.ResponseWriter, r *http.Request) {
	var after uint64
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		n, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			writeError(w, http.StatusBadRequest, "Last-Event-ID %q: want the number of the last event received", id)
			return
		}
		after = n
	}
	past, c := s.opt.Events.hub.subscribe(after)
	if c == nil {
		writeError(w, http.StatusServiceUnavailable, "the server is shutting down")
		return
	}
	defer s.opt.Events.hub.unsubscribe(c)
	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, "retry: 3000\n\n")
	send := func(ev Event) error {
		b, _ := json.Marshal(ev)
		if _, err := fmt.Fprintf(w, "id: %d\nevent: log\ndata: %s\n\n", ev.ID, b); err != nil {
			return err
		}
		return nil
	}
	for _, ev := range past {
		if send(ev) != nil {
			return
		}
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case ev, ok := <-c:
			if !ok || send(ev) != nil || rc.Flush() != nil {
				return
			}
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": keep-alive\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		}
	}
}
