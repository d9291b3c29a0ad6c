package ingest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// Watcher is a viewer of a live stream that notes when each picture and
// each audio frame arrives, in wall-clock time: what a platform's ingest
// sees, which the stream's own timestamps can hide (a relay that pauses
// its timeline while the camera is away looks seamless in the recording).
// It decodes what it reads with the ffmpeg CLI, so a stream that does not
// decode shows in Errors.
type Watcher struct {
	cmd    *exec.Cmd
	done   chan struct{}
	mu     sync.Mutex
	frames []Arrival
	stderr bytes.Buffer
	err    error
}

// Arrival is one decoded frame of a watched stream.
type Arrival struct {
	At    time.Time
	Video bool // else audio
}

// Watch starts watching streamURL until the test ends (or Stop). ffmpeg
// runs with -fps_mode passthrough, so that no frame is made up to fill a
// gap.
func Watch(tb testing.TB, streamURL string) *Watcher {
	tb.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-v", "error",
		"-fflags", "nobuffer", "-analyzeduration", "1000000", "-rw_timeout", "20000000",
		"-i", streamURL, "-map", "0:v:0", "-map", "0:a:0?", "-fps_mode", "passthrough", "-flush_packets", "1", "-f", "framecrc", "-")
	w := &Watcher{cmd: cmd, done: make(chan struct{})}
	cmd.Stderr = &lockedWriter{mu: &w.mu, buf: &w.stderr}
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		tb.Fatalf("watch %s: %v", media.RedactURL(streamURL), err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		tb.Fatalf("watch %s: %v (make deps installs ffmpeg)", media.RedactURL(streamURL), err)
	}
	go func() {
		defer close(w.done)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			line := sc.Text()
			if strings.HasPrefix(line, "#") {
				continue
			}
			// stream_index, dts, pts, duration, size, crc
			idx, _, ok := strings.Cut(line, ",")
			if !ok {
				continue
			}
			n, err := strconv.Atoi(strings.TrimSpace(idx))
			if err != nil {
				continue
			}
			w.mu.Lock()
			w.frames = append(w.frames, Arrival{At: time.Now(), Video: n == 0})
			w.mu.Unlock()
		}
		err := cmd.Wait()
		w.mu.Lock()
		w.err = err
		w.mu.Unlock()
	}()
	tb.Cleanup(func() {
		cancel()
		<-w.done
	})
	return w
}

// Stop ends the viewer and waits for it.
func (w *Watcher) Stop() {
	if w.cmd.Process != nil {
		_ = w.cmd.Process.Kill()
	}
	<-w.done
}

// Arrivals returns every frame noted so far.
func (w *Watcher) Arrivals() []Arrival {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]Arrival(nil), w.frames...)
}

// Errors is what ffmpeg said on stderr: decoding errors, mostly.
func (w *Watcher) Errors() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.TrimSpace(w.stderr.String())
}

// WaitFrames waits until n video frames have arrived.
func (w *Watcher) WaitFrames(ctx context.Context, n int) error {
	for {
		got := 0
		for _, a := range w.Arrivals() {
			if a.Video {
				got++
			}
		}
		if got >= n {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("%d of %d pictures arrived: %v; ffmpeg said: %s", got, n, context.Cause(ctx), w.Errors())
		case <-w.done:
			return fmt.Errorf("the viewer ended after %d of %d pictures: %s", got, n, w.Errors())
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// Span sums up the arrivals between from and to.
type Span struct {
	Pictures, AudioFrames int
	// LongestVideoGap is the longest wall-clock time without a picture,
	// counting from `from` and up to `to`.
	LongestVideoGap time.Duration
	// LongestAudioGap is the same for audio.
	LongestAudioGap time.Duration
}

// Span sums up the arrivals in [from, to).
func (w *Watcher) Span(from, to time.Time) Span {
	var s Span
	lastV, lastA := from, from
	for _, a := range w.Arrivals() {
		if a.At.Before(from) || !a.At.Before(to) {
			continue
		}
		if a.Video {
			s.Pictures++
			s.LongestVideoGap = max(s.LongestVideoGap, a.At.Sub(lastV))
			lastV = a.At
		} else {
			s.AudioFrames++
			s.LongestAudioGap = max(s.LongestAudioGap, a.At.Sub(lastA))
			lastA = a.At
		}
	}
	s.LongestVideoGap = max(s.LongestVideoGap, to.Sub(lastV))
	s.LongestAudioGap = max(s.LongestAudioGap, to.Sub(lastA))
	return s
}

type lockedWriter struct {
	mu  *sync.Mutex
	buf *bytes.Buffer
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}
