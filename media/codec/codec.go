// Package codec wraps the FFmpeg libraries (through go-astiav v0.16.0) the
// engine needs: H.264/H.265 decoding, scaling, libx264 encoding at a
// constant frame rate, RGBA previews, audio conversion to AAC, and the
// generators of silence, the test tone and the test pattern. No astiav type
// crosses its API.
//
// Every type here owns C memory and is not safe for concurrent use: one
// goroutine creates it, uses it and closes it (FFmpeg contexts are not
// thread-safe, and go-astiav v0.16.0 has no finalizers). Frames handed to
// callbacks are valid only during the callback. Close frees everything, in
// reverse order of allocation.
package codec

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/asticode/go-astiav"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
)

// inputPadding is AV_INPUT_BUFFER_PADDING_SIZE in FFmpeg 5.1: decoders may
// read that far past a packet's end, and astiav's Packet.FromData does not
// allocate it (LIBRARIES.md §3.6).
const inputPadding = 64

// live counts the FFmpeg objects this package allocated and has not freed
// yet. Tests use it to prove that Close frees everything.
var live atomic.Int64

// Live returns how many FFmpeg objects the package holds right now.
func Live() int64 { return live.Load() }

// closer frees what a codec object allocated, in reverse order.
type closer struct {
	fns []func()
}

func (c *closer) add(fn func()) {
	live.Add(1)
	c.fns = append(c.fns, fn)
}

func (c *closer) close() {
	for i := len(c.fns) - 1; i >= 0; i-- {
		c.fns[i]()
		live.Add(-1)
	}
	c.fns = nil
}

func (c *closer) allocFrame() *astiav.Frame {
	f := astiav.AllocFrame()
	c.add(f.Free)
	return f
}

func (c *closer) allocPacket() *astiav.Packet {
	p := astiav.AllocPacket()
	c.add(p.Free)
	return p
}

// logSink is the process-wide destination of FFmpeg's messages. It is
// package state because FFmpeg's log callback (av_log_set_callback) is
// process state: there is exactly one.
type logSink struct {
	log *slog.Logger

	mu         sync.Mutex
	window     time.Time // start of the current one-second window
	inWindow   int       // messages passed in it
	suppressed int       // messages dropped in it
}

// ffmpegLogBurst caps FFmpeg messages per second: a damaged camera stream
// makes the decoder complain about every packet.
const ffmpegLogBurst = 20

var currentLog atomic.Pointer[logSink]

func init() {
	// FFmpeg prints to stderr at info level by default (libx264's banner
	// and statistics); until SetLogger routes it, keep only errors.
	astiav.SetLogLevel(astiav.LogLevelError)
}

// SetLogger routes FFmpeg's own messages to log (nil discards them), at
// most at Warn level: FFmpeg errors (a damaged packet, a refused option)
// become Warn, its warnings Debug; more than 20 lines a second are counted
// and summarised rather than logged.
//
// It is process-wide, because FFmpeg's log callback is: call it once,
// early, from main, before any codec object exists. astiav swaps the
// callback without synchronisation, so calling it while FFmpeg works races.
func SetLogger(log *slog.Logger) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	currentLog.Store(&logSink{log: log})
	// Warning, not info: astiav formats every message at or below the level
	// into a fixed 1024-byte C buffer, and libx264's info lines are long.
	astiav.SetLogLevel(astiav.LogLevelWarning)
	astiav.SetLogCallback(ffmpegLog)
}

// ffmpegLog is the astiav log callback; it may run on FFmpeg's own threads
// (x264's workers), so it only touches the sink under its mutex.
func ffmpegLog(c astiav.Classer, l astiav.LogLevel, _, msg string) {
	sink := currentLog.Load()
	msg = strings.TrimSpace(msg)
	if sink == nil || msg == "" || l > astiav.LogLevelWarning {
		return
	}
	level := slog.LevelDebug
	if l <= astiav.LogLevelError {
		level = slog.LevelWarn
	}
	now := time.Now()
	sink.mu.Lock()
	dropped := 0
	if now.Sub(sink.window) >= time.Second {
		dropped = sink.suppressed
		sink.window, sink.inWindow, sink.suppressed = now, 0, 0
	}
	pass := sink.inWindow < ffmpegLogBurst
	if pass {
		sink.inWindow++
	} else {
		sink.suppressed++
	}
	sink.mu.Unlock()
	// The handler runs outside the lock: it may block on its output.
	if dropped > 0 {
		sink.log.Warn("ffmpeg: messages suppressed", "count", dropped)
	}
	if !pass {
		return
	}
	var attrs []slog.Attr
	if c != nil {
		if cl := c.Class(); cl != nil {
			attrs = append(attrs, slog.String("component", cl.Name()))
		}
	}
	sink.log.LogAttrs(context.Background(), level, "ffmpeg: "+msg, attrs...)
}

// fillPacket fills pkt with data[:size]; data must already hold
// inputPadding zero bytes after size, which decoders may read.
func fillPacket(pkt *astiav.Packet, data []byte, size int) error {
	if err := pkt.FromData(data); err != nil {
		return err
	}
	pkt.SetSize(size)
	return nil
}

// padded appends data and the decoder padding to buf[:0].
func padded(buf, data []byte) ([]byte, int) {
	buf = append(buf[:0], data...)
	return appendPadding(buf), len(data)
}

var zeroPadding [inputPadding]byte

func appendPadding(buf []byte) []byte { return append(buf, zeroPadding[:]...) }

// appendAnnexB appends NALUs with 4-byte start codes, the form FFmpeg's
// H.264 and H.265 decoders read, to buf[:0], followed by the decoder
// padding; it returns the buffer and the payload size.
func appendAnnexB(buf []byte, nalus [][]byte) ([]byte, int) {
	buf = buf[:0]
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		buf = append(buf, 0, 0, 0, 1)
		buf = append(buf, n...)
	}
	size := len(buf)
	return appendPadding(buf), size
}

// annexB joins NALUs with 4-byte start codes (for extradata).
func annexB(nalus [][]byte) []byte {
	b, size := appendAnnexB(nil, nalus)
	return b[:size]
}

// splitAnnexB splits an Annex-B byte stream (3- or 4-byte start codes) into
// NALUs.
func splitAnnexB(b []byte) ([][]byte, error) {
	var au h264.AnnexB
	if err := au.Unmarshal(b); err != nil {
		return nil, err
	}
	return au, nil
}

// isAgain reports the "send more input" and "no more output" conditions of
// FFmpeg's send/receive API.
func isAgain(err error) bool {
	return errors.Is(err, astiav.ErrEagain) || errors.Is(err, astiav.ErrEof)
}

// rational returns a fraction for a frame rate: whole rates and the NTSC
// n/1001 rates stay exact, others are kept to a thousandth.
func rational(f float64) astiav.Rational {
	if r := math.Round(f); math.Abs(f-r) < 1e-3 {
		return astiav.NewRational(int(r), 1)
	}
	if r := math.Round(f * 1001); math.Abs(f*1001-r) < 1e-2 {
		return astiav.NewRational(int(r), 1001)
	}
	return astiav.NewRational(int(math.Round(f*1000)), 1000)
}

// nanoseconds is the time base of time.Duration.
var nanoseconds = astiav.NewRational(1, int(time.Second))

// toDuration converts ts in units of tb into a duration, exactly (FFmpeg's
// av_rescale_q works in 128 bits).
func toDuration(ts int64, tb astiav.Rational) time.Duration {
	return time.Duration(astiav.RescaleQ(ts, tb, nanoseconds))
}

// fromDuration converts d into units of tb, rounding to the nearest.
func fromDuration(d time.Duration, tb astiav.Rational) int64 {
	return astiav.RescaleQ(int64(d), nanoseconds, tb)
}

func wrap(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}
