// Package media holds the types shared by every part of the Relay Studio engine:
// coded media units, track descriptions, and the small parsers for the
// settings a streamer types (sizes, bitrates, durations).
//
// The engine lives in sub-packages: rtsp (cameras), testsrc (the built-in
// pattern), codec (FFmpeg through astiav), rtmp (publishing) and relay (a
// running stream). Third-party types never cross this package's API: the UI
// and the command line see only what is declared here and in relay.
package media

import (
	"time"
)

// Codec identifies a coded media format.
type Codec int

// Codecs the engine knows about.
const (
	CodecUnknown Codec = iota
	CodecH264
	CodecH265
	CodecAAC
	CodecOpus
	CodecPCMU // G.711 µ-law
	CodecPCMA // G.711 A-law
)

// String returns the codec's conventional short name ("h264", "aac", ...).
func (c Codec) String() string {
	switch c {
	case CodecH264:
		return "h264"
	case CodecH265:
		return "h265"
	case CodecAAC:
		return "aac"
	case CodecOpus:
		return "opus"
	case CodecPCMU:
		return "pcm_mulaw"
	case CodecPCMA:
		return "pcm_alaw"
	default:
		return "unknown"
	}
}

// VideoTrack describes a video track.
type VideoTrack struct {
	Codec  Codec
	Width  int // pixels, 0 if not known yet
	Height int
	// FPS is the nominal frame rate when the bitstream declares one (0 = unknown).
	FPS float64
	// Parameter sets without start codes. For H.264 SPS and PPS; for H.265
	// also VPS. Sources fill them before the first unit of a session.
	VPS, SPS, PPS []byte
}

// H264Profile names the H.264 profile of the track's SPS ("baseline",
// "main", "high", "high10" …), "" for another codec or an unknown one.
func (v VideoTrack) H264Profile() string {
	if v.Codec != CodecH264 || len(v.SPS) < 2 {
		return ""
	}
	switch v.SPS[1] { // profile_idc, after the NAL header
	case 66:
		return "baseline"
	case 77:
		return "main"
	case 88:
		return "extended"
	case 100:
		return "high"
	case 110:
		return "high10"
	case 122:
		return "high422"
	case 244:
		return "high444"
	}
	return ""
}

// AudioTrack describes an audio track.
type AudioTrack struct {
	Codec      Codec
	SampleRate int
	Channels   int
	// Config is the MPEG-4 AudioSpecificConfig for AAC, nil otherwise.
	Config []byte
}

// Tracks is what a source delivers in one session.
type Tracks struct {
	Video *VideoTrack // never nil for a usable source
	Audio *AudioTrack // nil when the source has no (supported) audio
}

// VideoUnit is one coded video access unit.
//
// NALUs carry no start codes and no length prefixes. The slices are owned by
// the receiver once delivered: a source never writes into them again, so they
// may be shared read-only between goroutines.
type VideoUnit struct {
	PTS   time.Duration // presentation time since the session's zero
	DTS   time.Duration // decoding time; equals PTS without B-frames
	Key   bool          // a random access point (IDR), parameter sets included
	NALUs [][]byte
}

// AudioUnit is one coded audio access unit (an AAC AU, an Opus packet, or a
// run of G.711 samples). Data is owned by the receiver once delivered.
type AudioUnit struct {
	PTS  time.Duration
	Data []byte
}

// Sink receives what a source produces. Sources call it from their own
// goroutines, possibly concurrently for video and audio; implementations
// must be safe for that and must never block (queue and drop instead).
type Sink interface {
	// Tracks is called at the start of every session, before any unit.
	Tracks(Tracks)
	Video(VideoUnit)
	Audio(AudioUnit)
}
