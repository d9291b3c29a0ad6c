package record

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/relaystudio/relaystudio/media/rtmp"
)

// DefaultSplit is how long a file runs before the next one starts.
const DefaultSplit = time.Hour

// queueSize bounds what may wait for the disk: about eight seconds of
// 30 fps video with its audio.
const queueSize = 640

// Recorder writes a stream into files in Dir, named by the time each
// starts ("2026-12-01 19-30-00.mp4"), a new one every Split and whenever
// the picture's size or the audio's format changes. Feed it like a
// destination: SetHeaders, then WriteVideo and WriteAudio, from one
// goroutine or several; it never blocks them. A failure (a full disk, a
// folder it may not write) stops the recording, says why in Stats and
// the log, and leaves the stream alone.
type Recorder struct {
	// Dir is the folder of the files; it is made if missing.
	Dir string
	// Split starts a new file once one holds this long (media time, which
	// a live stream keeps with the clock), at a keyframe. It defaults to
	// DefaultSplit.
	Split time.Duration
	// Logger receives the files made and the failure. Nil discards.
	Logger *slog.Logger
	// create opens a file; os.Create unless a test fails it.
	create func(path string) (writeCloser, error)

	queue chan item
	done  chan struct{}

	mu      sync.Mutex
	started bool
	closed  bool
	stats   Stats
	headers rtmp.Headers
	gen     uint64
	needKey bool
}

type writeCloser interface {
	Write([]byte) (int, error)
	Close() error
}

// Stats is what a recording has done.
type Stats struct {
	// Recording is true while files are written.
	Recording bool `json:"recording"`
	// File is the file being written, or the last one.
	File string `json:"file,omitempty"`
	// Files counts the files started.
	Files int `json:"files"`
	// Bytes counts what went to disk, all files.
	Bytes int64 `json:"bytes"`
	// Dropped counts frames the disk could not take in time.
	Dropped uint64 `json:"dropped,omitempty"`
	// Error says why the recording stopped, when it failed.
	Error string `json:"error,omitempty"`
}

type item struct {
	video, key bool
	ts         time.Duration
	body       []byte
	gen        uint64
	headers    *rtmp.Headers
}

// Start makes the folder and starts the writer. It fails when the folder
// cannot be made, with a message that says what to do (also in Stats);
// the Recorder then takes nothing.
func (r *Recorder) Start() error {
	if r.Split <= 0 {
		r.Split = DefaultSplit
	}
	if r.Logger == nil {
		r.Logger = slog.New(slog.DiscardHandler)
	}
	if r.create == nil {
		r.create = func(path string) (writeCloser, error) {
			return os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
		}
	}
	if err := os.MkdirAll(r.Dir, 0o755); err != nil {
		err = folderError(r.Dir, err)
		r.mu.Lock()
		r.stats.Error = err.Error()
		r.mu.Unlock()
		return err
	}
	r.queue = make(chan item, queueSize)
	r.done = make(chan struct{})
	r.mu.Lock()
	r.started, r.needKey, r.stats.Recording = true, true, true
	r.mu.Unlock()
	go r.run()
	return nil
}

// SetHeaders hands over the stream's sequence headers: the next keyframe
// starts a file with them, or goes on in the current one when the size
// and the audio are the same.
func (r *Recorder) SetHeaders(h rtmp.Headers) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.accepting() {
		return
	}
	r.headers = h
	r.gen++
	r.needKey = true
	select {
	case r.queue <- item{headers: &h, gen: r.gen}:
	default:
		// The writer takes them from r.headers when the frames of this
		// generation reach it.
	}
}

// WriteVideo queues one FLV video tag body; see rtmp.Publisher.WriteVideo.
func (r *Recorder) WriteVideo(dts time.Duration, key bool, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.accepting() || r.gen == 0 {
		return
	}
	if r.needKey && !key {
		return
	}
	select {
	case r.queue <- item{video: true, key: key, ts: dts, body: body, gen: r.gen}:
		r.needKey = false
	default:
		// The disk is behind: drop, and go on at the next keyframe.
		r.stats.Dropped++
		r.needKey = true
	}
}

// WriteAudio queues one FLV audio tag body.
func (r *Recorder) WriteAudio(pts time.Duration, body []byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.accepting() || r.gen == 0 || r.needKey {
		return
	}
	select {
	case r.queue <- item{ts: pts, body: body, gen: r.gen}:
	default:
		r.stats.Dropped++
	}
}

func (r *Recorder) accepting() bool { return r.started && !r.closed && r.stats.Error == "" }

// Stats returns a snapshot.
func (r *Recorder) Stats() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.stats
}

// Close writes what is queued, closes the file and waits. It may be called
// more than once.
func (r *Recorder) Close() {
	r.mu.Lock()
	started, closed := r.started, r.closed
	r.closed = true
	if started && !closed {
		close(r.queue)
	}
	r.mu.Unlock()
	if started {
		<-r.done
	}
}

// run owns the files.
func (r *Recorder) run() {
	defer close(r.done)
	w := writer{r: r}
	for it := range r.queue {
		if err := w.handle(it); err != nil {
			w.fail(err)
			for range r.queue { // drain: Close must not block
			}
			return
		}
	}
	if err := w.closeFile(); err != nil {
		w.fail(err)
		return
	}
	r.mu.Lock()
	r.stats.Recording = false
	r.mu.Unlock()
}

// writer is the state of run.
type writer struct {
	r       *Recorder
	file    *mp4File
	path    string
	want    format // from the latest headers
	haveFmt bool
	gen     uint64
	skip    bool  // waiting for a keyframe of the latest headers
	total   int64 // bytes of the files closed
}

func (w *writer) handle(it item) error {
	if it.headers != nil {
		f, err := formatOf(*it.headers, "record")
		if err != nil {
			return err
		}
		w.want, w.haveFmt, w.gen, w.skip = f, true, it.gen, true
		return nil
	}
	if it.gen != w.gen {
		// The queue was full when the headers came: take them now.
		w.r.mu.Lock()
		h, gen := w.r.headers, w.r.gen
		w.r.mu.Unlock()
		if gen != it.gen {
			return nil // newer still: their own item is on its way
		}
		f, err := formatOf(h, "record")
		if err != nil {
			return err
		}
		w.want, w.haveFmt, w.gen, w.skip = f, true, gen, true
	}
	if !w.haveFmt {
		return nil
	}
	if !it.video {
		if w.file == nil || w.skip {
			return nil
		}
		if len(it.body) < 2 || it.body[1] != 1 {
			return nil
		}
		return w.wrote(w.file.audio(it.ts, it.body[2:]))
	}
	key, cto, avcc, err := parseAVCFrame(it.body)
	if err != nil {
		return nil // not a frame this recorder writes: skipped
	}
	if w.skip {
		if !key {
			return nil
		}
		w.skip = false
		if w.file != nil && !w.file.f.sameFile(w.want) {
			if err := w.closeFile(); err != nil {
				return err
			}
		}
	}
	if w.file != nil && key && w.file.started && it.ts-w.file.base >= w.r.Split {
		if err := w.closeFile(); err != nil {
			return err
		}
	}
	if w.file == nil {
		if !key {
			return nil
		}
		if err := w.openFile(); err != nil {
			return err
		}
	}
	if key && !hasSPS(avcc) {
		avcc = withParams(w.want.sps, w.want.pps, avcc)
	}
	return w.wrote(w.file.video(it.ts, it.ts+cto, key, avcc))
}

// wrote counts what reached the file, and words err.
func (w *writer) wrote(err error) error {
	w.r.mu.Lock()
	w.r.stats.Bytes = w.total + w.file.written
	w.r.mu.Unlock()
	if err != nil {
		return fileError(w.path, err)
	}
	return nil
}

func (w *writer) openFile() error {
	name := time.Now().Format("2006-01-02 15-04-05")
	path := filepath.Join(w.r.Dir, name+".mp4")
	var f writeCloser
	var err error
	for n := 2; ; n++ {
		f, err = w.r.create(path)
		if !errors.Is(err, fs.ErrExist) || n > 99 {
			break
		}
		path = filepath.Join(w.r.Dir, fmt.Sprintf("%s (%d).mp4", name, n))
	}
	if err != nil {
		return fileError(path, err)
	}
	m, err := newMP4File(f, w.want)
	if err != nil {
		f.Close()
		return fileError(path, err)
	}
	w.file, w.path = m, path
	w.r.mu.Lock()
	w.r.stats.File = path
	w.r.stats.Files++
	w.r.mu.Unlock()
	w.r.Logger.Info("recording to a new file", "file", path)
	return nil
}

func (w *writer) closeFile() error {
	if w.file == nil {
		return nil
	}
	err := w.file.close()
	w.total += w.file.written
	w.file = nil
	w.r.mu.Lock()
	w.r.stats.Bytes = w.total
	w.r.mu.Unlock()
	if err != nil {
		return fileError(w.path, err)
	}
	return nil
}

// fail stops the recording for good and says why.
func (w *writer) fail(err error) {
	if w.file != nil {
		_ = w.file.close()
		w.file = nil
	}
	w.r.mu.Lock()
	w.r.stats.Recording = false
	w.r.stats.Error = err.Error()
	w.r.mu.Unlock()
	w.r.Logger.Error("recording stopped: the stream goes on", "error", err)
}

// formatOf reads the file format out of a stream's headers; its errors
// say what cannot be done (verb: "record").
func formatOf(h rtmp.Headers, verb string) (format, error) {
	sps, pps, err := parseAVCHeader(h.Video)
	if err != nil {
		return format{}, fmt.Errorf("cannot %s this video: %w", verb, err)
	}
	f := format{width: h.Metadata.Width, height: h.Metadata.Height, sps: sps, pps: pps}
	if h.Audio != nil {
		asc, rate, chans, err := parseAACHeader(h.Audio)
		if err != nil {
			return format{}, fmt.Errorf("cannot %s this audio: %w", verb, err)
		}
		f.asc, f.rate, f.chans = asc, rate, chans
	}
	return f, nil
}

// folderError words a folder that cannot be made.
func folderError(dir string, err error) error {
	switch {
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot record into %s: not allowed to write there: choose another folder", dir)
	case diskFull(err):
		return fmt.Errorf("cannot record into %s: the disk is full: free some space or choose another disk", dir)
	}
	return fmt.Errorf("cannot record into %s: %v", dir, unwrapPath(err))
}

// fileError words a file that cannot be written.
func fileError(path string, err error) error {
	switch {
	case diskFull(err):
		return fmt.Errorf("cannot write %s: the disk is full: free some space, or record to another disk", path)
	case errors.Is(err, fs.ErrPermission):
		return fmt.Errorf("cannot write %s: not allowed to write there: choose another folder", path)
	}
	return fmt.Errorf("cannot write %s: %v", path, unwrapPath(err))
}

// unwrapPath drops the *PathError's own path, which the message has.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}
