// Package fakecam runs fake IP cameras for tests: a gortsplib RTSP server on
// a loopback ephemeral port that plays a clip of coded units in a loop, in
// real time, with RTP timestamps that keep increasing across loops like a
// live camera's.
//
// It is a test helper under internal/testpeer/ (plain .go files so that tests
// and benchmarks of other packages can import it); nothing in the product
// uses it, and `make lint` fails if a product package imports it.
package fakecam

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/auth"
	"github.com/bluenviron/gortsplib/v4/pkg/base"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"

	"github.com/relaystudio/relaystudio/media"
)

// DefaultPath is the stream path when Camera.Path is empty.
const DefaultPath = "/stream"

// Camera is a fake RTSP camera. Fill the fields, Start, use URL, Close.
type Camera struct {
	// Tracks describes the clip. Video is required (H.264 or H.265); Audio
	// is optional (AAC, Opus, G.711 µ-law or A-law).
	Tracks media.Tracks
	// Video is the clip's video in decoding order, starting with a
	// keyframe. PTS/DTS start near 0.
	Video []media.VideoUnit
	// Audio is the clip's audio; units past the end of the video are not
	// played.
	Audio []media.AudioUnit
	// Path is the stream path. It defaults to DefaultPath.
	Path string
	// Addr is the TCP address to listen on. It defaults to 127.0.0.1:0, a
	// free loopback port. Set it to bring a camera up on a port a client
	// already knows, like a camera that is switched on after the relay.
	Addr string
	// User and Pass, when User is set, are required (Basic or Digest);
	// other requests get 401.
	User, Pass string
	// Auth is the one authentication scheme offered: "basic" or "digest".
	// Empty offers both, as most cameras do.
	Auth string
	// ParamsInSDP puts the parameter sets in the SDP (sprop-parameter-sets).
	// When false they are only in-band: the camera puts them in front of
	// every keyframe that lacks them.
	ParamsInSDP bool
	// StartMidGOP makes the first packets sent belong to a non-key frame
	// in the middle of the first GOP.
	StartMidGOP bool
	// AACLATM sends AAC as MP4A-LATM (RFC 6416, config in the SDP) instead
	// of mpeg4-generic (RFC 3640).
	AACLATM bool
	// AUsPerPacket is how many AAC access units go in one mpeg4-generic RTP
	// packet. It defaults to 1.
	AUsPerPacket int
	// UDP also offers UDP transport (loopback, ephemeral ports). The
	// default is TCP only: a UDP SETUP gets 461 and clients switch to TCP.
	UDP bool
	// TLSConfig, when set, makes the camera speak RTSPS (URL gives
	// rtsps://).
	TLSConfig *tls.Config
	// Logger receives the server's events. It defaults to discarding.
	Logger *slog.Logger
	// OnVideoSent, when set, is called on the sending goroutine right after
	// the last RTP packet of a video unit was written, with the unit's clip
	// time (PTS, growing across loops): latency measurements start there.
	OnVideoSent func(pts time.Duration, key bool, at time.Time)

	mu       sync.Mutex
	addr     string // 127.0.0.1:port once started; kept by Restart
	server   *gortsplib.Server
	stream   *gortsplib.ServerStream
	cancel   context.CancelFunc
	wg       sync.WaitGroup
	paused   atomic.Bool
	sessions atomic.Int64
}

// Start validates the clip and starts serving it.
func (c *Camera) Start() error {
	if err := c.validate(); err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server != nil {
		return errors.New("fakecam: already started")
	}
	addr := c.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	return c.startLocked(addr)
}

func (c *Camera) validate() error {
	v := c.Tracks.Video
	if v == nil || (v.Codec != media.CodecH264 && v.Codec != media.CodecH265) {
		return errors.New("fakecam: Tracks.Video must be H.264 or H.265")
	}
	if len(c.Video) == 0 || !c.Video[0].Key {
		return errors.New("fakecam: the clip must start with a keyframe")
	}
	if len(v.SPS) == 0 || len(v.PPS) == 0 || (v.Codec == media.CodecH265 && len(v.VPS) == 0) {
		return errors.New("fakecam: Tracks.Video needs its parameter sets")
	}
	if a := c.Tracks.Audio; a != nil {
		switch a.Codec {
		case media.CodecAAC:
			if len(a.Config) == 0 {
				return errors.New("fakecam: AAC needs Tracks.Audio.Config")
			}
		case media.CodecOpus, media.CodecPCMU, media.CodecPCMA:
		default:
			return fmt.Errorf("fakecam: audio codec %s not supported", a.Codec)
		}
		if a.SampleRate <= 0 || a.Channels <= 0 {
			return errors.New("fakecam: Tracks.Audio needs SampleRate and Channels")
		}
	}
	return nil
}

func (c *Camera) startLocked(addr string) error {
	log := c.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	desc, err := c.description()
	if err != nil {
		return err
	}
	h := &handler{cam: c, log: log}
	var bound net.Addr
	var methods []auth.VerifyMethod
	switch c.Auth {
	case "":
	case "basic":
		methods = []auth.VerifyMethod{auth.VerifyMethodBasic}
	case "digest":
		methods = []auth.VerifyMethod{auth.VerifyMethodDigestMD5}
	default:
		return fmt.Errorf("fakecam: Auth %q: want basic, digest or empty", c.Auth)
	}
	s := &gortsplib.Server{
		Handler:     h,
		RTSPAddress: addr,
		TLSConfig:   c.TLSConfig,
		AuthMethods: methods,
		// gortsplib has no accessor for the bound address: capture it.
		Listen: func(network, address string) (net.Listener, error) {
			l, err := net.Listen(network, address)
			if err == nil {
				bound = l.Addr()
			}
			return l, err
		},
	}
	if c.UDP {
		// The server checks that the configured ports are even and
		// consecutive; it announces the ports actually bound, so both
		// sockets can be ephemeral.
		s.UDPRTPAddress, s.UDPRTCPAddress = "127.0.0.1:0", "127.0.0.1:1"
		s.ListenPacket = func(network, _ string) (net.PacketConn, error) {
			return net.ListenPacket(network, "127.0.0.1:0")
		}
	}
	if err := s.Start(); err != nil {
		return fmt.Errorf("fakecam: %w", err)
	}
	stream := &gortsplib.ServerStream{Server: s, Desc: desc}
	if err := stream.Initialize(); err != nil {
		s.Close()
		return fmt.Errorf("fakecam: %w", err)
	}
	h.stream = stream

	p, err := newPlayer(c, stream, desc)
	if err != nil {
		stream.Close()
		s.Close()
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	c.server, c.stream, c.cancel = s, stream, cancel
	c.addr = bound.String()
	c.wg.Add(1)
	go func() {
		defer c.wg.Done()
		p.run(ctx)
	}()
	return nil
}

// description builds the SDP the camera announces.
func (c *Camera) description() (*description.Session, error) {
	v := c.Tracks.Video
	var vf format.Format
	switch v.Codec {
	case media.CodecH264:
		f := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
		if c.ParamsInSDP {
			f.SPS, f.PPS = v.SPS, v.PPS
		}
		vf = f
	case media.CodecH265:
		f := &format.H265{PayloadTyp: 96}
		if c.ParamsInSDP {
			f.VPS, f.SPS, f.PPS = v.VPS, v.SPS, v.PPS
		}
		vf = f
	}
	desc := &description.Session{Medias: []*description.Media{{
		Type: description.MediaTypeVideo, Formats: []format.Format{vf},
	}}}
	if a := c.Tracks.Audio; a != nil {
		af, err := audioFormat(a, c.AACLATM)
		if err != nil {
			return nil, err
		}
		desc.Medias = append(desc.Medias, &description.Media{
			Type: description.MediaTypeAudio, Formats: []format.Format{af},
		})
	}
	return desc, nil
}

// URL returns rtsp://[user:pass@]127.0.0.1:PORT/path (rtsps:// with
// TLSConfig). Valid after Start.
func (c *Camera) URL() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	u := url.URL{Scheme: "rtsp", Host: c.addr, Path: c.path()}
	if c.TLSConfig != nil {
		u.Scheme = "rtsps"
	}
	if c.User != "" {
		u.User = url.UserPassword(c.User, c.Pass)
	}
	return u.String()
}

// Port returns the TCP port the camera listens on. Valid after Start.
func (c *Camera) Port() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	_, p, _ := net.SplitHostPort(c.addr)
	n, _ := strconv.Atoi(p)
	return n
}

func (c *Camera) path() string {
	if c.Path == "" {
		return DefaultPath
	}
	return c.Path
}

// Sessions returns how many PLAY requests the camera has accepted.
func (c *Camera) Sessions() int { return int(c.sessions.Load()) }

// Pause stops sending media without closing anything, like a camera whose
// encoder hangs. The clip keeps advancing in the background, so after
// Resume the timestamps reflect the time spent paused.
func (c *Camera) Pause() { c.paused.Store(true) }

// Resume undoes Pause.
func (c *Camera) Resume() { c.paused.Store(false) }

// Restart closes the camera, dropping every client, and starts it again on
// the same port, like a camera that reboots.
func (c *Camera) Restart() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.server == nil {
		return errors.New("fakecam: not started")
	}
	addr := c.addr
	c.stopLocked()
	return c.startLocked(addr)
}

// Close stops the camera and drops its clients. It may be called more than
// once.
func (c *Camera) Close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.stopLocked()
}

func (c *Camera) stopLocked() {
	if c.server == nil {
		return
	}
	c.cancel()
	c.wg.Wait() // the player writes into the stream: stop it first
	c.stream.Close()
	c.server.Close()
	c.server, c.stream, c.cancel = nil, nil, nil
}

// handler answers RTSP requests for one server instance.
type handler struct {
	cam    *Camera
	log    *slog.Logger
	stream *gortsplib.ServerStream
}

func (h *handler) authorized(conn *gortsplib.ServerConn, req *base.Request) bool {
	return h.cam.User == "" || conn.VerifyCredentials(req, h.cam.User, h.cam.Pass)
}

// OnDescribe implements gortsplib.ServerHandlerOnDescribe.
func (h *handler) OnDescribe(ctx *gortsplib.ServerHandlerOnDescribeCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	if ctx.Path != h.cam.path() {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

// OnSetup implements gortsplib.ServerHandlerOnSetup.
func (h *handler) OnSetup(ctx *gortsplib.ServerHandlerOnSetupCtx) (*base.Response, *gortsplib.ServerStream, error) {
	if !h.authorized(ctx.Conn, ctx.Request) {
		return &base.Response{StatusCode: base.StatusUnauthorized}, nil, liberrors.ErrServerAuth{}
	}
	if ctx.Path != h.cam.path() {
		return &base.Response{StatusCode: base.StatusNotFound}, nil, nil
	}
	return &base.Response{StatusCode: base.StatusOK}, h.stream, nil
}

// OnPlay implements gortsplib.ServerHandlerOnPlay.
func (h *handler) OnPlay(*gortsplib.ServerHandlerOnPlayCtx) (*base.Response, error) {
	h.cam.sessions.Add(1)
	return &base.Response{StatusCode: base.StatusOK}, nil
}

// OnConnClose implements gortsplib.ServerHandlerOnConnClose.
func (h *handler) OnConnClose(ctx *gortsplib.ServerHandlerOnConnCloseCtx) {
	h.log.Debug("fakecam: connection closed", "err", ctx.Error)
}

// OnPacketsLost implements gortsplib.ServerHandlerOnPacketsLost (the
// default prints to the std log).
func (h *handler) OnPacketsLost(ctx *gortsplib.ServerHandlerOnPacketsLostCtx) {
	h.log.Debug("fakecam: packets lost", "lost", ctx.Lost)
}

// OnDecodeError implements gortsplib.ServerHandlerOnDecodeError.
func (h *handler) OnDecodeError(ctx *gortsplib.ServerHandlerOnDecodeErrorCtx) {
	h.log.Debug("fakecam: decode error", "err", ctx.Error)
}

// OnStreamWriteError implements gortsplib.ServerHandlerOnStreamWriteError.
func (h *handler) OnStreamWriteError(ctx *gortsplib.ServerHandlerOnStreamWriteErrorCtx) {
	h.log.Debug("fakecam: stream write error", "err", ctx.Error)
}

// hasParams reports whether the unit carries the parameter sets.
func hasParams(codec media.Codec, nalus [][]byte) bool {
	var sps, pps bool
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		switch codec {
		case media.CodecH264:
			switch n[0] & 0x1f {
			case 7:
				sps = true
			case 8:
				pps = true
			}
		case media.CodecH265:
			switch (n[0] >> 1) & 0x3f {
			case 33:
				sps = true
			case 34:
				pps = true
			}
		}
	}
	return sps && pps
}

// withParams returns the unit's NALUs with the track's parameter sets in
// front when they are missing.
func withParams(v *media.VideoTrack, u media.VideoUnit) [][]byte {
	if !u.Key || hasParams(v.Codec, u.NALUs) {
		return u.NALUs
	}
	out := make([][]byte, 0, len(u.NALUs)+3)
	if v.Codec == media.CodecH265 {
		out = append(out, v.VPS)
	}
	out = append(out, v.SPS, v.PPS)
	return append(out, u.NALUs...)
}
