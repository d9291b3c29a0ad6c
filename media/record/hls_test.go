package record

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media/rtmp"
)

// feedHLS gives the stream to h, offset by off.
func (s stream) feedHLS(h *HLS, off time.Duration) {
	for _, tg := range s.tags {
		if tg.video {
			h.WriteVideo(tg.ts+off, tg.key, tg.body)
		} else {
			h.WriteAudio(tg.ts+off, tg.body)
		}
	}
}

// serveHLS serves h as the HTTP server of the studio will: the playlist at
// /index.m3u8, its files beside it.
func serveHLS(t *testing.T, h *HLS) string {
	t.Helper()
	mux := http.NewServeMux()
	mux.HandleFunc("GET /index.m3u8", func(w http.ResponseWriter, r *http.Request) {
		b, ok := h.Playlist()
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/vnd.apple.mpegurl")
		w.Write(b)
	})
	mux.HandleFunc("GET /{name}", func(w http.ResponseWriter, r *http.Request) {
		b, ok := h.File(r.PathValue("name"))
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "video/mp4")
		w.Write(b)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/index.m3u8"
}

// hlsStream is one stream as ffprobe reads it from a playlist.
type hlsStream struct {
	Name    string `json:"codec_name"`
	Type    string `json:"codec_type"`
	Width   int    `json:"width"`
	Height  int    `json:"height"`
	Packets string `json:"nb_read_packets"`
}

// probeHLS runs ffprobe on a playlist URL; count reads every packet (an
// ended playlist only: a live one never ends).
func probeHLS(t *testing.T, url string, count bool) []hlsStream {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	args := []string{"-v", "error", "-show_streams", "-of", "json"}
	if count {
		args = append(args, "-count_packets")
	}
	var stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, "ffprobe", append(args, url)...)
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", url, err, stderr.String())
	}
	if e := strings.TrimSpace(stderr.String()); e != "" {
		t.Errorf("ffprobe complains:\n%s", e)
	}
	var res struct {
		Streams []hlsStream `json:"streams"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ffprobe %s: %v", url, err)
	}
	return res.Streams
}

// describe words what ffprobe read: "h264 320x180 300, aac 469".
func describe(ss []hlsStream) string {
	var parts []string
	for _, s := range ss {
		p := s.Name
		if s.Type == "video" {
			p += fmt.Sprintf(" %dx%d", s.Width, s.Height)
		}
		if s.Packets != "" {
			p += " " + s.Packets
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, ", ")
}

func playlist(t *testing.T, h *HLS) string {
	t.Helper()
	b, ok := h.Playlist()
	if !ok {
		t.Fatalf("no playlist; stats %+v", h.Stats())
	}
	return string(b)
}

// segmentNames lists the segments of a playlist.
func segmentNames(pl string) []string {
	var names []string
	for line := range strings.Lines(pl) {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, "seg-") {
			names = append(names, line)
		}
	}
	return names
}

func TestHLSPlays(t *testing.T) {
	s := makeStream(t, 10)
	h := &HLS{}
	if _, ok := h.Playlist(); ok || h.Codecs() != "" {
		t.Fatal("a playlist or codecs before any input")
	}
	h.SetHeaders(s.headers)
	if c := h.Codecs(); !regexp.MustCompile(`^avc3\.[0-9a-f]{6},mp4a\.40\.2$`).MatchString(c) {
		t.Errorf("codecs %q", c)
	}
	began := time.Now()
	s.feedHLS(h, 5*time.Second) // a stream's timeline does not start at 0
	took := time.Since(began)
	pl := playlist(t, h)
	t.Logf("10 s of input segmented in %v:\n%s", took.Round(time.Millisecond), pl)
	st := h.Stats()
	for _, name := range segmentNames(pl) {
		b, _ := h.File(name)
		t.Logf("%s: %d bytes", name, len(b))
	}
	t.Logf("stats %+v", st)
	for _, want := range []string{
		"#EXTM3U\n#EXT-X-VERSION:7\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:0\n#EXT-X-INDEPENDENT-SEGMENTS\n" +
			"#EXT-X-MAP:URI=\"init-0.mp4\"\n#EXTINF:2.000,\nseg-0.m4s\n",
		"#EXTINF:2.000,\nseg-3.m4s\n",
	} {
		if !strings.Contains(pl, want) {
			t.Errorf("the playlist lacks\n%s", want)
		}
	}
	if st.Segments != 4 || st.Sequence != 0 || st.Error != "" || strings.Contains(pl, "ENDLIST") || strings.Contains(pl, "DISCONTINUITY") {
		t.Errorf("after 10 s: %+v, want 4 segments of 2 s and the fifth in progress", st)
	}
	init, ok := h.File("init-0.mp4")
	if !ok || string(init[4:8]) != "ftyp" {
		t.Errorf("init-0.mp4: %v", ok)
	}
	if seg, ok := h.File("seg-0.m4s"); !ok || string(seg[4:8]) != "moof" {
		t.Errorf("seg-0.m4s: %v", ok)
	}

	url := serveHLS(t, h)
	began = time.Now()
	live := probeHLS(t, url, false)
	t.Logf("ffprobe of the live playlist (%v): %s", time.Since(began).Round(time.Millisecond), describe(live))
	if d := describe(live); d != "h264 320x180, aac" {
		t.Errorf("ffprobe reads %q, want h264 320x180 and aac", d)
	}

	h.Close()
	if pl := playlist(t, h); !strings.HasSuffix(pl, "seg-4.m4s\n#EXT-X-ENDLIST\n") {
		t.Errorf("after Close:\n%s", pl)
	}
	ended := probeHLS(t, url, true)
	t.Logf("ffprobe of the ended playlist: %s", describe(ended))
	if len(ended) != 2 || ended[0].Packets != "300" {
		t.Errorf("ffprobe reads %s, want all 300 pictures", describe(ended))
	}
	if n, _ := strconv.Atoi(ended[1].Packets); n < 460 {
		t.Errorf("%d AAC frames, want about 470 over 10 s", n)
	}
	if e := decodeErrors(t, url); e != "" {
		t.Errorf("the playlist does not decode cleanly:\n%s", e)
	}
}

// TestHLSWindow feeds a minute: the playlist and the memory stay bounded,
// and what left the window is gone.
func TestHLSWindow(t *testing.T) {
	s := makeStream(t, 6)
	h := &HLS{}
	h.SetHeaders(s.headers)
	maxBytes := int64(0)
	for i := range 10 {
		s.feedHLS(h, time.Duration(i)*6*time.Second)
		maxBytes = max(maxBytes, h.Stats().Bytes)
	}
	pl := playlist(t, h)
	st := h.Stats()
	t.Logf("after 60 s: %+v, at most %d bytes held\n%s", st, maxBytes, pl)
	// Cut at 2, 4, ... 58 s: 29 segments, the last 6 kept.
	if st.Segments != 6 || st.Sequence != 23 || !strings.Contains(pl, "#EXT-X-MEDIA-SEQUENCE:23\n") ||
		len(segmentNames(pl)) != 6 || segmentNames(pl)[0] != "seg-23.m4s" {
		t.Errorf("the window: %+v", st)
	}
	var window int64
	for _, name := range append(segmentNames(pl), "init-0.mp4") {
		b, ok := h.File(name)
		if !ok {
			t.Errorf("%s is listed but not served", name)
		}
		window += int64(len(b))
	}
	// The window and the segment in progress, about 2 s of 300 kb/s each.
	// The window and the segment in progress: about one segment more.
	if st.Bytes < window || st.Bytes > window+window/4 || maxBytes > window*8/6 {
		t.Errorf("%d bytes held (at most %d), the window's files have %d", st.Bytes, maxBytes, window)
	}
	for _, name := range []string{"seg-0.m4s", "seg-22.m4s", "seg-29.m4s", "init-1.mp4"} {
		if _, ok := h.File(name); ok {
			t.Errorf("%s is served: it is not in the window", name)
		}
	}
}

// TestHLSFormatChange: the same size from another encoder goes on; a new
// size gets a discontinuity and a new init, and still plays.
func TestHLSFormatChange(t *testing.T) {
	a, other := makeStream(t, 4), makeStream(t, 2)
	b := makeStreamAt(t, 4, 640, 360, 600_000)
	h := &HLS{Window: 3}
	url := serveHLS(t, h)
	h.SetHeaders(a.headers)
	a.feedHLS(h, 0)
	h.SetHeaders(other.headers)
	other.feedHLS(h, 4*time.Second)
	codecs := h.Codecs()
	h.SetHeaders(b.headers)
	b.feedHLS(h, 6*time.Second)
	pl := playlist(t, h)
	t.Logf("%s", pl)
	if strings.Count(pl, "#EXT-X-DISCONTINUITY\n#EXT-X-MAP:URI=\"init-1.mp4\"\n") != 1 || strings.Count(pl, "EXT-X-MAP") != 2 {
		t.Errorf("want one discontinuity, before init-1, for the new size")
	}
	if live := probeHLS(t, url, false); len(live) != 2 || live[0].Name != "h264" {
		t.Errorf("ffprobe reads %s", describe(live))
	}
	// The window moves past the first size: its init goes, the
	// discontinuity's count stays.
	b.feedHLS(h, 10*time.Second)
	h.Close()
	pl = playlist(t, h)
	t.Logf("%s", pl)
	if _, ok := h.File("init-0.mp4"); ok || !strings.Contains(pl, "#EXT-X-DISCONTINUITY-SEQUENCE:1\n") || strings.Contains(pl, "init-0") {
		t.Errorf("after the first size left the window: init-0 still served or no discontinuity sequence")
	}
	if st := probeHLS(t, url, true); !strings.HasPrefix(describe(st), "h264 640x360 180, aac ") {
		t.Errorf("ffprobe reads %s, want the last 6 s at 640x360", describe(st))
	}
	t.Logf("codecs %q, then %q", codecs, h.Codecs())
}

// TestHLSDecodesAcrossTheChange plays a playlist holding both sizes.
func TestHLSDecodesAcrossTheChange(t *testing.T) {
	a := makeStream(t, 4)
	b := makeStreamAt(t, 4, 640, 360, 600_000)
	h := &HLS{}
	url := serveHLS(t, h)
	h.SetHeaders(a.headers)
	a.feedHLS(h, 0)
	h.SetHeaders(b.headers)
	b.feedHLS(h, 4*time.Second)
	h.Close()
	st := probeHLS(t, url, true)
	t.Logf("%s\nffprobe: %s", playlist(t, h), describe(st))
	if len(st) != 2 || st[0].Packets != "240" {
		t.Errorf("ffprobe reads %s, want 240 pictures", describe(st))
	}
	if e := decodeErrors(t, url); e != "" {
		t.Errorf("the playlist does not decode across the change:\n%s", e)
	}
}

func TestHLSClose(t *testing.T) {
	s := makeStream(t, 3)
	h := &HLS{}
	h.SetHeaders(s.headers)
	s.feedHLS(h, 0)
	if pl := playlist(t, h); len(segmentNames(pl)) != 1 || strings.Contains(pl, "ENDLIST") {
		t.Fatalf("before Close:\n%s", pl)
	}
	h.Close()
	pl := playlist(t, h)
	if !strings.HasSuffix(pl, "#EXTINF:1.000,\nseg-1.m4s\n#EXT-X-ENDLIST\n") {
		t.Errorf("after Close: the last second, then the end:\n%s", pl)
	}
	st := h.Stats()
	s.feedHLS(h, 3*time.Second)
	h.SetHeaders(s.headers)
	h.Close()
	if again := playlist(t, h); again != pl || h.Stats() != st {
		t.Errorf("writes after Close changed it:\n%s", again)
	}
	(&HLS{}).Close() // an HLS never fed closes too
}

// withoutKeyframes clears the keyframe flag of every picture after the
// first: a camera with an endless GOP.
func withoutKeyframes(s stream) stream {
	out := stream{headers: s.headers}
	first := true
	for _, tg := range s.tags {
		if tg.video && tg.key && !first {
			tg.key = false
			tg.body = append([]byte{0x27}, tg.body[1:]...)
		}
		if tg.video && tg.key {
			first = false
		}
		out.tags = append(out.tags, tg)
	}
	return out
}

// TestHLSLongGOP: a segment that never meets a keyframe is dropped at its
// bound, memory with it; the keyframes that come back start again after
// a discontinuity.
func TestHLSLongGOP(t *testing.T) {
	s := makeStream(t, 10)
	long := withoutKeyframes(s)
	h := &HLS{Target: 500 * time.Millisecond, Window: 20} // bound: 7.5 s
	h.SetHeaders(s.headers)
	var most int64
	for _, tg := range long.tags {
		if tg.video {
			h.WriteVideo(tg.ts, tg.key, tg.body)
		} else {
			h.WriteAudio(tg.ts, tg.body)
		}
		most = max(most, h.Stats().Bytes)
	}
	st := h.Stats()
	t.Logf("10 s without a keyframe: %+v, at most %d bytes held", st, most)
	if _, ok := h.Playlist(); ok || st.Dropped != 1 || st.Bytes != 0 || !strings.Contains(st.Error, "without a keyframe") {
		t.Errorf("want the segment dropped at 7.5 s and nothing held: %+v", st)
	}
	if most > 7.6*(300_000+64_000)/8*1.25 {
		t.Errorf("%d bytes held at most: more than 7.5 s of 300 kb/s video and 64 kb/s audio", most)
	}
	s.feedHLS(h, 10*time.Second)
	if st := h.Stats(); st.Error != "" || st.Segments == 0 {
		t.Errorf("keyframes back: %+v", st)
	}
	if pl := playlist(t, h); strings.Contains(pl, "DISCONTINUITY") {
		t.Errorf("nothing came before: no discontinuity\n%s", pl)
	}
	long.feedHLS(h, 20*time.Second)
	s.feedHLS(h, 30*time.Second)
	pl := playlist(t, h)
	t.Logf("%s", pl)
	if st := h.Stats(); st.Dropped != 2 || !strings.Contains(pl, "#EXT-X-DISCONTINUITY\n") {
		t.Errorf("a second long GOP between segments: %+v, want a discontinuity where it was dropped", st)
	}

	// The byte bound: segments of 2 s at 300 kb/s do not fit in 30 kB.
	small := &HLS{maxBytes: 30_000}
	small.SetHeaders(s.headers)
	most = 0
	for _, tg := range s.tags {
		if tg.video {
			small.WriteVideo(tg.ts, tg.key, tg.body)
		} else {
			small.WriteAudio(tg.ts, tg.body)
		}
		most = max(most, small.Stats().Bytes)
	}
	if st := small.Stats(); st.Dropped == 0 || most > 30_000 || st.Segments != 0 {
		t.Errorf("30 kB per segment: %+v, at most %d bytes held", st, most)
	}
}

// TestHLSGarbage feeds bodies that are not what they claim: nothing
// panics, and a stream that follows is segmented.
func TestHLSGarbage(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	junk := func(prefix ...byte) []byte {
		b := append([]byte{}, prefix...)
		for range rng.IntN(64) {
			b = append(b, byte(rng.Uint32()))
		}
		return b
	}
	s := makeStream(t, 4)
	h := &HLS{}
	url := serveHLS(t, h)
	for i := range 3000 {
		ts := time.Duration(i) * 10 * time.Millisecond
		switch i % 10 {
		case 0:
			h.SetHeaders(rtmp.Headers{Video: junk(0x17, 0), Audio: junk(0xAF, 0)})
		case 1:
			// A configuration record that parses, around a random SPS.
			sps, pps := junk(0x67), junk(0x68)
			rec := append([]byte{0x17, 0, 0, 0, 0, 1, 0x64, 0, 0x1f, 0xff, 0xe1, 0, byte(len(sps))}, sps...)
			rec = append(append(rec, 1, 0, byte(len(pps))), pps...)
			h.SetHeaders(rtmp.Headers{Video: rec, Audio: junk(0xAF, 0)})
		case 2:
			h.SetHeaders(s.headers)
		case 3, 4:
			h.WriteVideo(ts, true, junk(0x17, 1, 0, 0, 0))
		case 5:
			h.WriteVideo(ts, false, junk(0x27, 1))
		case 6:
			h.WriteVideo(ts, true, junk())
		case 7:
			h.WriteAudio(ts, junk(0xAF, 1))
		case 8:
			h.WriteAudio(ts, junk())
		case 9:
			h.WriteVideo(ts, true, nil)
		}
	}
	for _, name := range []string{"", "seg-.m4s", "seg-00.m4s", "seg--1.m4s", "init-0.m4s", "seg-0.mp4", "../init-0.mp4",
		"init-18446744073709551616.mp4", "init-+0.mp4", "index.m3u8"} {
		if _, ok := h.File(name); ok {
			t.Errorf("%q is served", name)
		}
	}
	// Enough good segments to push the garbage out of the window.
	h.SetHeaders(s.headers)
	for i := range 4 {
		s.feedHLS(h, time.Minute+time.Duration(i)*4*time.Second)
	}
	h.Close()
	t.Logf("after the garbage: %+v\n%s", h.Stats(), playlist(t, h))
	if st := probeHLS(t, url, false); len(st) != 2 {
		t.Errorf("ffprobe reads %s after the garbage", describe(st))
	}
}

// TestHLSConcurrentReaders reads the playlist and its files while the
// stream is written, under -race.
func TestHLSConcurrentReaders(t *testing.T) {
	s := makeStream(t, 6)
	h := &HLS{Window: 3}
	h.SetHeaders(s.headers)
	done := make(chan struct{})
	var wg sync.WaitGroup
	var mu sync.Mutex
	reads := 0
	for range 4 {
		wg.Go(func() {
			n := 0
			defer func() {
				mu.Lock()
				reads += n
				mu.Unlock()
			}()
			for {
				select {
				case <-done:
					return
				default:
				}
				_ = h.Stats()
				_ = h.Codecs()
				pl, ok := h.Playlist()
				if !ok {
					continue
				}
				for _, name := range append(segmentNames(string(pl)), "init-0.mp4") {
					// A segment may leave the window meanwhile; one
					// served is whole.
					if b, ok := h.File(name); ok && string(b[4:8]) != "moof" && string(b[4:8]) != "ftyp" {
						t.Errorf("%s starts with %q", name, b[4:8])
					}
					n++
				}
			}
		})
	}
	began := time.Now()
	for i := range 5 {
		s.feedHLS(h, time.Duration(i)*6*time.Second)
	}
	took := time.Since(began)
	h.Close()
	close(done)
	wg.Wait()
	t.Logf("30 s written in %v beside 4 readers, who read %d files; %+v", took.Round(time.Millisecond), reads, h.Stats())
	if st := h.Stats(); st.Segments != 3 || st.Sequence != 12 {
		t.Errorf("stats %+v", st)
	}
}
