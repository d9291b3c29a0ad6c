package relay

import (
	"context"
	"os/exec"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/media"
)

// TestMuteSendsSilence: muting a stream that copies the camera's AAC
// keeps the audio track going at the nginx end, silent; the level meter
// reads the tone before and nothing after. The camera's 16 kHz mono audio
// checks that the silence matches the track as it is.
func TestMuteSendsSilence(t *testing.T) {
	clip := encodeClip(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 30, GOP: 30, Duration: 4 * time.Second,
		Audio: media.CodecAAC, SampleRate: 16000, Channels: 1})
	cam := startCamera(t, clip, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:         cam.URL(),
		RTSPTransport: "tcp",
		Destinations:  []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	// sent waits until d more of video went out.
	sent := func(d time.Duration) {
		from := r.Stats().Video.Frames
		waitFor(t, r, d+15*time.Second, "video sent", func(s Stats) bool {
			return s.State == StateLive && float64(s.Video.Frames-from) >= d.Seconds()*30
		})
	}
	// peakOver polls the meter as the window does, for d.
	peakOver := func(d time.Duration) float64 {
		peak := 0.0
		for end := time.Now().Add(d); time.Now().Before(end); time.Sleep(100 * time.Millisecond) {
			peak = max(peak, r.AudioPeak())
		}
		return peak
	}
	sent(time.Second)
	if p := peakOver(1500 * time.Millisecond); p < 0.05 {
		t.Errorf("the meter reads %.3f while the camera's tone is sent", p)
	}
	r.SetMuted(true)
	peakOver(500 * time.Millisecond) // what was sent before the mute
	if p := peakOver(2 * time.Second); p > 1e-3 {
		t.Errorf("the meter reads %.4f while muted", p)
	}
	sent(time.Second)
	if s := r.Stats(); !s.Audio.Muted || s.Audio.BitrateKbps == 0 {
		t.Errorf("stats while muted: %+v: want muted, and audio still sent", s.Audio)
	}
	relayFor(t, r, 0) // stops the relay, checks FFmpeg's objects are freed
	video, audio := recordingPackets(t, n.Recording("live", testKey))
	if len(audio) == 0 || len(video) == 0 || audio[len(audio)-1].dts < video[len(video)-1].dts-time.Second {
		t.Fatalf("the audio track stopped while muted: last audio at %v, last video at %v", audio[len(audio)-1].dts, video[len(video)-1].dts)
	}
	rep := probeRecording(t, n, testKey)
	if rep.SampleRate != 16000 || rep.Channels != 1 {
		t.Errorf("audio %d Hz × %d at nginx, want the camera's 16000 × 1", rep.SampleRate, rep.Channels)
	}
	if start := maxVolume(t, n.Recording("live", testKey), "atrim=end=1.5"); start < -30 {
		t.Errorf("the first 1.5 s peak at %.1f dB: the tone should be there", start)
	}
	if end := maxVolume(t, n.Recording("live", testKey), "areverse,atrim=end=2"); end > -60 {
		t.Errorf("the last 2 s peak at %.1f dB: muted audio should be silence", end)
	}
}

// maxVolume is ffmpeg's volumedetect max_volume of path's audio after
// filter, in dB.
func maxVolume(t *testing.T, path, filter string) float64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-nostats", "-i", path, "-vn", "-af", filter+",volumedetect", "-f", "null", "-").CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg volumedetect: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`max_volume: (-?[\d.]+|-inf) dB`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("no max_volume in:\n%s", out)
	}
	if string(m[1]) == "-inf" {
		return -200
	}
	v, _ := strconv.ParseFloat(string(m[1]), 64)
	return v
}
