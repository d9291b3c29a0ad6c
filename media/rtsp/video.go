package rtsp

import (
	"bytes"
	"errors"
	"fmt"
	"time"

	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h264"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/h265"

	"github.com/relaystudio/relaystudio/media"
)

// paramKind says which parameter set a NALU is, if any.
type paramKind int

const (
	notParam paramKind = iota
	paramVPS
	paramSPS
	paramPPS
)

// videoSyntax is what differs between H.264 and H.265 for the video
// processor: NALU classification, SPS parsing and DTS extraction.
type videoSyntax interface {
	codec() media.Codec
	// classify returns the parameter-set kind of nalu, whether it is an
	// access unit delimiter (dropped: RTMP and decoders do not need them)
	// and whether it carries picture data (VCL).
	classify(nalu []byte) (kind paramKind, aud bool, vcl bool)
	isRandomAccess(au [][]byte) bool
	// parseSPS returns the picture size and the declared frame rate (0 if
	// the SPS has no VUI timing).
	parseSPS(sps []byte) (width, height int, fps float64, err error)
	// needVPS reports whether a VPS is required before the first unit.
	needVPS() bool
	newDTSExtractor() dtsExtractor
}

// dtsExtractor is the common shape of mediacommon's H.264 and H.265 DTS
// extractors.
type dtsExtractor interface {
	Extract(au [][]byte, pts int64) (int64, error)
}

type h264Syntax struct{}

func (h264Syntax) codec() media.Codec { return media.CodecH264 }
func (h264Syntax) needVPS() bool      { return false }

func (h264Syntax) classify(nalu []byte) (paramKind, bool, bool) {
	switch typ := h264.NALUType(nalu[0] & 0x1f); typ {
	case h264.NALUTypeSPS:
		return paramSPS, false, false
	case h264.NALUTypePPS:
		return paramPPS, false, false
	case h264.NALUTypeAccessUnitDelimiter:
		return notParam, true, false
	default:
		return notParam, false, typ >= h264.NALUTypeNonIDR && typ <= h264.NALUTypeIDR
	}
}

func (h264Syntax) isRandomAccess(au [][]byte) bool { return h264.IsRandomAccess(au) }

func (h264Syntax) parseSPS(b []byte) (int, int, float64, error) {
	var sps h264.SPS
	if err := sps.Unmarshal(b); err != nil {
		return 0, 0, 0, err
	}
	return sps.Width(), sps.Height(), sps.FPS(), nil
}

func (h264Syntax) newDTSExtractor() dtsExtractor {
	d := &h264.DTSExtractor{}
	d.Initialize()
	return d
}

type h265Syntax struct{}

func (h265Syntax) codec() media.Codec { return media.CodecH265 }
func (h265Syntax) needVPS() bool      { return true }

func (h265Syntax) classify(nalu []byte) (paramKind, bool, bool) {
	if len(nalu) < 2 { // H.265 NALU headers are two bytes
		return notParam, false, false
	}
	switch typ := h265.NALUType((nalu[0] >> 1) & 0x3f); typ {
	case h265.NALUType_VPS_NUT:
		return paramVPS, false, false
	case h265.NALUType_SPS_NUT:
		return paramSPS, false, false
	case h265.NALUType_PPS_NUT:
		return paramPPS, false, false
	case h265.NALUType_AUD_NUT:
		return notParam, true, false
	default:
		return notParam, false, typ < 32 // VCL NALU types are 0..31
	}
}

func (h265Syntax) isRandomAccess(au [][]byte) bool { return h265.IsRandomAccess(au) }

func (h265Syntax) parseSPS(b []byte) (int, int, float64, error) {
	var sps h265.SPS
	if err := sps.Unmarshal(b); err != nil {
		return 0, 0, 0, err
	}
	return sps.Width(), sps.Height(), sps.FPS(), nil
}

func (h265Syntax) newDTSExtractor() dtsExtractor {
	d := &h265.DTSExtractor{}
	d.Initialize()
	return d
}

// videoProcessor turns depacketized access units into media.VideoUnits: it
// learns and caches the parameter sets (from the SDP and in-band), waits for
// the first random access point, puts the parameter sets in front of every
// keyframe, computes DTS and rebases time on the first keyframe.
//
// It is used by one goroutine at a time (the RTP reader of the video track).
type videoProcessor struct {
	syntax    videoSyntax
	clockRate int64

	vps, sps, pps []byte // latest parameter sets, never written into
	width, height int
	fps           float64 // from the SPS, 0 if not declared

	started bool
	dts     dtsExtractor
	zero    time.Duration // DTS of the first keyframe: the session's zero
	lastDTS time.Duration

	// onWarning reports a recoverable problem (bad SPS, DTS extraction
	// failure); the session counts and logs it. Never nil.
	onWarning func(kind string, err error)
}

// sane bounds for a declared frame rate; outside them the VUI is ignored.
const maxDeclaredFPS = 240

func newVideoProcessor(syntax videoSyntax, clockRate int, vps, sps, pps []byte, onWarning func(string, error)) *videoProcessor {
	p := &videoProcessor{syntax: syntax, clockRate: int64(clockRate), onWarning: onWarning}
	if p.clockRate <= 0 {
		p.clockRate = 90000
	}
	// SDP parameter sets are a starting point; in-band ones replace them.
	p.vps = bytes.Clone(vps)
	p.pps = bytes.Clone(pps)
	if len(sps) > 0 {
		if err := p.setSPS(sps); err != nil {
			p.onWarning("sps", fmt.Errorf("SPS in the SDP: %w", err))
		}
	}
	return p
}

// setSPS parses and caches sps. Once the session has started, a size change
// is an error: Tracks was already delivered with the old size.
func (p *videoProcessor) setSPS(sps []byte) error {
	if bytes.Equal(sps, p.sps) {
		return nil
	}
	w, h, fps, err := p.syntax.parseSPS(sps)
	if err != nil {
		return err
	}
	if w <= 0 || h <= 0 {
		return fmt.Errorf("SPS declares a %dx%d picture", w, h)
	}
	if p.started && (w != p.width || h != p.height) {
		return &formatChange{from: fmt.Sprintf("%dx%d", p.width, p.height), to: fmt.Sprintf("%dx%d", w, h)}
	}
	if fps <= 0 || fps > maxDeclaredFPS {
		fps = 0
	}
	p.sps = bytes.Clone(sps)
	p.width, p.height, p.fps = w, h, fps
	return nil
}

// formatChange is returned by push when the camera changed the picture
// size mid-session.
type formatChange struct{ from, to string }

func (e *formatChange) Error() string {
	return fmt.Sprintf("video size changed from %s to %s", e.from, e.to)
}

func (p *videoProcessor) haveParams() bool {
	return p.sps != nil && p.pps != nil && (p.vps != nil || !p.syntax.needVPS())
}

// track describes the video as known now. Valid once push has returned a
// unit.
func (p *videoProcessor) track() *media.VideoTrack {
	return &media.VideoTrack{
		Codec:  p.syntax.codec(),
		Width:  p.width,
		Height: p.height,
		FPS:    p.fps,
		VPS:    bytes.Clone(p.vps),
		SPS:    bytes.Clone(p.sps),
		PPS:    bytes.Clone(p.pps),
	}
}

// push processes one access unit with its PTS in clock-rate units. It
// returns the unit to deliver and ok=false when the AU must be dropped
// (before the first keyframe, no picture data). first is true for the unit
// that starts the session. A *formatChange error ends the session.
func (p *videoProcessor) push(au [][]byte, pts int64) (u media.VideoUnit, first bool, ok bool, err error) {
	// Split the AU: remember parameter sets, drop delimiters and empty NALUs
	// (mediacommon indexes nalu[0] without checking).
	pics := make([][]byte, 0, len(au))
	vcl := false
	for _, nalu := range au {
		if len(nalu) == 0 {
			continue
		}
		kind, aud, isVCL := p.syntax.classify(nalu)
		switch {
		case aud:
			continue
		case kind == paramSPS:
			if err := p.setSPS(nalu); err != nil {
				var fc *formatChange
				if errors.As(err, &fc) {
					return media.VideoUnit{}, false, false, err
				}
				p.onWarning("sps", err)
			}
			continue
		case kind == paramPPS:
			if !bytes.Equal(nalu, p.pps) {
				p.pps = bytes.Clone(nalu)
			}
			continue
		case kind == paramVPS:
			if !bytes.Equal(nalu, p.vps) {
				p.vps = bytes.Clone(nalu)
			}
			continue
		}
		vcl = vcl || isVCL
		pics = append(pics, nalu)
	}
	if !vcl {
		// Parameter sets sent as their own AU, SEI-only AUs: nothing to show.
		return media.VideoUnit{}, false, false, nil
	}
	key := p.syntax.isRandomAccess(pics)
	if !p.started && (!key || !p.haveParams()) {
		return media.VideoUnit{}, false, false, nil
	}

	if key {
		// Parameter sets in front of every keyframe, fresh copies so the
		// receiver owns them like the rest of the unit.
		params := make([][]byte, 0, 3+len(pics))
		if p.vps != nil {
			params = append(params, bytes.Clone(p.vps))
		}
		params = append(params, bytes.Clone(p.sps), bytes.Clone(p.pps))
		pics = append(params, pics...)
	}

	if !p.started {
		p.started = true
		first = true
	}

	// After a DTS extraction failure a fresh extractor starts at the next
	// keyframe (it needs the SPS found there); meanwhile DTS = PTS, clamped
	// below.
	if key && p.dts == nil {
		p.dts = p.syntax.newDTSExtractor()
	}
	dts := pts
	if p.dts != nil {
		d, derr := p.dts.Extract(pics, pts)
		if derr != nil {
			p.onWarning("dts", derr)
			p.dts = nil
		} else {
			dts = d
		}
	}

	ptsD := ticksToDuration(pts, p.clockRate)
	dtsD := ticksToDuration(dts, p.clockRate)
	if first {
		p.zero = dtsD
		p.lastDTS = 0
	}
	ptsD -= p.zero
	dtsD -= p.zero
	if dtsD < p.lastDTS { // monotonic DTS whatever the camera does
		dtsD = p.lastDTS
	}
	if ptsD < dtsD {
		ptsD = dtsD
	}
	p.lastDTS = dtsD
	return media.VideoUnit{PTS: ptsD, DTS: dtsD, Key: key, NALUs: pics}, first, true, nil
}

// ticksToDuration converts v ticks of a clockRate Hz clock without
// overflowing int64 for long sessions.
func ticksToDuration(v, clockRate int64) time.Duration {
	secs := v / clockRate
	rem := v % clockRate
	return time.Duration(secs)*time.Second + time.Duration(rem*int64(time.Second)/clockRate)
}
