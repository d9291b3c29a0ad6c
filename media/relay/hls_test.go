package relay

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/record"
)

// serveHLS serves a local HLS as the studio's server does: the playlist at
// /index.m3u8, its files beside it. It returns the playlist's URL.
func serveHLS(t *testing.T, h *record.HLS) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /index.m3u8", func(w http.ResponseWriter, r *http.Request) {
		if b, ok := h.Playlist(); ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	})
	mux.HandleFunc("GET /{name}", func(w http.ResponseWriter, r *http.Request) {
		if b, ok := h.File(r.PathValue("name")); ok {
			w.Write(b)
			return
		}
		http.NotFound(w, r)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/index.m3u8"
}

// probeHLS reads a live playlist as a player would.
func probeHLS(t *testing.T, url string) ingest.Report {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	rep, err := ingest.Probe(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

func hlsPlaylist(t *testing.T, h *record.HLS) string {
	t.Helper()
	b, ok := h.Playlist()
	if !ok {
		t.Fatalf("no playlist: %+v", h.Stats())
	}
	return string(b)
}

// TestLocalHLSOnly runs streams with local HLS and no destination, copied
// and transcoded: a player reads what the destinations would get.
func TestLocalHLSOnly(t *testing.T) {
	for _, tc := range []struct {
		name          string
		video         VideoConfig
		width, height int
	}{
		{"copy", VideoConfig{}, 320, 240},
		{"h264", VideoConfig{Mode: VideoH264, Size: media.Size{Width: 256, Height: 192}, Bitrate: 400_000, KeyframeInterval: time.Second}, 256, 192},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
			r := startRelay(t, Config{Input: cam.URL(), Video: tc.video, LocalHLS: true})
			h := r.HLS()
			if h == nil {
				t.Fatal("HLS() is nil on a started stream with LocalHLS")
			}
			began := time.Now()
			s := waitFor(t, r, 20*time.Second, "a playlist", func(s Stats) bool { return s.HLS != nil && s.HLS.Segments >= 3 })
			t.Logf("3 segments after %v: %+v, codecs %s", time.Since(began).Round(100*time.Millisecond), *s.HLS, h.Codecs())
			if s.State != StateLive || len(s.Destinations) != 0 || s.HLS.Error != "" {
				t.Errorf("a stream that only serves HLS: %v, %d destinations, %+v", s.State, len(s.Destinations), *s.HLS)
			}
			if !strings.HasPrefix(h.Codecs(), "avc3.") || !strings.HasSuffix(h.Codecs(), ",mp4a.40.2") {
				t.Errorf("codecs %q", h.Codecs())
			}
			rep := probeHLS(t, serveHLS(t, h))
			t.Logf("a player reads: %v", rep)
			if rep.VideoCodec != "h264" || rep.Width != tc.width || rep.Height != tc.height || rep.AudioCodec != "aac" ||
				!rep.FirstVideoIsKey || rep.VideoFrames < 90 {
				t.Errorf("read %v, want h264 %dx%d from a keyframe, and aac", rep, tc.width, tc.height)
			}
			r.Close()
			if r.HLS() != h || !strings.HasSuffix(hlsPlaylist(t, h), "#EXT-X-ENDLIST\n") {
				t.Errorf("after Close the playlist ends:\n%s", hlsPlaylist(t, h))
			}
		})
	}
}

// TestSetLocalHLSLive turns local HLS on and off while a destination
// stays connected.
func TestSetLocalHLSLive(t *testing.T) {
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{Input: cam.URL(), Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}}})
	waitFor(t, r, 20*time.Second, "live", func(s Stats) bool { return s.State == StateLive && s.Video.Frames >= 30 })
	if r.HLS() != nil || r.Stats().HLS != nil {
		t.Fatal("local HLS before it was turned on")
	}
	r.SetLocalHLS(true)
	h := r.HLS()
	if h == nil {
		t.Fatal("HLS() is nil after SetLocalHLS(true)")
	}
	// The pipeline hands it the headers at its next frame, not at the
	// next change of headers.
	began := time.Now()
	waitFor(t, r, time.Second, "the headers", func(Stats) bool { return h.Codecs() != "" })
	headers := time.Since(began)
	waitFor(t, r, 10*time.Second, "a playlist", func(s Stats) bool { return s.HLS != nil && s.HLS.Segments >= 1 })
	t.Logf("after SetLocalHLS(true): the headers in %v, the first segment in %v", headers.Round(time.Millisecond), time.Since(began).Round(100*time.Millisecond))
	waitFor(t, r, 10*time.Second, "3 segments", func(s Stats) bool { return s.HLS.Segments >= 3 })
	rep := probeHLS(t, serveHLS(t, h))
	t.Logf("a player reads: %v", rep)
	if rep.VideoCodec != "h264" || rep.Width != 320 || rep.AudioCodec != "aac" || !rep.FirstVideoIsKey {
		t.Errorf("read %v, want h264 320x240 from a keyframe, and aac", rep)
	}
	r.SetLocalHLS(true) // already on: the same one
	if r.HLS() != h {
		t.Error("SetLocalHLS(true) twice replaced the HLS")
	}
	r.SetLocalHLS(false)
	if s := r.Stats(); r.HLS() != nil || s.HLS != nil {
		t.Errorf("local HLS still there after SetLocalHLS(false): %+v", s.HLS)
	}
	if !strings.HasSuffix(hlsPlaylist(t, h), "#EXT-X-ENDLIST\n") {
		t.Errorf("the HLS turned off does not end its playlist:\n%s", hlsPlaylist(t, h))
	}
	if d := destStats(t, r.Stats(), "nginx"); d.Reconnects != 0 || d.State != StateLive {
		t.Errorf("destination %+v after local HLS went on and off", d)
	}
}

// TestLocalHLSKeepsTheSlate: while the camera is away the playlist goes
// on with the slate, and plays across both switches.
func TestLocalHLSKeepsTheSlate(t *testing.T) {
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	r := startRelay(t, Config{Input: cam.URL(), LocalHLS: true})
	h := r.HLS()
	waitFor(t, r, 20*time.Second, "a segment", func(s Stats) bool { return s.HLS != nil && s.HLS.Segments >= 1 })
	cam.Pause()
	s := waitFor(t, r, 10*time.Second, "the slate", func(s Stats) bool { return !s.SlateSince.IsZero() })
	made := s.HLS.Sequence + uint64(s.HLS.Segments)
	waitFor(t, r, 15*time.Second, "segments of the slate", func(s Stats) bool {
		return s.HLS.Sequence+uint64(s.HLS.Segments) >= made+2
	})
	cam.Resume()
	waitFor(t, r, 20*time.Second, "the camera back", func(s Stats) bool { return s.SlateSince.IsZero() && s.Input.State == StateLive })
	s = r.Stats()
	made = s.HLS.Sequence + uint64(s.HLS.Segments)
	waitFor(t, r, 15*time.Second, "segments of the camera", func(s Stats) bool {
		return s.HLS.Sequence+uint64(s.HLS.Segments) >= made+2
	})
	r.Close()
	pl := hlsPlaylist(t, h)
	t.Logf("%+v\n%s", h.Stats(), pl)
	if e := decodeErrors(t, serveHLS(t, h)); e != "" {
		t.Errorf("the playlist does not decode across the slate:\n%s", e)
	}
}
