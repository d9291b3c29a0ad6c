package relay

// Timing: the camera's keyframe interval and frame rate as measured, and
// one continuous timeline across camera sessions.

import (
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// observeTiming measures the source's keyframe interval and frame rate.
func (p *pipeline) observeTiming(u media.VideoUnit) {
	if u.Key {
		if p.haveKey && u.PTS > p.lastKey {
			ki := u.PTS - p.lastKey
			p.out.keyInt, p.changed = ki, true
			if ki > maxPlatformKeyInt && p.copying() {
				p.warn(fmt.Sprintf("the camera sends a keyframe every %.1f s; YouTube, Twitch and Facebook want 4 s or less: "+
					"set the camera's I-frame interval to twice its frame rate, or transcode (video h264)", ki.Seconds()))
			}
		}
		p.lastKey, p.haveKey = u.PTS, true
	}
	if d := u.PTS - p.lastPTS; p.lastPTS != 0 && d > 0 && d < time.Second && len(p.ptsDeltas) < 15 {
		p.ptsDeltas = append(p.ptsDeltas, d)
	}
	p.lastPTS = u.PTS
}

// sourceFPS is the camera's declared rate, or the median measured one once
// a few frames have been seen (0 until then).
func (p *pipeline) sourceFPS() float64 {
	if v := p.tracks.Video; v != nil && v.FPS > 0 && v.FPS <= 120 {
		return v.FPS
	}
	if len(p.ptsDeltas) < 5 {
		return 0
	}
	d := append([]time.Duration(nil), p.ptsDeltas...)
	sort.Slice(d, func(i, j int) bool { return d[i] < d[j] })
	fps := float64(time.Second) / float64(d[len(d)/2])
	// Snap to the usual camera rates: 29.97 measured as 29.9 stays 29.97.
	for _, std := range []float64{5, 10, 12, 15, 20, 24, 25, 30000.0 / 1001, 30, 50, 60000.0 / 1001, 60} {
		if math.Abs(fps-std) < 0.5 {
			return std
		}
	}
	return math.Round(fps)
}

// shift returns the offset to add to a unit of the current session at t:
// the first unit of a new session lands just after the last one sent, so
// destinations see one continuous timeline whatever the camera did.
func (p *pipeline) shift(t time.Duration) time.Duration {
	if p.rebase {
		p.rebase = false
		p.offset = p.lastOut + 100*time.Millisecond - t
	}
	p.lastOut = max(p.lastOut, t+p.offset)
	return p.offset
}

// maxPlatformKeyInt is the longest keyframe interval platforms accept.
const maxPlatformKeyInt = 4 * time.Second
