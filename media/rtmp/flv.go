package rtmp

import (
	"encoding/binary"
	"errors"
	"fmt"
	"time"

	"github.com/yutopp/go-amf0"

	"github.com/relaystudio/relaystudio/media"
)

// FLV tag bodies as RTMP carries them: the FLV tag without its 11-byte tag
// header. Layouts follow the FLV specification v10.1 (annex E.4.2/E.4.3,
// "AUDIODATA"/"VIDEODATA") and ISO/IEC 14496-15 §5.2.4.1 for the
// AVCDecoderConfigurationRecord.

const (
	flvVideoKeyAVC   = 0x17 // FrameType 1 (keyframe) << 4 | CodecID 7 (AVC)
	flvVideoInterAVC = 0x27 // FrameType 2 (inter frame) << 4 | CodecID 7
	flvAVCSeqHeader  = 0x00 // AVCPacketType: AVCDecoderConfigurationRecord
	flvAVCNALU       = 0x01 // AVCPacketType: one access unit of AVCC NALUs

	// 0xAF = SoundFormat 10 (AAC) << 4 | 44 kHz | 16 bit | stereo. For AAC
	// the rate/size/channel bits are fixed by the spec and decoders read the
	// real values from the AudioSpecificConfig.
	flvAudioAAC     = 0xAF
	flvAACSeqHeader = 0x00 // AACPacketType: AudioSpecificConfig
	flvAACRaw       = 0x01 // AACPacketType: one raw AAC access unit

	naluTypeAUD = 9 // H.264 access unit delimiter

	flvCodecIDAVC = 7  // videocodecid in onMetaData
	flvCodecIDAAC = 10 // audiocodecid in onMetaData
)

// AVCSequenceHeader returns the FLV video tag body that announces an H.264
// stream: 0x17 0x00, a zero composition time, then the
// AVCDecoderConfigurationRecord built from one SPS and one PPS (NAL units
// without start codes). It fails when the SPS is too short to hold the
// profile and level, or the PPS is missing.
func AVCSequenceHeader(sps, pps []byte) ([]byte, error) {
	if len(sps) < 4 {
		return nil, fmt.Errorf("H.264 SPS is %d bytes, too short (need at least 4)", len(sps))
	}
	if len(pps) == 0 {
		return nil, errors.New("H.264 PPS is missing")
	}
	if len(sps) > 0xFFFF || len(pps) > 0xFFFF {
		return nil, errors.New("H.264 SPS or PPS is larger than 64 KiB")
	}
	b := make([]byte, 0, 5+11+len(sps)+len(pps))
	b = append(b, flvVideoKeyAVC, flvAVCSeqHeader, 0, 0, 0)
	b = append(b,
		1,      // configurationVersion
		sps[1], // AVCProfileIndication
		sps[2], // profile_compatibility
		sps[3], // AVCLevelIndication
		0xFF,   // 6 reserved bits + lengthSizeMinusOne = 3 (4-byte NALU lengths)
		0xE1,   // 3 reserved bits + numOfSequenceParameterSets = 1
	)
	b = binary.BigEndian.AppendUint16(b, uint16(len(sps)))
	b = append(b, sps...)
	b = append(b, 1) // numOfPictureParameterSets
	b = binary.BigEndian.AppendUint16(b, uint16(len(pps)))
	b = append(b, pps...)
	return b, nil
}

// VideoTagBody returns the FLV video tag body of one H.264 access unit:
// 0x17 (keyframe) or 0x27, 0x01, the composition time (PTS−DTS in
// milliseconds, signed 24 bit), then the NAL units in AVCC form (each
// prefixed with its 4-byte big-endian length). Access unit delimiters and
// empty NAL units are left out: FLV frames are delimited by the tag itself.
func VideoTagBody(u media.VideoUnit) []byte {
	size := 5
	for _, n := range u.NALUs {
		if keepNALU(n) {
			size += 4 + len(n)
		}
	}
	b := make([]byte, 5, size)
	b[0] = flvVideoInterAVC
	if u.Key {
		b[0] = flvVideoKeyAVC
	}
	b[1] = flvAVCNALU
	putSI24(b[2:5], compositionTime(u.PTS, u.DTS))
	for _, n := range u.NALUs {
		if keepNALU(n) {
			b = binary.BigEndian.AppendUint32(b, uint32(len(n)))
			b = append(b, n...)
		}
	}
	return b
}

func keepNALU(n []byte) bool {
	return len(n) > 0 && n[0]&0x1F != naluTypeAUD
}

// compositionTime is PTS−DTS rounded to milliseconds. A PTS before its DTS
// cannot happen in valid H.264, so it is sent as 0 rather than as a value
// that would make players show the frame before decoding it.
func compositionTime(pts, dts time.Duration) int32 {
	d := (pts - dts).Round(time.Millisecond) / time.Millisecond
	switch {
	case d < 0:
		return 0
	case d > 0x7FFFFF:
		return 0x7FFFFF
	}
	return int32(d)
}

func putSI24(b []byte, v int32) {
	u := uint32(v) & 0xFFFFFF
	b[0], b[1], b[2] = byte(u>>16), byte(u>>8), byte(u)
}

// AACSequenceHeader returns the FLV audio tag body that announces an AAC
// stream: 0xAF 0x00 then the MPEG-4 AudioSpecificConfig.
func AACSequenceHeader(asc []byte) []byte {
	return append([]byte{flvAudioAAC, flvAACSeqHeader}, asc...)
}

// AudioTagBody returns the FLV audio tag body of one raw AAC access unit
// (no ADTS header): 0xAF 0x01 then the access unit.
func AudioTagBody(au []byte) []byte {
	return append([]byte{flvAudioAAC, flvAACRaw}, au...)
}

// Metadata is what a publisher announces in onMetaData before the media.
// Ingest servers show it and some use it to size buffers; zero fields are
// left out.
type Metadata struct {
	Width, Height   int     // pixels
	FPS             float64 // frames per second
	VideoBitrate    int     // bits per second
	AudioBitrate    int     // bits per second
	AudioSampleRate int     // Hz
	AudioChannels   int
	HasAudio        bool   // false: no audio fields at all
	Encoder         string // e.g. "Relay Studio 1.0"
}

// ecmaArray converts the metadata into the onMetaData ECMA array, with the
// names and units FFmpeg's FLV muxer uses: codec ids from the FLV spec,
// data rates in kb/s.
func (m Metadata) ecmaArray() amf0.ECMAArray {
	a := amf0.ECMAArray{
		"duration":     0.0, // live
		"videocodecid": float64(flvCodecIDAVC),
	}
	positive := func(name string, v float64) {
		if v > 0 {
			a[name] = v
		}
	}
	positive("width", float64(m.Width))
	positive("height", float64(m.Height))
	positive("framerate", m.FPS)
	positive("videodatarate", float64(m.VideoBitrate)/1000)
	if m.HasAudio {
		a["audiocodecid"] = float64(flvCodecIDAAC)
		a["audiosamplesize"] = 16.0
		a["stereo"] = m.AudioChannels >= 2
		positive("audiodatarate", float64(m.AudioBitrate)/1000)
		positive("audiosamplerate", float64(m.AudioSampleRate))
	}
	if m.Encoder != "" {
		a["encoder"] = m.Encoder
	}
	return a
}
