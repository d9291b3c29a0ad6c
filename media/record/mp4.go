// Package record writes what a stream sends to its destinations into
// local files: fragmented MP4, one fragment a second or so, so that a
// crash or a power cut leaves a file that plays up to its last seconds.
// It takes the same FLV tag bodies as the RTMP publisher (media/rtmp), so
// a recording is the rendition itself: no second encode.
package record

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/Eyevinn/mp4ff/avc"
	"github.com/Eyevinn/mp4ff/mp4"
)

// Timescales of the tracks.
const videoTimescale = 90000

// fragmentSpan is how much media a fragment holds at most: what a crash
// can lose.
const fragmentSpan = time.Second

// format is what a file's init segment says: a new one needs a new file.
type format struct {
	width, height int
	sps, pps      []byte // the first parameter sets (more may come in-band)
	asc           []byte // AudioSpecificConfig; nil without audio
	rate, chans   int
}

func (f format) sameFile(g format) bool {
	return f.width == g.width && f.height == g.height && string(f.asc) == string(g.asc)
}

// sample is one access unit waiting for its duration (the next one's time).
type sample struct {
	dts  time.Duration
	cto  time.Duration
	key  bool
	data []byte
}

// fragmenter turns access units into fragments (moof+mdat) of one init
// segment's format: each sample waits for the next one of its track, which
// gives its duration. The recorder's files and the HLS segments are both
// made of its fragments.
type fragmenter struct {
	f       format
	seq     uint32        // of the last fragment
	base    time.Duration // the timeline's zero: decode times count from it
	started bool          // a picture came: audio may follow

	pendingV, pendingA []sample // whole samples of the next fragment, with durations
	lastV, lastA       *sample  // the latest sample of each track, waiting for its duration
	lastVDur, lastADur time.Duration
	held               int // bytes of the samples above
}

// initSegment encodes the init segment (ftyp+moov) of format f.
func initSegment(f format) ([]byte, error) {
	init := mp4.CreateEmptyInit()
	init.AddEmptyTrack(videoTimescale, "video", "und")
	// avc3: parameter sets may also come in-band, so the slate's and the
	// camera's (same size, other SPS) share a file.
	if err := init.Moov.Trak.SetAVCDescriptor("avc3", [][]byte{f.sps}, [][]byte{f.pps}, true); err != nil {
		return nil, fmt.Errorf("the video's parameters: %w", err)
	}
	if f.asc != nil {
		init.AddEmptyTrack(uint32(f.rate), "audio", "und")
		esds := mp4.CreateEsdsBox(f.asc)
		init.Moov.Traks[1].Mdia.Minf.Stbl.Stsd.AddChild(mp4.CreateAudioSampleEntryBox("mp4a", uint16(f.chans), 16, uint16(f.rate), esds))
	}
	buf := bytes.NewBuffer(make([]byte, 0, init.Size()))
	if err := init.Encode(buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// video adds one access unit: AVCC NAL units (4-byte lengths). It
// returns the span of the pending pictures up to this one: what a
// fragment cut before it would hold.
func (fr *fragmenter) video(dts, pts time.Duration, key bool, avcc []byte) time.Duration {
	fr.started = true
	s := &sample{dts: dts - fr.base, cto: max(pts-dts, 0), key: key, data: avcc}
	if fr.lastV != nil {
		d := s.dts - fr.lastV.dts
		if d <= 0 {
			d = time.Millisecond
			s.dts = fr.lastV.dts + d
		}
		fr.lastVDur = d
		fr.pendingV = append(fr.pendingV, *fr.lastV)
	}
	fr.lastV = s
	fr.held += len(avcc)
	return fr.span()
}

// span is how long the pending pictures last.
func (fr *fragmenter) span() time.Duration {
	if len(fr.pendingV) == 0 {
		return 0
	}
	return fr.lastV.dts - fr.pendingV[0].dts
}

// audio adds one raw AAC access unit.
func (fr *fragmenter) audio(pts time.Duration, data []byte) {
	if fr.f.asc == nil || !fr.started {
		return // the fragments start with their video
	}
	s := &sample{dts: pts - fr.base, data: data}
	if s.dts < 0 {
		return
	}
	if fr.lastA != nil {
		d := s.dts - fr.lastA.dts
		if d <= 0 {
			return // a unit that goes back in time would break the track
		}
		fr.lastADur = d
		fr.pendingA = append(fr.pendingA, *fr.lastA)
	}
	fr.lastA = s
	fr.held += len(data)
}

// finish makes the last samples pending, with the duration of the ones
// before them: what ends a file or a stream.
func (fr *fragmenter) finish() {
	if fr.lastV != nil {
		fr.pendingV = append(fr.pendingV, *fr.lastV)
		fr.lastV = &sample{dts: fr.lastV.dts + max(fr.lastVDur, time.Millisecond)}
	}
	if fr.lastA != nil {
		fr.pendingA = append(fr.pendingA, *fr.lastA)
		fr.lastA = &sample{dts: fr.lastA.dts + max(fr.lastADur, time.Millisecond)}
	}
}

// drop forgets every sample held, pending or waiting: the next picture
// starts afresh.
func (fr *fragmenter) drop() {
	fr.empty()
	fr.lastV, fr.lastA = nil, nil
	fr.started = false
}

// empty forgets the pending samples. The arrays are kept for the next
// fragment, cleared so that they do not hold on to the bodies.
func (fr *fragmenter) empty() {
	clear(fr.pendingV)
	clear(fr.pendingA)
	fr.pendingV, fr.pendingA = fr.pendingV[:0], fr.pendingA[:0]
	fr.held = 0
}

// fragment encodes the pending samples as one moof+mdat and empties them;
// nil when no picture is pending.
func (fr *fragmenter) fragment() (*mp4.Fragment, error) {
	if len(fr.pendingV) == 0 {
		return nil, nil
	}
	ids := []uint32{1}
	if fr.f.asc != nil {
		ids = append(ids, 2)
	}
	fr.seq++
	frag, err := mp4.CreateMultiTrackFragment(fr.seq, ids)
	if err != nil {
		return nil, err
	}
	// The samples are copied into the mdat once: sized for them, it does
	// not grow (and copy) sample by sample.
	size := 0
	for _, s := range fr.pendingV {
		size += len(s.data)
	}
	for _, s := range fr.pendingA {
		size += len(s.data)
	}
	frag.Mdat.SetData(make([]byte, 0, size))
	if err := addSamples(frag, 1, fr.pendingV, fr.lastV.dts, videoTimescale, fr.lastVDur); err != nil {
		return nil, err
	}
	if fr.f.asc != nil && len(fr.pendingA) > 0 {
		next := fr.pendingA[len(fr.pendingA)-1].dts + fr.lastADur
		if fr.lastA != nil {
			next = fr.lastA.dts
		}
		if err := addSamples(frag, 2, fr.pendingA, next, int64(fr.f.rate), fr.lastADur); err != nil {
			return nil, err
		}
	}
	fr.empty()
	if fr.lastV != nil {
		fr.held += len(fr.lastV.data)
	}
	if fr.lastA != nil {
		fr.held += len(fr.lastA.data)
	}
	return frag, nil
}

// addSamples puts the samples of one track into frag; each lasts until
// the next, the last until next (or last, when that gives nothing).
func addSamples(frag *mp4.Fragment, track uint32, ss []sample, next time.Duration, scale int64, last time.Duration) error {
	for i, s := range ss {
		end := next
		if i+1 < len(ss) {
			end = ss[i+1].dts
		}
		dur := end - s.dts
		if dur <= 0 {
			dur = last
		}
		flags := mp4.NonSyncSampleFlags
		if s.key || track == 2 {
			flags = mp4.SyncSampleFlags
		}
		fs := mp4.FullSample{
			Sample: mp4.Sample{
				Flags: flags, Dur: uint32(ticks(dur, scale)), Size: uint32(len(s.data)),
				CompositionTimeOffset: int32(ticks(s.cto, scale)),
			},
			DecodeTime: uint64(ticks(s.dts, scale)),
			Data:       s.data,
		}
		if err := frag.AddFullSampleToTrack(fs, track); err != nil {
			return err
		}
	}
	return nil
}

// mp4File is one fragmented MP4 file being written: its timeline starts
// at its first picture.
type mp4File struct {
	fragmenter
	w       *bufio.Writer
	c       io.Closer
	written int64
}

// newMP4File writes the init segment of a file with format f to w.
func newMP4File(w io.WriteCloser, f format) (*mp4File, error) {
	init, err := initSegment(f)
	if err != nil {
		return nil, err
	}
	m := &mp4File{fragmenter: fragmenter{f: f}, w: bufio.NewWriterSize(w, 256<<10), c: w}
	if _, err := m.w.Write(init); err != nil {
		return nil, err
	}
	if err := m.w.Flush(); err != nil {
		return nil, err
	}
	m.written = int64(len(init))
	return m, nil
}

// video adds one access unit: AVCC NAL units (4-byte lengths).
func (m *mp4File) video(dts, pts time.Duration, key bool, avcc []byte) error {
	if !m.started {
		m.base = dts
	}
	// A fragment starts at a keyframe once it holds enough, or at any
	// picture once it holds too much.
	span := m.fragmenter.video(dts, pts, key, avcc)
	if key && span >= fragmentSpan || span >= 2*fragmentSpan {
		return m.flush()
	}
	return nil
}

// audio adds one raw AAC access unit.
func (m *mp4File) audio(pts time.Duration, data []byte) error {
	m.fragmenter.audio(pts, data)
	return nil
}

// flush writes the pending samples as one fragment.
func (m *mp4File) flush() error {
	frag, err := m.fragment()
	if err != nil || frag == nil {
		return err
	}
	if err := frag.Encode(m.w); err != nil {
		return err
	}
	m.written += int64(frag.Size())
	// Each fragment reaches the file at once: a crash loses only the
	// pending one.
	return m.w.Flush()
}

// close writes what is pending, the last samples with the duration of
// the ones before them, and closes the file.
func (m *mp4File) close() error {
	m.finish()
	err := m.flush()
	if cerr := m.c.Close(); err == nil {
		err = cerr
	}
	return err
}

func ticks(d time.Duration, scale int64) int64 {
	return (int64(d)*scale + int64(time.Second)/2) / int64(time.Second)
}

// FLV tag bodies, as the publisher receives them (media/rtmp/flv.go).

var errNotAVC = errors.New("not an H.264 tag")

// parseAVCHeader reads the first SPS and PPS of an AVC sequence header tag.
func parseAVCHeader(body []byte) (sps, pps []byte, err error) {
	if len(body) < 6 || body[0]&0x0F != 7 || body[1] != 0 {
		return nil, nil, errNotAVC
	}
	rec, err := avc.DecodeAVCDecConfRec(body[5:])
	if err != nil {
		return nil, nil, fmt.Errorf("AVC sequence header: %w", err)
	}
	if len(rec.SPSnalus) == 0 || len(rec.PPSnalus) == 0 {
		return nil, nil, errors.New("AVC sequence header without SPS or PPS")
	}
	return rec.SPSnalus[0], rec.PPSnalus[0], nil
}

// parseAVCFrame reads a video tag: keyframe flag, composition time and the
// AVCC NAL units.
func parseAVCFrame(body []byte) (key bool, cto time.Duration, avcc []byte, err error) {
	if len(body) < 5 || body[0]&0x0F != 7 || body[1] != 1 {
		return false, 0, nil, errNotAVC
	}
	v := int32(uint32(body[2])<<16|uint32(body[3])<<8|uint32(body[4])) << 8 >> 8
	return body[0]>>4 == 1, time.Duration(v) * time.Millisecond, body[5:], nil
}

// hasSPS reports whether AVCC NAL units hold an SPS.
func hasSPS(avcc []byte) bool {
	for len(avcc) >= 5 {
		n := int(binary.BigEndian.Uint32(avcc))
		if n <= 0 || n > len(avcc)-4 {
			return false
		}
		if avcc[4]&0x1F == 7 {
			return true
		}
		avcc = avcc[4+n:]
	}
	return false
}

// withParams puts sps and pps in front of a keyframe's NAL units.
func withParams(sps, pps, avcc []byte) []byte {
	out := make([]byte, 0, 8+len(sps)+len(pps)+len(avcc))
	out = binary.BigEndian.AppendUint32(out, uint32(len(sps)))
	out = append(out, sps...)
	out = binary.BigEndian.AppendUint32(out, uint32(len(pps)))
	out = append(out, pps...)
	return append(out, avcc...)
}

// parseAACHeader reads the AudioSpecificConfig of an AAC sequence header
// tag, with its sample rate and channels.
func parseAACHeader(body []byte) (asc []byte, rate, chans int, err error) {
	if len(body) < 4 || body[0]>>4 != 10 || body[1] != 0 {
		return nil, 0, 0, errors.New("not an AAC sequence header")
	}
	asc = body[2:]
	rates := []int{96000, 88200, 64000, 48000, 44100, 32000, 24000, 22050, 16000, 12000, 11025, 8000, 7350}
	idx := int(asc[0]&0x07)<<1 | int(asc[1]>>7)
	chans = int(asc[1]>>3) & 0x0F
	if asc[0]>>3 == 31 || idx >= len(rates) || chans == 0 {
		return nil, 0, 0, errors.New("an AAC configuration this recorder cannot write")
	}
	return asc, rates[idx], chans, nil
}
