package relay

// The per-frame path of the pipeline: copy, decode, encode, and send.

import (
	"bytes"
	"fmt"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

// onVideo copies or decodes one access unit.
func (p *pipeline) onVideo(u media.VideoUnit) error {
	r := p.r
	if !p.hasTracks {
		return nil
	}
	r.counters.inFrames.Add(1)
	for _, n := range u.NALUs {
		r.counters.inBytes.Add(uint64(len(n)))
	}
	off := p.shift(u.DTS)
	u.PTS += off
	u.DTS += off
	p.observeTiming(u)

	if r.videoGap.Swap(false) {
		p.needKey = true
	}
	if p.needKey {
		if !u.Key {
			r.counters.waitingKey.Add(1)
			return nil
		}
		p.needKey = false
	}
	if p.slate.on {
		p.endSlate(&u)
	}
	p.slate.lastPicture = time.Now()

	for _, rd := range r.rends {
		if rd.video.Mode == VideoCopy {
			p.copyVideo(rd, u)
		}
	}
	if p.wantDecode() {
		return p.decode(u)
	}
	p.closeDecoder()
	return nil
}

func (p *pipeline) copyVideo(rd *rendition, u media.VideoUnit) {
	if u.Key && p.tracks.Video.Codec == media.CodecH264 {
		// Cameras may change their parameters (a new resolution): follow.
		sps, pps := findParams(u.NALUs)
		if sps != nil && pps != nil && (!bytes.Equal(sps, rd.sps) || !bytes.Equal(pps, rd.pps)) {
			if err := rd.setCopyHeader(sps, pps); err == nil {
				rd.publishHeaders(p.tracks)
			}
		}
	}
	p.sendVideo(rd, u)
}

// sendVideo sends one access unit of a rendition, the camera's copied,
// encoded or the slate's, to its destinations and recording, counts it,
// and paces the generated silence by it.
func (p *pipeline) sendVideo(rd *rendition, u media.VideoUnit) {
	body := rtmp.VideoTagBody(u)
	p.r.counters.outFrames.Add(1)
	p.r.counters.outBytes.Add(uint64(len(body)))
	rd.writeVideo(u.DTS, u.Key, body)
	p.feedSilence(rd, u.DTS)
}

// findParams returns the SPS and PPS NALUs of an H.264 access unit.
func findParams(nalus [][]byte) (sps, pps []byte) {
	for _, n := range nalus {
		if len(n) == 0 {
			continue
		}
		switch n[0] & 0x1f {
		case 7:
			sps = n
		case 8:
			pps = n
		}
	}
	return sps, pps
}

func (p *pipeline) decode(u media.VideoUnit) error {
	r := p.r
	if p.dec == nil {
		if !u.Key {
			// A decoder needs a keyframe to start; in copy mode the preview
			// may be switched on mid-GOP.
			r.counters.waitingKey.Add(1)
			return nil
		}
		dec, err := codec.NewVideoDecoder(*p.tracks.Video)
		if err != nil {
			return fmt.Errorf("cannot decode the camera's %s video: %w", p.tracks.Video.Codec, err)
		}
		p.dec = dec
	}
	start := time.Now()
	encoded := 0
	err := p.dec.Decode(u, func(f *codec.Frame) {
		for _, rd := range r.rends {
			if rd.video.Mode != VideoCopy {
				encoded += p.encode(rd, f)
			}
		}
		r.preview.offer(f, r.log)
		r.still.offer(f, r.log)
	})
	if encoded > 0 {
		r.counters.busyNanos.Add(int64(time.Since(start)))
	}
	if err != nil {
		r.counters.decodeErrors.Add(1)
		r.log.Debug("decode error", "error", err)
		// A broken unit leaves references missing: resume at a keyframe.
		p.needKey = true
	}
	return nil
}

// encode feeds one of the camera's pictures to a rendition's encoder,
// opening it on the first, and returns the number of frames it produced.
func (p *pipeline) encode(rd *rendition, f *codec.Frame) int {
	if rd.encFailed {
		return 0
	}
	fps := rd.video.FPS
	if fps == 0 {
		fps = p.sourceFPS()
	}
	if rd.enc != nil && rd.encFromSlate {
		// Opened for the slate before the camera's size and rate were
		// known: reopened (new headers) unless it guessed right.
		rd.encFromSlate = false
		w, h := rd.video.Size.Resolve(f.Width(), f.Height())
		if fps == 0 {
			fps = rd.outFPS
		}
		if w != rd.outW || h != rd.outH || fps != rd.outFPS {
			rd.enc.Close()
			rd.enc = nil
			if rd.overlay != nil {
				rd.overlay.Close()
				rd.overlay = nil
			}
		}
	}
	if rd.enc == nil {
		if fps == 0 {
			return 0 // measure the source's rate first: a few frames
		}
		w, h := rd.video.Size.Resolve(f.Width(), f.Height())
		if !p.openEncoder(rd, w, h, fps) {
			return 0
		}
	}
	return p.encodeFrame(rd, f)
}

// openEncoder opens a rendition's encoder at w x h and fps and hands its
// headers to the destinations. It reports false, with the stream failed,
// when libx264 refuses.
func (p *pipeline) openEncoder(rd *rendition, w, h int, fps float64) bool {
	r := p.r
	enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{
		Width: w, Height: h, FPS: fps,
		Bitrate: rd.video.Bitrate, Preset: rd.video.Preset,
		KeyframeInterval: rd.video.KeyframeInterval,
	})
	if err != nil {
		rd.encFailed = true
		r.fail(fmt.Errorf("cannot start the H.264 encoder: %w", err))
		return false
	}
	rd.enc, rd.outW, rd.outH, rd.outFPS = enc, w, h, fps
	h264hdr, err := rtmp.AVCSequenceHeader(enc.SPS(), enc.PPS())
	if err != nil {
		rd.encFailed = true
		r.fail(fmt.Errorf("the encoder's H.264 parameters are unusable: %w", err))
		return false
	}
	rd.videoHeader = h264hdr
	p.attachOverlay(rd)
	rd.publishHeaders(p.tracks)
	p.setOutSize(w, h)
	r.log.Info("transcoding", "size", fmt.Sprintf("%dx%d", w, h), "fps", fps,
		"bitrate", media.FormatBitrate(rd.video.Bitrate), "preset", rd.video.Preset,
		"keyframe_interval", rd.video.KeyframeInterval.String())
	return true
}

// encodeFrame encodes one picture, the camera's or the slate's, with the
// rendition's open encoder and sends what comes out; it returns the
// number of frames produced.
func (p *pipeline) encodeFrame(rd *rendition, f *codec.Frame) int {
	r := p.r
	n := 0
	err := rd.enc.Encode(f, func(out media.VideoUnit) {
		n++
		p.sendVideo(rd, out)
	})
	if n > 0 {
		r.counters.encodedMedia.Add(int64(float64(n) / rd.outFPS * 1e9))
	}
	if err != nil {
		r.log.Warn("encode error", "error", err)
	}
	return n
}

// onAudio copies or converts one audio unit for every rendition.
func (p *pipeline) onAudio(u media.AudioUnit) error {
	r := p.r
	if !p.hasTracks || p.slate.on {
		return nil // on slate the slate's silence goes out
	}
	u.PTS += p.shift(u.PTS)
	for _, rd := range r.rends {
		switch {
		case rd.audioCopy:
			p.sendAudio(rd, u)
		case rd.audioTrans != nil:
			err := rd.audioTrans.Transcode(u, func(out media.AudioUnit) { p.sendAudio(rd, out) })
			if err != nil && !p.audioWarned {
				p.audioWarned = true
				r.log.Warn("audio conversion error", "error", err)
			}
		}
	}
	return nil
}

func (p *pipeline) sendAudio(rd *rendition, u media.AudioUnit) {
	if u.PTS < rd.audioFloor {
		return
	}
	data := u.Data
	if p.r.muted.Load() {
		if data = p.muted(rd); data == nil {
			return
		}
	}
	p.meterAudio(rd, data)
	body := rtmp.AudioTagBody(data)
	p.r.counters.audioOutBytes.Add(uint64(len(body)))
	rd.writeAudio(u.PTS, body)
}

// feedSilence sends silent audio up to just past the video sent at dts.
func (p *pipeline) feedSilence(rd *rendition, dts time.Duration) {
	if rd.silence == nil {
		return
	}
	if !rd.silenceOn {
		rd.silenceStart, rd.silenceOn = dts, true
	}
	err := rd.silence.Generate(rd.silenceStart, dts+100*time.Millisecond, func(u media.AudioUnit) { p.sendAudio(rd, u) })
	if err != nil && !p.audioWarned {
		p.audioWarned = true
		p.r.log.Warn("silent audio failed", "error", err)
	}
}
