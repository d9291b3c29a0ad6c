package studio

import (
	"errors"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/settings"
)

func TestIDs(t *testing.T) {
	got := IDs([]string{"Door camera", "door  CAMERA!", "Garten (Süd)", "门口 摄像头", "***", "", "Door-camera"})
	want := []string{"door-camera", "door-camera-2", "garten-süd", "门口-摄像头", "stream", "stream-2", "door-camera-3"}
	if !slices.Equal(got, want) {
		t.Fatalf("IDs = %q, want %q", got, want)
	}
}

// The headless controller: streams by ID, a change saved and applied
// live, a refused change neither kept nor saved.
func TestHeadlessController(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	s, _ := newStudio(t, nil)
	cfg := settings.Default()
	cfg.Streams[0] = patternTo(n, "Test pattern")
	cfg.Streams[0].Video.Mode, cfg.Streams[0].Video.Size, cfg.Streams[0].Video.Preset = settings.VideoH264, "320x180", "ultrafast"
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	h := NewHeadless(s, cfg, path)
	if err := h.Start("nope"); !errors.Is(err, ErrUnknownStream) {
		t.Fatalf("Start(nope) = %v", err)
	}
	if err := h.Stop("test-pattern"); !errors.Is(err, ErrNotLive) {
		t.Fatalf("Stop of a stream that is off = %v", err)
	}
	if err := h.Start("test-pattern"); err != nil {
		t.Fatal(err)
	}
	st := h.Views()[0].Stream
	waitLive(t, st)
	err := h.Update("test-pattern", ChangeOutput, func(s *settings.Stream) error {
		s.Video.Bitrate = "600k"
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if saved, _ := settings.Load(path); saved.Streams[0].Video.Bitrate != "600k" {
		t.Errorf("the change was not saved: %q", saved.Streams[0].Video.Bitrate)
	}
	if st.Stats().Destinations[0].Reconnects != 0 {
		t.Error("a live output change reconnected the destination")
	}
	err = h.Update("test-pattern", ChangeOutput, func(s *settings.Stream) error {
		s.Video.Bitrate = "fast"
		return nil
	})
	if err == nil || h.Views()[0].Saved.Video.Bitrate != "600k" {
		t.Fatalf("a bad bitrate: %v, kept %q", err, h.Views()[0].Saved.Video.Bitrate)
	}
	// The last destination switched off: nowhere to send, the stream stops.
	err = h.Update("test-pattern", ChangeDestinations, func(s *settings.Stream) error {
		s.Destinations[0].Enabled = false
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if st.Live() {
		t.Error("still live with its only destination off")
	}
}

func waitLive(t *testing.T, st *Stream) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if s := st.Stats(); len(s.Destinations) > 0 && s.Destinations[0].State == "live" {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("not live: %+v", st.Stats())
}
