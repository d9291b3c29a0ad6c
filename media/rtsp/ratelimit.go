package rtsp

import (
	"sync"
	"time"
)

// logLimiter lets a noisy event be logged at most once per interval per
// kind, and counts what happened in between so the message can say so.
// Cameras on lossy networks report lost packets many times a second
// (gortsplib issue #750); one line a second is enough.
type logLimiter struct {
	interval time.Duration

	mu    sync.Mutex
	kinds map[string]*limitState
}

type limitState struct {
	last    time.Time
	pending uint64 // events (or units, e.g. packets) since the last report
}

func newLogLimiter(interval time.Duration) *logLimiter {
	return &logLimiter{interval: interval, kinds: make(map[string]*limitState)}
}

// note records n events of kind at now. It returns report=true when a line
// should be logged, with the number of events it covers (including this one).
func (l *logLimiter) note(kind string, n uint64, now time.Time) (total uint64, report bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.kinds[kind]
	if st == nil {
		st = &limitState{}
		l.kinds[kind] = st
	}
	st.pending += n
	if !st.last.IsZero() && now.Sub(st.last) < l.interval {
		return 0, false
	}
	total, st.pending, st.last = st.pending, 0, now
	return total, true
}
