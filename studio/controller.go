package studio

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"unicode"

	"github.com/relaystudio/relaystudio/settings"
)

// ErrUnknownStream is returned for a stream ID no stream has.
var ErrUnknownStream = errors.New("no stream has this id: list them with GET /api/v1/streams")

// ErrNotLive is returned by Stop for a stream that does not send.
var ErrNotLive = errors.New("the stream is not live")

// View is one stream as a remote control sees it: its ID, a copy of its
// saved settings (with secrets: the caller masks them) and its running
// side.
type View struct {
	ID     string
	Saved  settings.Stream
	Stream *Stream
}

// Controller is what a remote control drives: the streams of one
// settings file, started, stopped and changed by ID. The window has its
// own (it also updates what it shows); Headless is the one of
// `relaystudio run`.
type Controller interface {
	// Views returns every stream, in the file's order.
	Views() []View
	// Start makes a stream live.
	Start(id string) error
	// Stop ends a live stream's sending.
	Stop(id string) error
	// Update changes a stream's saved settings with change, saves the
	// file, and applies the change to the running stream the way the
	// window does (live where it can, else by restarting it).
	Update(id string, what Change, change func(*settings.Stream) error) error
}

// Change says what an Update changes, so it is applied without touching
// the rest.
type Change int

const (
	// ChangeOutput: video or audio settings (ApplyOutput).
	ChangeOutput Change = iota
	// ChangeDestinations: destinations enabled, added or removed
	// (ApplyDestinations).
	ChangeDestinations
)

func (c Change) String() string {
	if c == ChangeDestinations {
		return "destinations"
	}
	return "output settings"
}

// IDs returns a stable URL-safe ID for each name: lower case, letters and
// digits kept, anything else one "-" ("Door camera" → "door-camera"). Two
// names with the same ID get "-2", "-3"… in order; a name with no letter
// or digit becomes "stream".
func IDs(names []string) []string {
	ids := make([]string, len(names))
	seen := map[string]bool{}
	for i, n := range names {
		base := slug(n)
		id := base
		for k := 2; seen[id]; k++ {
			id = base + "-" + strconv.Itoa(k)
		}
		seen[id] = true
		ids[i] = id
	}
	return ids
}

// StreamIDs returns the IDs of ss (IDs of their names).
func StreamIDs(ss []settings.Stream) []string {
	names := make([]string, len(ss))
	for i, s := range ss {
		names[i] = s.Name
	}
	return IDs(names)
}

// DestinationIDs returns the IDs of ds within their stream.
func DestinationIDs(ds []settings.Destination) []string {
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name
	}
	return IDs(names)
}

func slug(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if unicode.IsLetter(r) || unicode.IsDigit(r) {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	if b.Len() == 0 {
		return "stream"
	}
	return b.String()
}

// Headless is the Controller of `relaystudio run`: it owns the settings
// file and a Stream for each of its streams.
type Headless struct {
	studio *Studio
	path   string

	mu      sync.Mutex
	cfg     *settings.Config
	streams []*Stream // one per cfg.Streams, same order
}

// NewHeadless returns a controller of cfg's streams, saved to path, each
// off until started.
func NewHeadless(st *Studio, cfg *settings.Config, path string) *Headless {
	h := &Headless{studio: st, path: path, cfg: cfg}
	for range cfg.Streams {
		h.streams = append(h.streams, st.NewStream())
	}
	return h
}

// Autostart starts the streams marked autostart = true (see
// Studio.Autostart) and returns those that started.
func (h *Headless) Autostart() []*Stream {
	h.mu.Lock()
	saved := h.saved()
	h.mu.Unlock()
	return h.studio.Autostart(saved, func(i int) *Stream { return h.streams[i] })
}

func (h *Headless) saved() []settings.Stream {
	out := make([]settings.Stream, len(h.cfg.Streams))
	for i, s := range h.cfg.Streams {
		out[i] = s.Clone()
	}
	return out
}

// Views implements Controller.
func (h *Headless) Views() []View {
	h.mu.Lock()
	defer h.mu.Unlock()
	saved := h.saved()
	ids := StreamIDs(saved)
	out := make([]View, len(saved))
	for i := range saved {
		out[i] = View{ID: ids[i], Saved: saved[i], Stream: h.streams[i]}
	}
	return out
}

// find returns the index of the stream with ID id; h.mu is held.
func (h *Headless) find(id string) (int, error) {
	for i, x := range StreamIDs(h.cfg.Streams) {
		if x == id {
			return i, nil
		}
	}
	return -1, ErrUnknownStream
}

// Start implements Controller.
func (h *Headless) Start(id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.find(id)
	if err != nil {
		return err
	}
	if h.streams[i].Live() {
		return nil
	}
	return h.streams[i].Start(h.cfg.Streams[i].Clone())
}

// Stop implements Controller.
func (h *Headless) Stop(id string) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.find(id)
	if err != nil {
		return err
	}
	if !h.streams[i].Live() {
		return ErrNotLive
	}
	return h.streams[i].Stop(h.cfg.Streams[i].Clone(), Off)
}

// Update implements Controller. A change the file refuses is not kept.
func (h *Headless) Update(id string, what Change, change func(*settings.Stream) error) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	i, err := h.find(id)
	if err != nil {
		return err
	}
	s := h.cfg.Streams[i].Clone()
	if err := change(&s); err != nil {
		return err
	}
	old := h.cfg.Streams[i]
	h.cfg.Streams[i] = s
	if err := h.cfg.Validate(); err != nil {
		h.cfg.Streams[i] = old
		return err
	}
	if err := h.cfg.Save(h.path); err != nil {
		h.cfg.Streams[i] = old
		return fmt.Errorf("the change was not saved: %w", err)
	}
	h.streams[i].apply(s, what)
	return nil
}

// apply hands a changed saved stream to the running stream: live where
// the relay can take it, else by a restart. A live stream left with
// nowhere to send stops.
func (st *Stream) apply(saved settings.Stream, what Change) {
	var err error
	switch {
	case st.Mode() == Off:
		return
	case what == ChangeOutput:
		err = st.ApplyOutput(saved)
	case !st.Live():
		return // previewing: destinations do not matter
	case CanStart(saved) != nil:
		st.studio.log.Info("no destination left to send to: stopping the stream", "stream", saved.Name)
		err = st.Stop(saved, Off)
		if err == nil {
			return
		}
	default:
		err = st.ApplyDestinations(saved)
	}
	if err != nil {
		st.studio.log.Warn(what.String()+" could not be changed live: restarting the stream", "stream", saved.Name, "error", err)
		if err := st.Restart(saved, what.String()); err != nil {
			st.studio.log.Error("the stream could not restart", "stream", saved.Name, "error", err)
		}
	}
}
