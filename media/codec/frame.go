package codec

// #cgo pkg-config: libavutil
// #include <libavutil/frame.h>
import "C"

import (
	"unsafe"

	"github.com/asticode/go-astiav"
)

// What go-astiav v0.16.0 does not bind: writing into a frame's planes.

// makeWritable gives f buffers of its own (copying them when shared), so
// that its planes may be written.
func makeWritable(f *astiav.Frame) error {
	if ret := C.av_frame_make_writable((*C.AVFrame)(f.UnsafePointer())); ret < 0 {
		return astiav.Error(ret)
	}
	return nil
}

// plane returns the first n bytes of f's plane i (n is the caller's to
// get right: linesize times rows for pictures, samples times sample size
// for audio). The slice is valid while f holds its buffers.
func plane(f *astiav.Frame, i, n int) []byte {
	p := (*C.AVFrame)(f.UnsafePointer()).data[i]
	if p == nil || n <= 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(p)), n)
}
