package codec

import (
	"fmt"
	"time"

	"github.com/asticode/go-astiav"
)

// Pattern generates the moving test pattern: FFmpeg's testsrc2 with the
// wall clock (local time, HH:MM:SS) drawn over it.
type Pattern struct {
	g     *graph
	clock *clock
	fps   float64
	frame *astiav.Frame
	out   Frame
	n     int64
}

// NewPattern returns a w x h pattern at fps frames per second.
func NewPattern(w, h, fps int) (*Pattern, error) {
	if w < 16 || h < 16 || w%2 != 0 || h%2 != 0 || fps < 1 || fps > 120 {
		return nil, fmt.Errorf("test pattern %dx%d at %d fps is out of range", w, h, fps)
	}
	g, err := newGraph(fmt.Sprintf("testsrc2=size=%dx%d:rate=%d,format=yuv420p", w, h, fps), "", nil, "buffersink")
	if err != nil {
		return nil, err
	}
	c, err := newClock(w, h)
	if err != nil {
		g.close()
		return nil, err
	}
	p := &Pattern{g: g, clock: c, fps: float64(fps), frame: astiav.AllocFrame()}
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
	if err := p.clock.draw(p.frame, time.Now().Format("15:04:05")); err != nil {
		p.frame.Unref()
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
	p.clock.close()
}
