package relay

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

// rendition is one output variant (copy, or one encoder setting) and the
// destinations it feeds. Everything in it belongs to the pipeline goroutine.
type rendition struct {
	video VideoConfig
	audio AudioConfig
	dests []*destination

	enc       *codec.VideoEncoder
	encFailed bool
	outW      int
	outH      int
	outFPS    float64

	videoHeader []byte // FLV AVC sequence header body
	sps, pps    []byte // what videoHeader was built from (copy mode)
	audioHeader []byte
	audioTrans  *codec.AudioTranscoder
	audioCopy   bool
	audioTrack  *media.AudioTrack // what destinations receive

	// silence feeds a silent AAC track (cameras without a microphone:
	// platforms want audio), paced by the video sent.
	silence      *codec.AudioGenerator
	silenceStart time.Duration
	silenceOn    bool
}

// pipeline is the state owned by the pipeline goroutine: decoders, the
// current tracks, and timing used for stats.
type pipeline struct {
	r *Relay

	tracks    media.Tracks
	hasTracks bool

	dec         *codec.VideoDecoder
	decNeedsKey bool

	lastKey     time.Duration
	haveKey     bool
	lastPTS     time.Duration
	ptsDeltas   []time.Duration
	needKey     bool // the pipeline lost video and waits for a keyframe
	audioWarned bool

	// Timestamps stay monotonic across camera sessions, which each start
	// at zero: units of a new session are shifted past the last one sent.
	sessions int
	rebase   bool
	offset   time.Duration
	lastOut  time.Duration
}

func (r *Relay) runPipeline() {
	defer r.wg.Done()
	p := &pipeline{r: r, needKey: true}
	defer p.close()
	for {
		select {
		case <-r.ctx.Done():
			return
		case <-r.outputSet:
			r.mu.Lock()
			ch := r.newOutput
			r.newOutput = nil
			r.mu.Unlock()
			if ch != nil {
				if err := p.setOutput(*ch); err != nil {
					r.fail(err)
					return
				}
			}
		case it := <-r.inbox:
			var err error
			switch it.kind {
			case itemTracks:
				err = p.onTracks(it.tracks)
			case itemVideo:
				err = p.onVideo(it.video)
			case itemAudio:
				err = p.onAudio(it.audio)
			}
			if err != nil {
				r.fail(err)
				return
			}
		}
	}
}

// close frees every codec context; it runs on the pipeline goroutine.
func (p *pipeline) close() {
	p.closeDecoder()
	for _, rd := range p.r.rends {
		rd.closeCodecs()
	}
	p.r.preview.closeConverter()
}

func (rd *rendition) closeCodecs() {
	if rd.enc != nil {
		rd.enc.Close()
		rd.enc = nil
	}
	if rd.audioTrans != nil {
		rd.audioTrans.Close()
		rd.audioTrans = nil
	}
	if rd.silence != nil {
		rd.silence.Close()
		rd.silence, rd.silenceOn = nil, false
	}
}

func (p *pipeline) closeDecoder() {
	if p.dec != nil {
		p.dec.Close()
		p.dec = nil
	}
}

// onTracks (re)configures every rendition for a new source session.
func (p *pipeline) onTracks(t media.Tracks) error {
	r := p.r
	if t.Video == nil {
		return errors.New("the camera sends no video this relay can use (H.264 or H.265)")
	}
	p.tracks, p.hasTracks = t, true
	p.sessions++
	p.rebase = p.sessions > 1
	p.closeDecoder()
	p.needKey = true
	p.ptsDeltas = p.ptsDeltas[:0]
	p.haveKey = false

	r.mu.Lock()
	r.tracks, r.hasTracks = t, true
	r.mu.Unlock()

	v := t.Video
	desc := fmt.Sprintf("%s %dx%d", v.Codec, v.Width, v.Height)
	if v.FPS > 0 {
		desc += fmt.Sprintf(" %gfps", math.Round(v.FPS*100)/100)
	}
	audio := "no audio"
	if t.Audio != nil {
		audio = fmt.Sprintf("%s %d Hz %d ch", t.Audio.Codec, t.Audio.SampleRate, t.Audio.Channels)
	}
	r.log.Info("source connected", "video", desc, "audio", audio)

	if r.videoModeNow() == VideoCopy {
		r.setOutSize(v.Width, v.Height) // what copy sends, destinations or not
	}
	for _, rd := range r.rends {
		if err := p.configure(rd); err != nil {
			return err
		}
	}
	return nil
}

// configure sets a rendition up for the current tracks and its settings:
// copy header or a fresh encoder (opened on the next frame), audio, and the
// headers every destination sends before the next keyframe.
func (p *pipeline) configure(rd *rendition) error {
	r, v := p.r, p.tracks.Video
	rd.closeCodecs()
	rd.encFailed = false
	rd.videoHeader = nil
	if rd.video.Mode == VideoCopy && v.Codec != media.CodecH264 {
		// Classic RTMP carries H.264 only: transcode rather than fail.
		r.addWarning(fmt.Sprintf("the camera sends %s, which RTMP platforms do not accept: transcoding it to H.264 at %s (set the video to h264 to choose size and bitrate)",
			strings.ToUpper(v.Codec.String()), media.FormatBitrate(rd.video.Bitrate)))
		rd.video.Mode = VideoH264
		r.setVideoMode(VideoH264)
	}
	if rd.video.Mode == VideoCopy {
		if err := rd.setCopyHeader(v.SPS, v.PPS); err != nil {
			return err
		}
		r.setOutSize(v.Width, v.Height)
	}
	if err := p.setupAudio(rd); err != nil {
		return err
	}
	rd.publishHeaders(p.tracks)
	return nil
}

// setOutput applies SetOutput: every rendition takes the new settings and
// is configured again; connections stay up.
func (p *pipeline) setOutput(ch outputChange) error {
	r := p.r
	r.mu.Lock()
	r.videoMode, r.audioMode = ch.video.Mode, ch.audio.Mode
	r.mu.Unlock()
	desc := string(ch.video.Mode)
	if ch.video.Mode == VideoH264 {
		desc = fmt.Sprintf("h264 %s %s %s", ch.video.Size, media.FormatBitrate(ch.video.Bitrate), ch.video.Preset)
	}
	r.log.Info("output settings changed: the encoder restarts, destinations stay connected", "video", desc, "audio", string(ch.audio.Mode))
	for _, rd := range r.rends {
		rd.video, rd.audio = ch.video, ch.audio
	}
	if !p.hasTracks {
		return nil // applied when the camera's tracks arrive
	}
	if ch.video.Mode == VideoCopy {
		r.setOutSize(p.tracks.Video.Width, p.tracks.Video.Height)
	}
	for _, rd := range r.rends {
		if err := p.configure(rd); err != nil {
			return err
		}
	}
	return nil
}

// setupAudio chooses copy, transcode or nothing for the rendition's audio.
// Camera audio that cannot be copied or converted is replaced by silence,
// with a warning: platforms want an audio track, and the video must go on.
func (p *pipeline) setupAudio(rd *rendition) error {
	err := p.chooseAudio(rd)
	if err == nil || errors.Is(err, errNoSilence) {
		return err // silence itself failed: nothing to fall back on
	}
	p.r.addWarning(fmt.Sprintf("%v: sending silence instead", err))
	return p.silentAudio(rd)
}

// errNoSilence marks the failure of the silent track, the last resort.
var errNoSilence = errors.New("cannot make a silent audio track")

// silentAudio gives the rendition a generated silent AAC track.
func (p *pipeline) silentAudio(rd *rendition) error {
	rd.audioCopy, rd.audioTrack, rd.audioHeader = false, nil, nil
	gen, err := codec.NewSilence(rd.audio.Bitrate)
	if err != nil {
		return fmt.Errorf("%w: %w", errNoSilence, err)
	}
	rd.silence = gen
	out := gen.Track()
	rd.audioTrack = &out
	rd.audioHeader = rtmp.AACSequenceHeader(out.Config)
	p.r.setAudioOut("aac (silent)")
	return nil
}

func (p *pipeline) chooseAudio(rd *rendition) error {
	r := p.r
	rd.audioCopy, rd.audioTrack, rd.audioHeader = false, nil, nil
	in := p.tracks.Audio
	mode := rd.audio.Mode
	switch {
	case mode == AudioNone:
		r.setAudioOut("")
		return nil
	case mode == AudioSilent || in == nil && mode == AudioAuto:
		return p.silentAudio(rd)
	case in == nil:
		r.setAudioOut("")
		return nil
	case in.Codec == media.CodecAAC && (mode == AudioAuto || mode == AudioCopy):
		if len(in.Config) == 0 {
			return errors.New("the camera's AAC track has no configuration")
		}
		rd.audioCopy = true
		rd.audioTrack = in
		rd.audioHeader = rtmp.AACSequenceHeader(in.Config)
	case mode == AudioCopy:
		r.addWarning(fmt.Sprintf("the camera sends %s audio, which RTMP platforms do not accept: dropping it (use --audio auto to convert it to AAC)", in.Codec))
		r.setAudioOut("")
		return nil
	default: // auto with a non-AAC codec, or aac
		tr, err := codec.NewAudioTranscoder(*in, rd.audio.Bitrate)
		if err != nil {
			return fmt.Errorf("cannot convert the camera's %s audio to AAC: %w", in.Codec, err)
		}
		rd.audioTrans = tr
		out := tr.Track()
		rd.audioTrack = &out
		rd.audioHeader = rtmp.AACSequenceHeader(out.Config)
	}
	r.setAudioOut(rd.audioTrack.Codec.String())
	return nil
}

func (rd *rendition) setCopyHeader(sps, pps []byte) error {
	if len(sps) == 0 || len(pps) == 0 {
		return errors.New("the camera's H.264 parameter sets (SPS/PPS) are missing")
	}
	h, err := rtmp.AVCSequenceHeader(sps, pps)
	if err != nil {
		return fmt.Errorf("the camera's H.264 parameters cannot be sent over RTMP: %w", err)
	}
	rd.videoHeader, rd.sps, rd.pps = h, sps, pps
	return nil
}

// publishHeaders hands metadata and sequence headers to every destination,
// once the video header is known.
func (rd *rendition) publishHeaders(t media.Tracks) {
	if rd.videoHeader == nil {
		return
	}
	meta := rtmp.Metadata{Encoder: "Relay Studio"}
	if rd.video.Mode == VideoCopy {
		meta.Width, meta.Height, meta.FPS = t.Video.Width, t.Video.Height, t.Video.FPS
	} else {
		meta.Width, meta.Height, meta.FPS = rd.outW, rd.outH, rd.outFPS
		meta.VideoBitrate = rd.video.Bitrate
	}
	if rd.audioTrack != nil {
		meta.HasAudio = true
		meta.AudioSampleRate = rd.audioTrack.SampleRate
		meta.AudioChannels = rd.audioTrack.Channels
		if rd.audioTrans != nil {
			meta.AudioBitrate = rd.audio.Bitrate
		}
	}
	h := rtmp.Headers{Metadata: meta, Video: rd.videoHeader, Audio: rd.audioHeader}
	for _, d := range rd.dests {
		d.pub.SetHeaders(h)
	}
}

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

// wantDecode reports whether frames are needed: for a transcode or for a
// watched preview. In copy mode without a preview nothing is decoded.
func (p *pipeline) wantDecode() bool {
	if p.r.preview.active() {
		return true
	}
	for _, rd := range p.r.rends {
		if rd.video.Mode != VideoCopy && !rd.encFailed {
			return true
		}
	}
	return false
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
	body := rtmp.VideoTagBody(u)
	p.r.counters.outFrames.Add(1)
	p.r.counters.outBytes.Add(uint64(len(body)))
	for _, d := range rd.dests {
		d.pub.WriteVideo(u.DTS, u.Key, body)
	}
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

// encode feeds one frame to a rendition's encoder, opening it on the first
// frame, and returns the number of frames it produced.
func (p *pipeline) encode(rd *rendition, f *codec.Frame) int {
	r := p.r
	if rd.encFailed {
		return 0
	}
	if rd.enc == nil {
		fps := rd.video.FPS
		if fps == 0 {
			fps = p.sourceFPS()
			if fps == 0 {
				return 0 // measure the source's rate first: a few frames
			}
		}
		w, h := rd.video.Size.Resolve(f.Width(), f.Height())
		enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{
			Width: w, Height: h, FPS: fps,
			Bitrate: rd.video.Bitrate, Preset: rd.video.Preset,
			KeyframeInterval: rd.video.KeyframeInterval,
		})
		if err != nil {
			rd.encFailed = true
			r.fail(fmt.Errorf("cannot start the H.264 encoder: %w", err))
			return 0
		}
		rd.enc, rd.outW, rd.outH, rd.outFPS = enc, w, h, fps
		h264hdr, err := rtmp.AVCSequenceHeader(enc.SPS(), enc.PPS())
		if err != nil {
			rd.encFailed = true
			r.fail(fmt.Errorf("the encoder's H.264 parameters are unusable: %w", err))
			return 0
		}
		rd.videoHeader = h264hdr
		rd.publishHeaders(p.tracks)
		r.setOutSize(w, h)
		r.log.Info("transcoding", "size", fmt.Sprintf("%dx%d", w, h), "fps", fps,
			"bitrate", media.FormatBitrate(rd.video.Bitrate), "preset", rd.video.Preset,
			"keyframe_interval", rd.video.KeyframeInterval.String())
	}
	n := 0
	err := rd.enc.Encode(f, func(out media.VideoUnit) {
		n++
		body := rtmp.VideoTagBody(out)
		r.counters.outFrames.Add(1)
		r.counters.outBytes.Add(uint64(len(body)))
		for _, d := range rd.dests {
			d.pub.WriteVideo(out.DTS, out.Key, body)
		}
		p.feedSilence(rd, out.DTS)
	})
	if n > 0 {
		r.counters.encodedMedia.Add(int64(float64(n) / rd.outFPS * 1e9))
	}
	if err != nil {
		r.log.Warn("encode error", "error", err)
	}
	return n
}

// observeTiming measures the source's keyframe interval and frame rate.
func (p *pipeline) observeTiming(u media.VideoUnit) {
	if u.Key {
		if p.haveKey && u.PTS > p.lastKey {
			ki := u.PTS - p.lastKey
			p.r.mu.Lock()
			p.r.keyInt = ki
			p.r.mu.Unlock()
			if ki > maxPlatformKeyInt && p.copying() {
				p.r.addWarning(fmt.Sprintf("the camera sends a keyframe every %.1f s; YouTube, Twitch and Facebook want 4 s or less: "+
					"set the camera's I-frame interval to twice its frame rate, or transcode (video h264)", ki.Seconds()))
			}
		}
		p.lastKey, p.haveKey = u.PTS, true
	}
	if d := u.PTS - p.lastPTS; p.lastPTS != 0 && d > 0 && d < time.Second && len(p.ptsDeltas) < 15 {
		p.ptsDeltas = append(p.ptsDeltas, d)
	}
	p.lastPTS = u.PTS
}

// sourceFPS is the camera's declared rate, or the median measured one once
// a few frames have been seen (0 until then).
func (p *pipeline) sourceFPS() float64 {
	if v := p.tracks.Video; v != nil && v.FPS > 0 && v.FPS <= 120 {
		return v.FPS
	}
	if len(p.ptsDeltas) < 5 {
		return 0
	}
	d := append([]time.Duration(nil), p.ptsDeltas...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	fps := float64(time.Second) / float64(d[len(d)/2])
	// Snap to the usual camera rates: 29.97 measured as 29.9 stays 29.97.
	for _, std := range []float64{5, 10, 12, 15, 20, 24, 25, 30000.0 / 1001, 30, 50, 60000.0 / 1001, 60} {
		if math.Abs(fps-std) < 0.5 {
			return std
		}
	}
	return math.Round(fps)
}

// onAudio copies or converts one audio unit for every rendition.
func (p *pipeline) onAudio(u media.AudioUnit) error {
	r := p.r
	if !p.hasTracks {
		return nil
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
	body := rtmp.AudioTagBody(u.Data)
	p.r.counters.audioOutBytes.Add(uint64(len(body)))
	for _, d := range rd.dests {
		d.pub.WriteAudio(u.PTS, body)
	}
}

func (r *Relay) setOutSize(w, h int) {
	r.mu.Lock()
	r.outW, r.outH = w, h
	r.mu.Unlock()
}

func (r *Relay) videoModeNow() VideoMode {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.videoMode
}

func (r *Relay) setVideoMode(m VideoMode) {
	r.mu.Lock()
	r.videoMode = m
	r.mu.Unlock()
}

func (r *Relay) setAudioOut(codec string) {
	r.mu.Lock()
	r.audioOut = codec
	r.mu.Unlock()
}

// shift returns the offset to add to a unit of the current session at t:
// the first unit of a new session lands just after the last one sent, so
// destinations see one continuous timeline whatever the camera did.
func (p *pipeline) shift(t time.Duration) time.Duration {
	if p.rebase {
		p.rebase = false
		p.offset = p.lastOut + 100*time.Millisecond - t
	}
	p.lastOut = max(p.lastOut, t+p.offset)
	return p.offset
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

// maxPlatformKeyInt is the longest keyframe interval platforms accept.
const maxPlatformKeyInt = 4 * time.Second

// copying reports whether a rendition passes the camera's video through.
func (p *pipeline) copying() bool {
	for _, rd := range p.r.rends {
		if rd.video.Mode == VideoCopy {
			return true
		}
	}
	return false
}
