package relay

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// recordings lists the files of a recording folder.
func recordings(t *testing.T, dir string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, "*.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// fileDuration is what ffprobe reads as a file's duration, in seconds.
func fileDuration(t *testing.T, path string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	d, err := strconv.ParseFloat(strings.TrimSpace(string(out)), 64)
	if err != nil {
		t.Fatalf("ffprobe %s: duration %q", path, out)
	}
	return d
}

func TestRecordOnly(t *testing.T) {
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
	dir := filepath.Join(t.TempDir(), "Relay Studio", "Gate")
	r := startRelay(t, Config{Input: cam.URL(), Record: RecordConfig{Dir: dir}})
	s := waitFor(t, r, 20*time.Second, "a recording", func(s Stats) bool {
		return s.Recording != nil && s.Recording.Recording && s.Recording.Bytes > 0
	})
	if s.State != StateLive || len(s.Destinations) != 0 {
		t.Errorf("a stream that only records: %v, %d destinations", s.State, len(s.Destinations))
	}
	relayFor(t, r, 3*time.Second)
	files := recordings(t, dir)
	if len(files) != 1 {
		t.Fatalf("recordings %v", files)
	}
	rep, err := ingest.Probe(t.Context(), files[0])
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recorded: %v", rep)
	if rep.VideoCodec != "h264" || rep.Width != 320 || rep.AudioCodec != "aac" || !rep.FirstVideoIsKey ||
		float64(rep.VideoFrames) < 0.9*float64(r.Stats().Video.Frames) {
		t.Errorf("recorded %v; the relay sent %d frames", rep, r.Stats().Video.Frames)
	}
	if e := decodeErrors(t, files[0]); e != "" {
		t.Errorf("the recording does not decode cleanly:\n%s", e)
	}
}

// TestRecordingKeepsTheSlate records a copy relay whose camera goes away
// for a few seconds: one file (the slate is at the camera's size), as long
// as the stream ran, decoding across both switches.
func TestRecordingKeepsTheSlate(t *testing.T) {
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	dir := t.TempDir()
	r := startRelay(t, Config{
		Input: cam.URL(), Record: RecordConfig{Dir: dir},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive && s.Video.Frames >= 30 })
	began := time.Now()
	cam.Pause()
	waitFor(t, r, 10*time.Second, "the slate", func(s Stats) bool { return !s.SlateSince.IsZero() })
	time.Sleep(3 * time.Second)
	cam.Resume()
	waitFor(t, r, 20*time.Second, "the camera back", func(s Stats) bool { return s.SlateSince.IsZero() && s.Input.State == StateLive })
	time.Sleep(2 * time.Second)
	ran := time.Since(began).Seconds()
	r.Close()
	files := recordings(t, dir)
	if len(files) != 1 {
		t.Fatalf("recordings %v: want one file across the slate", files)
	}
	// The 2 s before the slate went on sent nothing, and the timeline
	// does not count them; everything else is in the file.
	if d, want := fileDuration(t, files[0]), ran-media.DefaultSlateAfter.Seconds(); d < want {
		t.Errorf("the recording lasts %.1f s, want at least %.1f s: the stream ran %.1f s since the camera went away", d, want, ran)
	}
	if e := decodeErrors(t, files[0]); e != "" {
		t.Errorf("the recording does not decode across the slate:\n%s", e)
	}
}

// TestSetRecordLive starts and stops a recording while a destination
// stays connected.
func TestSetRecordLive(t *testing.T) {
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{Input: cam.URL(), Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}}})
	waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive && s.Video.Frames >= 30 })
	if s := r.Stats(); s.Recording != nil {
		t.Errorf("recording stats without a recording: %+v", s.Recording)
	}
	dir := t.TempDir()
	if err := r.SetRecord(RecordConfig{Dir: dir, Split: time.Second}); err == nil {
		t.Error("a 1 s split was taken")
	}
	if err := r.SetRecord(RecordConfig{Dir: dir}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 10*time.Second, "a recording", func(s Stats) bool { return s.Recording != nil && s.Recording.Bytes > 50_000 })
	if err := r.SetRecord(RecordConfig{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, r, 10*time.Second, "the recording stopped", func(s Stats) bool { return s.Recording == nil })
	if files := recordings(t, dir); len(files) != 1 || fileDuration(t, files[0]) < 1 {
		t.Errorf("recordings %v", files)
	}
	if d := destStats(t, r.Stats(), "nginx"); d.Reconnects != 0 || d.State != StateLive {
		t.Errorf("destination %+v after the recording started and stopped", d)
	}
}

// TestRecordingFailureSparesTheStream records into a folder that cannot be
// made: the recording says why, the destination stays live.
func TestRecordingFailureSparesTheStream(t *testing.T) {
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	file := filepath.Join(t.TempDir(), "a file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := startRelay(t, Config{Input: cam.URL(), Record: RecordConfig{Dir: filepath.Join(file, "recordings")},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}}})
	s := waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive && s.Video.Frames >= 60 })
	if s.Recording == nil || s.Recording.Recording || !strings.Contains(s.Recording.Error, "cannot record into") {
		t.Errorf("recording stats %+v: want the folder's error", s.Recording)
	}
	if d := destStats(t, s, "nginx"); d.State != StateLive {
		t.Errorf("destination %+v: the stream must go on", d)
	}
}

// TestRecordingDiskFull records onto a 400 KB disk (a tmpfs in a private
// mount namespace): the recording stops with "the disk is full", the
// stream goes on to nginx, and what was written plays.
func TestRecordingDiskFull(t *testing.T) {
	dir, inside := testx.OnSmallDisk(t, "400k")
	if !inside {
		return
	}
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{Input: cam.URL(), Record: RecordConfig{Dir: dir},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}}})
	s := waitFor(t, r, 30*time.Second, "the disk full", func(s Stats) bool { return s.Recording != nil && s.Recording.Error != "" })
	t.Logf("recording: %+v", *s.Recording)
	if !strings.Contains(s.Recording.Error, "the disk is full: free some space") || s.Recording.Recording {
		t.Errorf("recording stats %+v: want it stopped, saying the disk is full", s.Recording)
	}
	frames := s.Video.Frames
	s = waitFor(t, r, 10*time.Second, "the stream going on", func(s Stats) bool { return s.Video.Frames > frames+60 })
	if d := destStats(t, s, "nginx"); d.State != StateLive || d.Reconnects != 0 {
		t.Errorf("destination %+v after the disk filled", d)
	}
	files := recordings(t, dir)
	if len(files) != 1 {
		t.Fatalf("recordings %v", files)
	}
	if d := fileDuration(t, files[0]); d < 0.5 {
		t.Errorf("the full disk's recording plays %.1f s", d)
	}
}
