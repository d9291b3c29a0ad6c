package rtsp

import (
	"errors"
	"fmt"
	"sync/atomic"

	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpfragmented"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtplpcm"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpmpeg4audio"
	"github.com/bluenviron/gortsplib/v4/pkg/format/rtpsimpleaudio"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/relaystudio/relaystudio/media"
)

// timedAU is one audio access unit with its PTS in clock-rate ticks.
type timedAU struct {
	pts  int64
	data []byte
}

// audioDepacketizer turns RTP packets of one audio format into access
// units. Used by one goroutine at a time (the RTP reader of the audio track).
type audioDepacketizer interface {
	// track describes the audio; nil while unknown (MP4A-LATM with the
	// configuration in-band and none seen yet).
	track() *media.AudioTrack
	// decode returns the access units completed by pkt (possibly none).
	decode(pkt *rtp.Packet, pts int64) ([]timedAU, error)
}

// audioRank orders the audio formats we can read: the first one found in
// this order is used (AAC first, since it can be relayed without
// transcoding). -1 means unsupported.
func audioRank(f format.Format) int {
	switch f := f.(type) {
	case *format.MPEG4Audio:
		if f.Config == nil {
			return -1
		}
		return 0
	case *format.MPEG4AudioLATM:
		return 1
	case *format.Opus:
		return 2
	case *format.G711:
		return 3
	}
	return -1
}

// newAudioDepacketizer builds the depacketizer for a format audioRank
// accepted.
func newAudioDepacketizer(f format.Format) (audioDepacketizer, error) {
	switch f := f.(type) {
	case *format.MPEG4Audio:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		cfg, err := f.Config.Marshal()
		if err != nil {
			return nil, fmt.Errorf("AAC configuration: %w", err)
		}
		return &aacDepacketizer{
			dec: dec,
			tr: &media.AudioTrack{
				Codec: media.CodecAAC, SampleRate: f.Config.SampleRate,
				Channels: f.Config.ChannelCount, Config: cfg,
			},
			auTicks: mpeg4audio.SamplesPerAccessUnit,
		}, nil
	case *format.MPEG4AudioLATM:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		d := &latmDepacketizer{dec: dec, cpresent: f.CPresent, clockRate: int64(f.ClockRate())}
		if !f.CPresent {
			if err := d.setConfig(f.StreamMuxConfig); err != nil {
				return nil, err
			}
		}
		return d, nil
	case *format.Opus:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		ch := f.ChannelCount
		if ch == 0 {
			ch = 2
		}
		return &simpleDepacketizer{
			dec: dec,
			tr:  &media.AudioTrack{Codec: media.CodecOpus, SampleRate: 48000, Channels: ch},
		}, nil
	case *format.G711:
		dec, err := f.CreateDecoder()
		if err != nil {
			return nil, err
		}
		codec := media.CodecPCMA
		if f.MULaw {
			codec = media.CodecPCMU
		}
		return &lpcmDepacketizer{
			dec: dec,
			tr:  &media.AudioTrack{Codec: codec, SampleRate: f.SampleRate, Channels: f.ChannelCount},
		}, nil
	}
	return nil, fmt.Errorf("audio format %s is not supported", f.Codec())
}

// aacDepacketizer reads RFC 3640 (mpeg4-generic) AAC: several AUs per
// packet, AU i at pts + i·1024 samples.
type aacDepacketizer struct {
	dec     *rtpmpeg4audio.Decoder
	tr      *media.AudioTrack
	auTicks int64
}

func (d *aacDepacketizer) track() *media.AudioTrack { return d.tr }

func (d *aacDepacketizer) decode(pkt *rtp.Packet, pts int64) ([]timedAU, error) {
	aus, err := d.dec.Decode(pkt)
	if err != nil {
		if errors.Is(err, rtpmpeg4audio.ErrMorePacketsNeeded) {
			return nil, nil
		}
		return nil, err
	}
	out := make([]timedAU, 0, len(aus))
	for i, au := range aus {
		if len(au) == 0 {
			continue
		}
		out = append(out, timedAU{pts: pts + int64(i)*d.auTicks, data: au})
	}
	return out, nil
}

// latmDepacketizer reads RFC 6416 MP4A-LATM: each packet payload is an
// AudioMuxElement holding one AU per subframe. With cpresent=1 the
// StreamMuxConfig travels in-band and the clock is 90 kHz.
type latmDepacketizer struct {
	dec       *rtpfragmented.Decoder
	cpresent  bool
	clockRate int64
	smc       *mpeg4audio.StreamMuxConfig
	// tr is set by the audio reader and read by the video reader when it
	// delivers Tracks, hence atomic.
	tr atomic.Pointer[media.AudioTrack]
}

func (d *latmDepacketizer) setConfig(smc *mpeg4audio.StreamMuxConfig) error {
	if smc == nil || len(smc.Programs) == 0 || len(smc.Programs[0].Layers) == 0 ||
		smc.Programs[0].Layers[0].AudioSpecificConfig == nil {
		return fmt.Errorf("LATM configuration without an AAC layer")
	}
	asc := smc.Programs[0].Layers[0].AudioSpecificConfig
	cfg, err := asc.Marshal()
	if err != nil {
		return fmt.Errorf("LATM AAC configuration: %w", err)
	}
	if asc.SampleRate <= 0 {
		return fmt.Errorf("LATM configuration with sample rate %d", asc.SampleRate)
	}
	d.smc = smc
	// The first configuration defines the track for the session.
	d.tr.CompareAndSwap(nil, &media.AudioTrack{
		Codec: media.CodecAAC, SampleRate: asc.SampleRate, Channels: asc.ChannelCount, Config: cfg,
	})
	return nil
}

func (d *latmDepacketizer) track() *media.AudioTrack { return d.tr.Load() }

func (d *latmDepacketizer) decode(pkt *rtp.Packet, pts int64) ([]timedAU, error) {
	el, err := d.dec.Decode(pkt)
	if err != nil {
		if errors.Is(err, rtpfragmented.ErrMorePacketsNeeded) {
			return nil, nil
		}
		return nil, err
	}
	ame := mpeg4audio.AudioMuxElement{MuxConfigPresent: d.cpresent, StreamMuxConfig: d.smc}
	if err := ame.Unmarshal(el); err != nil {
		return nil, fmt.Errorf("LATM AudioMuxElement: %w", err)
	}
	if ame.StreamMuxConfig != d.smc {
		if err := d.setConfig(ame.StreamMuxConfig); err != nil {
			return nil, err
		}
	}
	sampleRate := int64(d.tr.Load().SampleRate)
	out := make([]timedAU, 0, len(ame.Payloads))
	for i, sub := range ame.Payloads {
		if len(sub) == 0 || len(sub[0]) == 0 || len(sub[0][0]) == 0 {
			continue
		}
		off := int64(i) * mpeg4audio.SamplesPerAccessUnit * d.clockRate / sampleRate
		out = append(out, timedAU{pts: pts + off, data: sub[0][0]})
	}
	return out, nil
}

// simpleDepacketizer reads formats with one frame per packet (Opus).
type simpleDepacketizer struct {
	dec *rtpsimpleaudio.Decoder
	tr  *media.AudioTrack
}

func (d *simpleDepacketizer) track() *media.AudioTrack { return d.tr }

func (d *simpleDepacketizer) decode(pkt *rtp.Packet, pts int64) ([]timedAU, error) {
	frame, err := d.dec.Decode(pkt)
	if err != nil || len(frame) == 0 {
		return nil, err
	}
	return []timedAU{{pts: pts, data: frame}}, nil
}

// lpcmDepacketizer reads G.711: a run of 8-bit samples per packet.
type lpcmDepacketizer struct {
	dec *rtplpcm.Decoder
	tr  *media.AudioTrack
}

func (d *lpcmDepacketizer) track() *media.AudioTrack { return d.tr }

func (d *lpcmDepacketizer) decode(pkt *rtp.Packet, pts int64) ([]timedAU, error) {
	samples, err := d.dec.Decode(pkt)
	if err != nil || len(samples) == 0 {
		return nil, err
	}
	return []timedAU{{pts: pts, data: samples}}, nil
}
