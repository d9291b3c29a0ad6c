package ingest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// Test pattern that PublishTestPattern sends: what a Report of it must say.
const (
	PatternWidth      = 640
	PatternHeight     = 360
	PatternFPS        = 30
	PatternKeyframe   = 2 * time.Second // -g 60 at 30 fps
	PatternSampleRate = 44100           // lavfi sine's default
	PatternChannels   = 1
)

// PublishTestPattern publishes d of a test pattern to url with the ffmpeg
// CLI, in real time: 640x360 H.264 at 30 fps with a keyframe every 2 s, and
// a 44.1 kHz mono AAC tone. rtmps:// URLs work too (ffmpeg does not verify
// the server's certificate). It returns when ffmpeg is done, with an error
// when the publish failed (for instance when nginx refused it) or ctx ended.
func PublishTestPattern(ctx context.Context, url string, d time.Duration) error {
	secs := strconv.FormatFloat(d.Seconds(), 'f', 3, 64)
	cmd := exec.CommandContext(ctx, "ffmpeg", "-nostdin", "-hide_banner", "-loglevel", "error",
		"-re",
		"-f", "lavfi", "-i", fmt.Sprintf("testsrc2=size=%dx%d:rate=%d", PatternWidth, PatternHeight, PatternFPS),
		"-f", "lavfi", "-i", "sine",
		"-t", secs,
		"-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p",
		"-g", strconv.Itoa(int(PatternKeyframe.Seconds()*PatternFPS)),
		"-c:a", "aac",
		"-f", "flv", url)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	switch {
	case err == nil:
		return nil
	case errors.Is(err, exec.ErrNotFound):
		return errors.New("ffmpeg is not installed: run `make deps` (apt package ffmpeg)")
	case ctx.Err() != nil:
		return fmt.Errorf("ffmpeg publish to %s: %v", media.RedactURL(url), context.Cause(ctx))
	}
	msg := strings.TrimSpace(strings.ReplaceAll(stderr.String(), url, media.RedactURL(url)))
	if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
		msg = msg[i+1:]
	}
	if msg == "" {
		msg = err.Error()
	}
	return fmt.Errorf("ffmpeg publish to %s: %s", media.RedactURL(url), msg)
}
