package record

// Local HLS: the rendition cut into fMP4 segments held in memory, with the
// live playlist that lists them, for a web page or a player on the
// network. The fragments are the recorder's (fragmenter): no second
// encode, no files.

import (
	"bytes"
	"cmp"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media/rtmp"
)

const (
	defaultHLSTarget = 2 * time.Second
	defaultHLSWindow = 6
	// maxSegmentTargets and maxSegmentBytes bound the segment in
	// progress: a camera whose keyframes are further apart than 15
	// targets (30 s at the default; encoders here go up to 20 s), or a
	// segment past 32 MiB, has it dropped, and the next keyframe starts
	// afresh. Memory then stays below (Window+1) × 32 MiB however the
	// camera is set.
	maxSegmentTargets = 15
	maxSegmentBytes   = 32 << 20
)

// HLS segments a rendition into an in-memory HLS playlist (fMP4 segments,
// EXT-X-MAP): feed it like a destination (SetHeaders, WriteVideo,
// WriteAudio) and serve Playlist and File. Segments start at keyframes;
// the playlist keeps the last Window of them, and what falls out of it is
// freed. A new picture size or audio format gets a new init segment after
// an EXT-X-DISCONTINUITY. It is safe for concurrent use, and writes never
// wait for readers: the writer takes the readers' lock only briefly, to
// publish a finished segment, and the bytes handed out are never written
// again (callers must not modify them).
type HLS struct {
	// Target is the segment length aimed at: a segment is cut at the first
	// keyframe once it holds Target. It defaults to 2 s. A segment that
	// reaches 15 × Target (or 32 MiB) without a keyframe is dropped, and
	// the next keyframe starts afresh (Stats.Dropped).
	Target time.Duration
	// Window is how many segments the playlist keeps. It defaults to 6.
	Window int
	// Logger receives the format changes and the problems. Nil discards.
	Logger *slog.Logger

	// maxBytes is maxSegmentBytes unless a test lowers it.
	maxBytes int

	// wmu serialises the writers and guards what follows, up to mu; a
	// segment is encoded under it, not under mu.
	wmu      sync.Mutex
	closed   bool
	want     format // from the latest headers
	wantInit []byte // its init segment
	haveFmt  bool
	skip     bool        // waiting for a keyframe of the latest headers
	cur      *fragmenter // the segment in progress; nil before a keyframe
	initFmt  format      // the format of the init in use
	init     []byte      // the init in use, and its number
	initN    uint64
	inits    uint64        // init segments made
	base     time.Duration // the timeline's zero: the first picture's DTS
	baseSet  bool
	seq      uint32       // of the last moof, across inits
	made     uint64       // segments finished
	disc     bool         // the next segment follows a discontinuity
	warned   bool         // the long-GOP drop was logged
	held     atomic.Int64 // bytes of the segment in progress, for Stats

	// mu guards what readers see.
	mu       sync.Mutex
	segs     []hlsSegment // the window, oldest first
	nextSeg  uint64       // media sequence number of the next segment
	discSeq  uint64       // discontinuities that left the window
	target   int          // EXT-X-TARGETDURATION: never decreases
	ended    bool
	playlist []byte
	codecs   string
	dropped  uint64
	// Why no segments are made: the headers, or the last segment tried;
	// cleared by good headers and by the next segment.
	headersErr, segmentErr string
}

// HLSStats is what a local HLS holds.
type HLSStats struct {
	// Segments in the playlist now.
	Segments int `json:"segments"`
	// Sequence is the playlist's media sequence: the number of its first
	// segment.
	Sequence uint64 `json:"sequence"`
	// Bytes held in memory: the segments and inits of the window, and the
	// segment in progress.
	Bytes int64 `json:"bytes"`
	// Dropped counts segments given up for being too long (a camera whose
	// keyframes are too far apart).
	Dropped uint64 `json:"dropped,omitempty"`
	// Error says why no segments are being made, while that lasts.
	Error string `json:"error,omitempty"`
}

// hlsSegment is one finished segment, immutable once published.
type hlsSegment struct {
	seq   uint64
	initN uint64
	init  []byte // the init it needs, shared with its neighbours
	dur   time.Duration
	disc  bool // an EXT-X-DISCONTINUITY before it
	data  []byte
}

func (h *HLS) targetDur() time.Duration {
	if h.Target > 0 {
		return h.Target
	}
	return defaultHLSTarget
}

func (h *HLS) window() int {
	if h.Window > 0 {
		return h.Window
	}
	return defaultHLSWindow
}

func (h *HLS) log() *slog.Logger {
	if h.Logger != nil {
		return h.Logger
	}
	return slog.New(slog.DiscardHandler)
}

func (h *HLS) segmentBytes() int {
	if h.maxBytes > 0 {
		return h.maxBytes
	}
	return maxSegmentBytes
}

// SetHeaders hands over the stream's sequence headers: the next keyframe
// goes on in the segment in progress when the size and the audio are the
// same, or starts a new init segment after a discontinuity. Headers that
// are not H.264 (with AAC or no audio) stop the segmenting until better
// ones come; Stats says why.
func (h *HLS) SetHeaders(hd rtmp.Headers) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed {
		return
	}
	f, err := formatOf(hd, "segment")
	var init []byte
	if err == nil {
		init, err = initSegment(f)
	}
	if err != nil {
		h.endSegment()
		h.haveFmt = false
		h.log().Warn("local HLS paused", "error", err)
		h.mu.Lock()
		h.headersErr, h.codecs = "local HLS: "+err.Error(), ""
		h.mu.Unlock()
		return
	}
	h.want, h.wantInit, h.haveFmt, h.skip = f, init, true, true
	h.mu.Lock()
	h.headersErr, h.codecs = "", codecsOf(f)
	h.mu.Unlock()
}

// WriteVideo adds one FLV video tag body; see rtmp.Publisher.WriteVideo.
func (h *HLS) WriteVideo(dts time.Duration, key bool, body []byte) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed || !h.haveFmt {
		return
	}
	isKey, cto, avcc, err := parseAVCFrame(body)
	if err != nil || len(avcc) == 0 {
		return // not a picture this HLS segments: skipped
	}
	key = key && isKey
	if h.skip {
		if !key {
			return
		}
		h.skip = false
		if h.cur != nil && !h.cur.f.sameFile(h.want) {
			h.endSegment()
		}
	}
	if h.cur == nil {
		if !key {
			return
		}
		h.open(dts)
	}
	if dts < h.base {
		return // before the timeline's zero: a picture out of place
	}
	if key && !hasSPS(avcc) {
		avcc = withParams(h.want.sps, h.want.pps, avcc)
	}
	span := h.cur.video(dts, dts+cto, key, avcc)
	switch {
	case key && span >= h.targetDur():
		h.cut()
	case span > maxSegmentTargets*h.targetDur() || h.cur.held > h.segmentBytes():
		h.overrun(span)
		return
	}
	h.held.Store(int64(h.cur.held))
}

// WriteAudio adds one FLV audio tag body (raw AAC); units before the
// first picture of a segment are skipped.
func (h *HLS) WriteAudio(pts time.Duration, body []byte) {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed || h.cur == nil || h.skip {
		return
	}
	if len(body) < 3 || body[0]>>4 != 10 || body[1] != 1 {
		return // not an AAC frame
	}
	h.cur.audio(pts, body[2:])
	if h.cur.held > h.segmentBytes() {
		h.overrun(h.cur.span())
		return
	}
	h.held.Store(int64(h.cur.held))
}

// open starts a segment at a keyframe at dts: with a new init when the
// format changed, after a discontinuity when segments came before.
func (h *HLS) open(dts time.Duration) {
	if h.init == nil || !h.initFmt.sameFile(h.want) {
		h.initFmt, h.init, h.initN = h.want, h.wantInit, h.inits
		h.inits++
		h.log().Debug("local HLS: new init segment", "init", h.initN,
			"size", fmt.Sprintf("%dx%d", h.initFmt.width, h.initFmt.height), "codecs", codecsOf(h.initFmt))
	}
	if h.made > 0 {
		h.disc = true
	}
	// One timeline for the whole stream: players see continuous time,
	// across discontinuities too. Only a stream that went back in time
	// starts it again.
	if !h.baseSet || dts < h.base {
		h.base, h.baseSet = dts, true
	}
	h.cur = &fragmenter{f: h.initFmt, base: h.base, seq: h.seq}
}

// cut publishes the pending samples as a segment; the keyframe that
// ended them waits in the fragmenter for the next one.
func (h *HLS) cut() {
	dur := h.cur.span()
	frag, err := h.cur.fragment()
	h.seq = h.cur.seq
	if err == nil && frag != nil {
		buf := bytes.NewBuffer(make([]byte, 0, frag.Size()))
		if err = frag.Encode(buf); err == nil {
			h.publish(hlsSegment{initN: h.initN, init: h.init, dur: dur, disc: h.disc, data: buf.Bytes()})
			h.disc = false
			h.made++
			return
		}
	}
	if err != nil {
		// mp4ff refuses only what this package would never give it.
		h.log().Error("local HLS: a segment could not be made", "error", err)
		h.mu.Lock()
		h.segmentErr = "local HLS: " + err.Error()
		h.mu.Unlock()
	}
}

// endSegment finishes the segment in progress with all its samples:
// what comes next needs another init, or nothing comes.
func (h *HLS) endSegment() {
	if h.cur == nil {
		return
	}
	h.cur.finish()
	h.cut()
	h.cur = nil
	h.held.Store(0)
}

// overrun drops a segment that grew past the bound: the next keyframe
// starts afresh.
func (h *HLS) overrun(span time.Duration) {
	held := h.cur.held
	h.cur.drop()
	h.seq = h.cur.seq
	h.cur, h.skip = nil, true
	h.held.Store(0)
	msg := fmt.Sprintf("local HLS: a segment reached %.1f s (%d KiB) without a keyframe and was dropped: set the camera's keyframe interval to 2 s, or transcode",
		span.Seconds(), held>>10)
	if !h.warned {
		h.warned = true
		h.log().Warn(msg)
	}
	h.mu.Lock()
	h.dropped++
	h.segmentErr = msg
	h.mu.Unlock()
}

// publish adds a segment to the window, frees what falls out of it, and
// renders the playlist again.
func (h *HLS) publish(s hlsSegment) {
	h.mu.Lock()
	defer h.mu.Unlock()
	s.seq = h.nextSeg
	h.nextSeg++
	h.segs = append(h.segs, s)
	for len(h.segs) > h.window() {
		if h.segs[0].disc {
			h.discSeq++ // its EXT-X-DISCONTINUITY leaves the playlist
		}
		h.segs = slices.Delete(h.segs, 0, 1) // zeroes the tail: the bytes go
	}
	// Ceil of the EXTINF written: 2.000 s of 30 fps pictures is 2 s, not 3.
	h.target = max(h.target, int(math.Ceil(s.dur.Round(time.Millisecond).Seconds())), 1)
	h.segmentErr = ""
	h.render()
}

// render makes the playlist of the window; mu is held.
func (h *HLS) render() {
	var b strings.Builder
	b.WriteString("#EXTM3U\n#EXT-X-VERSION:7\n")
	fmt.Fprintf(&b, "#EXT-X-TARGETDURATION:%d\n", h.target)
	fmt.Fprintf(&b, "#EXT-X-MEDIA-SEQUENCE:%d\n", h.segs[0].seq)
	if h.discSeq > 0 {
		fmt.Fprintf(&b, "#EXT-X-DISCONTINUITY-SEQUENCE:%d\n", h.discSeq)
	}
	b.WriteString("#EXT-X-INDEPENDENT-SEGMENTS\n")
	for i, s := range h.segs {
		if s.disc {
			b.WriteString("#EXT-X-DISCONTINUITY\n")
		}
		if i == 0 || s.disc || s.initN != h.segs[i-1].initN {
			fmt.Fprintf(&b, "#EXT-X-MAP:URI=\"init-%d.mp4\"\n", s.initN)
		}
		fmt.Fprintf(&b, "#EXTINF:%.3f,\nseg-%d.m4s\n", s.dur.Seconds(), s.seq)
	}
	if h.ended {
		b.WriteString("#EXT-X-ENDLIST\n")
	}
	h.playlist = []byte(b.String())
}

// Playlist returns the media playlist; false until the first segment is
// complete.
func (h *HLS) Playlist() ([]byte, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.playlist, h.playlist != nil
}

// File returns "init-N.mp4" or "seg-N.m4s" while the window holds it (or
// a segment that needs the init); false otherwise.
func (h *HLS) File(name string) ([]byte, bool) {
	init := true
	num, ok := strings.CutPrefix(name, "init-")
	if ok {
		num, ok = strings.CutSuffix(num, ".mp4")
	} else if num, ok = strings.CutPrefix(name, "seg-"); ok {
		init = false
		num, ok = strings.CutSuffix(num, ".m4s")
	}
	n, err := strconv.ParseUint(num, 10, 64)
	if !ok || err != nil || strconv.FormatUint(n, 10) != num {
		return nil, false // one spelling per file
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, s := range h.segs {
		switch {
		case init && s.initN == n:
			return s.init, true
		case !init && s.seq == n:
			return s.data, true
		}
	}
	return nil, false
}

// Codecs returns the RFC 6381 codecs of the latest headers' format, as a
// web page asks MediaSource.isTypeSupported: "avc3.64001f,mp4a.40.2" (avc3: the sample entry, parameter sets in band); ""
// before headers.
func (h *HLS) Codecs() string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.codecs
}

// Close finishes the segment in progress and ends the playlist
// (EXT-X-ENDLIST); later writes are ignored. It may be called more than
// once.
func (h *HLS) Close() {
	h.wmu.Lock()
	defer h.wmu.Unlock()
	if h.closed {
		return
	}
	h.closed = true
	h.endSegment()
	h.mu.Lock()
	defer h.mu.Unlock()
	h.ended = true
	if len(h.segs) > 0 {
		h.render()
	}
}

// Stats returns a snapshot.
func (h *HLS) Stats() HLSStats {
	h.mu.Lock()
	defer h.mu.Unlock()
	st := HLSStats{
		Segments: len(h.segs), Sequence: h.nextSeg - uint64(len(h.segs)),
		Dropped: h.dropped, Error: cmp.Or(h.headersErr, h.segmentErr),
		Bytes: h.held.Load(),
	}
	for i, s := range h.segs {
		st.Bytes += int64(len(s.data))
		if i == 0 || s.initN != h.segs[i-1].initN {
			st.Bytes += int64(len(s.init)) // shared by the segments that follow
		}
	}
	return st
}

// codecsOf words a format in RFC 6381 codecs: profile, compatibility and
// level from the SPS, the object type from the AudioSpecificConfig.
func codecsOf(f format) string {
	if len(f.sps) < 4 {
		return ""
	}
	c := fmt.Sprintf("avc3.%02x%02x%02x", f.sps[1], f.sps[2], f.sps[3])
	if len(f.asc) > 0 {
		c += fmt.Sprintf(",mp4a.40.%d", f.asc[0]>>3)
	}
	return c
}
