package media

import (
	"math/rand/v2"
	"time"
)

// Backoff yields reconnect delays: Min, doubling up to Max, each with ±20 %
// jitter so that many relays or destinations that lost the same peer do not
// knock in step, and kept within [Floor, Max]. The zero value of Floor is no
// floor. The camera (media/relay) and every destination (media/rtmp) retry
// with it.
type Backoff struct {
	Min, Max, Floor time.Duration

	cur time.Duration
}

// Next returns the delay before the next attempt.
func (b *Backoff) Next() time.Duration {
	if b.cur == 0 {
		b.cur = b.Min
	}
	d := b.cur
	b.cur = min(b.cur*2, b.Max)
	j := time.Duration(float64(d) * (0.8 + 0.4*rand.Float64()))
	return min(max(j, b.Floor), b.Max)
}

// Reset starts again from Min: the connection was up long enough to count
// as a recovery, not a flap.
func (b *Backoff) Reset() { b.cur = 0 }
