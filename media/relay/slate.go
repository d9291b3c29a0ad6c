package relay

// The slate: while the camera sends no pictures, every destination goes on
// receiving a picture (the person's image, or a card with the stream's
// name and a clock) and silent audio at the stream's output settings, in
// real time, so that no platform ends the broadcast. The camera's picture
// comes back at its next keyframe, on the same timeline and the same
// connections.

import (
	"bytes"
	"fmt"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

const (
	// slateCheck is how often the pipeline looks for a camera gone quiet.
	slateCheck = 250 * time.Millisecond
	// slateMessage is the card's second line.
	slateMessage = "Camera reconnecting…"
	// Without the camera's own figures, the slate is 720p30.
	slateWidth, slateHeight = 1280, 720
	slateFPS                = 30.0
)

// slateState is the pipeline's part of the slate.
type slateState struct {
	enabled bool         // configured on, and there are destinations to keep
	ticker  *time.Ticker // slateCheck while off, a frame's time while on

	lastPicture time.Time // the camera's last picture sent, or the start
	on          bool
	since       time.Time     // when it went on
	lastPTS     time.Duration // the last slate picture's time on the timeline
	frame       time.Duration // the slate's frame duration
}

// renditionSlate is one rendition's slate: what it sends and how.
type renditionSlate struct {
	ready bool // prepared for this time on slate
	pic   *codec.Slate
	picW  int
	picH  int

	// Copy mode: the slate has an encoder of its own at the camera's last
	// size, and header is its AVC sequence header, sent in place of the
	// camera's while on slate.
	enc    *codec.VideoEncoder
	header []byte
	w, h   int
	fps    float64

	wall0 time.Time     // when the slate's first picture was due
	pts0  time.Duration // its time on the timeline
	n     int64         // pictures sent

	// audio is one silent unit of the rendition's audio track, sent every
	// audioDur from audioNext; nil when the track has its own generated
	// silence (or no audio).
	audio     []byte
	audioDur  time.Duration
	audioNext time.Duration

	before rtmp.Headers // the rendition's headers when the slate went on
}

// close frees what the slate holds.
func (s *renditionSlate) close() {
	s.closeEncoder()
	if s.pic != nil {
		s.pic.Close()
		s.pic = nil
	}
	s.ready = false
}

func (s *renditionSlate) closeEncoder() {
	if s.enc != nil {
		s.enc.Close()
		s.enc = nil
	}
	s.header = nil
}

// slateTick is the slate ticker's channel, nil (never ready) without one.
func (p *pipeline) slateTick() <-chan time.Time {
	if p.slate.ticker == nil {
		return nil
	}
	return p.slate.ticker.C
}

// onSlateTick puts the slate on once the camera has been quiet long
// enough, and sends the pictures due while it is on.
func (p *pipeline) onSlateTick(now time.Time) error {
	cfg := p.r.cfg.Slate
	if !p.slate.on {
		if now.Sub(p.slate.lastPicture) < cfg.After {
			return nil
		}
		p.startSlate(now)
	}
	if now.Sub(p.slate.since) >= cfg.GiveUp {
		return errSlateGone(media.FormatDuration(cfg.GiveUp))
	}
	for _, rd := range p.r.rends {
		p.sendSlate(rd, now)
	}
	return nil
}

func (p *pipeline) startSlate(now time.Time) {
	s := &p.slate
	s.on, s.since, s.lastPTS = true, now, p.lastOut
	// The camera resumes at a keyframe, and its keyframe interval is not
	// measured across the gap.
	p.needKey, p.haveKey = true, false
	p.out.slateSince, p.changed = now, true
	p.r.onSlate.Store(true)
	what := "no pictures from the camera"
	if !p.hasTracks {
		what = "the camera has not answered yet"
	}
	p.r.log.Warn(what+": destinations get the slate until it is back", "after", p.r.cfg.Slate.After.String())
	s.frame = time.Second / slateFPS
	for _, rd := range p.r.rends {
		if p.prepareSlate(rd, now) {
			s.frame = time.Duration(float64(time.Second) / rd.slate.fps)
		}
	}
	s.ticker.Reset(s.frame)
}

// prepareSlate makes a rendition ready to send the slate from now: its
// picture at the output's size and rate, an encoder in copy mode, silent
// audio. It reports false, with a warning, when the slate cannot be made:
// the rendition then sends nothing until the camera is back.
func (p *pipeline) prepareSlate(rd *rendition, now time.Time) bool {
	s := &rd.slate
	if s.ready {
		return s.enc != nil || rd.enc != nil
	}
	s.ready = true
	s.before, _ = rd.headers(p.tracks)
	w, h, fps := p.slateFormat(rd)
	if s.pic == nil || s.picW != w || s.picH != h {
		if s.pic != nil {
			s.pic.Close()
			s.pic = nil
		}
		pic, err := codec.NewSlate(codec.SlateConfig{Width: w, Height: h, Image: p.r.slateImage,
			Title: p.r.cfg.Name, Message: slateMessage})
		if err != nil {
			p.warn(fmt.Sprintf("the slate cannot be shown (%v): destinations get nothing while the camera is away", err))
			return false
		}
		s.pic, s.picW, s.picH = pic, w, h
	}
	s.w, s.h, s.fps = w, h, fps
	if rd.video.Mode == VideoCopy {
		// The platform sees the camera's size and rate, and a keyframe
		// interval it accepts.
		ki := p.out.keyInt
		if ki <= 0 || ki > maxPlatformKeyInt {
			ki = rd.video.KeyframeInterval
		}
		enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{
			Width: w, Height: h, FPS: fps,
			Bitrate: rd.video.Bitrate, Preset: media.DefaultPreset, KeyframeInterval: ki,
		})
		if err != nil {
			p.warn(fmt.Sprintf("the slate cannot be encoded (%v): destinations get nothing while the camera is away", err))
			return false
		}
		header, err := rtmp.AVCSequenceHeader(enc.SPS(), enc.PPS())
		if err != nil {
			enc.Close()
			p.warn(fmt.Sprintf("the slate cannot be encoded (%v): destinations get nothing while the camera is away", err))
			return false
		}
		s.enc, s.header = enc, header
		rd.publishHeaders(p.tracks)
		p.setOutSize(w, h)
	} else if rd.enc == nil {
		if !p.openEncoder(rd, w, h, fps) {
			return false
		}
		rd.encFromSlate = true
	}
	s.audio = nil
	if rd.silence == nil && rd.audioTrack != nil {
		unit, err := codec.SilentAACFrame(*rd.audioTrack)
		if err != nil {
			p.warn(fmt.Sprintf("the slate goes without audio: %v", err))
		} else {
			s.audio = unit
			s.audioDur = time.Duration(1024 * float64(time.Second) / float64(rd.audioTrack.SampleRate))
		}
	}
	s.wall0, s.n = now, 0
	s.pts0 = p.slate.lastPTS + time.Duration(float64(time.Second)/fps)
	s.audioNext = s.pts0
	return true
}

// slateFormat is the size and rate of a rendition's slate: what it sends
// now, or would send from the camera's last tracks, or 720p30.
func (p *pipeline) slateFormat(rd *rendition) (w, h int, fps float64) {
	if rd.video.Mode != VideoCopy && rd.enc != nil {
		return rd.outW, rd.outH, rd.outFPS
	}
	w, h = slateWidth, slateHeight
	if p.hasTracks && p.tracks.Video.Width >= 16 && p.tracks.Video.Height >= 16 {
		w, h = p.tracks.Video.Width, p.tracks.Video.Height
	}
	fps = p.sourceFPS()
	if rd.video.Mode != VideoCopy {
		w, h = rd.video.Size.Resolve(w, h)
		if rd.video.FPS > 0 {
			fps = rd.video.FPS
		}
	}
	if fps < 1 || fps > 60 {
		fps = slateFPS
	}
	return w &^ 1, h &^ 1, fps
}

// sendSlate sends a rendition's slate pictures due by now, with their
// audio. A pipeline that fell more than a second behind skips ahead.
func (p *pipeline) sendSlate(rd *rendition, now time.Time) {
	s := &rd.slate
	if !s.ready && !p.prepareSlate(rd, now) || s.pic == nil || s.enc == nil && rd.enc == nil {
		return
	}
	due := int64(now.Sub(s.wall0).Seconds() * s.fps)
	if behind := due - s.n; behind > int64(s.fps) {
		s.n = due
	}
	for ; s.n <= due; s.n++ {
		pts := s.pts0 + time.Duration(float64(s.n)*float64(time.Second)/s.fps)
		err := s.pic.Next(pts, now, func(f *codec.Frame) {
			if s.enc != nil {
				p.encodeSlate(rd, f)
			} else {
				p.encodeFrame(rd, f)
			}
		})
		if err != nil {
			p.r.log.Warn("slate picture failed", "error", err)
			return
		}
		for ; s.audio != nil && s.audioNext < pts+100*time.Millisecond; s.audioNext += s.audioDur {
			p.sendAudio(rd, media.AudioUnit{PTS: s.audioNext, Data: s.audio})
		}
		p.slate.lastPTS = pts
		p.lastOut = max(p.lastOut, pts)
	}
}

// encodeSlate encodes a slate picture with the copy rendition's slate
// encoder and sends it.
func (p *pipeline) encodeSlate(rd *rendition, f *codec.Frame) {
	err := rd.slate.enc.Encode(f, func(out media.VideoUnit) { p.sendVideo(rd, out) })
	if err != nil {
		p.r.log.Warn("slate encode error", "error", err)
	}
}

// endSlate switches back to the camera at u, its keyframe: u and what
// follows are moved to just after the last slate picture, and every
// rendition sends the camera's headers again where they differ from the
// slate's.
func (p *pipeline) endSlate(u *media.VideoUnit) {
	s := &p.slate
	delta := s.lastPTS + s.frame - u.DTS
	p.offset += delta
	u.PTS += delta
	u.DTS += delta
	// observeTiming saw u before the move.
	p.lastKey += delta
	p.lastPTS += delta
	// Nothing of the camera's went out since the slate went on: the units
	// before this keyframe were dropped.
	p.lastOut = u.DTS
	for _, rd := range p.r.rends {
		p.leaveSlate(rd, u)
	}
	p.r.log.Info("the camera's picture is back: the slate is off", "slate_for", time.Since(s.since).Round(100*time.Millisecond).String())
	s.on = false
	p.out.slateSince, p.changed = time.Time{}, true
	p.r.onSlate.Store(false)
	s.ticker.Reset(slateCheck)
}

func (p *pipeline) leaveSlate(rd *rendition, u *media.VideoUnit) {
	s := &rd.slate
	s.ready = false
	if s.audio != nil {
		// The slate's audio ran a little ahead of its pictures: the
		// camera's resumes after it, never on top of it.
		rd.audioFloor = s.audioNext
	}
	if s.enc != nil {
		s.closeEncoder()
		sps, pps := findParams(u.NALUs)
		if sps == nil || pps == nil {
			sps, pps = p.tracks.Video.SPS, p.tracks.Video.PPS
		}
		if err := rd.setCopyHeader(sps, pps); err != nil {
			p.r.log.Warn("the camera's parameters cannot be sent", "error", err)
		}
		rd.publishHeaders(p.tracks)
		return
	}
	if h, ok := rd.headers(p.tracks); ok && !sameHeaders(h, s.before) {
		// The camera came back with other audio: new headers, and a
		// keyframe at once so that destinations do not wait a GOP.
		rd.publishHeaders(p.tracks)
		if rd.enc != nil {
			rd.enc.ForceKeyframe()
		}
	}
}

func sameHeaders(a, b rtmp.Headers) bool {
	return a.Metadata == b.Metadata && bytes.Equal(a.Video, b.Video) && bytes.Equal(a.Audio, b.Audio)
}

// resetSlate makes every rendition prepare its slate again (SetOutput
// changed the settings while on slate).
func (p *pipeline) resetSlate() {
	for _, rd := range p.r.rends {
		rd.slate.closeEncoder()
		rd.slate.ready = false
	}
}
