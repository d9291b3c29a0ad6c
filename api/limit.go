package api

import (
	"sync"
	"time"
)

// The failure limit: each client may send failLimit requests without the
// right token, and earns one more every failRefill; with none left, it
// gets 429 until it has one again. Guessing a 128-bit token at one try
// every six seconds is hopeless, and a script with a stale token learns
// it at once.
const (
	failLimit  = 10
	failRefill = 6 * time.Second
	// maxClients bounds the table: clients whose allowance is whole again
	// are forgotten first, then the oldest.
	maxClients = 4096
)

type limiter struct {
	mu      sync.Mutex
	clients map[string]*allowance
}

type allowance struct {
	left float64   // failures still allowed
	at   time.Time // when left was last brought up to date
}

func newLimiter() *limiter { return &limiter{clients: map[string]*allowance{}} }

// refill brings a up to date at now.
func (a *allowance) refill(now time.Time) {
	a.left = min(failLimit, a.left+now.Sub(a.at).Seconds()/failRefill.Seconds())
	a.at = now
}

// blocked says how long client must wait, or 0.
func (l *limiter) blocked(client string, now time.Time) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.clients[client]
	if !ok {
		return 0
	}
	a.refill(now)
	if a.left >= 1 {
		return 0
	}
	return time.Duration((1 - a.left) * float64(failRefill))
}

// fail counts one request of client without the right token.
func (l *limiter) fail(client string, now time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	a, ok := l.clients[client]
	if !ok {
		if len(l.clients) >= maxClients {
			l.forget(now)
		}
		a = &allowance{left: failLimit, at: now}
		l.clients[client] = a
	}
	a.refill(now)
	a.left = max(a.left-1, 0)
}

// forget makes room in the table.
func (l *limiter) forget(now time.Time) {
	var oldest string
	for c, a := range l.clients {
		a.refill(now)
		if a.left >= failLimit {
			delete(l.clients, c)
		} else if oldest == "" || a.at.Before(l.clients[oldest].at) {
			oldest = c
		}
	}
	if len(l.clients) >= maxClients {
		delete(l.clients, oldest)
	}
}
