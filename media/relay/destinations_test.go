package relay

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
)

// TestDestinationsChangeLive: adding a destination to a live stream, then
// removing the first one, never reconnects the camera nor interrupts the
// destination that stays, and the new one starts at a keyframe.
func TestDestinationsChangeLive(t *testing.T) {
	const secondKey = "key-second-71d0"
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	first := Destination{Name: "first", URL: n.URL("live", testKey)}
	second := Destination{Name: "second", URL: n.URL("live", secondKey)}
	r := startRelay(t, Config{Input: cam.URL(), RTSPTransport: "tcp", Destinations: []Destination{first}})
	// Sending media, not only the handshake (a few hundred bytes).
	const sending = 100_000
	waitFor(t, r, 20*time.Second, "the first destination sending", func(s Stats) bool {
		d := destStats(t, s, "first")
		return d.State == StateLive && d.BytesSent > sending
	})

	if err := r.SetDestinations([]Destination{first, second}); err != nil {
		t.Fatal(err)
	}
	before := destStats(t, r.Stats(), "first").BytesSent
	s := waitFor(t, r, 20*time.Second, "the second destination live and sending", func(s Stats) bool {
		return len(s.Destinations) == 2 && destStats(t, s, "second").State == StateLive && destStats(t, s, "second").BytesSent > sending
	})
	if f := destStats(t, s, "first"); f.Reconnects != 0 || f.BytesSent <= before || f.State != StateLive {
		t.Errorf("the first destination meanwhile: %+v (had sent %d)", f, before)
	}

	if err := r.SetDestinations([]Destination{second}); err != nil {
		t.Fatal(err)
	}
	s = waitFor(t, r, 10*time.Second, "the first destination gone", func(s Stats) bool { return len(s.Destinations) == 1 })
	kept := destStats(t, s, "second").BytesSent
	s = waitFor(t, r, 10*time.Second, "the second destination carrying on", func(s Stats) bool {
		return destStats(t, s, "second").BytesSent > kept+sending
	})
	if d := destStats(t, s, "second"); d.Reconnects != 0 || d.State != StateLive {
		t.Errorf("the second destination: %+v", d)
	}
	if s.Input.Reconnects != 0 || s.State != StateLive {
		t.Errorf("camera reconnects %d, state %s: want 0 and live", s.Input.Reconnects, s.State)
	}
	relayFor(t, r, 2*time.Second)
	checkFullRate(t, n, testKey)
	checkFullRate(t, n, secondKey) // starts with a keyframe, at 30 fps
}

// TestSetDestinationsRefusesBadInput: a bad URL changes nothing, and a
// preview-only relay says it has no output.
func TestSetDestinationsRefusesBadInput(t *testing.T) {
	r, err := New(Config{Input: TestPattern, Destinations: []Destination{{Name: "a", URL: "rtmp://127.0.0.1:1/live/" + testKey}}})
	if err != nil {
		t.Fatal(err)
	}
	err = r.SetDestinations([]Destination{{URL: "rtmp://127.0.0.1/live"}})
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "stream key") {
		t.Errorf("no key: %v, want ErrInvalid saying so", err)
	}
	if r.newDests.Load() != nil {
		t.Error("a refused change was handed to the pipeline")
	}
	preview, err := New(Config{Input: TestPattern})
	if err != nil {
		t.Fatal(err)
	}
	if err := preview.SetDestinations([]Destination{{URL: "rtmp://127.0.0.1/live/" + testKey}}); !errors.Is(err, ErrPreviewOnly) {
		t.Errorf("preview-only relay: %v, want ErrPreviewOnly", err)
	}
}
