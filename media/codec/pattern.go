package codec

import (
	"fmt"
	"log/slog"
	"time"

	"github.com/asticode/go-astiav"
)

// Pattern generates the moving test pattern: FFmpeg's testsrc2 with the
// wall clock drawn over it.
type Pattern struct {
	g     *graph
	fps   float64
	frame *astiav.Frame
	out   Frame
	n     int64
}

// NewPattern returns a w x h pattern at fps frames per second. When the
// clock cannot be drawn (no font), the pattern comes without it and log is
// told once.
func NewPattern(w, h, fps int, log *slog.Logger) (*Pattern, error) {
	if w < 16 || h < 16 || w%2 != 0 || h%2 != 0 || fps < 1 || fps > 120 {
		return nil, fmt.Errorf("test pattern %dx%d at %d fps is out of range", w, h, fps)
	}
	base := fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", w, h, fps)
	// %X is the time of day, HH:MM:SS; "\:" keeps drawtext from reading
	// the colon as an option separator.
	clock := fmt.Sprintf(",drawtext=text='%%{localtime\\:%%X}':fontcolor=white:fontsize=%d:box=1:boxcolor=black@0.6:boxborderw=%d:x=(w-tw)/2:y=h-th-%d",
		h/10, h/60+2, h/16)
	format := ",format=yuv420p"
	g, err := newGraph(base+clock+format, "", nil, "buffersink")
	if err != nil {
		if log != nil {
			log.Warn("test pattern without clock", "error", err)
		}
		if g, err = newGraph(base+format, "", nil, "buffersink"); err != nil {
			return nil, err
		}
	}
	p := &Pattern{g: g, fps: float64(fps), frame: astiav.AllocFrame()}
	live.Add(1)
	p.out.f = p.frame
	return p, nil
}

// Next renders the next picture and hands it to fn; pictures are stamped
// n/fps from zero.
func (p *Pattern) Next(fn func(*Frame)) error {
	if err := p.g.pull(p.frame); err != nil {
		return wrap("test pattern", err)
	}
	p.out.pts = time.Duration(float64(p.n) / p.fps * float64(time.Second))
	p.n++
	fn(&p.out)
	p.frame.Unref()
	return nil
}

// Close frees the pattern.
func (p *Pattern) Close() {
	p.frame.Free()
	live.Add(-1)
	p.g.close()
}
