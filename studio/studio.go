// Package studio runs the streams of one settings file. It turns each saved
// stream into the engine's configuration (EngineConfig), runs it live (to
// its destinations) or preview-only, applies a changed stream to its
// running relay, autostarts, and reports what happens as events. The window
// (ui) and `relaystudio run` both drive it, and neither starts or stops a
// relay itself; the engine is media/relay, the file is settings.
//
// A Studio and its Streams are safe for concurrent use. A Stream's relay is
// replaced, never changed in place, so a caller that holds the *relay.Relay
// returned by Relay may keep reading its stats and preview until it stops.
package studio

import (
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// Mode is how a stream runs.
type Mode int

const (
	// Off: no relay.
	Off Mode = iota
	// Preview: the camera runs for the preview and the stats, nothing is
	// sent.
	Preview
	// Live: the camera runs and is sent to every enabled destination
	// that has a stream key.
	Live
)

func (m Mode) String() string {
	switch m {
	case Preview:
		return "preview"
	case Live:
		return "live"
	default:
		return "off"
	}
}

// EventKind says what happened to a stream.
type EventKind int

const (
	// Started: the stream began sending to its destinations.
	Started EventKind = iota
	// Stopped: the stream was asked to stop sending.
	Stopped
	// Ended: the stream's relay stopped by itself; Event.Err says why.
	Ended
)

func (k EventKind) String() string {
	switch k {
	case Started:
		return "started"
	case Stopped:
		return "stopped"
	default:
		return "ended"
	}
}

// Event is one change in a stream's run.
type Event struct {
	Stream string // the stream's name
	Kind   EventKind
	Err    error // for Ended: why the relay stopped (nil if it had no error)
}

// Options configures a Studio.
type Options struct {
	// Logger receives every stream's events. Nil discards them.
	Logger *slog.Logger
	// OnEvent, when set, is called with every Event, from the goroutine
	// that caused it or from the Studio's own. It must not block, and must
	// not call back into the Studio.
	OnEvent func(Event)
}

// Studio runs streams. Create it with New; Close stops every stream.
type Studio struct {
	opt Options
	log *slog.Logger

	wg      sync.WaitGroup // relays being closed, relay watchers
	mu      sync.Mutex
	closed  bool
	streams []*Stream
}

// New returns a Studio with no stream.
func New(opt Options) *Studio {
	log := opt.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Studio{opt: opt, log: log}
}

// NewStream adds a stream that is off.
func (s *Studio) NewStream() *Stream {
	st := &Stream{studio: s}
	s.mu.Lock()
	s.streams = append(s.streams, st)
	s.mu.Unlock()
	return st
}

// Remove stops st and forgets it.
func (s *Studio) Remove(st *Stream) {
	st.stopRelay()
	s.mu.Lock()
	s.streams = slices.DeleteFunc(s.streams, func(x *Stream) bool { return x == st })
	s.mu.Unlock()
}

// Close stops every stream, in parallel, and waits until each has stopped.
// It is safe to call more than once; a Stream run after Close stays off.
func (s *Studio) Close() {
	s.mu.Lock()
	s.closed = true
	streams := s.streams
	s.mu.Unlock()
	for _, st := range streams {
		st.stopRelay()
	}
	s.wg.Wait()
}

func (s *Studio) isClosed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closed
}

func (s *Studio) emit(e Event) {
	if s.opt.OnEvent != nil {
		s.opt.OnEvent(e)
	}
}

// CanStart says why saved cannot start live, or returns nil when it can.
func CanStart(saved settings.Stream) error {
	hasKey := slices.ContainsFunc(saved.Destinations, func(d settings.Destination) bool {
		return d.Enabled && (strings.TrimSpace(d.Key) != "" || d.IsLocalHLS())
	})
	if !hasKey && !saved.Record {
		return errors.New("add a destination with a stream key (and leave it enabled), a Local HLS destination, or switch Record on")
	}
	_, err := EngineConfig(saved, nil)
	return err
}

// Autostart starts live every saved stream marked autostart = true, on the
// Stream handle(i) returns for it (nil: a new one). A stream that cannot
// start is skipped with a warning in the log, not an error: one camera's
// missing key must not keep the others off. It returns the streams that
// started.
func (s *Studio) Autostart(saved []settings.Stream, handle func(i int) *Stream) []*Stream {
	var started []*Stream
	for i, ss := range saved {
		if !ss.Autostart {
			continue
		}
		if err := CanStart(ss); err != nil {
			s.log.Warn("autostart skipped", "stream", ss.Name, "reason", err.Error())
			continue
		}
		var st *Stream
		if handle != nil {
			st = handle(i)
		}
		if st == nil {
			st = s.NewStream()
		}
		if err := st.Start(ss); err != nil {
			s.log.Warn("autostart failed", "stream", ss.Name, "error", err)
			continue
		}
		started = append(started, st)
	}
	return started
}

// Stream is the running side of one saved stream: its relay, if any, and
// how it runs.
type Stream struct {
	studio *Studio

	mu    sync.Mutex
	name  string
	relay *relay.Relay
	mode  Mode
	err   error // why the last run could not start
	muted bool  // kept across runs: a restart does not unmute
}

// SetMuted makes the stream's outgoing audio silence (on) or what it was
// (off), now and in every relay it runs next, until it is set again. The
// destinations keep their audio track.
func (st *Stream) SetMuted(on bool) {
	st.mu.Lock()
	st.muted = on
	r := st.relay
	st.mu.Unlock()
	if r != nil {
		r.SetMuted(on)
	}
}

// Muted reports whether the stream's outgoing audio is muted.
func (st *Stream) Muted() bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.muted
}

// Relay returns the running relay, or nil when the stream is off (or could
// not start: see Err).
func (st *Stream) Relay() *relay.Relay {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.relay
}

// Mode returns how the stream runs.
func (st *Stream) Mode() Mode {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.mode
}

// Live reports whether the stream sends to its destinations.
func (st *Stream) Live() bool { return st.Mode() == Live }

// Err says why the last Run could not start the stream; nil when it did.
func (st *Stream) Err() error {
	st.mu.Lock()
	defer st.mu.Unlock()
	return st.err
}

// Stats returns the relay's stats, or the zero Stats when it is off.
func (st *Stream) Stats() relay.Stats {
	if r := st.Relay(); r != nil {
		return r.Stats()
	}
	return relay.Stats{}
}

// Run replaces the stream's relay with a new one for saved, in mode (Off:
// none). The old relay stops in the background. When the new one cannot
// start, the stream is off and Err says why.
func (st *Stream) Run(saved settings.Stream, mode Mode) error {
	st.stopRelay()
	st.mu.Lock()
	st.name, st.err = saved.Name, nil
	st.mu.Unlock()
	if mode == Off || st.studio.isClosed() {
		return nil
	}
	err := st.run(saved, mode)
	if err != nil {
		st.mu.Lock()
		st.err = err
		st.mu.Unlock()
	}
	return err
}

func (st *Stream) run(saved settings.Stream, mode Mode) error {
	s := st.studio
	cfg, err := EngineConfig(saved, s.log)
	if err != nil {
		return err
	}
	if mode == Preview {
		cfg.Destinations, cfg.Record, cfg.LocalHLS = nil, relay.RecordConfig{}, false
	} else if !sends(cfg) {
		return fmt.Errorf("stream %q has no enabled destination with a stream key, and does not record", saved.Name)
	}
	cfg.Logger = s.log
	r, err := relay.New(cfg)
	if err == nil {
		r.SetMuted(st.Muted())
		err = r.Start()
	}
	if err != nil {
		return err
	}
	st.mu.Lock()
	old := st.relay // another Run's, that started meanwhile
	st.relay, st.mode = r, mode
	st.mu.Unlock()
	s.wg.Add(1)
	go st.watch(r, saved.Name)
	if old != nil {
		s.closeInBackground(old)
	}
	return nil
}

// watch reports a relay that stopped by itself (not replaced or stopped
// by a caller).
func (st *Stream) watch(r *relay.Relay, name string) {
	defer st.studio.wg.Done()
	<-r.Done()
	st.mu.Lock()
	current := st.relay == r
	st.mu.Unlock()
	if current {
		st.studio.emit(Event{Stream: name, Kind: Ended, Err: r.Wait()})
	}
}

// stopRelay takes the relay off the stream and closes it in the
// background: Close waits for the relay's goroutines, and a window must
// not.
func (st *Stream) stopRelay() {
	st.mu.Lock()
	r := st.relay
	st.relay, st.mode = nil, Off
	st.mu.Unlock()
	if r != nil {
		st.studio.closeInBackground(r)
	}
}

// closeInBackground closes r without waiting; Close waits for it.
func (s *Studio) closeInBackground(r *relay.Relay) {
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		r.Close()
	}()
}

// Start makes the stream live: it checks CanStart, then runs it.
func (st *Stream) Start(saved settings.Stream) error {
	if err := CanStart(saved); err != nil {
		return err
	}
	if err := st.Run(saved, Live); err != nil {
		return err
	}
	st.studio.log.Info("stream started", "stream", saved.Name)
	st.studio.emit(Event{Stream: saved.Name, Kind: Started})
	return nil
}

// Stop ends sending, and runs the stream as then (Preview or Off). It
// does nothing to a stream that is not live.
func (st *Stream) Stop(saved settings.Stream, then Mode) error {
	if !st.Live() {
		return nil
	}
	st.studio.log.Info("stream stopped", "stream", saved.Name)
	st.studio.emit(Event{Stream: saved.Name, Kind: Stopped})
	return st.Run(saved, min(then, Preview))
}

// Restart applies a changed saved stream (why names the change, for the
// log) by running it again as it runs now. A stream that is off stays off.
func (st *Stream) Restart(saved settings.Stream, why string) error {
	mode := st.Mode()
	if mode == Live {
		st.studio.log.Info("applying new settings: restarting the stream", "stream", saved.Name, "change", why)
	}
	if mode == Off {
		return nil
	}
	return st.Run(saved, mode)
}

// liveRelay is the relay of a live stream, or why there is none to change.
func (st *Stream) liveRelay() (*relay.Relay, error) {
	r := st.Relay()
	if r == nil || st.Mode() != Live {
		return nil, errors.New("the stream is not live")
	}
	return r, nil
}

// ApplyDestinations hands saved's enabled destinations with keys to the
// running live relay: the camera session, the encoder and the
// destinations that did not change carry on. When the relay cannot take
// them so (the stream is not live), it says why; Restart then applies them.
func (st *Stream) ApplyDestinations(saved settings.Stream) error {
	r, err := st.liveRelay()
	if err != nil {
		return err
	}
	cfg, err := EngineConfig(saved, st.studio.log)
	if err != nil {
		return err
	}
	if !sends(cfg) {
		return fmt.Errorf("stream %q has no enabled destination with a stream key", saved.Name)
	}
	r.SetLocalHLS(cfg.LocalHLS)
	return r.SetDestinations(cfg.Destinations)
}

// sends: cfg has somewhere to send the stream.
func sends(cfg relay.Config) bool {
	return len(cfg.Destinations) > 0 || cfg.Record.Dir != "" || cfg.LocalHLS
}

// ApplyOverlay hands saved's overlay to the running relay: it is drawn
// from the next picture on, nothing reconnects.
func (st *Stream) ApplyOverlay(saved settings.Stream) error {
	r, err := st.liveRelay()
	if err != nil {
		return err
	}
	return r.SetOverlay(OverlayConfig(saved.Overlay))
}

// ApplyRecord starts, moves or stops the recording of the running live
// relay as saved says, without touching its camera or destinations.
func (st *Stream) ApplyRecord(saved settings.Stream) error {
	r, err := st.liveRelay()
	if err != nil {
		return err
	}
	cfg, err := EngineConfig(saved, nil)
	if err != nil {
		return err
	}
	return r.SetRecord(cfg.Record)
}

// ApplyOutput hands saved's video and audio settings to the running relay
// without reconnecting anything: the encoder restarts, destinations stay
// connected and resume at the next keyframe. When the relay cannot take
// them so (or the stream is off), it says why; Restart then applies them.
func (st *Stream) ApplyOutput(saved settings.Stream) error {
	r := st.Relay()
	if r == nil {
		return errors.New("the stream is not running")
	}
	cfg, err := EngineConfig(saved, nil)
	if err != nil {
		return err
	}
	return r.SetOutput(cfg.Video, cfg.Audio)
}
