package relay

import (
	"context"
	"errors"
	"fmt"
	"image"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/record"
	"github.com/relaystudio/relaystudio/media/rtmp"
	"github.com/relaystudio/relaystudio/media/rtsp"
	"github.com/relaystudio/relaystudio/media/testsrc"
)

// inboxSize bounds what the source may queue ahead of the pipeline: about
// four seconds of 30 fps video with its audio.
const inboxSize = 256

// source is what the relay needs of a camera or the test pattern.
type source interface {
	Start() error
	Close()
	Wait() error
}

// Relay is one running stream. Create it with New, then Start; Close stops
// it. All methods are safe for concurrent use.
//
// Ownership: three goroutines run a relay, and each is the only writer of
// what it publishes. runSource owns the camera sessions and publishes
// sourceState; the pipeline owns decoding, encoding and what is sent, and
// publishes outputState; the sampler owns the rates and the moment the
// stream first went live. Stats only reads. The mutex guards the
// lifecycle alone (started, closed, the terminal error, the current
// source), which Start, Close and fail change from any goroutine.
type Relay struct {
	cfg Config
	log *slog.Logger

	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	inbox  chan inboxItem
	done   chan struct{}

	// dests is every destination of every rendition, for Stats, the
	// sampler and Close; the pipeline replaces it (under mu) when
	// SetDestinations changes the renditions' own lists.
	dests atomic.Pointer[[]*destination]
	rends []*rendition
	// openSource makes the source of one camera session: newSource, or a
	// test's stand-in.
	openSource func(*relaySink) source

	preview previewTap
	still   stillTap // Still's snapshots, while they are asked for
	// rec records what the destinations get, when Config.Record or
	// SetRecord asks; the pipeline replaces it, Stats reads it.
	rec atomic.Pointer[record.Recorder]
	// newRecord is the latest SetRecord not yet taken by the pipeline.
	newRecord atomic.Pointer[RecordConfig]
	// hls segments what the destinations get, when Config.LocalHLS or
	// SetLocalHLS asks, from Start on: SetLocalHLS replaces it (under mu),
	// the rendition feeds the one it finds there, HTTP handlers read it.
	hls atomic.Pointer[record.HLS]

	// slateImage is Config.Slate.Image, read by New; nil for the card.
	slateImage image.Image
	// newOverlay is the latest SetOverlay not yet taken by the pipeline.
	newOverlay atomic.Pointer[codec.OverlayConfig]
	// onSlate is set by the pipeline while destinations get the slate:
	// runSource then probes the camera often rather than wait out its
	// backoff.
	onSlate atomic.Bool

	// videoGap is set when the inbox dropped video: the pipeline then waits
	// for the next keyframe before decoding or copying again.
	videoGap atomic.Bool

	counters counters
	rates    rates

	source    atomic.Pointer[sourceState] // written by runSource only
	output    atomic.Pointer[outputState] // written by the pipeline only
	liveSince atomic.Int64                // Unix ns; written by the sampler only

	// muted makes the audio sent silence (SetMuted); peak is the largest
	// level sent since AudioPeak last read it (float64 bits).
	muted    atomic.Bool
	peak     atomic.Uint64
	peakRead atomic.Int64 // Unix ns of the last AudioPeak: metering is on for meterFor after it

	// newOutput and newDests are the latest SetOutput and SetDestinations
	// not yet taken by the pipeline; outputSet wakes the pipeline for them.
	newOutput atomic.Pointer[outputChange]
	newDests  atomic.Pointer[[]Destination]
	outputSet chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	failed  error  // terminal error, returned by Wait
	src     source // the current session's source, for Close
	hlsOn   bool   // local HLS asked for (Config.LocalHLS, SetLocalHLS)
}

// sourceState is what runSource publishes about the camera.
type sourceState struct {
	session    uint64    // the current session, from 1
	retryAt    time.Time // while waiting to reconnect: the next attempt
	retryErr   error     // while waiting to reconnect: why
	lastErr    error     // why the last session ended, kept once the camera is back
	reconnects uint64
}

// outputState is what the pipeline publishes: the tracks of the session it
// has taken, and what it sends.
type outputState struct {
	session    uint64 // whose tracks these are; 0 before the first
	tracks     media.Tracks
	keyInt     time.Duration // the last interval seen between keyframes
	outW, outH int
	audioOut   string
	videoMode  VideoMode // what the video is sent as: copy, or h264 (also for an H.265 camera in copy mode)
	audioMode  AudioMode // the audio setting in force
	warnings   []string
	slateSince time.Time // when destinations began to get the slate; zero while they get the camera
}

// outputChange is what SetOutput hands to the pipeline.
type outputChange struct {
	video VideoConfig
	audio AudioConfig
}

// counters are the engine's monotonic counters; rates derive from them.
type counters struct {
	inFrames, inBytes       atomic.Uint64
	outFrames, outBytes     atomic.Uint64
	audioOutBytes           atomic.Uint64
	inputOverflow           atomic.Uint64
	waitingKey              atomic.Uint64
	decodeErrors            atomic.Uint64
	encodedMedia, busyNanos atomic.Int64 // for Speed
}

type rates struct {
	inFPS, inBitrate, outFPS, outBitrate, audioBitrate, speedMedia, speedBusy rate
}

// New validates cfg and returns a relay ready to Start.
func New(cfg Config) (*Relay, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	var slateImage image.Image
	if cfg.Slate.Image != "" && !cfg.Slate.Off {
		img, err := LoadSlateImage(cfg.Slate.Image)
		if err != nil {
			return nil, err
		}
		slateImage = img
	}
	overlay, err := loadOverlay(cfg.Overlay)
	if err != nil {
		return nil, err
	}
	r := &Relay{
		cfg:        cfg,
		log:        cfg.Logger.With("stream", cfg.Name),
		inbox:      make(chan inboxItem, inboxSize),
		done:       make(chan struct{}),
		outputSet:  make(chan struct{}, 1),
		slateImage: slateImage,
		hlsOn:      cfg.LocalHLS,
	}
	r.openSource = r.newSource
	r.source.Store(&sourceState{})
	r.output.Store(&outputState{videoMode: cfg.Video.Mode, audioMode: cfg.Audio.Mode})
	r.ctx, r.cancel = context.WithCancel(context.Background())
	var all []*destination
	var rec *record.Recorder
	if cfg.Record.Dir != "" {
		rec = r.newRecorder(cfg.Record)
		r.rec.Store(rec)
	}
	if len(cfg.Destinations) > 0 || rec != nil || cfg.LocalHLS {
		// One rendition per stream for now; destinations that share
		// settings share its decode and encode.
		rd := &rendition{video: cfg.Video, audio: cfg.Audio, rec: rec, hls: &r.hls, overlayCfg: overlay}
		for _, d := range cfg.Destinations {
			rd.dests = append(rd.dests, r.newDestination(d))
		}
		all = rd.dests
		r.rends = append(r.rends, rd)
	}
	r.dests.Store(&all)
	return r, nil
}

// newDestination makes the publisher of one destination, not started.
func (r *Relay) newDestination(d Destination) *destination {
	server := media.RTMPServer(d.URL)
	log := r.log // the publisher names the server itself
	if d.Name != server {
		log = log.With("name", d.Name)
	}
	return &destination{
		name:   d.Name,
		url:    d.URL,
		server: server,
		pub:    &rtmp.Publisher{URL: d.URL, Logger: log, Retry: true, TLSConfig: r.cfg.TLSConfig},
	}
}

// destinations returns every destination the relay sends to now.
func (r *Relay) destinations() []*destination { return *r.dests.Load() }

// ErrPreviewOnly is SetDestinations on a relay started without any
// destination: it has no output to send.
var ErrPreviewOnly = errors.New("the stream runs for its preview only: start it with its destinations, a recording or Local HLS")

// SetDestinations changes where a running stream is sent without touching
// the camera session, the encoder or the destinations that stay: a
// destination in ds with the URL and name of one already running keeps its
// connection; a new one connects and starts at the next keyframe, after the
// sequence headers; one left out is closed. It returns an error wrapping
// ErrInvalid, and changes nothing, when ds is not valid, and
// ErrPreviewOnly when the relay was created without destinations.
func (r *Relay) SetDestinations(ds []Destination) error {
	if len(r.rends) == 0 {
		return ErrPreviewOnly
	}
	c := r.cfg
	c.Destinations = ds
	if err := c.Validate(); err != nil {
		return err
	}
	c = c.withDefaults()
	r.newDests.Store(&c.Destinations)
	r.wake()
	return nil
}

func (r *Relay) newRecorder(rc RecordConfig) *record.Recorder {
	return &record.Recorder{Dir: rc.Dir, Split: rc.Split, Logger: r.log}
}

// startRecorder starts a recording. A folder it cannot write stops the
// recording, not the stream: Stats and the log say why.
func (r *Relay) startRecorder(rec *record.Recorder) {
	if err := rec.Start(); err != nil {
		r.log.Error("not recording: the stream goes on", "error", err)
	}
}

// newHLS makes the stream's local HLS.
func (r *Relay) newHLS() *record.HLS {
	return &record.HLS{Logger: r.log}
}

// SetLocalHLS starts (on) or stops the local HLS of the stream, without
// touching the camera or the destinations: a new one gets the headers the
// destinations have and begins at the next keyframe; one stopped ends its
// playlist (EXT-X-ENDLIST) and is no longer HLS's. A stream created with
// neither destinations, a recording nor local HLS runs for its preview
// only and has nothing to segment: it logs so and does nothing.
func (r *Relay) SetLocalHLS(on bool) {
	if len(r.rends) == 0 {
		r.log.Warn("local HLS not started: the stream runs for its preview only")
		return
	}
	r.mu.Lock()
	if r.closed || r.failed != nil || r.hlsOn == on {
		r.mu.Unlock()
		return
	}
	r.hlsOn = on
	var gone *record.HLS
	switch {
	case !r.started: // Start makes it
	case on:
		r.hls.Store(r.newHLS())
	default:
		gone = r.hls.Swap(nil)
	}
	r.mu.Unlock()
	if gone != nil {
		gone.Close() // the pipeline may write it still: it ignores that
	}
	if r.started {
		if on {
			r.log.Info("local HLS on")
		} else {
			r.log.Info("local HLS off")
		}
	}
}

// HLS returns the stream's local HLS: nil when it is off or the stream
// not started. Once the stream has stopped it returns the ended playlist.
func (r *Relay) HLS() *record.HLS { return r.hls.Load() }

// SetOverlay changes what is drawn over the picture of a running stream,
// from the next picture on, without touching anything else. It reads the
// logo now: an error wraps ErrInvalid and changes nothing. In copy mode
// it is kept for when the stream transcodes.
func (r *Relay) SetOverlay(o OverlayConfig) error {
	if len(r.rends) == 0 {
		return ErrPreviewOnly
	}
	c, err := loadOverlay(o)
	if err != nil {
		return err
	}
	r.newOverlay.Store(&c)
	r.wake()
	return nil
}

// SetRecord starts, moves or stops (an empty Dir) the recording of a
// running stream, without touching the camera or the destinations: a new
// recording begins at the next keyframe. It returns an error wrapping
// ErrInvalid when rc is not valid, and ErrPreviewOnly when the relay was
// created with neither destinations nor a recording.
func (r *Relay) SetRecord(rc RecordConfig) error {
	if len(r.rends) == 0 {
		return ErrPreviewOnly
	}
	c := r.cfg
	c.Record = rc
	if err := c.Validate(); err != nil {
		return err
	}
	c = c.withDefaults()
	r.newRecord.Store(&c.Record)
	r.wake()
	return nil
}

// wake tells the pipeline that a Set call left it something to take.
func (r *Relay) wake() {
	select {
	case r.outputSet <- struct{}{}:
	default: // already signalled: the pipeline takes the latest of each
	}
}

// Start connects to the source and the destinations in the background. It
// returns an error only when something cannot even be tried.
func (r *Relay) Start() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.started {
		return errors.New("relay already started")
	}
	r.started = true

	dests := r.destinations()
	started := make([]*destination, 0, len(dests))
	for _, d := range dests {
		if err := d.pub.Start(); err != nil {
			for _, s := range started {
				s.pub.Close()
			}
			// Nothing runs: Close and Wait must not wait for it.
			r.started = false
			r.cancel()
			return fmt.Errorf("destination %s: %w", d.name, err)
		}
		started = append(started, d)
	}
	r.log.Info("stream starting", "input", media.RedactURL(r.cfg.Input), "video", r.cfg.Video.Mode, "destinations", len(dests))
	if rec := r.rec.Load(); rec != nil {
		r.startRecorder(rec)
	}
	if r.hlsOn {
		r.hls.Store(r.newHLS())
	}

	// Destinations reconnect by themselves until Close: their publishers
	// own their goroutines.
	r.wg.Add(3)
	go r.runPipeline()
	go r.runSampler()
	go r.runSource()
	go func() {
		r.wg.Wait()
		if rec := r.rec.Load(); rec != nil {
			rec.Close() // the pipeline, its only writer, has stopped
		}
		// Closed or failed is set: SetLocalHLS makes no other.
		r.mu.Lock()
		hls := r.hls.Load()
		r.mu.Unlock()
		if hls != nil {
			hls.Close() // the playlist ends; HLS still serves it
		}
		close(r.done)
	}()
	return nil
}

// SetOutput changes the video and audio settings of a running stream
// without reconnecting anything: the encoder (or the copy) restarts with
// the new settings, every destination gets new metadata and sequence
// headers on its open connection and resumes on the next keyframe, a
// second or two later. It returns an error wrapping ErrInvalid, and
// changes nothing, when the settings are not valid.
func (r *Relay) SetOutput(video VideoConfig, audio AudioConfig) error {
	c := r.cfg
	c.Video, c.Audio = video, audio
	if err := c.Validate(); err != nil {
		return err
	}
	c = c.withDefaults()
	r.newOutput.Store(&outputChange{video: c.Video, audio: c.Audio})
	r.wake()
	return nil
}

// newSource makes the source of one session.
func (r *Relay) newSource(sink *relaySink) source {
	if r.cfg.Input == TestPattern {
		return &testsrc.Source{Sink: sink, Logger: r.log}
	}
	return &rtsp.Source{
		URL: r.cfg.Input, Transport: r.cfg.RTSPTransport, Sink: sink, Logger: r.log,
		TLSConfig: r.cfg.TLSConfig, ReadTimeout: stallTimeout,
	}
}

// Reconnect policy of the camera: exponential backoff with jitter.
const (
	retryMin = time.Second
	retryMax = 30 * time.Second
	// stallTimeout is the watchdog: a camera that sends no video for this
	// long is reconnected, even if its connection looks alive.
	stallTimeout = 5 * time.Second
	// stableSession resets the backoff: a session that lasted this long was
	// a real recovery, not a flap.
	stableSession = 30 * time.Second
)

// permanent reports errors that retrying cannot fix while nothing changes:
// at the first connection they end the stream with a clear message (the
// wrong password or path), later they are retried like any other (a camera
// rebooting may answer 404 for a while).
func permanent(err error) bool {
	return errors.Is(err, rtsp.ErrUnauthorized) || errors.Is(err, rtsp.ErrNotFound) ||
		errors.Is(err, rtsp.ErrNoVideo) || errors.Is(err, rtsp.ErrUnsupported)
}

// runSource owns the camera: one session after another, with backoff,
// until the stream is closed. Units keep monotonic timestamps across
// sessions (the pipeline rebases them). It is the only writer of
// r.source.
func (r *Relay) runSource() {
	defer r.wg.Done()
	bo := media.Backoff{Min: retryMin, Max: retryMax}
	st := sourceState{}
	everUp := false
	for {
		st.session++
		sink := &relaySink{r: r, session: st.session}
		src := r.openSource(sink)
		r.mu.Lock()
		if r.ctx.Err() != nil {
			r.mu.Unlock()
			return
		}
		// Started under mu so that Close either sees this source or stops
		// the loop before it starts.
		r.src = src
		st.retryAt, st.retryErr = time.Time{}, nil
		r.source.Store(new(st))
		err := src.Start()
		r.mu.Unlock()
		if err != nil {
			r.fail(err)
			return
		}
		began := time.Now()
		err = src.Wait()
		if r.ctx.Err() != nil {
			return
		}
		// Whether this session got as far as tracks is the source's to
		// say, not the pipeline's: the pipeline may not have taken them
		// yet when a session ends early.
		up := sink.gotTracks.Load()
		if err == nil {
			err = errors.New("the camera ended the stream")
		}
		if up {
			everUp = true
		}
		if !everUp && permanent(err) {
			r.fail(err)
			return
		}
		if up && time.Since(began) >= stableSession {
			bo.Reset()
		}
		delay := bo.Next()
		st.retryAt, st.retryErr = time.Now().Add(delay), err
		st.lastErr = err // kept in Stats after the camera is back
		st.reconnects++
		r.source.Store(new(st))
		what := "camera lost: retrying"
		if !everUp {
			what = "camera unreachable: retrying"
		}
		r.log.Warn(what, "in", delay.Round(100*time.Millisecond).String(), "error", err)
		// On slate the camera is asked often whether it is back, rather
		// than left to a backoff step of up to 30 s: after a session that
		// worked, or when it could not even be reached (a camera that
		// answers and then fails is left to the backoff).
		probe := up || errors.Is(err, rtsp.ErrUnreachable)
		if !r.waitRetry(delay, probe) {
			return
		}
	}
}

// probeEvery is how often a camera is asked whether it is back while the
// destinations get the slate.
const probeEvery = 500 * time.Millisecond

// waitRetry waits delay before the next camera session, or less when probe
// is set and the camera answers a DESCRIBE while the slate is on. It
// reports false when the stream is closed meanwhile.
func (r *Relay) waitRetry(delay time.Duration, probe bool) bool {
	until := time.After(delay)
	var tick <-chan time.Time
	if probe && r.cfg.Input != TestPattern {
		t := time.NewTicker(probeEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-r.ctx.Done():
			return false
		case <-until:
			return true
		case <-tick:
			if !r.onSlate.Load() {
				continue
			}
			if _, err := rtsp.DescribeTLS(r.ctx, r.cfg.Input, 2*time.Second, r.cfg.TLSConfig); err == nil {
				r.log.Info("the camera answers again: reconnecting")
				return true
			}
		}
	}
}

// Close stops the stream and waits for everything it started. It is safe to
// call more than once and before Start.
func (r *Relay) Close() {
	r.mu.Lock()
	r.closed = true
	started := r.started
	r.mu.Unlock()
	r.cancel()
	if !started {
		return
	}
	r.closeSource()
	// Once closed is set the pipeline replaces no destination: this list
	// is the last.
	for _, d := range r.destinations() {
		d.pub.Close()
	}
	<-r.done
}

// closeSource closes the current session's source, if any.
func (r *Relay) closeSource() {
	r.mu.Lock()
	src := r.src
	r.mu.Unlock()
	if src != nil {
		src.Close()
	}
}

// Wait blocks until the stream has stopped and returns why it failed, or
// nil after Close.
func (r *Relay) Wait() error {
	r.mu.Lock()
	started := r.started
	r.mu.Unlock()
	if started {
		<-r.done
	} else {
		<-r.ctx.Done()
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.failed
}

// Done is closed once the stream has stopped, for select loops.
func (r *Relay) Done() <-chan struct{} { return r.done }

// fail records a terminal error and stops the stream.
func (r *Relay) fail(err error) {
	r.mu.Lock()
	if r.failed == nil && !r.closed {
		r.failed = err
		// Debug: callers get the error from Wait and Stats and show it
		// once, in their own words.
		r.log.Debug("stream failed", "error", err)
	}
	r.mu.Unlock()
	r.cancel()
	r.closeSource()
	for _, d := range r.destinations() {
		d.pub.Close()
	}
}

// inboxItem carries one thing from the source to the pipeline.
type inboxItem struct {
	kind    itemKind
	session uint64 // with tracks: the session they open
	tracks  media.Tracks
	video   media.VideoUnit
	audio   media.AudioUnit
}

type itemKind uint8

const (
	itemTracks itemKind = iota
	itemVideo
	itemAudio
)

// relaySink adapts the relay to media.Sink for one camera session: it
// queues without blocking, and remembers whether the session got as far as
// its tracks.
type relaySink struct {
	r         *Relay
	session   uint64
	gotTracks atomic.Bool
}

func (s *relaySink) Tracks(t media.Tracks) {
	s.gotTracks.Store(true)
	// Tracks must not be lost; the pipeline drains quickly, and Close
	// unblocks this.
	select {
	case s.r.inbox <- inboxItem{kind: itemTracks, session: s.session, tracks: t}:
	case <-s.r.ctx.Done():
	}
}

func (s *relaySink) Video(u media.VideoUnit) {
	select {
	case s.r.inbox <- inboxItem{kind: itemVideo, video: u}:
	default:
		s.r.counters.inputOverflow.Add(1)
		s.r.videoGap.Store(true)
	}
}

func (s *relaySink) Audio(u media.AudioUnit) {
	select {
	case s.r.inbox <- inboxItem{kind: itemAudio, audio: u}:
	default:
		s.r.counters.inputOverflow.Add(1)
	}
}

// destination is one RTMP(S) ingest fed by a rendition.
type destination struct {
	name   string
	url    string // with the key: never logged
	server string
	pub    *rtmp.Publisher

	rateBits, rateFPS rate
}

// runSampler turns counters into rates once a second.
func (r *Relay) runSampler() {
	defer r.wg.Done()
	t := time.NewTicker(time.Second)
	defer t.Stop()
	sample := func(now time.Time) {
		c := &r.counters
		r.rates.inFPS.sample(now, float64(c.inFrames.Load()))
		r.rates.inBitrate.sample(now, float64(c.inBytes.Load())*8)
		r.rates.outFPS.sample(now, float64(c.outFrames.Load()))
		r.rates.outBitrate.sample(now, float64(c.outBytes.Load())*8)
		r.rates.audioBitrate.sample(now, float64(c.audioOutBytes.Load())*8)
		r.rates.speedMedia.sample(now, float64(c.encodedMedia.Load()))
		r.rates.speedBusy.sample(now, float64(c.busyNanos.Load()))
		for _, d := range r.destinations() {
			s := d.pub.Stats()
			d.rateBits.sample(now, float64(s.BytesSent)*8)
			d.rateFPS.sample(now, float64(s.VideoTags))
		}
		// The uptime clock starts at the first sample that finds the
		// stream live.
		if r.liveSince.Load() == 0 && r.Stats().State == StateLive {
			r.liveSince.Store(now.UnixNano())
		}
	}
	sample(time.Now())
	for {
		select {
		case <-r.ctx.Done():
			return
		case now := <-t.C:
			sample(now)
		}
	}
}

// SetMuted makes the audio sent to destinations silence (on) or what it
// was again (off). The destinations keep their audio track, with the same
// configuration and timing: a platform sees a quiet stream, not a broken
// one. It takes effect at the next audio unit.
func (r *Relay) SetMuted(on bool) {
	if r.muted.Swap(on) != on {
		if on {
			r.log.Info("audio muted: destinations get silence")
		} else {
			r.log.Info("audio unmuted")
		}
	}
}

// Muted reports whether SetMuted(true) is in effect.
func (r *Relay) Muted() bool { return r.muted.Load() }

// AudioPeak returns the peak level of the audio sent to destinations since
// the previous call: 0 (silence, or nothing sent) to 1 (full scale). It is
// meant for one reader, a level meter that polls it a few times a second;
// the relay decodes the audio it sends only while it is polled, so the
// first call reads 0.
func (r *Relay) AudioPeak() float64 {
	r.peakRead.Store(time.Now().UnixNano())
	return math.Float64frombits(r.peak.Swap(0))
}

// meterFor is how long metering stays on after AudioPeak was read.
const meterFor = 2 * time.Second

// metered reports whether AudioPeak is being polled.
func (r *Relay) metered() bool {
	last := r.peakRead.Load()
	return last != 0 && time.Since(time.Unix(0, last)) < meterFor
}

// notePeak raises the peak kept for AudioPeak to level; pipeline only.
func (r *Relay) notePeak(level float64) {
	for {
		old := r.peak.Load()
		if math.Float64frombits(old) >= level || r.peak.CompareAndSwap(old, math.Float64bits(level)) {
			return
		}
	}
}
