package codec

import (
	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/media"
)

// The FFmpeg codecs the engine opens. The project's FFmpeg is built with
// exactly the components in ffmpeg/components; TestFFmpegComponents checks
// that every codec named here, and every filter that a graph of the engine
// configures, is in that list and in the FFmpeg the binary links.
var (
	// videoDecoders: what a camera's video is decoded with.
	videoDecoders = map[media.Codec]astiav.CodecID{
		media.CodecH264: astiav.CodecIDH264,
		media.CodecH265: astiav.CodecIDHevc,
	}
	// audioDecoders: what a camera's audio is decoded with when it has to
	// become AAC.
	audioDecoders = map[media.Codec]astiav.CodecID{
		media.CodecAAC:  astiav.CodecIDAac,
		media.CodecOpus: astiav.CodecIDOpus,
		media.CodecPCMU: astiav.CodecIDPcmMulaw,
		media.CodecPCMA: astiav.CodecIDPcmAlaw,
	}
)

const (
	// videoEncoder is the H.264 encoder every transcode uses.
	videoEncoder = "libx264"
	// audioEncoder is the AAC encoder (FFmpeg's own).
	audioEncoder = astiav.CodecIDAac
)

// onGraphConfigured, when set (by the tests), is given the dump of every
// filter graph the engine configures, auto-inserted filters included.
var onGraphConfigured func(dump string)
