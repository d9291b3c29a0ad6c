package relay

import (
	"context"
	"errors"
	"image"
	"image/color"
	"image/png"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// slateBackWithin is the acceptance: the camera's picture is back at the
// destinations within 3 s of the camera answering again.
const slateBackWithin = 3 * time.Second

// TestSlateKeepsDestinationsLive stops the camera mid-stream and checks,
// at nginx and in wall-clock time, that pictures and sound keep arriving
// at the stream's rate while it is away (after the slate's 2 s), that the
// camera's picture is back within 3 s of the camera, that nginx saw one
// publish with one timeline, and that a viewer decodes across both
// switches without an error. The copy case is the acceptance's 30 s
// outage.
func TestSlateKeepsDestinationsLive(t *testing.T) {
	for _, tc := range []struct {
		name   string
		video  VideoConfig
		outage time.Duration
		image  bool
	}{
		{"copy", VideoConfig{}, 30 * time.Second, false},
		{"transcode", VideoConfig{Mode: VideoH264, Size: media.Size{Width: 480, Height: 270}, Bitrate: 800_000}, 8 * time.Second, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, recordClip(t, 640, 360, true), nil)
			n := ingest.StartNginx(t, ingest.Options{})
			cfg := Config{
				Name: "Slate test", Input: cam.URL(), Video: tc.video,
				Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
			}
			if tc.image {
				cfg.Slate.Image = writeSlateImage(t, 400, 400)
			}
			r := startRelay(t, cfg)
			waitFor(t, r, 20*time.Second, "two seconds of video", func(s Stats) bool {
				return s.State == StateLive && s.Video.Frames >= 60
			})
			w := ingest.Watch(t, n.URL("live", testKey))
			ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
			defer cancel()
			if err := w.WaitFrames(ctx, 30); err != nil {
				t.Fatalf("a viewer at nginx: %v", err)
			}

			lost := time.Now()
			u, err := url.Parse(cam.URL())
			if err != nil {
				t.Fatal(err)
			}
			addr := u.Host
			cam.Close()
			s := waitFor(t, r, 5*time.Second, "the slate", func(s Stats) bool { return !s.SlateSince.IsZero() })
			t.Logf("on slate %v after the camera went away", s.SlateSince.Sub(lost).Round(10*time.Millisecond))
			time.Sleep(tc.outage - time.Since(lost))
			cam.Addr = addr
			if err := cam.Start(); err != nil {
				t.Fatalf("the camera again on %s: %v", addr, err)
			}
			back := time.Now()
			s = waitFor(t, r, 15*time.Second, "the camera's picture", func(s Stats) bool {
				return s.SlateSince.IsZero() && s.Input.State == StateLive
			})
			pictureBack := time.Now()
			took := pictureBack.Sub(back)
			t.Logf("the camera's picture back %v after the camera (%d reconnects)", took.Round(10*time.Millisecond), s.Input.Reconnects)
			if took > slateBackWithin {
				t.Errorf("the camera's picture came back %v after the camera, want within %v", took.Round(10*time.Millisecond), slateBackWithin)
			}
			time.Sleep(3 * time.Second)
			end := time.Now()

			// At nginx, in wall-clock time: the slate's frames from its
			// start until the camera is back, then the camera's.
			from := lost.Add(media.DefaultSlateAfter + time.Second)
			onSlate := w.Span(from, back)
			secs := back.Sub(from).Seconds()
			fps, aps := float64(onSlate.Pictures)/secs, float64(onSlate.AudioFrames)/secs
			t.Logf("while on slate nginx got %.1f pictures/s and %.1f audio frames/s (longest holes %v, %v)",
				fps, aps, onSlate.LongestVideoGap.Round(time.Millisecond), onSlate.LongestAudioGap.Round(time.Millisecond))
			if fps < 27 || aps < 40 {
				t.Errorf("on slate nginx got %.1f pictures/s and %.1f audio frames/s, want 30 and 46.9", fps, aps)
			}
			if onSlate.LongestVideoGap > 500*time.Millisecond {
				t.Errorf("a %v hole in the pictures while on slate", onSlate.LongestVideoGap)
			}
			whole := w.Span(lost, end)
			// The slate goes on 2 s after the last picture.
			if max := media.DefaultSlateAfter + time.Second; whole.LongestVideoGap > max {
				t.Errorf("a %v hole in the pictures across the outage, want none over %v", whole.LongestVideoGap, max)
			}
			if after := w.Span(pictureBack.Add(500*time.Millisecond), end); after.Pictures < 60 || after.LongestVideoGap > 500*time.Millisecond {
				t.Errorf("%d pictures in the 2.5 s after the camera came back (longest hole %v)", after.Pictures, after.LongestVideoGap)
			}
			d := destStats(t, r.Stats(), "nginx")
			if d.Reconnects != 0 || d.State != StateLive {
				t.Errorf("destination %+v: want it live without a reconnect", d)
			}
			w.Stop()
			if e := w.Errors(); e != "" {
				t.Errorf("the viewer at nginx could not decode across the switches:\n%s", e)
			}
			relayFor(t, r, time.Second)
			video, audio := recordingPackets(t, n.Recording("live", testKey))
			checkTimeline(t, "across the slate", video, audio, 200*time.Millisecond)
			if e := decodeErrors(t, n.Recording("live", testKey)); e != "" {
				t.Errorf("nginx's recording does not decode cleanly:\n%s", e)
			}
		})
	}
}

// TestSlateBeforeTheCamera starts a stream whose camera is not up yet:
// the destination gets the 720p card at once, then the camera's own
// pictures at its size when it comes.
func TestSlateBeforeTheCamera(t *testing.T) {
	addr := testx.ClosedPort(t)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Name: "Late camera", Input: "rtsp://" + addr + fakecam.DefaultPath,
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	w := ingest.Watch(t, n.URL("live", testKey))
	s := waitFor(t, r, 10*time.Second, "the slate", func(s Stats) bool { return !s.SlateSince.IsZero() })
	if s.Video.Width != 1280 || s.Video.Height != 720 {
		t.Errorf("the slate is %dx%d, want 1280x720 without the camera's size", s.Video.Width, s.Video.Height)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 15*time.Second)
	defer cancel()
	if err := w.WaitFrames(ctx, 60); err != nil {
		t.Fatalf("the card at nginx: %v", err)
	}
	startCamera(t, smallClip(t, media.CodecAAC), func(c *fakecam.Camera) { c.Addr = addr })
	back := time.Now()
	waitFor(t, r, 15*time.Second, "the camera's picture", func(s Stats) bool {
		return s.SlateSince.IsZero() && s.Input.State == StateLive
	})
	t.Logf("the camera's picture %v after the camera came up", time.Since(back).Round(10*time.Millisecond))
	time.Sleep(2 * time.Second)
	w.Stop()
	if e := w.Errors(); e != "" {
		t.Errorf("the viewer could not decode across the switch:\n%s", e)
	}
	relayFor(t, r, time.Second)
	rep := probeRecording(t, n, testKey)
	if rep.VideoCodec != "h264" || rep.AudioCodec != "aac" {
		t.Errorf("nginx recorded %v", rep)
	}
	video, audio := recordingPackets(t, n.Recording("live", testKey))
	checkTimeline(t, "from the card to the camera", video, audio, 200*time.Millisecond)
}

// TestSlateGivesUp stops a stream whose camera stays away past the
// slate's give-up time, with a message that says why.
func TestSlateGivesUp(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:        "rtsp://" + testx.ClosedPort(t) + fakecam.DefaultPath,
		Slate:        SlateConfig{After: time.Second, GiveUp: 10 * time.Second},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	err := waitDone(t, r, 30*time.Second)
	if err == nil || !strings.Contains(err.Error(), "stayed away for 10 s") {
		t.Errorf("Wait = %v, want the give-up", err)
	}
}

func TestSlateOff(t *testing.T) {
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:        "rtsp://" + testx.ClosedPort(t) + fakecam.DefaultPath,
		Slate:        SlateConfig{Off: true},
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	waitFor(t, r, 10*time.Second, "a failed attempt", func(s Stats) bool { return s.Input.Reconnects >= 1 })
	time.Sleep(3 * time.Second)
	if s := r.Stats(); !s.SlateSince.IsZero() || s.Video.Frames != 0 {
		t.Errorf("with the slate off: slate since %v, %d frames sent", s.SlateSince, s.Video.Frames)
	}
}

func TestSlateSettingsAreChecked(t *testing.T) {
	dir := t.TempDir()
	notImage := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(notImage, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	base := Config{Input: TestPattern, Destinations: []Destination{{URL: "rtmp://127.0.0.1/live/key"}}}
	for _, tc := range []struct {
		slate SlateConfig
		field string
		want  string
	}{
		{SlateConfig{After: 100 * time.Millisecond}, "slate.after", "between 0.5s and 60s"},
		{SlateConfig{GiveUp: time.Second}, "slate.give_up", "between 10s and 168h"},
		{SlateConfig{Image: filepath.Join(dir, "missing.png")}, "slate.image", "no such file"},
		{SlateConfig{Image: notImage}, "slate.image", "is not a PNG or JPEG picture"},
	} {
		c := base
		c.Slate = tc.slate
		_, err := New(c)
		var fe *FieldError
		if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("New with %+v = %v, want a %s error saying %q", tc.slate, err, tc.field, tc.want)
		}
	}
	c := base
	c.Slate = SlateConfig{Off: true, Image: filepath.Join(dir, "missing.png")}
	if _, err := New(c); err != nil {
		t.Errorf("an image of a slate that is off is not read: %v", err)
	}
}

// writeSlateImage writes a w x h PNG: red, with a transparent half.
func writeSlateImage(t *testing.T, w, h int) string {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			if y < h/2 {
				img.Set(x, y, color.NRGBA{0xe0, 0x20, 0x20, 0xff})
			}
		}
	}
	path := filepath.Join(t.TempDir(), "slate.png")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := png.Encode(f, img); err != nil {
		t.Fatal(err)
	}
	return path
}

// decodeErrors decodes a file with the ffmpeg CLI and returns what it
// complained about.
func decodeErrors(t *testing.T, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	if err != nil {
		return strings.TrimSpace(string(out)) + "\n" + err.Error()
	}
	return strings.TrimSpace(string(out))
}
