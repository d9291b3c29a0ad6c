package studio

import (
	"errors"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/media/rtsp"
	"github.com/relaystudio/relaystudio/settings"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const testKey = "studio-key-5150"

func newStudio(t *testing.T, onEvent func(Event)) (*Studio, *testx.Buffer) {
	t.Helper()
	log, logs := testx.CaptureLog()
	s := New(Options{Logger: log, OnEvent: onEvent})
	t.Cleanup(s.Close)
	return s, logs
}

// patternTo is the test pattern, sent to nginx with testKey.
func patternTo(n *ingest.Nginx, name string) settings.Stream {
	st := settings.NewStream(name, settings.TestPatternSource)
	server := strings.TrimSuffix(n.URL("live", "x"), "/x")
	st.Destinations = []settings.Destination{settings.NewDestination("Local", server, testKey)}
	return st
}

func waitState(t *testing.T, st *Stream, want relay.State, d time.Duration) relay.Stats {
	t.Helper()
	deadline := time.Now().Add(d)
	for {
		s := st.Stats()
		if s.State == want {
			return s
		}
		if time.Now().After(deadline) {
			t.Fatalf("no %s within %v: %+v", want, d, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestLiveThenPreviewThenOff: a stream goes live to its destination, stops
// to a preview-only relay that sends nothing, and off; the log says
// started and stopped, never the key, and every relay is closed after.
func TestLiveThenPreviewThenOff(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	var events []Event
	var mu sync.Mutex
	s, logs := newStudio(t, func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() })
	saved := patternTo(n, "Door")
	st := s.NewStream()
	if err := st.Start(saved); err != nil {
		t.Fatal(err)
	}
	if st.Mode() != Live {
		t.Fatalf("mode %s after Start, want live", st.Mode())
	}
	live := waitState(t, st, relay.StateLive, 20*time.Second)
	if len(live.Destinations) != 1 || live.Destinations[0].Name != "Local" {
		t.Errorf("destinations %+v, want Local", live.Destinations)
	}
	first := st.Relay()
	if err := st.Stop(saved, Preview); err != nil {
		t.Fatal(err)
	}
	if st.Mode() != Preview || st.Relay() == nil || st.Relay() == first {
		t.Fatalf("after Stop: mode %s, want a new preview-only relay", st.Mode())
	}
	<-first.Done() // the live relay stops by itself, in the background
	if p := waitState(t, st, relay.StateLive, 10*time.Second); len(p.Destinations) != 0 {
		t.Errorf("the preview sends to %+v", p.Destinations)
	}
	if err := st.Run(saved, Off); err != nil || st.Relay() != nil || st.Mode() != Off {
		t.Errorf("after Run(Off): relay %v, mode %s, err %v", st.Relay(), st.Mode(), err)
	}
	mu.Lock()
	got := events
	mu.Unlock()
	if len(got) != 2 || got[0].Kind != Started || got[1].Kind != Stopped || got[0].Stream != "Door" {
		t.Errorf("events %+v, want started then stopped for Door", got)
	}
	l := logs.String()
	if !strings.Contains(l, "stream started") || !strings.Contains(l, "stream stopped") {
		t.Errorf("the log does not say started and stopped:\n%s", l)
	}
	if strings.Contains(l, testKey) {
		t.Errorf("the stream key is in the log:\n%s", l)
	}
}

// TestAutostart: of three saved streams, the one marked autostart with a
// key starts, the one marked autostart without a key is skipped with a
// reason, and the unmarked one stays off.
func TestAutostart(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	s, logs := newStudio(t, nil)
	withKey := patternTo(n, "With key")
	withKey.Autostart = true
	noKey := settings.NewStream("No key", settings.TestPatternSource)
	noKey.Autostart = true
	manual := patternTo(n, "Manual")
	handles := []*Stream{s.NewStream(), s.NewStream(), s.NewStream()}
	started := s.Autostart([]settings.Stream{withKey, noKey, manual}, func(i int) *Stream { return handles[i] })
	if len(started) != 1 || started[0] != handles[0] {
		t.Fatalf("started %d streams, want the first only", len(started))
	}
	if handles[0].Mode() != Live || handles[1].Mode() != Off || handles[2].Mode() != Off {
		t.Errorf("modes %s %s %s, want live off off", handles[0].Mode(), handles[1].Mode(), handles[2].Mode())
	}
	if l := logs.String(); !strings.Contains(l, "autostart skipped") || !strings.Contains(l, "No key") || !strings.Contains(l, "stream key") {
		t.Errorf("the log does not say why No key was skipped:\n%s", l)
	}
	// Without handles, Autostart makes its own.
	again := s.Autostart([]settings.Stream{withKey, noKey}, nil)
	if len(again) != 1 || again[0] == handles[0] {
		t.Errorf("without handles: %d started", len(again))
	}
}

// TestEndedEvent: a relay that stops by itself (the camera refuses the
// password at the first connection) is reported once as Ended, with why;
// a relay the studio replaces is not.
func TestEndedEvent(t *testing.T) {
	cam := fakecam.StartTest(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 15, GOP: 15, Duration: time.Second},
		func(c *fakecam.Camera) { c.User, c.Pass = "admin", "right" })

	ended := make(chan Event, 4)
	s, _ := newStudio(t, func(e Event) {
		if e.Kind == Ended {
			ended <- e
		}
	})
	u, err := url.Parse(cam.URL())
	if err != nil {
		t.Fatal(err)
	}
	u.User = url.UserPassword("admin", "not-the-pw-991")
	saved := settings.NewStream("Gate", u.String())
	saved.RTSPTransport = settings.TransportTCP
	st := s.NewStream()
	if err := st.Run(saved, Preview); err != nil {
		t.Fatal(err)
	}
	select {
	case e := <-ended:
		if e.Stream != "Gate" || !errors.Is(e.Err, rtsp.ErrUnauthorized) {
			t.Errorf("event %+v, want Gate ended by a refused password", e)
		}
		if strings.Contains(e.Err.Error(), "not-the-pw-991") {
			t.Errorf("the password is in the error: %v", e.Err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("no Ended event within 20 s")
	}
	if st.Stats().State != relay.StateFailed {
		t.Errorf("state %s, want failed", st.Stats().State)
	}

	// Replaced by the studio: no event.
	ok := settings.NewStream("Pattern", media.TestPattern)
	if err := st.Run(ok, Preview); err != nil {
		t.Fatal(err)
	}
	replaced := st.Relay()
	if err := st.Run(ok, Off); err != nil {
		t.Fatal(err)
	}
	<-replaced.Done()
	select {
	case e := <-ended:
		t.Errorf("a replaced relay was reported: %+v", e)
	case <-time.After(500 * time.Millisecond):
	}
}

// TestCanStart says what a stream lacks, in words a person acts on.
func TestCanStart(t *testing.T) {
	noDest := settings.NewStream("A", media.TestPattern)
	if err := CanStart(noDest); err == nil || !strings.Contains(err.Error(), "stream key") {
		t.Errorf("no destination: %v", err)
	}
	disabled := settings.NewStream("B", media.TestPattern)
	d := settings.NewDestination("YouTube", "rtmp://a.rtmp.youtube.com/live2", testKey)
	d.Enabled = false
	disabled.Destinations = []settings.Destination{d}
	if err := CanStart(disabled); err == nil {
		t.Error("a disabled destination counts as one to start with")
	}
	d.Enabled = true
	good := settings.NewStream("C", media.TestPattern)
	good.Destinations = []settings.Destination{d}
	if err := CanStart(good); err != nil {
		t.Errorf("a stream with a key: %v", err)
	}
	good.Video.Mode, good.Video.Preset = settings.VideoH264, "placebo"
	if err := CanStart(good); err == nil || !strings.Contains(err.Error(), "placebo") {
		t.Errorf("a bad preset: %v", err)
	}
}

// TestClosedStudioRunsNothing: after Close, Run leaves a stream off.
func TestClosedStudioRunsNothing(t *testing.T) {
	s, _ := newStudio(t, nil)
	st := s.NewStream()
	s.Close()
	if err := st.Run(settings.NewStream("P", media.TestPattern), Preview); err != nil || st.Relay() != nil {
		t.Errorf("Run after Close: relay %v, err %v", st.Relay(), err)
	}
}

// TestApplyDestinations: a destination added to a live stream joins the
// running relay; the camera session carries on. A stream that is not live
// says so, for the caller to restart it.
func TestApplyDestinations(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	s, _ := newStudio(t, nil)
	saved := patternTo(n, "Door")
	st := s.NewStream()
	if err := st.ApplyDestinations(saved); err == nil {
		t.Error("an off stream took destinations")
	}
	if err := st.Start(saved); err != nil {
		t.Fatal(err)
	}
	waitState(t, st, relay.StateLive, 20*time.Second)
	running := st.Relay()
	server := strings.TrimSuffix(n.URL("live", "x"), "/x")
	saved.Destinations = append(saved.Destinations, settings.NewDestination("Backup", server, testKey+"-backup"))
	if err := st.ApplyDestinations(saved); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		stats := st.Stats()
		if len(stats.Destinations) == 2 && stats.Destinations[1].State == relay.StateLive {
			if stats.Input.Reconnects != 0 || stats.Destinations[0].Reconnects != 0 {
				t.Errorf("reconnects: camera %d, first destination %d; want none", stats.Input.Reconnects, stats.Destinations[0].Reconnects)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the backup destination is not live: %+v", stats.Destinations)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if st.Relay() != running {
		t.Error("the relay was replaced")
	}
}

// TestConcurrentRuns: Runs of one stream from several goroutines leave it
// with one relay, and Close stops every relay any of them started (the
// leak check in TestMain fails otherwise).
func TestConcurrentRuns(t *testing.T) {
	s, _ := newStudio(t, nil)
	st := s.NewStream()
	saved := settings.NewStream("P", media.TestPattern)
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := st.Run(saved, Preview); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if st.Relay() == nil || st.Mode() != Preview {
		t.Errorf("after concurrent Runs: relay %v, mode %s", st.Relay(), st.Mode())
	}
	s.Close()
	if st.Relay() != nil {
		t.Error("a relay is left after Close")
	}
}

// TestMuteSurvivesRestart: a muted stream stays muted in the relay a
// restart runs next, until it is unmuted.
func TestMuteSurvivesRestart(t *testing.T) {
	s, _ := newStudio(t, nil)
	saved := settings.NewStream("Porch", settings.TestPatternSource)
	st := s.NewStream()
	if err := st.Run(saved, Preview); err != nil {
		t.Fatal(err)
	}
	st.SetMuted(true)
	if !st.Relay().Muted() || !st.Muted() {
		t.Fatal("SetMuted(true) did not mute the running relay")
	}
	first := st.Relay()
	if err := st.Restart(saved, "test"); err != nil {
		t.Fatal(err)
	}
	if st.Relay() == first || !st.Relay().Muted() {
		t.Error("the relay of the restart is not muted")
	}
	st.SetMuted(false)
	if st.Relay().Muted() {
		t.Error("SetMuted(false) left the relay muted")
	}
}

func TestRecordingDir(t *testing.T) {
	for _, c := range []struct{ name, want string }{
		{"Front door", "Front door"},
		{`Yard: "east"/gate`, "Yard_ _east__gate"},
		{" .. ", "stream"},
		{"con", "_con"},
		{"LPT1.cam", "_LPT1.cam"},
		{"前门", "前门"},
	} {
		if got := FileName(c.name); got != c.want {
			t.Errorf("FileName(%q) = %q, want %q", c.name, got, c.want)
		}
	}
	s := settings.NewStream("Front door", settings.TestPatternSource)
	if got := RecordingDir(s); filepath.Base(got) != "Front door" || filepath.Base(filepath.Dir(got)) != "Relay Studio" {
		t.Errorf("RecordingDir = %q, want …/Relay Studio/Front door", got)
	}
	s.RecordDir = "/srv/rec"
	if got := RecordingDir(s); got != "/srv/rec" {
		t.Errorf("RecordingDir with record_dir = %q", got)
	}
}
