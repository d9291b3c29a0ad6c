// Package rtsp reads IP cameras over RTSP and RTSPS (gortsplib v4 client).
//
// A Source is one session with one camera: it connects, picks the video
// track (H.264 or H.265) and the best audio track (AAC, MP4A-LATM, Opus or
// G.711), and hands the Sink a Tracks description followed by access units
// whose timestamps start at the first keyframe. Reconnecting is the caller's
// job: when Wait returns, start a new Source.
package rtsp

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph264"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtph265"
	"github.com/bluenviron/gortsplib/v4/pkg/headers"
	"github.com/pion/rtp"

	"github.com/relaystudio/relaystudio/media"
)

// Defaults for Source.
const (
	DefaultReadTimeout    = 10 * time.Second
	DefaultConnectTimeout = 10 * time.Second
)

const (
	// writeTimeout bounds every write to the camera (requests, RTCP
	// receiver reports, the TEARDOWN sent by Close). Writes are tiny; one
	// that blocks this long means the connection is dead, and Close must
	// stay prompt.
	writeTimeout = 1500 * time.Millisecond
	// logInterval is the least time between two log lines of one kind.
	logInterval = time.Second
)

// Transport names accepted by Source.Transport.
const (
	TransportAuto = "auto"
	TransportTCP  = "tcp"
	TransportUDP  = "udp"
)

// Source is one RTSP session with one camera. Fill the configuration
// fields, call Start, then Wait; Close ends the session early. A Source is
// used once. Close, Wait and Stats are safe for concurrent use once Start
// has returned; the configuration must not change after Start.
type Source struct {
	// URL of the stream, rtsp:// or rtsps://, with the credentials in it
	// when the camera needs them (Basic and Digest are both handled).
	URL string
	// Transport is "auto" (UDP, then TCP if nothing arrives or the camera
	// refuses UDP), "tcp" or "udp". It defaults to "auto".
	Transport string
	// Sink receives Tracks, then units. Required. It is called from the
	// RTP reader goroutines and must not block.
	Sink media.Sink
	// Logger receives connection events and rate-limited warnings. It
	// defaults to discarding.
	Logger *slog.Logger
	// ReadTimeout ends the session when no video arrives for this long
	// (and, before the first picture, when no usable keyframe arrives
	// within twice this long). It defaults to DefaultReadTimeout.
	ReadTimeout time.Duration
	// ConnectTimeout bounds dialing plus DESCRIBE, SETUP and PLAY. It
	// defaults to DefaultConnectTimeout.
	ConnectTimeout time.Duration
	// TLSConfig is used for rtsps. It defaults to the system roots.
	TLSConfig *tls.Config

	// run is set by Start. A pointer so that a Source value can be copied
	// (Probe takes one) without copying its synchronisation.
	run *sourceRun
}

// Stats are counters of one session, as a value snapshot.
type Stats struct {
	// PacketsLost counts RTP packets the camera sent that never arrived.
	PacketsLost uint64
	// DecodeErrors counts packets or access units that could not be
	// decoded (bad RTP, bad parameter sets, timestamp trouble).
	DecodeErrors uint64
	// Transport is "udp" or "tcp" once set up, "" before.
	Transport string
}

// sourceRun is the running state of a started Source.
type sourceRun struct {
	cancel context.CancelFunc
	done   chan struct{}
	err    error // written before done is closed

	packetsLost  atomic.Uint64
	decodeErrors atomic.Uint64
	transport    atomic.Pointer[string]
}

// ParseURL checks that u is a usable camera URL: scheme rtsp or rtsps, a
// host, a valid port. The error names the problem and never contains the
// password.
func ParseURL(u string) error {
	if strings.TrimSpace(u) == "" {
		return errors.New("camera URL is empty: want rtsp://host/path")
	}
	p, err := url.Parse(u)
	if err != nil {
		detail := "want rtsp://[user:password@]host[:port]/path"
		var ue *url.Error
		if errors.As(err, &ue) && !strings.Contains(ue.Err.Error(), urlPassword(u)) {
			detail = ue.Err.Error() + ": " + detail
		}
		return fmt.Errorf("camera URL is not valid: %s", detail)
	}
	red := media.RedactURL(u)
	switch strings.ToLower(p.Scheme) {
	case "rtsp", "rtsps":
	case "":
		return fmt.Errorf("camera URL %s has no scheme: want rtsp://host/path", red)
	default:
		return fmt.Errorf("camera URL %s: scheme %q is not supported: want rtsp:// or rtsps://", red, p.Scheme)
	}
	if p.Hostname() == "" {
		return fmt.Errorf("camera URL %s has no host: want rtsp://host/path", red)
	}
	if port := p.Port(); port != "" {
		if _, ok := media.ValidPort(port); !ok {
			return fmt.Errorf("camera URL %s: port %q must be a number between 1 and 65535", red, port)
		}
	}
	if _, err := base.ParseURL(u); err != nil {
		// base.ParseURL is what the client uses; it is stricter about
		// opaque parts and fragments. Its text may quote the URL: not shown.
		return fmt.Errorf("camera URL %s is not valid: remove any #fragment and check the format rtsp://host/path", red)
	}
	return nil
}

func parseTransport(t string) (*gortsplib.Transport, string, error) {
	switch strings.ToLower(strings.TrimSpace(t)) {
	case "", TransportAuto:
		return nil, TransportAuto, nil
	case TransportTCP:
		v := gortsplib.TransportTCP
		return &v, TransportTCP, nil
	case TransportUDP:
		v := gortsplib.TransportUDP
		return &v, TransportUDP, nil
	}
	return nil, "", fmt.Errorf("camera transport %q: want auto, tcp or udp", t)
}

// Start validates the configuration and starts the session in the
// background. It never blocks on the network.
func (s *Source) Start() error {
	if s.run != nil {
		return errors.New("rtsp: Source.Start called twice")
	}
	if err := ParseURL(s.URL); err != nil {
		return err
	}
	transport, transportName, err := parseTransport(s.Transport)
	if err != nil {
		return err
	}
	if s.Sink == nil {
		return errors.New("rtsp: Source.Sink is nil")
	}
	if s.ReadTimeout < 0 || s.ConnectTimeout < 0 {
		return errors.New("rtsp: negative timeout")
	}
	u, err := base.ParseURL(s.URL)
	if err != nil { // ParseURL accepted it: cannot happen, but never panic
		return fmt.Errorf("camera URL %s is not valid", media.RedactURL(s.URL))
	}

	log := s.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	run := &sourceRun{cancel: cancel, done: make(chan struct{})}
	ss := &session{
		url:            s.URL,
		u:              u,
		transport:      transport,
		transportName:  transportName,
		sink:           s.Sink,
		log:            log.With("camera", media.RedactURL(s.URL)),
		readTimeout:    cmp.Or(s.ReadTimeout, DefaultReadTimeout),
		connectTimeout: cmp.Or(s.ConnectTimeout, DefaultConnectTimeout),
		tlsConfig:      s.TLSConfig.Clone(), // gortsplib writes ServerName into it
		run:            run,
		limiter:        newLogLimiter(logInterval),
		abort:          make(chan struct{}, 1),
	}
	s.run = run
	go func() {
		defer close(run.done)
		run.err = ss.runSession(ctx)
	}()
	return nil
}

// Close ends the session and waits for it to stop. It is prompt in every
// state, including while connecting. It may be called more than once, and
// without Start.
func (s *Source) Close() {
	if s.run == nil {
		return
	}
	s.run.cancel()
	<-s.run.done
}

// Wait blocks until the session ends and returns why: nil after Close, an
// error naming the camera otherwise (see the Err* kinds). It returns nil at
// once if Start was not called.
func (s *Source) Wait() error {
	if s.run == nil {
		return nil
	}
	<-s.run.done
	return s.run.err
}

// Stats returns the session's counters.
func (s *Source) Stats() Stats {
	if s.run == nil {
		return Stats{}
	}
	st := Stats{
		PacketsLost:  s.run.packetsLost.Load(),
		DecodeErrors: s.run.decodeErrors.Load(),
	}
	if t := s.run.transport.Load(); t != nil {
		st.Transport = *t
	}
	return st
}

// sessionClock is published by the video reader once Tracks has been
// delivered: the audio reader delivers nothing before it exists.
type sessionClock struct {
	zero  time.Duration // DTS of the first keyframe, in gortsplib's time base
	audio bool          // whether Tracks announced audio
}

// videoDepacketizer is the common shape of rtph264 and rtph265 decoders.
type videoDepacketizer interface {
	Decode(pkt *rtp.Packet) ([][]byte, error)
}

// session is the state of one run of a Source.
type session struct {
	url            string
	u              *base.URL
	transport      *gortsplib.Transport
	transportName  string
	sink           media.Sink
	log            *slog.Logger
	readTimeout    time.Duration
	connectTimeout time.Duration
	tlsConfig      *tls.Config
	run            *sourceRun
	limiter        *logLimiter

	client  *gortsplib.Client
	playing atomic.Bool
	// Unix nanoseconds of the last video packet and of the last video unit
	// delivered; playAt is when PLAY succeeded.
	lastPacket atomic.Int64
	lastUnit   atomic.Int64
	playAt     atomic.Int64
	started    atomic.Bool // the first unit was delivered
	failMu     sync.Mutex
	failure    error
	stopped    atomic.Bool   // set by fail: callbacks deliver nothing more
	abort      chan struct{} // wakes the watchdog after fail from a callback

	clock atomic.Pointer[sessionClock]

	// Video reader state.
	videoMedia  *description.Media
	videoDepack videoDepacketizer
	video       *videoProcessor

	// Audio reader state (nil audio: no audio).
	audioMedia *description.Media
	audioClock int64
	audio      audioDepacketizer
	lastAudio  time.Duration
}

// fail records the first reason the session ends; later ones are ignored.
func (ss *session) fail(err error) {
	ss.failMu.Lock()
	if ss.failure == nil {
		ss.failure = err
	}
	ss.failMu.Unlock()
	ss.stopped.Store(true)
	select {
	case ss.abort <- struct{}{}:
	default:
	}
}

func (ss *session) failed() error {
	ss.failMu.Lock()
	defer ss.failMu.Unlock()
	return ss.failure
}

// warn counts a recoverable problem and logs it at most once a second per
// kind.
func (ss *session) warn(kind string, err error) {
	ss.run.decodeErrors.Add(1)
	if n, ok := ss.limiter.note(kind, 1, time.Now()); ok {
		ss.log.Warn("camera sent data that could not be decoded", "kind", kind, "count", n,
			"err", safeCause(ss.url, err))
	}
}

func (ss *session) runSession(ctx context.Context) error {
	c := &gortsplib.Client{
		Scheme:       ss.u.Scheme,
		Host:         ss.u.Host,
		ReadTimeout:  max(ss.readTimeout, ss.connectTimeout), // our watchdog enforces both, more precisely
		WriteTimeout: writeTimeout,
		TLSConfig:    ss.tlsConfig,
		Transport:    ss.transport,
		// In auto mode, give up on UDP early enough that a short
		// ReadTimeout does not fire before the switch to TCP.
		InitialUDPReadTimeout: min(3*time.Second, ss.readTimeout/2),
		// UDPReadBufferSize stays at the OS default: gortsplib fails the
		// SETUP when the OS caps the size (Linux rmem_max is often 208 KiB).
		OnRequest: ss.onRequest,
		OnResponse: func(res *base.Response) {
			ss.log.Debug("rtsp response", "status", int(res.StatusCode), "message", res.StatusMessage)
		},
		OnTransportSwitch: func(err error) {
			// The UDP attempt gave nothing; TCP starts from scratch.
			ss.markPlaying()
			tcp := TransportTCP
			ss.run.transport.Store(&tcp)
			ss.log.Info("camera transport switched to TCP", "reason", err.Error())
		},
		OnPacketsLost: func(lost uint64) {
			ss.run.packetsLost.Add(lost)
			if n, ok := ss.limiter.note("lost", lost, time.Now()); ok {
				ss.log.Warn("camera RTP packets lost", "packets", n)
			}
		},
		OnDecodeError: func(err error) { ss.warn("rtp", err) },
	}
	if err := c.Start2(); err != nil {
		return newError(ss.url, nil, err, "cannot start the RTSP client: %s", err)
	}
	ss.client = c

	connected := make(chan struct{})
	stopWatch := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		ss.watch(ctx, connected, stopWatch)
	}()
	defer func() {
		close(stopWatch)
		wg.Wait()
		c.Close()
	}()

	ss.log.Info("camera connecting", "transport", ss.transportName)
	err := ss.connect()
	if err == nil {
		ss.markPlaying()
		ss.playing.Store(true)
		close(connected)
		ss.log.Info("camera playing", "transport", ss.currentTransport())
		err = c.Wait()
	}
	// Debug: the error is returned, and whoever runs the source reports it
	// once in its own words (the relay: "camera lost: retrying in 2s").
	if f := ss.failed(); f != nil {
		ss.log.Debug("camera session ended", "err", f)
		return f
	}
	if ctx.Err() != nil {
		ss.log.Info("camera session closed")
		return nil
	}
	err = classify(ss.url, err)
	ss.log.Debug("camera session ended", "err", err)
	return err
}

// markPlaying restarts the stall clocks: PLAY succeeded, or the transport
// was switched.
func (ss *session) markPlaying() {
	now := time.Now().UnixNano()
	ss.playAt.Store(now)
	ss.lastPacket.Store(now)
	ss.lastUnit.Store(now)
}

// checkStall returns the error ending a session that stopped producing
// video: no packet for ReadTimeout; packets but no unit for ReadTimeout
// once started; or, before the first unit, no usable keyframe within twice
// ReadTimeout (long GOPs need the margin).
func (ss *session) checkStall(now time.Time) error {
	since := func(v *atomic.Int64) time.Duration { return now.Sub(time.Unix(0, v.Load())) }
	switch {
	case since(&ss.lastPacket) >= ss.readTimeout:
		return stalledError(ss.url, ss.readTimeout)
	case ss.started.Load() && since(&ss.lastUnit) >= ss.readTimeout:
		return stalledError(ss.url, ss.readTimeout)
	case !ss.started.Load() && since(&ss.playAt) >= 2*ss.readTimeout:
		e := newError(ss.url, ErrStalled, nil,
			"sent no usable picture for %s: no keyframe with its parameter sets (SPS/PPS) arrived", 2*ss.readTimeout)
		e.timeout = true
		return e
	}
	return nil
}

func (ss *session) currentTransport() string {
	if t := ss.run.transport.Load(); t != nil {
		return *t
	}
	return ""
}

// watch owns the deadlines of the session: it closes the client when the
// caller cancels, when connecting takes longer than ConnectTimeout, when no
// video arrives for ReadTimeout, or when a callback failed the session.
// Closing the client is what unblocks Describe/Setup/Play/Wait.
func (ss *session) watch(ctx context.Context, connected <-chan struct{}, stop <-chan struct{}) {
	connectTimer := time.NewTimer(ss.connectTimeout)
	defer connectTimer.Stop()
	var tick <-chan time.Time
	period := min(max(ss.readTimeout/10, 20*time.Millisecond), time.Second)
	for {
		select {
		case <-stop:
			return
		case <-ctx.Done():
			ss.client.Close()
			return
		case <-ss.abort:
			ss.client.Close()
			return
		case <-connected:
			connected = nil
			connectTimer.Stop()
			ticker := time.NewTicker(period)
			defer ticker.Stop()
			tick = ticker.C
		case <-connectTimer.C:
			if ss.playing.Load() {
				continue // connected at the same instant
			}
			ss.fail(connectTimeoutError(ss.url, ss.connectTimeout))
			ss.client.Close()
			return
		case now := <-tick:
			if err := ss.checkStall(now); err != nil {
				ss.fail(err)
				ss.client.Close()
				return
			}
		}
	}
}

// onRequest logs requests and learns the transport from SETUP: the last
// SETUP sent is the one in use (gortsplib retries with TCP after a 461).
func (ss *session) onRequest(req *base.Request) {
	ss.log.Debug("rtsp request", "method", string(req.Method))
	if req.Method != base.Setup {
		return
	}
	var th headers.Transport
	if err := th.Unmarshal(req.Header["Transport"]); err != nil {
		return
	}
	name := TransportUDP
	if th.Protocol == headers.TransportProtocolTCP {
		name = TransportTCP
	}
	ss.run.transport.Store(&name)
}

// connect runs DESCRIBE, picks the tracks, SETUPs them and PLAYs.
func (ss *session) connect() error {
	c := ss.client
	desc, _, err := c.Describe(ss.u)
	if err != nil {
		return err
	}
	sel, err := ss.selectMedias(desc)
	if err != nil {
		return err
	}
	if err := ss.prepare(sel); err != nil {
		return err
	}

	if _, err := c.Setup(desc.BaseURL, sel.videoMedia, 0, 0); err != nil {
		return err
	}
	c.OnPacketRTP(sel.videoMedia, sel.videoFormat, ss.onVideoPacket)
	if ss.audio != nil {
		if _, err := c.Setup(desc.BaseURL, sel.audioMedia, 0, 0); err != nil {
			// Video alone is still worth showing; a dead connection fails
			// PLAY below anyway.
			ss.log.Warn("camera refused the audio track; continuing without audio",
				"err", classify(ss.url, err))
			ss.audio, ss.audioMedia = nil, nil
		} else {
			c.OnPacketRTP(sel.audioMedia, sel.audioFormat, ss.onAudioPacket)
		}
	}
	_, err = c.Play(nil)
	return err
}

// selection is the pair of tracks a session uses.
type selection struct {
	videoMedia  *description.Media
	videoFormat format.Format
	audioMedia  *description.Media
	audioFormat format.Format
}

// selectMedias picks the video (H.264 preferred, then H.265) and the best
// readable audio, skipping ONVIF back channels (gortsplib ≥ 4.16.1 refuses
// to SETUP them unless asked).
func (ss *session) selectMedias(desc *description.Session) (selection, error) {
	var (
		sel          selection
		audioRankSel = -1
		otherVideo   []string
		unsupported  []string
		otherAudio   []string
	)
	for _, m := range desc.Medias {
		if m.IsBackChannel {
			continue
		}
		for _, f := range m.Formats {
			switch f := f.(type) {
			case *format.H264:
				if f.PacketizationMode >= 2 {
					unsupported = append(unsupported, fmt.Sprintf("H.264 packetization mode %d", f.PacketizationMode))
					continue
				}
				if _, isH264 := sel.videoFormat.(*format.H264); !isH264 {
					sel.videoMedia, sel.videoFormat = m, f
				}
				continue
			case *format.H265:
				if f.MaxDONDiff != 0 {
					unsupported = append(unsupported, "H.265 with interleaving (sprop-max-don-diff)")
					continue
				}
				if sel.videoFormat == nil {
					sel.videoMedia, sel.videoFormat = m, f
				}
				continue
			}
			switch m.Type {
			case description.MediaTypeVideo:
				otherVideo = append(otherVideo, f.Codec())
			case description.MediaTypeAudio:
				if r := audioRank(f); r >= 0 {
					if audioRankSel < 0 || r < audioRankSel {
						audioRankSel = r
						sel.audioMedia, sel.audioFormat = m, f
					}
				} else {
					otherAudio = append(otherAudio, f.Codec())
				}
			}
		}
	}
	if sel.videoFormat == nil {
		switch {
		case len(unsupported) > 0:
			return sel, newError(ss.url, ErrUnsupported, nil, "%s is not supported: set the camera to H.264 mode 1",
				unsupported[0])
		case len(otherVideo) > 0:
			return sel, newError(ss.url, ErrUnsupported, nil, "video codec %s is not supported: set the camera to H.264",
				otherVideo[0])
		}
		return sel, newError(ss.url, ErrNoVideo, nil, "the stream has no H.264 or H.265 video track")
	}
	if sel.audioFormat == nil && len(otherAudio) > 0 {
		ss.log.Warn("camera audio codec not supported; continuing without audio",
			"codec", strings.Join(otherAudio, ","))
	}
	return sel, nil
}

// prepare builds the depacketizers and processors for the selection.
func (ss *session) prepare(sel selection) error {
	onWarning := ss.warn
	switch f := sel.videoFormat.(type) {
	case *format.H264:
		dec, err := f.CreateDecoder()
		if err != nil {
			return newError(ss.url, ErrUnsupported, err, "H.264 stream not supported: %s", err)
		}
		ss.videoDepack = dec
		sps, pps := f.SafeParams()
		ss.video = newVideoProcessor(h264Syntax{}, f.ClockRate(), nil, sps, pps, onWarning)
	case *format.H265:
		dec, err := f.CreateDecoder()
		if err != nil {
			return newError(ss.url, ErrUnsupported, err, "H.265 stream not supported: %s", err)
		}
		ss.videoDepack = dec
		vps, sps, pps := f.SafeParams()
		ss.video = newVideoProcessor(h265Syntax{}, f.ClockRate(), vps, sps, pps, onWarning)
	}
	ss.videoMedia = sel.videoMedia

	if sel.audioFormat != nil {
		dec, err := newAudioDepacketizer(sel.audioFormat)
		if err != nil {
			ss.log.Warn("camera audio cannot be read; continuing without audio", "err", err)
			return nil
		}
		ss.audio, ss.audioMedia = dec, sel.audioMedia
		ss.audioClock = int64(sel.audioFormat.ClockRate())
		if ss.audioClock <= 0 {
			ss.log.Warn("camera audio has no clock rate; continuing without audio")
			ss.audio, ss.audioMedia = nil, nil
		}
	}
	return nil
}

// recoverPacket ends the session instead of the process when reading a
// packet panics: a malformed packet that trips a bug in a depacketizer or a
// bitstream parser. The relay reconnects, which resets every parser.
func (ss *session) recoverPacket(track string) {
	if v := recover(); v != nil {
		ss.fail(newError(ss.url, ErrMalformed, fmt.Errorf("%v", v), "camera sent a %s packet that could not be read; reconnecting", track))
	}
}

// onVideoPacket runs on the RTP reader goroutine: depacketize, process,
// deliver. Nothing here blocks beyond the Sink call.
func (ss *session) onVideoPacket(pkt *rtp.Packet) {
	defer ss.recoverPacket("video")
	ss.lastPacket.Store(time.Now().UnixNano())
	if ss.stopped.Load() {
		return
	}
	// PTS of the packet completing the AU. A camera that omits the marker
	// bit makes the H.264 decoder split on the next timestamp, shifting
	// every PTS by one frame: harmless, and such cameras are rare.
	pts, ptsOK := ss.client.PacketPTS2(ss.videoMedia, pkt)
	au, err := ss.videoDepack.Decode(pkt)
	if err != nil {
		if !errors.Is(err, rtph264.ErrMorePacketsNeeded) && !errors.Is(err, rtph264.ErrNonStartingPacketAndNoPrevious) &&
			!errors.Is(err, rtph265.ErrMorePacketsNeeded) && !errors.Is(err, rtph265.ErrNonStartingPacketAndNoPrevious) {
			ss.warn("video", err)
		}
		return
	}
	if !ptsOK {
		return // before the first random access point: no time base yet
	}
	u, first, ok, err := ss.video.push(au, pts)
	if err != nil {
		var fc *formatChange
		if errors.As(err, &fc) {
			ss.fail(newError(ss.url, ErrFormatChanged, nil, "%s; reconnect to continue", fc))
		}
		return
	}
	if !ok {
		return
	}
	if first {
		tracks := media.Tracks{Video: ss.video.track()}
		if ss.audio != nil {
			if at := ss.audio.track(); at != nil {
				cp := *at
				cp.Config = append([]byte(nil), at.Config...)
				tracks.Audio = &cp
			} else {
				ss.log.Warn("camera audio configuration not received yet; no audio this session")
			}
		}
		ss.sink.Tracks(tracks)
		ss.clock.Store(&sessionClock{zero: ss.video.zero, audio: tracks.Audio != nil})
		attrs := []any{"codec", tracks.Video.Codec.String(), "size", fmt.Sprintf("%dx%d", tracks.Video.Width, tracks.Video.Height)}
		if tracks.Audio != nil {
			attrs = append(attrs, "audio", tracks.Audio.Codec.String(), "rate", tracks.Audio.SampleRate,
				"channels", tracks.Audio.Channels)
		}
		ss.log.Info("camera video started", attrs...)
		ss.started.Store(true)
	}
	ss.lastUnit.Store(time.Now().UnixNano())
	ss.sink.Video(u)
}

// onAudioPacket runs on the RTP reader goroutine of the audio track.
func (ss *session) onAudioPacket(pkt *rtp.Packet) {
	defer ss.recoverPacket("audio")
	if ss.stopped.Load() {
		return
	}
	pts, ptsOK := ss.client.PacketPTS2(ss.audioMedia, pkt)
	aus, err := ss.audio.decode(pkt, pts) // always, to keep fragment and LATM state
	if err != nil {
		ss.warn("audio", err)
		return
	}
	clk := ss.clock.Load()
	if !ptsOK || clk == nil || !clk.audio {
		return // before the first video keyframe: the Sink has no Tracks yet
	}
	for _, au := range aus {
		t := ticksToDuration(au.pts, ss.audioClock) - clk.zero
		if t < 0 {
			continue // sampled before the first keyframe
		}
		if t < ss.lastAudio { // monotonic whatever the camera does
			t = ss.lastAudio
		}
		ss.lastAudio = t
		ss.sink.Audio(media.AudioUnit{PTS: t, Data: au.data})
	}
}
