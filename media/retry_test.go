package media

import (
	"testing"
	"time"
)

func TestBackoff(t *testing.T) {
	normal := Backoff{Min: time.Second, Max: 30 * time.Second}
	for i, base := range []time.Duration{1, 2, 4, 8, 16, 30, 30, 30} {
		base *= time.Second
		d := normal.Next()
		if d < base*8/10 || d > min(base*12/10, 30*time.Second) {
			t.Errorf("attempt %d: %s, want %s ±20%% capped at 30s", i, d, base)
		}
	}
	normal.Reset()
	if d := normal.Next(); d > 1200*time.Millisecond {
		t.Errorf("after reset: %s", d)
	}
	refused := Backoff{Min: 10 * time.Second, Max: 60 * time.Second, Floor: 10 * time.Second}
	for i := range 8 {
		if d := refused.Next(); d < 10*time.Second || d > 60*time.Second {
			t.Errorf("refused attempt %d: %s, want 10s..60s", i, d)
		}
	}
}
