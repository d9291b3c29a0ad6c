package record

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/codec"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

// stream is a few seconds of what a rendition sends: the test pattern
// encoded at 320x180 30 fps (a keyframe a second) and silent AAC, as FLV
// tag bodies with their times.
type stream struct {
	headers rtmp.Headers
	tags    []tag
}

type tag struct {
	video, key bool
	ts         time.Duration
	body       []byte
}

func makeStream(t testing.TB, seconds int) stream {
	return makeStreamAt(t, seconds, 320, 180, 300_000)
}

func makeStreamAt(t testing.TB, seconds, w, h, bitrate int) stream {
	t.Helper()
	p, err := codec.NewPattern(w, h, 30)
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	enc, err := codec.NewVideoEncoder(codec.VideoEncoderConfig{Width: w, Height: h, FPS: 30, Bitrate: bitrate, KeyframeInterval: time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer enc.Close()
	sil, err := codec.NewSilence(64_000)
	if err != nil {
		t.Fatal(err)
	}
	defer sil.Close()
	vh, err := rtmp.AVCSequenceHeader(enc.SPS(), enc.PPS())
	if err != nil {
		t.Fatal(err)
	}
	tr := sil.Track()
	s := stream{headers: rtmp.Headers{
		Metadata: rtmp.Metadata{Width: w, Height: h, FPS: 30, HasAudio: true, AudioSampleRate: tr.SampleRate, AudioChannels: tr.Channels},
		Video:    vh, Audio: rtmp.AACSequenceHeader(tr.Config),
	}}
	for range seconds * 30 {
		if err := p.Next(func(f *codec.Frame) {
			if err := enc.Encode(f, func(u media.VideoUnit) {
				s.tags = append(s.tags, tag{video: true, key: u.Key, ts: u.DTS, body: rtmp.VideoTagBody(u)})
				if err := sil.Generate(0, u.DTS+50*time.Millisecond, func(a media.AudioUnit) {
					s.tags = append(s.tags, tag{ts: a.PTS, body: rtmp.AudioTagBody(a.Data)})
				}); err != nil {
					t.Fatal(err)
				}
			}); err != nil {
				t.Fatal(err)
			}
		}); err != nil {
			t.Fatal(err)
		}
	}
	return s
}

// feed gives the stream to a recorder, offset by off.
func (s stream) feed(r *Recorder, off time.Duration) {
	for _, tg := range s.tags {
		if tg.video {
			r.WriteVideo(tg.ts+off, tg.key, tg.body)
		} else {
			r.WriteAudio(tg.ts+off, tg.body)
		}
		// The queue holds seconds, not minutes: let the writer keep up,
		// as a live stream would.
		if len(r.queue) > queueSize/2 {
			time.Sleep(5 * time.Millisecond)
		}
	}
}

// probed is what ffprobe reads of a file.
type probed struct {
	video, audio int
	duration     float64
	codecs       string
	width        int
}

func probe(t *testing.T, path string) probed {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error", "-count_packets",
		"-show_entries", "stream=codec_name,codec_type,nb_read_packets,width:format=duration", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v\n%s", path, err, out)
	}
	var res struct {
		Streams []struct {
			Name    string `json:"codec_name"`
			Type    string `json:"codec_type"`
			Packets string `json:"nb_read_packets"`
			Width   int    `json:"width"`
		} `json:"streams"`
		Format struct {
			Duration string `json:"duration"`
		} `json:"format"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var p probed
	for _, s := range res.Streams {
		n, _ := strconv.Atoi(s.Packets)
		p.codecs += s.Name + " "
		switch s.Type {
		case "video":
			p.video, p.width = n, s.Width
		case "audio":
			p.audio = n
		}
	}
	p.codecs = strings.TrimSpace(p.codecs)
	p.duration, _ = strconv.ParseFloat(res.Format.Duration, 64)
	return p
}

func decodeErrors(t *testing.T, path string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-v", "error", "-i", path, "-f", "null", "-").CombinedOutput()
	return strings.TrimSpace(string(out))
}

func files(t *testing.T, dir string) []string {
	t.Helper()
	found, err := filepath.Glob(filepath.Join(dir, "*.mp4"))
	if err != nil {
		t.Fatal(err)
	}
	// In the order they were made: "T.mp4", "T (2).mp4", "T (3).mp4".
	key := func(path string) (string, int) {
		name := strings.TrimSuffix(filepath.Base(path), ".mp4")
		if i := strings.LastIndex(name, " ("); i > 0 && strings.HasSuffix(name, ")") {
			if n, err := strconv.Atoi(name[i+2 : len(name)-1]); err == nil {
				return name[:i], n
			}
		}
		return name, 1
	}
	slices.SortFunc(found, func(a, b string) int {
		ka, na := key(a)
		kb, nb := key(b)
		if c := strings.Compare(ka, kb); c != 0 {
			return c
		}
		return na - nb
	})
	return found
}

func TestRecordingIsReadable(t *testing.T) {
	s := makeStream(t, 4)
	dir := filepath.Join(t.TempDir(), "Relay Studio", "Front door")
	r := &Recorder{Dir: dir}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.SetHeaders(s.headers)
	s.feed(r, 5*time.Second) // a stream's timeline does not start at 0
	r.Close()
	st := r.Stats()
	fs := files(t, dir)
	if len(fs) != 1 || st.Files != 1 || st.File != fs[0] || st.Error != "" || st.Recording || st.Bytes < 10_000 {
		t.Fatalf("files %v, stats %+v", fs, st)
	}
	if info, err := os.Stat(fs[0]); err != nil || info.Size() != st.Bytes {
		t.Errorf("the file has %v bytes, the stats say %d (%v)", info.Size(), st.Bytes, err)
	}
	p := probe(t, fs[0])
	t.Logf("%s: %+v", filepath.Base(fs[0]), p)
	if p.codecs != "h264 aac" || p.video != 120 || p.width != 320 || p.audio < 180 || p.duration < 3.9 || p.duration > 4.2 {
		t.Errorf("ffprobe reads %+v, want 120 h264 320x180 pictures and about 187 AAC frames over 4 s", p)
	}
	if e := decodeErrors(t, fs[0]); e != "" {
		t.Errorf("the recording does not decode cleanly:\n%s", e)
	}
	if !strings.HasPrefix(filepath.Base(fs[0]), time.Now().Format("2006-01-02 ")) {
		t.Errorf("file name %q: want the date and time it started", filepath.Base(fs[0]))
	}
}

func TestRecordingSplits(t *testing.T) {
	s := makeStream(t, 5)
	dir := t.TempDir()
	r := &Recorder{Dir: dir, Split: 10 * time.Second}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.SetHeaders(s.headers)
	for i := range 5 { // 25 s
		s.feed(r, time.Duration(i)*5*time.Second)
	}
	r.Close()
	fs := files(t, dir)
	if len(fs) != 3 {
		t.Fatalf("%d files for 25 s split every 10 s: %v", len(fs), fs)
	}
	total := 0
	for i, f := range fs {
		p := probe(t, f)
		total += p.video
		if want := []float64{10, 10, 5}[i]; p.duration < want-0.2 || p.duration > want+0.2 {
			t.Errorf("%s lasts %.2f s, want %.0f", filepath.Base(f), p.duration, want)
		}
	}
	if total != 750 {
		t.Errorf("%d pictures in all, want 750", total)
	}
}

// A new picture size starts a new file; the same size with other
// parameters (the slate's encoder) goes on in the same one.
func TestRecordingFollowsTheFormat(t *testing.T) {
	s := makeStream(t, 2)
	dir := t.TempDir()
	r := &Recorder{Dir: dir}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.SetHeaders(s.headers)
	s.feed(r, 0)
	other := makeStream(t, 2) // another encoder, same size
	r.SetHeaders(other.headers)
	other.feed(r, 2*time.Second)
	bigger := s.headers
	bigger.Metadata.Width = 640
	r.SetHeaders(bigger)
	s.feed(r, 4*time.Second)
	r.Close()
	fs := files(t, dir)
	var got []int
	for _, f := range fs {
		got = append(got, probe(t, f).video)
	}
	if !slices.Equal(got, []int{120, 60}) {
		t.Errorf("pictures in each file: %v, want [120 60]: the new parameters in the first, a new file for the new size (dropped %d)", got, r.Stats().Dropped)
	}
}

// failAfter is a file that takes n bytes, then fails as a full disk does.
type failAfter struct {
	f *os.File
	n int
}

func (w *failAfter) Write(p []byte) (int, error) {
	if len(p) > w.n {
		w.f.Write(p[:w.n])
		w.n = 0
		return 0, &os.PathError{Op: "write", Path: w.f.Name(), Err: syscall.ENOSPC}
	}
	w.n -= len(p)
	return w.f.Write(p)
}

func (w *failAfter) Close() error { return w.f.Close() }

func TestRecordingDiskFull(t *testing.T) {
	s := makeStream(t, 4)
	dir := t.TempDir()
	r := &Recorder{Dir: dir}
	r.create = func(path string) (writeCloser, error) {
		f, err := os.Create(path)
		return &failAfter{f: f, n: 60_000}, err
	}
	if err := r.Start(); err != nil {
		t.Fatal(err)
	}
	r.SetHeaders(s.headers)
	s.feed(r, 0)
	r.Close()
	st := r.Stats()
	if st.Recording || !strings.Contains(st.Error, "the disk is full: free some space") {
		t.Errorf("stats after a full disk: %+v", st)
	}
	// What reached the disk before plays.
	if fs := files(t, dir); len(fs) != 1 {
		t.Fatalf("files %v", fs)
	} else if p := probe(t, fs[0]); p.video < 20 {
		t.Errorf("%d pictures readable before the disk filled", p.video)
	}
}

func TestRecordingFolderRefused(t *testing.T) {
	file := filepath.Join(t.TempDir(), "a file")
	if err := os.WriteFile(file, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	r := &Recorder{Dir: filepath.Join(file, "recordings")}
	err := r.Start()
	if err == nil || !strings.Contains(err.Error(), "cannot record into") || r.Stats().Error != err.Error() {
		t.Fatalf("Start = %v, stats %+v", err, r.Stats())
	}
	r.SetHeaders(rtmp.Headers{})
	r.WriteVideo(0, true, []byte{0x17, 1, 0, 0, 0})
	r.Close() // nothing started: returns at once
}

// TestRecordingSurvivesKill records in a child process killed with
// SIGKILL mid-stream: the file plays up to its last fragment.
func TestRecordingSurvivesKill(t *testing.T) {
	if dir := os.Getenv("RECORD_KILL_CHILD"); dir != "" {
		s := makeStream(t, 4)
		r := &Recorder{Dir: dir}
		if err := r.Start(); err != nil {
			t.Fatal(err)
		}
		r.SetHeaders(s.headers)
		for i := 0; ; i++ { // until killed
			s.feed(r, time.Duration(i)*4*time.Second)
			time.Sleep(time.Second)
		}
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestRecordingSurvivesKill$")
	cmd.Env = append(os.Environ(), "RECORD_KILL_CHILD="+dir)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		fs := files(t, dir)
		if len(fs) == 1 {
			if info, err := os.Stat(fs[0]); err == nil && info.Size() > 200_000 {
				break
			}
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatal("the child wrote no recording")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	f := files(t, dir)[0]
	p := probe(t, f)
	t.Logf("after kill -9: %+v", p)
	if p.video < 60 || p.codecs != "h264 aac" {
		t.Errorf("after kill -9 ffprobe reads %+v: want the pictures written until then", p)
	}
	if e := decodeErrors(t, f); e != "" {
		t.Errorf("the killed recording does not decode cleanly:\n%s", e)
	}
}

// BenchmarkRecorder records a 1080p30 4 Mb/s stream with AAC, as fast as
// the writer takes it, and reports its CPU time per second of media
// (cpu-ms/s): what recording adds to a copy relay, whose own cost
// BenchmarkRecordingCost (media/relay) reports as cpu%-without.
func BenchmarkRecorder(b *testing.B) {
	s := makeStreamAt(b, 4, 1920, 1080, 4_000_000)
	r := &Recorder{Dir: b.TempDir()}
	if err := r.Start(); err != nil {
		b.Fatal(err)
	}
	r.SetHeaders(s.headers)
	b.ResetTimer()
	start := testx.ProcessCPU()
	for i := range b.N {
		s.feed(r, time.Duration(i)*4*time.Second)
	}
	r.Close()
	cpu := testx.ProcessCPU() - start
	b.StopTimer()
	if st := r.Stats(); st.Error != "" || st.Dropped != 0 {
		b.Fatalf("recording %+v", st)
	}
	b.ReportMetric(float64(cpu)/1e6/float64(4*b.N), "cpu-ms/s")
}
