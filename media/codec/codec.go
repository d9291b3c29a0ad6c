// Package codec wraps the FFmpeg libraries (through go-astiav v0.16.0) the
// engine needs: H.264/H.265 decoding, scaling, libx264 encoding, audio
// conversion to AAC and silent AAC.
//
// Every type here owns C memory and is not safe for concurrent use: one
// goroutine creates it, uses it and closes it (FFmpeg contexts are not
// thread-safe, and go-astiav v0.16.0 has no finalizers). Frames handed to
// callbacks are valid only during the callback. Close frees everything, in
// reverse order of allocation.
package codec

import (
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

var logMu sync.Mutex

func init() {
	// FFmpeg prints to stderr at info level by default; until SetLogger
	// routes it, keep only errors.
	astiav.SetLogLevel(astiav.LogLevelError)
}

// SetLogger routes FFmpeg's own messages (warnings and errors) to log. It
// is process-wide, because FFmpeg's log callback is: call it once, early,
// from main.
func SetLogger(log *slog.Logger) {
	logMu.Lock()
	defer logMu.Unlock()
	astiav.SetLogLevel(astiav.LogLevelWarning)
	astiav.SetLogCallback(func(c astiav.Classer, l astiav.LogLevel, _, msg string) {
		msg = strings.TrimSpace(msg)
		if msg == "" {
			return
		}
		level := slog.LevelWarn
		if l <= astiav.LogLevelError {
			level = slog.LevelError
		}
		if l > astiav.LogLevelWarning {
			return
		}
		// FFmpeg warns about damaged camera frames at every packet; keep
		// them as debug details rather than alarming a person.
		if level == slog.LevelWarn {
			level = slog.LevelDebug
		}
		log.Log(nil, level, "ffmpeg: "+msg)
	})
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

// toDuration converts ts in units of tb into a duration.
func toDuration(ts int64, tb astiav.Rational) time.Duration {
	return time.Duration(float64(ts) * float64(tb.Num()) / float64(tb.Den()) * float64(time.Second))
}

// fromDuration converts d into units of tb.
func fromDuration(d time.Duration, tb astiav.Rational) int64 {
	v := d.Seconds() * float64(tb.Den()) / float64(tb.Num())
	if v < 0 {
		return int64(v - 0.5)
	}
	return int64(v + 0.5)
}

func wrap(what string, err error) error {
	return fmt.Errorf("%s: %w", what, err)
}
