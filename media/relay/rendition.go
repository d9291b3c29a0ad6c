package relay

// Renditions: setting one up for the camera's tracks and its settings
// (copy header or encoder, the audio policy) and the headers it sends.

import (
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/record"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

// rendition is one output variant (copy, or one encoder setting) and the
// destinations it feeds. Everything in it belongs to the pipeline goroutine.
type rendition struct {
	video VideoConfig
	audio AudioConfig
	dests []*destination
	rec   *record.Recorder // the stream's recording, or nil
	// hls is the relay's local HLS, which SetLocalHLS replaces from any
	// goroutine; hlsFed is the one found there last, and sent the
	// headers sent last, which a new one is handed first.
	hls    *atomic.Pointer[record.HLS]
	hlsFed *record.HLS
	sent   *rtmp.Headers

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

	// muteUnit is one silent unit of audioTrack, sent in place of each
	// unit while the relay is muted, made at the first muted unit
	// (muteFailed: it could not be, and units are dropped while muted).
	// meter reads the level of what is sent, made when AudioPeak is first
	// read (meterFailed: it could not be).
	muteUnit    []byte
	muteFailed  bool
	meter       *codec.AudioMeter
	meterFailed bool

	// encFromSlate: the encoder was opened for the slate, at a size and
	// rate guessed before the camera's pictures were seen.
	encFromSlate bool
	slate        renditionSlate
	// audioFloor: audio before it is not sent (the slate's went out).
	audioFloor time.Duration

	// overlayCfg is what the encoder draws over the picture; overlay is
	// it rendered for the encoder's size, nil when empty or copying.
	overlayCfg codec.OverlayConfig
	overlay    *codec.Overlay
}

func (rd *rendition) closeCodecs() {
	if rd.enc != nil {
		rd.enc.Close()
		rd.enc = nil
	}
	if rd.overlay != nil {
		rd.overlay.Close()
		rd.overlay = nil
	}
	if rd.audioTrans != nil {
		rd.audioTrans.Close()
		rd.audioTrans = nil
	}
	if rd.silence != nil {
		rd.silence.Close()
		rd.silence, rd.silenceOn = nil, false
	}
	if rd.meter != nil {
		rd.meter.Close()
		rd.meter = nil
	}
	rd.muteUnit, rd.muteFailed, rd.meterFailed = nil, false, false
}

// configure sets a rendition up for the current tracks and its settings:
// copy header or a fresh encoder (opened on the next frame), audio, and the
// headers every destination sends before the next keyframe.
func (p *pipeline) configure(rd *rendition) error {
	v := p.tracks.Video
	rd.closeCodecs()
	rd.encFailed = false
	rd.videoHeader = nil
	if rd.video.Mode == VideoCopy && v.Codec != media.CodecH264 {
		// Classic RTMP carries H.264 only: transcode rather than fail.
		p.warn(fmt.Sprintf("the camera sends %s, which RTMP platforms do not accept: transcoding it to H.264 at %s (set the video to h264 to choose size and bitrate)",
			strings.ToUpper(v.Codec.String()), media.FormatBitrate(rd.video.Bitrate)))
		rd.video.Mode = VideoH264
		p.out.videoMode, p.changed = VideoH264, true
	}
	if rd.video.Mode == VideoCopy {
		if err := rd.setCopyHeader(v.SPS, v.PPS); err != nil {
			return err
		}
		p.setOutSize(v.Width, v.Height)
		if !rd.overlayCfg.Empty() {
			p.warn("the overlay needs transcode (video h264): a copied picture goes out as the camera made it")
		}
	}
	if err := p.setupAudio(rd); err != nil {
		return err
	}
	if !p.slate.on {
		// On slate the slate's headers stay until the camera's keyframe.
		rd.publishHeaders(p.tracks)
	}
	return nil
}

// setupAudio chooses copy, transcode or nothing for the rendition's audio.
// Camera audio that cannot be copied or converted is replaced by silence,
// with a warning: platforms want an audio track, and the video must go on.
func (p *pipeline) setupAudio(rd *rendition) error {
	err := p.chooseAudio(rd)
	if err != nil && !errors.Is(err, errNoSilence) {
		p.warn(fmt.Sprintf("%v: sending silence instead", err))
		err = p.silentAudio(rd)
	}
	if err != nil {
		return err // silence itself failed: nothing to fall back on
	}
	return nil
}

// muted is what the rendition sends in place of an audio unit while the
// relay is muted: its silent unit, made at the first call, or nil (drop
// the unit) when the track cannot be muted in place, with a warning.
func (p *pipeline) muted(rd *rendition) []byte {
	if rd.muteUnit == nil && !rd.muteFailed && rd.audioTrack != nil {
		unit, err := codec.SilentAACFrame(*rd.audioTrack)
		if err != nil {
			rd.muteFailed = true
			p.warn(fmt.Sprintf("muted audio is dropped instead of sent as silence: %v", err))
		}
		rd.muteUnit = unit
	}
	return rd.muteUnit
}

// meterAudio measures data, a unit the rendition sends, for AudioPeak;
// only while someone reads it (a level meter on screen): a headless relay
// does not decode its audio.
func (p *pipeline) meterAudio(rd *rendition, data []byte) {
	if rd.audioTrack == nil || len(rd.dests) == 0 || !p.r.metered() {
		return
	}
	if rd.meter == nil && !rd.meterFailed {
		m, err := codec.NewAudioMeter(*rd.audioTrack)
		if err != nil {
			rd.meterFailed = true
			p.r.log.Warn("no audio level meter", "error", err)
			return
		}
		rd.meter = m
	}
	if rd.meter != nil {
		if peak, err := rd.meter.Peak(data); err == nil {
			p.r.notePeak(peak)
		}
	}
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
	p.setAudioOut("aac (silent)")
	return nil
}

func (p *pipeline) chooseAudio(rd *rendition) error {
	rd.audioCopy, rd.audioTrack, rd.audioHeader = false, nil, nil
	in := p.tracks.Audio
	mode := rd.audio.Mode
	switch {
	case mode == AudioNone:
		p.setAudioOut("")
		return nil
	case mode == AudioSilent || in == nil && mode == AudioAuto:
		return p.silentAudio(rd)
	case in == nil:
		p.setAudioOut("")
		return nil
	case in.Codec == media.CodecAAC && (mode == AudioAuto || mode == AudioCopy):
		if len(in.Config) == 0 {
			return errors.New("the camera's AAC track has no configuration")
		}
		rd.audioCopy = true
		rd.audioTrack = in
		rd.audioHeader = rtmp.AACSequenceHeader(in.Config)
	case mode == AudioCopy:
		p.warn(fmt.Sprintf("the camera sends %s audio, which RTMP platforms do not accept: dropping it (use --audio auto to convert it to AAC)", in.Codec))
		p.setAudioOut("")
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
	p.setAudioOut(rd.audioTrack.Codec.String())
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
// the recording and the local HLS, once the video header is known.
func (rd *rendition) publishHeaders(t media.Tracks) {
	if h, ok := rd.headers(t); ok {
		rd.sent = &h
		for _, d := range rd.dests {
			d.pub.SetHeaders(h)
		}
		if rd.rec != nil {
			rd.rec.SetHeaders(h)
		}
		if hls := rd.localHLS(); hls != nil {
			hls.SetHeaders(h)
		}
	}
}

// writeVideo sends one video tag body to every destination, the
// recording and the local HLS.
func (rd *rendition) writeVideo(dts time.Duration, key bool, body []byte) {
	for _, d := range rd.dests {
		d.pub.WriteVideo(dts, key, body)
	}
	if rd.rec != nil {
		rd.rec.WriteVideo(dts, key, body)
	}
	if hls := rd.localHLS(); hls != nil {
		hls.WriteVideo(dts, key, body)
	}
}

// writeAudio sends one audio tag body to every destination, the
// recording and the local HLS.
func (rd *rendition) writeAudio(pts time.Duration, body []byte) {
	for _, d := range rd.dests {
		d.pub.WriteAudio(pts, body)
	}
	if rd.rec != nil {
		rd.rec.WriteAudio(pts, body)
	}
	if hls := rd.localHLS(); hls != nil {
		hls.WriteAudio(pts, body)
	}
}

// localHLS returns the relay's local HLS, if on. One that SetLocalHLS
// made since the last call is handed the headers sent last first, as a
// destination that joins is: it starts at the next keyframe, not at the
// next change of headers.
func (rd *rendition) localHLS() *record.HLS {
	if rd.hls == nil {
		return nil
	}
	h := rd.hls.Load()
	if h != rd.hlsFed {
		rd.hlsFed = h
		if h != nil && rd.sent != nil {
			h.SetHeaders(*rd.sent)
		}
	}
	return h
}

// headers are the rendition's metadata and sequence headers, once the
// video header is known.
func (rd *rendition) headers(t media.Tracks) (rtmp.Headers, bool) {
	video := rd.videoHeader
	if rd.slate.header != nil {
		video = rd.slate.header // copy mode on slate: the slate's encoder
	}
	if video == nil {
		return rtmp.Headers{}, false
	}
	meta := rtmp.Metadata{Encoder: "Relay Studio"}
	switch {
	case rd.slate.header != nil:
		meta.Width, meta.Height, meta.FPS = rd.slate.w, rd.slate.h, rd.slate.fps
	case rd.video.Mode == VideoCopy:
		meta.Width, meta.Height, meta.FPS = t.Video.Width, t.Video.Height, t.Video.FPS
	default:
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
	return rtmp.Headers{Metadata: meta, Video: video, Audio: rd.audioHeader}, true
}

// attachOverlay renders the rendition's overlay for its encoder and hands
// it over, freeing the one it replaces; without an encoder (copy mode, or
// not open yet) it waits for openEncoder. A logo that cannot be drawn is
// a warning: the picture goes out without it.
func (p *pipeline) attachOverlay(rd *rendition) {
	if rd.enc == nil {
		return
	}
	var o *codec.Overlay
	if !rd.overlayCfg.Empty() {
		var err error
		if o, err = codec.NewOverlay(rd.overlayCfg, rd.outW, rd.outH); err != nil {
			p.warn(fmt.Sprintf("the overlay cannot be drawn (%v): the picture goes out without it", err))
			o = nil
		}
	}
	if err := rd.enc.SetOverlay(o); err != nil {
		p.r.log.Warn("overlay not used", "error", err)
		if o != nil {
			o.Close()
		}
		return
	}
	if rd.overlay != nil {
		rd.overlay.Close()
	}
	rd.overlay = o
}
