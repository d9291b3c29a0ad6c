package relay

import (
	"math/rand/v2"
	"testing"
	"time"
)

func TestRateGate(t *testing.T) {
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name             string
		sourceFPS        float64
		jitter           time.Duration // each arrival ± up to this
		gateFPS          float64
		wantMin, wantMax int // events passed in 10 s
	}{
		{"30 fps camera with jitter through a 30 fps gate loses nothing", 30, 6 * time.Millisecond, 30, 299, 301},
		{"25 fps camera through a 30 fps gate loses nothing", 25, 3 * time.Millisecond, 30, 250, 250},
		{"60 fps source is halved", 60, 2 * time.Millisecond, 30, 298, 302},
		{"30 fps camera through a 5 fps gate", 30, 6 * time.Millisecond, 5, 49, 51},
		{"30 fps camera through a 15 fps gate", 30, 0, 15, 149, 151},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			var g rateGate
			interval := time.Duration(float64(time.Second) / tc.gateFPS)
			frames := int(10 * tc.sourceFPS)
			passed := 0
			for i := range frames {
				at := start.Add(time.Duration(float64(i) * float64(time.Second) / tc.sourceFPS))
				if tc.jitter > 0 {
					at = at.Add(time.Duration(rng.Int64N(int64(2*tc.jitter))) - tc.jitter)
				}
				if g.allow(at, interval) {
					passed++
				}
			}
			if passed < tc.wantMin || passed > tc.wantMax {
				t.Errorf("%d of %d frames passed, want %d to %d", passed, frames, tc.wantMin, tc.wantMax)
			}
		})
	}
}

func TestRateGateRestartsAfterAPause(t *testing.T) {
	var g rateGate
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	interval := time.Second / 10
	for range 5 {
		if !g.allow(at, interval) {
			t.Fatal("a frame on schedule was refused")
		}
		at = at.Add(interval)
	}
	// Five seconds without frames, then frames at 30 fps: no burst to catch
	// up, 10 a second from the restart.
	at = at.Add(5 * time.Second)
	passed := 0
	for i := range 30 {
		if g.allow(at.Add(time.Duration(i)*time.Second/30), interval) {
			passed++
		}
	}
	if passed < 10 || passed > 11 {
		t.Errorf("%d frames passed in the second after the pause, want 10", passed)
	}
}
