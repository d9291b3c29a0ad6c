package fakecam

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/bluenviron/gortsplib/v4"
	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/relaystudio/relaystudio/media"
)

// audioFormat returns the RTP format announced for the audio track.
func audioFormat(a *media.AudioTrack, latm bool) (format.Format, error) {
	switch a.Codec {
	case media.CodecAAC:
		var asc mpeg4audio.AudioSpecificConfig
		if err := asc.Unmarshal(a.Config); err != nil {
			return nil, fmt.Errorf("fakecam: AAC config: %w", err)
		}
		if latm {
			return &format.MPEG4AudioLATM{
				PayloadTyp:     97,
				ProfileLevelID: 30,
				StreamMuxConfig: &mpeg4audio.StreamMuxConfig{
					Programs: []*mpeg4audio.StreamMuxConfigProgram{{
						Layers: []*mpeg4audio.StreamMuxConfigLayer{{
							AudioSpecificConfig: &asc,
							LatmBufferFullness:  255,
						}},
					}},
				},
			}, nil
		}
		return &format.MPEG4Audio{
			PayloadTyp: 97, Config: &asc, SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3,
		}, nil
	case media.CodecOpus:
		return &format.Opus{PayloadTyp: 111, ChannelCount: a.Channels}, nil
	case media.CodecPCMU, media.CodecPCMA:
		pt := uint8(98)
		if a.SampleRate == 8000 && a.Channels == 1 {
			pt = 0 // static payload types of RFC 3551
			if a.Codec == media.CodecPCMA {
				pt = 8
			}
		}
		return &format.G711{PayloadTyp: pt, MULaw: a.Codec == media.CodecPCMU,
			SampleRate: a.SampleRate, ChannelCount: a.Channels}, nil
	}
	return nil, fmt.Errorf("fakecam: audio codec %s not supported", a.Codec)
}

// packetizer turns one unit into RTP packets with timestamps relative to 0.
type packetizer func(data [][]byte) ([]*rtp.Packet, error)

// player sends the clip into the stream in real time, in a loop.
type player struct {
	cam    *Camera
	stream *gortsplib.ServerStream

	videoMedia *description.Media
	videoPack  packetizer
	video      []media.VideoUnit
	videoNALUs [][][]byte // per unit, with parameter sets when needed
	videoTS    uint32     // random RTP timestamp base

	audioMedia *description.Media
	audioPack  packetizer
	audio      []media.AudioUnit
	audioClock int64
	audioTS    uint32
	auPerPkt   int

	loop  time.Duration // length of one pass of the clip
	start int           // index of the first video unit sent
}

func randUint32() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails on Linux
	return binary.BigEndian.Uint32(b[:])
}

func newPlayer(c *Camera, stream *gortsplib.ServerStream, desc *description.Session) (*player, error) {
	p := &player{cam: c, stream: stream, video: c.Video, videoTS: randUint32(), audioTS: randUint32()}
	p.videoMedia = desc.Medias[0]
	switch f := p.videoMedia.Formats[0].(type) {
	case *format.H264:
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, err
		}
		p.videoPack = enc.Encode
	case *format.H265:
		enc, err := f.CreateEncoder()
		if err != nil {
			return nil, err
		}
		p.videoPack = enc.Encode
	}
	p.videoNALUs = make([][][]byte, len(c.Video))
	for i, u := range c.Video {
		if c.ParamsInSDP {
			p.videoNALUs[i] = u.NALUs
		} else {
			p.videoNALUs[i] = withParams(c.Tracks.Video, u)
		}
	}

	// One pass lasts from the first DTS to the last plus one frame.
	n := len(c.Video)
	frame := 40 * time.Millisecond
	if fps := c.Tracks.Video.FPS; fps > 0 {
		frame = time.Duration(float64(time.Second) / fps)
	} else if n >= 2 {
		frame = (c.Video[n-1].DTS - c.Video[0].DTS) / time.Duration(n-1)
	}
	p.loop = c.Video[n-1].DTS - c.Video[0].DTS + frame

	if c.StartMidGOP {
		p.start = midGOP(c.Video)
		if p.start < 0 {
			return nil, fmt.Errorf("fakecam: StartMidGOP needs non-key frames in the clip")
		}
	}

	if len(desc.Medias) > 1 {
		p.audioMedia = desc.Medias[1]
		f := p.audioMedia.Formats[0]
		p.audioClock = int64(f.ClockRate())
		p.auPerPkt = 1
		switch f := f.(type) {
		case *format.MPEG4Audio:
			enc, err := f.CreateEncoder()
			if err != nil {
				return nil, err
			}
			p.audioPack = enc.Encode
			if c.AUsPerPacket > 1 {
				p.auPerPkt = c.AUsPerPacket
			}
		case *format.MPEG4AudioLATM:
			enc, err := f.CreateEncoder()
			if err != nil {
				return nil, err
			}
			smc := f.StreamMuxConfig
			p.audioPack = func(aus [][]byte) ([]*rtp.Packet, error) {
				el, err := mpeg4audio.AudioMuxElement{
					StreamMuxConfig: smc, Payloads: [][][][]byte{{{aus[0]}}},
				}.Marshal()
				if err != nil {
					return nil, err
				}
				return enc.Encode(el)
			}
		case *format.Opus:
			enc, err := f.CreateEncoder()
			if err != nil {
				return nil, err
			}
			p.audioPack = func(frames [][]byte) ([]*rtp.Packet, error) {
				pkt, err := enc.Encode(frames[0])
				return []*rtp.Packet{pkt}, err
			}
		case *format.G711:
			enc, err := f.CreateEncoder()
			if err != nil {
				return nil, err
			}
			p.audioPack = func(samples [][]byte) ([]*rtp.Packet, error) { return enc.Encode(samples[0]) }
		}
		// Only audio inside one pass of the video loops cleanly.
		zero := c.Video[0].DTS
		for _, a := range c.Audio {
			if t := a.PTS - zero; t >= 0 && t < p.loop {
				p.audio = append(p.audio, a)
			}
		}
	}
	return p, nil
}

// midGOP returns the index of a non-key unit halfway through the first GOP,
// or -1 if there is none.
func midGOP(units []media.VideoUnit) int {
	next := len(units)
	for i := 1; i < len(units); i++ {
		if units[i].Key {
			next = i
			break
		}
	}
	for i := max(next/2, 1); i < len(units); i++ {
		if !units[i].Key {
			return i
		}
	}
	return -1
}

// cursor walks one track of the clip in a loop.
type cursor struct {
	i, pass int
	n       int
}

func (c *cursor) advance() {
	c.i++
	if c.i == c.n {
		c.i, c.pass = 0, c.pass+1
	}
}

// run sends the clip until ctx ends. Units are sent when due (by DTS for
// video, PTS for audio) relative to the start; while paused they are
// skipped, not delayed.
func (p *player) run(ctx context.Context) {
	zero := p.video[0].DTS
	startAt := p.video[p.start].DTS - zero // clip time of the first unit sent
	vc := cursor{i: p.start, n: len(p.video)}
	ac := cursor{n: len(p.audio)}
	for ac.i < ac.n && p.audio[ac.i].PTS-zero < startAt {
		ac.i++
	}
	if ac.i == ac.n {
		ac.i, ac.pass = 0, 1
	}

	clipTime := func(t time.Duration, pass int) time.Duration { return t - zero + time.Duration(pass)*p.loop }
	wall := time.Now()
	timer := time.NewTimer(0)
	defer timer.Stop()
	<-timer.C

	for {
		vt := clipTime(p.video[vc.i].DTS, vc.pass)
		isVideo := true
		next := vt
		if ac.n > 0 {
			if at := clipTime(p.audio[ac.i].PTS, ac.pass); at < vt {
				isVideo, next = false, at
			}
		}
		timer.Reset(time.Until(wall.Add(next - startAt)))
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		if isVideo {
			if !p.cam.paused.Load() {
				u := p.video[vc.i]
				pts := clipTime(u.PTS, vc.pass)
				p.send(p.videoMedia, p.videoPack, p.videoNALUs[vc.i], p.videoTS, pts, 90000)
				if p.cam.OnVideoSent != nil {
					p.cam.OnVideoSent(pts, u.Key, time.Now())
				}
			}
			vc.advance()
			continue
		}
		// AAC may pack several AUs in a packet; the group stops at the end
		// of the pass so that its implied timestamps stay exact.
		group := [][]byte{p.audio[ac.i].Data}
		t := clipTime(p.audio[ac.i].PTS, ac.pass)
		ac.advance()
		for len(group) < p.auPerPkt && ac.i != 0 {
			group = append(group, p.audio[ac.i].Data)
			ac.advance()
		}
		if !p.cam.paused.Load() {
			p.send(p.audioMedia, p.audioPack, group, p.audioTS, t, p.audioClock)
		}
	}
}

// send packetizes data and writes the packets with the RTP timestamp of
// clip time t.
func (p *player) send(m *description.Media, pack packetizer, data [][]byte, base uint32, t time.Duration, clock int64) {
	pkts, err := pack(data)
	if err != nil {
		return // a clip the packetizer rejects: nothing sensible to send
	}
	// Split to keep t·clock from overflowing on long runs.
	ticks := int64(t/time.Second)*clock + int64(t%time.Second)*clock/int64(time.Second)
	ts := base + uint32(ticks)
	for _, pkt := range pkts {
		pkt.Timestamp += ts
		_ = p.stream.WritePacketRTP(m, pkt) // fails only once the stream is closed
	}
}
