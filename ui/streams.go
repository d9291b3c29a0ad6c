package ui

import (
	"context"
	"fmt"
	"image"
	"slices"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/studio"
)

// Preview sizes. A relay has one preview size, so the selected stream
// previews at mainPreview (at the rate the settings ask for) and every
// other running stream at thumbPreview, once a second, which feeds its
// thumbnail. A camera that is not running gets a snapshot (one decoded
// picture, then the connection closes) at start-up and every thumbEvery.
var thumbPreview = relay.PreviewConfig{Width: 160, Height: 90, FPS: 1}

// mainPreview is the selected stream's preview configuration.
func (s *Studio) mainPreview() relay.PreviewConfig {
	return relay.PreviewConfig{Width: 640, Height: 360, FPS: float64(s.cfg.Studio.PreviewRate())}
}

// Pump intervals. Preview frames are shown as the engine signals them;
// the tick catches a change of the selected stream and a frame whose
// signal came while the window was still showing the one before.
const (
	previewEvery = time.Second / 10
	statsEvery   = time.Second
)

// streamView is the window's side of one stream: the studio's stream it
// shows, and what the stats panel shows of it. Fyne goroutine only.
type streamView struct {
	stream    *studio.Stream
	stats     relay.Stats
	prevStats relay.Stats
	health    studio.Health
	reason    string
	hist      map[string]history
	thumb     image.Image
	thumbAt   time.Time // when thumb was last taken, or a snapshot tried
}

func (s *Studio) newStreamView() *streamView {
	return &streamView{stream: s.streams.NewStream(), hist: map[string]history{}}
}

// relay is the stream's running relay, nil when it is off.
func (v *streamView) relay() *relay.Relay { return v.stream.Relay() }

// streaming reports whether the stream sends to its destinations (not
// only previews).
func (v *streamView) streaming() bool { return v.stream.Live() }

// err says why the stream could not run, "" when it could.
func (v *streamView) err() string {
	if err := v.stream.Err(); err != nil {
		return err.Error()
	}
	return ""
}

// activeRelay is what the pump needs to know about a running relay.
type activeRelay struct {
	view     *streamView
	r        *relay.Relay
	selected bool
}

// publish tells the pump which relays run and which one is on screen.
func (s *Studio) publish() {
	var act []activeRelay
	for i, v := range s.views {
		if r := v.relay(); r != nil {
			act = append(act, activeRelay{view: v, r: r, selected: i == s.selected})
		}
	}
	s.mu.Lock()
	if !s.closed {
		s.active = act
	}
	s.mu.Unlock()
}

func (s *Studio) activeRelays() []activeRelay {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.active
}

// runRelay runs stream i live (streaming), preview-only, or not at all
// (run false), and gives a new relay the preview size of its place.
func (s *Studio) runRelay(i int, run, streaming bool) error {
	v := s.views[i]
	defer s.publish()
	mode := studio.Off
	switch {
	case !run || s.closing:
	case streaming:
		mode = studio.Live
	default:
		mode = studio.Preview
	}
	if err := v.stream.Run(s.cfg.Streams[i], mode); err != nil {
		return err
	}
	s.afterRun(i)
	return nil
}

// afterRun gives stream i's new relay, if any, the preview size of its
// place and fresh stats.
func (s *Studio) afterRun(i int) {
	v := s.views[i]
	r := v.relay()
	if r == nil {
		return
	}
	if i == s.selected {
		r.SetPreview(s.mainPreview())
	} else {
		r.SetPreview(thumbPreview)
	}
	// A new relay: its graph starts empty.
	v.prevStats, v.stats, v.hist = relay.Stats{}, r.Stats(), map[string]history{}
	v.thumbAt = time.Now() // a running stream feeds its own thumbnail
}

// selectStream shows stream i in the preview and the controls, starting a
// preview-only relay for it when it is not running, and stopping the
// preview-only relay of the stream shown before.
func (s *Studio) selectStream(i int) {
	if i < 0 || i >= len(s.views) {
		return
	}
	// Typing pending for the camera shown so far applies to it, before
	// the fields show another one.
	s.outputEdit.Flush()
	s.keyEdit.Flush()
	old := s.selected
	s.selected = i
	if old != i && old >= 0 && old < len(s.views) {
		ov := s.views[old]
		switch r := ov.relay(); {
		case r != nil && !ov.streaming():
			s.runRelay(old, false, false)
		case r != nil:
			r.SetPreview(thumbPreview)
		}
	}
	v := s.views[i]
	if r := v.relay(); r == nil {
		if err := s.runRelay(i, true, false); err != nil {
			s.log.Warn("cannot preview", "stream", s.cfg.Streams[i].Name, "error", err)
		}
	} else {
		r.SetPreview(s.mainPreview())
	}
	s.publish()
	if s.cams != nil {
		s.cams.list.Select(i)
	}
	s.refreshSelection()
}

// startStream starts pushing stream i to its destinations.
func (s *Studio) startStream(i int) {
	if i < 0 || i >= len(s.views) {
		return
	}
	name := s.cfg.Streams[i].Name
	if reason := s.startProblem(i); reason != "" {
		s.showError(fmt.Errorf("%s: %s", tr("cannot start \"{{.Name}}\"", "Name", name), reason))
		return
	}
	if err := s.views[i].stream.Start(s.cfg.Streams[i]); err != nil {
		s.showError(fmt.Errorf("%s: %w", tr("cannot start \"{{.Name}}\"", "Name", name), err))
		if i == s.selected {
			s.runRelay(i, true, false)
		}
	} else {
		s.afterRun(i)
	}
	s.publish()
	s.refreshStream(i)
}

// stopStream stops pushing stream i; the selected stream keeps previewing.
func (s *Studio) stopStream(i int) {
	if i < 0 || i >= len(s.views) || !s.views[i].streaming() {
		return
	}
	then := studio.Off
	if i == s.selected {
		then = studio.Preview
	}
	s.views[i].stream.Stop(s.cfg.Streams[i], then)
	s.afterRun(i)
	s.publish()
	s.refreshStream(i)
}

// restartStream applies changed settings to a running stream: a quick
// restart of its relay. The selected stream previews even if it was off.
func (s *Studio) restartStream(i int, why string) {
	v, saved := s.views[i], s.cfg.Streams[i]
	switch {
	case v.streaming():
		if err := v.stream.Restart(saved, why); err != nil {
			s.showError(fmt.Errorf("%s: %w", tr("cannot restart \"{{.Name}}\"", "Name", saved.Name), err))
			s.runRelay(i, i == s.selected, false)
		} else {
			s.afterRun(i)
		}
	case v.relay() != nil || i == s.selected:
		if err := s.runRelay(i, true, false); err != nil {
			s.log.Warn("cannot preview", "stream", saved.Name, "error", err)
		}
	}
	s.publish()
	s.refreshStream(i)
}

func (s *Studio) toggleSelected() {
	if s.selected < 0 || s.selected >= len(s.views) {
		return
	}
	if len(s.win.Canvas().Overlays().List()) > 0 {
		return // a dialog is open: Space or the menu must not act behind it
	}
	s.outputEdit.Flush() // start with what the fields show
	s.keyEdit.Stop()     // starting or stopping supersedes a pending restart
	if i := s.selected; s.views[i].streaming() {
		s.stopStream(i)
	} else {
		s.confirmRules(i, func() { s.startStream(i) })
	}
}

// toggleMute mutes or unmutes the selected stream's outgoing audio: the
// destinations keep their audio track and get silence.
func (s *Studio) toggleMute() {
	v := s.selectedView()
	if v == nil {
		return
	}
	v.stream.SetMuted(!v.stream.Muted())
	s.refreshStatsPanel()
}

func (s *Studio) startAll() {
	for i := range s.views {
		if !s.views[i].streaming() && s.startProblem(i) == "" {
			s.startStream(i)
		}
	}
}

func (s *Studio) stopAll() {
	for i := range s.views {
		s.stopStream(i)
	}
}

// startProblem says why stream i cannot start, or "" when it can.
func (s *Studio) startProblem(i int) string {
	if err := studio.CanStart(s.cfg.Streams[i]); err != nil {
		return err.Error()
	}
	return ""
}

// pump is the goroutine that pulls frames and stats from the relays and
// hands them to the window, at most one pending update of each kind.
func (s *Studio) pump() {
	defer s.wg.Done()
	pt := time.NewTicker(previewEvery)
	defer pt.Stop()
	st := time.NewTicker(statsEvery)
	defer st.Stop()
	var (
		framePending, statsPending, logPending atomic.Bool
		levelPending                           atomic.Bool
		bufs                                   [3]*image.RGBA
		next                                   int
		shown                                  *relay.Relay // the selected relay
		ready                                  <-chan struct{}
		lastSeq                                uint64
		lastFrame, lastLevel                   time.Time
	)
	// The audio meter moves at most levelEvery, on the repaint of a
	// preview frame where there is one: each change repaints the whole
	// window, which is what the preview costs where there is no GPU, so a
	// meter on its own ticker would add ten repaints a second to the
	// preview's.
	const levelEvery = time.Second / 10
	takeLevel := func(now time.Time) (float64, bool) {
		if shown == nil || now.Sub(lastLevel) < levelEvery*9/10 || levelPending.Load() { // a tick may come early
			return 0, false
		}
		lastLevel = now
		return shown.AudioPeak(), true
	}
	// showLatest hands the selected relay's newest frame to the window,
	// unless the window has not shown the last one yet.
	showLatest := func() {
		if shown == nil || framePending.Load() {
			return
		}
		// Rotate three buffers: one on screen, one maybe still being
		// painted, one to write into.
		img, seq := shown.PreviewFrame(bufs[next])
		if img == nil || seq == lastSeq {
			return
		}
		bufs[next] = img
		next = (next + 1) % len(bufs)
		lastSeq = seq
		framePending.Store(true)
		r := shown
		now := time.Now()
		lastFrame = now
		peak, level := takeLevel(now)
		if level {
			levelPending.Store(true)
		}
		s.do(func() {
			framePending.Store(false)
			s.showFrame(r, img, seq)
			if level {
				levelPending.Store(false)
				s.showLevel(r, peak)
			}
		})
	}
	for {
		select {
		case <-s.ctx.Done():
			return
		case <-ready:
			showLatest()
		case <-pt.C:
			if s.logDirt.Load() && logPending.CompareAndSwap(false, true) {
				s.logDirt.Store(false)
				s.do(func() {
					logPending.Store(false)
					s.refreshLog()
				})
			}
			var sel *relay.Relay
			for _, a := range s.activeRelays() {
				if a.selected {
					sel = a.r
				}
			}
			if sel != shown {
				shown, lastSeq, ready = sel, 0, nil
				if sel != nil {
					ready = sel.PreviewReady()
				}
			}
			showLatest()
			// No preview frame lately (a still picture, a low rate): the
			// meter moves on its own.
			if now := time.Now(); now.Sub(lastFrame) > 2*levelEvery {
				if peak, ok := takeLevel(now); ok {
					levelPending.Store(true)
					r := shown
					s.do(func() {
						levelPending.Store(false)
						s.showLevel(r, peak)
					})
				}
			}
		case now := <-st.C:
			if statsPending.Load() {
				continue
			}
			act := s.activeRelays()
			snaps := make([]relay.Stats, len(act))
			thumbs := make([]*image.RGBA, len(act))
			for i, a := range act {
				snaps[i] = a.r.Stats()
				if !a.selected {
					thumbs[i], _ = a.r.PreviewFrame(nil)
				}
			}
			statsPending.Store(true)
			s.do(func() {
				statsPending.Store(false)
				s.applyStats(now, act, snaps, thumbs)
			})
		}
	}
}

// showFrame puts a new preview frame on screen if it still belongs to the
// selected stream.
func (s *Studio) showFrame(r *relay.Relay, img *image.RGBA, seq uint64) {
	if s.selected < 0 || s.selected >= len(s.views) || s.views[s.selected].relay() != r {
		return
	}
	s.preview.seq = seq
	s.preview.show(img)
	s.preview.msg.Hide()
}

// showLevel moves the audio meter if r is still the selected stream's and
// it sends.
func (s *Studio) showLevel(r *relay.Relay, peak float64) {
	if v := s.selectedView(); v != nil && v.relay() == r && v.streaming() {
		s.preview.meter.push(peak)
	}
}

// applyStats takes one second of stats: histories, health, labels.
func (s *Studio) applyStats(now time.Time, act []activeRelay, snaps []relay.Stats, thumbs []*image.RGBA) {
	if pct, ok := s.cpu.sample(now); ok {
		s.cpuPercent = pct
	}
	for i, a := range act {
		v := a.view
		if v.relay() != a.r {
			continue // stopped or restarted meanwhile
		}
		v.prevStats, v.stats = v.stats, snaps[i]
		for _, d := range snaps[i].Destinations {
			v.hist[d.Name] = v.hist[d.Name].push(d.BitrateKbps)
		}
		v.health, v.reason = studio.HealthOf(v.prevStats, v.stats, v.streaming())
		if thumbs[i] != nil {
			v.thumb = thumbs[i]
		} else if a.selected && s.preview.image.Image != nil {
			// The selected stream's thumbnail is a copy of the frame on
			// screen, taken once a second.
			v.thumb = cloneRGBA(s.preview.image.Image)
		}
	}
	s.refreshAllStreams()
	s.preview.refreshSignal(s.selectedView())
	s.refreshRules() // the camera's measures may break a rule
	s.snapshotIdle(now)
}

// thumbEvery is how often a camera that is not running is snapshotted
// for its thumbnail.
const thumbEvery = 5 * time.Minute

// snapshotIdle starts a snapshot of the first camera that is not running
// and whose thumbnail is older than thumbEvery, one at a time, so that
// every camera in the list shows what it sees.
func (s *Studio) snapshotIdle(now time.Time) {
	if s.snapping || s.closing {
		return
	}
	for i, v := range s.views {
		if v.relay() != nil || now.Sub(v.thumbAt) < thumbEvery {
			continue
		}
		cfg, err := studio.EngineConfig(s.cfg.Streams[i], nil)
		v.thumbAt = now
		if err != nil {
			continue
		}
		s.snapping = true
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			ctx, cancel := context.WithTimeout(s.ctx, snapshotTimeout)
			defer cancel()
			img, err := relay.Snapshot(ctx, cfg, thumbPreview.Width, thumbPreview.Height)
			s.do(func() {
				s.snapping = false
				if err != nil || s.closing {
					return
				}
				if j := slices.Index(s.views, v); j >= 0 && v.relay() == nil {
					v.thumb = img
					s.cams.list.RefreshItem(j)
				}
			})
		}()
		return
	}
}

// snapshotTimeout bounds one thumbnail snapshot.
const snapshotTimeout = 10 * time.Second

func cloneRGBA(img image.Image) *image.RGBA {
	src, ok := img.(*image.RGBA)
	if !ok {
		return nil
	}
	out := image.NewRGBA(src.Rect)
	copy(out.Pix, src.Pix)
	return out
}
