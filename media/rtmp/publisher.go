// Package rtmp publishes H.264 and AAC to RTMP and RTMPS ingest servers
// (YouTube, Twitch, Facebook, nginx-rtmp, ...).
//
// It has two parts: pure functions that build FLV tag bodies (flv.go), and
// the Publisher, which owns one destination: a bounded queue filled by
// callers that never block, one goroutine that owns the connection and does
// every write, reconnection with backoff, and a state with a reason for
// people ("retrying in 4s: connection refused").
//
// The RTMP protocol work (handshake, chunking, message encoding) is done by
// github.com/yutopp/go-rtmp's exported building blocks; the client flow on
// top of them lives in conn.go, which explains why go-rtmp's own ClientConn
// is not used.
package rtmp

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// Defaults of the Publisher's configuration fields.
const (
	defaultQueueSize        = 1024
	defaultDialTimeout      = 10 * time.Second
	defaultHandshakeTimeout = 10 * time.Second
	defaultWriteTimeout     = 10 * time.Second
)

const (
	// refusedWindow: a connection that closes this soon after an
	// unconfirmed publish was, in all likelihood, a refused key (servers
	// such as YouTube just hang up).
	refusedWindow = 2 * time.Second
	// stableAfter: a connection that stayed live this long resets the
	// backoff, so a short outage after hours of streaming retries quickly.
	stableAfter = 30 * time.Second
	// dropLogEvery limits "dropping" log lines to one per interval.
	dropLogEvery = 5 * time.Second
)

// State is where a publisher stands, for people and for the UI: the
// engine's states (media.State), named here for this package's readers.
type State = media.State

// Publisher states.
const (
	StateIdle       = media.StateIdle       // not started
	StateConnecting = media.StateConnecting // dialing, handshaking, publishing
	StateLive       = media.StateLive       // accepted by the server; media flows once headers and a keyframe arrive
	StateRetrying   = media.StateRetrying   // the connection failed; waiting to reconnect (Reason says why and when)
	StateRefused    = media.StateRefused    // the key, the app or the certificate was refused; final unless Retry
	StateStopped    = media.StateStopped    // closed by Close
	StateFailed     = media.StateFailed     // the connection failed and Retry is off; final
)

// Stats is a snapshot of a publisher, cheap enough to poll every second.
type Stats struct {
	State  State
	Reason string    // why, for people: "retrying in 4s: connection refused"; empty when live
	Since  time.Time // when State was entered

	BytesSent  uint64 // bytes written to the socket, all connections
	VideoTags  uint64 // video frames sent (sequence headers not counted)
	AudioTags  uint64 // audio frames sent
	Reconnects uint64 // connection attempts after the first

	// DroppedQueueFull counts frames dropped because the destination did
	// not keep up and the queue was full.
	DroppedQueueFull uint64
	// DroppedWaitingKey counts frames lost while connected: video and
	// audio skipped until the next keyframe after a queue-full drop.
	DroppedWaitingKey uint64
	// SkippedStarting counts frames skipped while a new connection (or a
	// new encoder, after SetHeaders) waited for its first keyframe or its
	// headers. Nothing is lost to viewers: the stream had not started on
	// that connection yet.
	SkippedStarting uint64
	// NotConnected counts frames offered while there was no connection to
	// send them on (connecting, or waiting to retry).
	NotConnected uint64

	LastError string // the last failure, for people; kept after recovery
}

// Headers is what a destination needs before any media, and again after
// every reconnect.
type Headers struct {
	Metadata Metadata
	// Video is the AVC sequence header tag body (AVCSequenceHeader).
	Video []byte
	// Audio is the AAC sequence header tag body (AACSequenceHeader), nil
	// when the stream has no audio; WriteAudio is then ignored.
	Audio []byte
}

// Publisher pushes one stream to one RTMP(S) destination.
//
// Set the fields, call Start, feed SetHeaders and WriteVideo/WriteAudio
// from any goroutines, and Close when done. Fields must not change after
// Start. The Publisher connects at once, before headers exist, so the
// user sees "connecting"/"live" immediately; media is held back (counted
// in DroppedWaitingKey) until SetHeaders has been called.
//
// On every (re)connect the server receives, in order: @setDataFrame
// onMetaData, the AVC sequence header, the AAC sequence header, then media
// starting with a video keyframe; audio waits for that keyframe.
// Timestamps are rebased per connection so that keyframe is at 0 ms, and
// never go backwards on any chunk stream.
type Publisher struct {
	// URL is rtmp://host[:port]/app[/more]/KEY or rtmps://...; the port
	// defaults to 1935 for rtmp and 443 for rtmps.
	URL string
	// Logger receives state changes and failures, never the stream key.
	// Nil discards.
	Logger *slog.Logger
	// QueueSize is how many frames may wait for the network. It defaults
	// to 1024.
	QueueSize int
	// DialTimeout bounds the TCP connect plus, for rtmps, the TLS
	// handshake. It defaults to 10 s.
	DialTimeout time.Duration
	// HandshakeTimeout bounds the RTMP handshake, connect, createStream
	// and publish, including the wait for the server's verdict. It
	// defaults to 10 s.
	HandshakeTimeout time.Duration
	// WriteTimeout ends a connection whose writes make no progress for
	// this long (a stalled server or network). It defaults to 10 s.
	WriteTimeout time.Duration
	// TLSConfig is used for rtmps. Nil means the system roots (which
	// honour SSL_CERT_FILE and SSL_CERT_DIR); ServerName defaults to the
	// URL's host. Certificate verification cannot be turned off: Start
	// rejects InsecureSkipVerify.
	TLSConfig *tls.Config
	// Retry reconnects forever after any failure: backoff from 1 s doubling
	// to 30 s with ±20 % jitter, and at least 10 s (up to 60 s) after a
	// refusal. Without it, the first failure ends the publisher and Wait
	// returns it.
	Retry bool

	// retryScale shrinks reconnect delays in this package's tests, which
	// cannot wait 10 s per refusal; 0 means 1.
	retryScale float64

	// Set by Start, read-only afterwards.
	target Target
	retry  bool
	cfg    connConfig
	log    *slog.Logger
	queue  chan tag
	ctx    context.Context
	cancel context.CancelFunc
	done   chan struct{}
	err    error // the run's result; written before done is closed

	bytesSent atomic.Uint64
	videoTags atomic.Uint64
	audioTags atomic.Uint64

	mu            sync.Mutex
	started       bool
	closed        bool // Close was called
	finished      bool // the owner goroutine returned
	accepting     bool // a connection is ready for media
	videoNeedsKey bool // drop video until a keyframe
	audioNeedsKey bool // drop audio until a keyframe has been queued
	afterDrop     bool // the wait for a keyframe follows a drop (not a start)
	headers       Headers
	headersGen    uint64    // bumped by SetHeaders; 0 = never set
	retryAt       time.Time // while waiting to reconnect: when the next attempt is
	retryWhy      string    // and why the last one failed
	stats         Stats     // State, Reason, Since, LastError, Reconnects, drops
	lastDropLog   time.Time
}

// tag is one queued frame. gen is the headers generation it belongs to.
type tag struct {
	video bool
	key   bool
	ts    time.Duration
	body  []byte
	gen   uint64
}

// Start validates the configuration and starts the goroutine that owns the
// connection. It never waits for the network: connection problems show up
// in Stats and, without Retry, in Wait.
func (p *Publisher) Start() error {
	t, err := ParseURL(p.URL)
	if err != nil {
		return err
	}
	if p.TLSConfig != nil && p.TLSConfig.InsecureSkipVerify {
		return fmt.Errorf("destination %s: TLS certificate verification cannot be turned off", t.Server())
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	switch {
	case p.started:
		return fmt.Errorf("destination %s: already started", t.Server())
	case p.closed:
		return fmt.Errorf("destination %s: already closed", t.Server())
	}

	log := p.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	p.log = log.With("destination", t.Server())
	p.target = t
	p.retry = p.Retry
	p.cfg = connConfig{
		target:           t,
		log:              p.log,
		dialTimeout:      cmp.Or(p.DialTimeout, defaultDialTimeout),
		handshakeTimeout: cmp.Or(p.HandshakeTimeout, defaultHandshakeTimeout),
		writeTimeout:     cmp.Or(p.WriteTimeout, defaultWriteTimeout),
		bytesSent:        &p.bytesSent,
	}
	if t.Scheme == "rtmps" {
		c := &tls.Config{}
		if p.TLSConfig != nil {
			c = p.TLSConfig.Clone()
		}
		if c.ServerName == "" {
			c.ServerName = t.Host
		}
		p.cfg.tlsConfig = c
	}
	size := p.QueueSize
	if size <= 0 {
		size = defaultQueueSize
	}
	p.queue = make(chan tag, size)
	p.ctx, p.cancel = context.WithCancel(context.Background())
	p.done = make(chan struct{})
	p.started = true
	p.stats.State, p.stats.Since = StateConnecting, time.Now()

	go p.run()
	return nil
}

// SetHeaders sets the metadata and sequence headers. They are sent after
// every (re)connect before any media, and when SetHeaders is called again
// (the encoder was reopened) they are resent on the live connection before
// the next frame; frames queued before the call are then dropped, and video
// resumes at the next keyframe. The slices are kept and only read.
func (p *Publisher) SetHeaders(h Headers) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.headers = h
	p.headersGen++
	p.videoNeedsKey, p.audioNeedsKey, p.afterDrop = true, true, false
}

// WriteVideo queues one video frame: an FLV video tag body (VideoTagBody)
// with its decoding time. It never blocks: when the queue is full the frame
// is dropped and video resumes at the next keyframe. body is only read, so
// one slice may be given to many publishers.
func (p *Publisher) WriteVideo(dts time.Duration, key bool, body []byte) {
	p.mu.Lock()
	if !p.acceptingLocked() {
		p.mu.Unlock()
		return
	}
	if p.videoNeedsKey && !key {
		p.skippedLocked()
		p.mu.Unlock()
		return
	}
	var logDrop bool
	select {
	case p.queue <- tag{video: true, key: key, ts: dts, body: body, gen: p.headersGen}:
		if key {
			p.videoNeedsKey, p.audioNeedsKey = false, false
		}
	default:
		p.videoNeedsKey, p.afterDrop = true, true
		logDrop = p.droppedLocked()
	}
	dropped := p.stats.DroppedQueueFull
	p.mu.Unlock()
	if logDrop {
		p.log.Warn("destination too slow: dropping frames", "dropped", dropped)
	}
}

// WriteAudio queues one audio frame: an FLV audio tag body (AudioTagBody)
// with its presentation time. It never blocks; frames are dropped when the
// queue is full, and until the connection's first video keyframe.
func (p *Publisher) WriteAudio(pts time.Duration, body []byte) {
	p.mu.Lock()
	if !p.acceptingLocked() || p.headers.Audio == nil {
		p.mu.Unlock()
		return
	}
	if p.audioNeedsKey {
		p.skippedLocked()
		p.mu.Unlock()
		return
	}
	var logDrop bool
	select {
	case p.queue <- tag{ts: pts, body: body, gen: p.headersGen}:
	default:
		logDrop = p.droppedLocked()
	}
	dropped := p.stats.DroppedQueueFull
	p.mu.Unlock()
	if logDrop {
		p.log.Warn("destination too slow: dropping frames", "dropped", dropped)
	}
}

// acceptingLocked reports whether a frame may be queued, counting it as
// waiting when the publisher runs but cannot take it yet.
func (p *Publisher) acceptingLocked() bool {
	if !p.started || p.closed || p.finished {
		return false
	}
	if !p.accepting {
		p.stats.NotConnected++
		return false
	}
	if p.headersGen == 0 {
		p.stats.SkippedStarting++
		return false
	}
	return true
}

// skippedLocked counts a frame skipped while waiting for a keyframe: a
// drop when the wait follows one, the start of the connection otherwise.
func (p *Publisher) skippedLocked() {
	if p.afterDrop {
		p.stats.DroppedWaitingKey++
	} else {
		p.stats.SkippedStarting++
	}
}

// droppedLocked counts a queue-full drop and says whether to log it (at
// most once per dropLogEvery; the log call happens after p.mu is released).
func (p *Publisher) droppedLocked() bool {
	p.stats.DroppedQueueFull++
	if now := time.Now(); now.Sub(p.lastDropLog) >= dropLogEvery {
		p.lastDropLog = now
		return true
	}
	return false
}

// Stats returns a snapshot.
func (p *Publisher) Stats() Stats {
	p.mu.Lock()
	s := p.stats
	if !p.retryAt.IsZero() && (s.State == StateRetrying || s.State == StateRefused) {
		left := max(time.Until(p.retryAt), 0)
		s.Reason = retryReason(left, math.Ceil, p.retryWhy)
	}
	p.mu.Unlock()
	if s.State == "" {
		s.State = StateIdle
	}
	s.BytesSent = p.bytesSent.Load()
	s.VideoTags = p.videoTags.Load()
	s.AudioTags = p.audioTags.Load()
	return s
}

// Close stops the publisher and waits for its goroutine; it is prompt in
// every state, mid-dial and mid-handshake included. Safe to call more than
// once and before Start.
func (p *Publisher) Close() {
	p.mu.Lock()
	p.closed = true
	p.accepting = false
	started := p.started
	if !started && p.stats.State == "" {
		p.stats.State, p.stats.Since = StateStopped, time.Now()
	}
	p.mu.Unlock()
	if started {
		p.cancel()
		<-p.done
	}
}

// Wait blocks until the publisher ends and returns why: nil after Close,
// the failure when Retry is off (errors.Is(err, ErrRefused) for a refused
// key, app or certificate). It returns nil at once if Start was not called.
func (p *Publisher) Wait() error {
	p.mu.Lock()
	started, done := p.started, p.done
	p.mu.Unlock()
	if !started {
		return nil
	}
	<-done
	return p.err
}

// run is the owner goroutine: connect, pump, back off, repeat.
func (p *Publisher) run() {
	defer close(p.done)
	p.err = p.loop()
	p.mu.Lock()
	p.finished = true
	p.mu.Unlock()
	p.drainQueue()
}

func (p *Publisher) loop() error {
	normal := media.Backoff{Min: time.Second, Max: 30 * time.Second}
	refused := media.Backoff{Min: 10 * time.Second, Max: 60 * time.Second, Floor: 10 * time.Second}
	for attempt := 0; ; attempt++ {
		if attempt > 0 {
			p.mu.Lock()
			p.stats.Reconnects++
			p.mu.Unlock()
			p.setState(StateConnecting, "")
		}
		liveFor, err := p.session()
		if p.ctx.Err() != nil {
			p.setState(StateStopped, "")
			return nil
		}
		reason := describe(err)
		isRefusal := errors.Is(err, ErrRefused)
		p.mu.Lock()
		p.stats.LastError = reason
		p.mu.Unlock()
		p.log.Warn("destination failed", "reason", reason, "err", err)
		if liveFor >= stableAfter {
			normal.Reset()
			refused.Reset()
		}

		if !p.retry {
			if isRefusal {
				p.setState(StateRefused, reason)
				return err
			}
			p.setState(StateFailed, reason)
			return fmt.Errorf("destination %s: %w", p.target.Server(), &failure{msg: reason, err: err})
		}
		var (
			state State
			delay time.Duration
		)
		if isRefusal {
			state, delay = StateRefused, refused.Next()
		} else {
			state, delay = StateRetrying, normal.Next()
		}
		shown := retryReason(delay, math.Round, reason)
		if p.retryScale > 0 {
			delay = time.Duration(float64(delay) * p.retryScale)
		}
		// The state and the moment of the next attempt change together, so
		// that Stats counts down from the first read after the change.
		p.setRetry(state, shown, reason, time.Now().Add(delay))
		timer := time.NewTimer(delay)
		select {
		case <-p.ctx.Done():
			timer.Stop()
			p.setState(StateStopped, "")
			return nil
		case <-timer.C:
		}
	}
}

// retryReason is the state's reason while waiting to reconnect, the wait
// rounded to whole seconds: "retrying in 4s: connection refused".
func retryReason(wait time.Duration, round func(float64) float64, why string) string {
	return fmt.Sprintf("retrying in %ds: %s", int(round(wait.Seconds())), why)
}

// failure carries a message for people and the error underneath.
type failure struct {
	msg string
	err error
}

func (f *failure) Error() string { return f.msg }
func (f *failure) Unwrap() error { return f.err }

// session runs one connection from dial to failure and says how long it
// was live.
func (p *Publisher) session() (time.Duration, error) {
	c, err := dial(p.ctx, p.cfg)
	if err != nil {
		return 0, err
	}
	defer c.close()
	liveAt := time.Now()
	reason := ""
	if !c.confirmed {
		reason = "the server did not confirm the publish; assuming accepted"
	}
	p.openGate() // before announcing live: a caller that sees "live" may write at once
	defer p.closeGate()
	p.setState(StateLive, reason)

	err = p.pump(c)
	if p.ctx.Err() == nil && !c.confirmed && !errors.Is(err, ErrRefused) && !errors.Is(err, errWriteStalled) &&
		time.Since(c.publishedAt) < refusedWindow {
		err = c.keyRefused("", err)
	}
	return time.Since(liveAt), err
}

// openGate starts taking media for a new connection: frames left from the
// previous one are discarded, video waits for a keyframe and audio for that
// keyframe.
func (p *Publisher) openGate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drainQueueLocked()
	p.accepting = !p.closed
	p.videoNeedsKey, p.audioNeedsKey, p.afterDrop = true, true, false
}

func (p *Publisher) closeGate() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.accepting = false
	p.drainQueueLocked()
}

func (p *Publisher) drainQueue() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.drainQueueLocked()
}

func (p *Publisher) drainQueueLocked() {
	for {
		select {
		case <-p.queue:
		default:
			return
		}
	}
}

func (p *Publisher) currentHeaders() (Headers, uint64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.headers, p.headersGen
}

// pump moves frames from the queue to the connection until it fails or the
// publisher is closed. It also serves the server's pings and statuses.
func (p *Publisher) pump(c *conn) error {
	var (
		clk     clock
		sentGen uint64 // headers generation sent on this connection
	)
	for {
		select {
		case <-p.ctx.Done():
			return p.ctx.Err()
		case <-c.readDone:
			return c.failed()
		case ev := <-c.events:
			if err := c.handle(ev); err != nil {
				return err
			}
		case t := <-p.queue:
			if t.gen != sentGen {
				h, gen := p.currentHeaders()
				if t.gen != gen {
					// Queued before SetHeaders was called again: it belongs
					// to the previous encoder.
					p.mu.Lock()
					p.stats.DroppedWaitingKey++
					p.mu.Unlock()
					continue
				}
				if err := writeHeaders(c, &clk, h); err != nil {
					return err
				}
				sentGen = gen
			}
			if t.video {
				if err := c.writeVideo(clk.at(trackVideo, t.ts), t.body); err != nil {
					return err
				}
				p.videoTags.Add(1)
			} else {
				if err := c.writeAudio(clk.at(trackAudio, t.ts), t.body); err != nil {
					return err
				}
				p.audioTags.Add(1)
			}
		}
	}
}

// writeHeaders sends metadata and sequence headers, each at the last
// timestamp of its chunk stream so that none goes backwards.
func writeHeaders(c *conn, clk *clock, h Headers) error {
	dataTS := max(clk.last[trackData], clk.last[trackVideo])
	clk.last[trackData] = dataTS
	if err := c.writeMetadata(dataTS, h.Metadata); err != nil {
		return err
	}
	if h.Video != nil {
		if err := c.writeVideo(clk.last[trackVideo], h.Video); err != nil {
			return err
		}
	}
	if h.Audio != nil {
		if err := c.writeAudio(clk.last[trackAudio], h.Audio); err != nil {
			return err
		}
	}
	return nil
}

const (
	trackVideo = iota
	trackAudio
	trackData
)

// clock turns frame times into per-connection RTMP timestamps: the first
// frame (always a video keyframe) is 0 ms, and no chunk stream ever goes
// backwards (a backwards timestamp makes go-rtmp emit an absolute header,
// which it encodes wrongly past 4.66 h; LIBRARIES.md §1.4).
type clock struct {
	base    time.Duration
	started bool
	last    [3]uint32
}

func (k *clock) at(track int, d time.Duration) uint32 {
	if !k.started {
		k.base, k.started = d, true
	}
	ms := max((d-k.base)/time.Millisecond, 0)
	v := max(uint32(ms), k.last[track]) // wraps after 49.7 days, as RTMP does
	k.last[track] = v
	return v
}

// setState records a state change and logs it.
func (p *Publisher) setState(s State, reason string) { p.setRetry(s, reason, "", time.Time{}) }

// setRetry is setState for a wait until the next attempt at retryAt (zero
// for none), why being the failure the countdown in Stats names.
func (p *Publisher) setRetry(s State, reason, why string, retryAt time.Time) {
	p.mu.Lock()
	changed := p.stats.State != s || p.stats.Reason != reason
	if p.stats.State != s {
		p.stats.Since = time.Now()
	}
	p.stats.State, p.stats.Reason = s, reason
	p.retryAt, p.retryWhy = retryAt, why
	p.mu.Unlock()
	if !changed {
		return
	}
	if reason == "" {
		p.log.Info("destination " + string(s))
	} else {
		p.log.Info("destination "+string(s), "reason", reason)
	}
}
