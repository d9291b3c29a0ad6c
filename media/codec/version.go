package codec

// #cgo pkg-config: libavutil libavcodec
// #include <libavutil/avutil.h>
// #include <libavcodec/avcodec.h>
import "C"

import (
	"strings"

	"github.com/asticode/go-astiav"
)

// FFmpegBuild describes the FFmpeg the engine runs on, for --version:
// "FFmpeg 5.1.9 and x264 (GPL)" for the project's own static build, with
// "system shared libraries" added when it runs on the system's FFmpeg.
func FFmpegBuild() string {
	var b strings.Builder
	b.WriteString("FFmpeg ")
	b.WriteString(C.GoString(C.av_version_info()))
	if astiav.FindEncoderByName(videoEncoder) != nil {
		b.WriteString(" and x264")
	}
	var notes []string
	if strings.HasPrefix(C.GoString(C.avcodec_license()), "GPL") {
		notes = append(notes, "GPL")
	}
	if strings.Contains(C.GoString(C.avcodec_configuration()), "--enable-shared") {
		notes = append(notes, "system shared libraries")
	}
	if len(notes) > 0 {
		b.WriteString(" (" + strings.Join(notes, ", ") + ")")
	}
	return b.String()
}
