package codec

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/media"
)

// Test helpers: inputs the product never makes itself (Opus, H.265), made
// by the ffmpeg CLI, and decoded audio read back as numbers.

// opusTone encodes d of a 440 Hz stereo tone with the ffmpeg CLI's
// libopus, in 20 ms packets (the engine's FFmpeg decodes Opus but has no
// Opus encoder). ffprobe lists the packets with their bytes.
func opusTone(t *testing.T, d time.Duration) []media.AudioUnit {
	t.Helper()
	ogg := filepath.Join(t.TempDir(), "tone.ogg")
	run := func(name string, args ...string) []byte {
		out, err := exec.Command(name, args...).Output()
		if err != nil {
			var stderr []byte
			if ee, ok := err.(*exec.ExitError); ok {
				stderr = ee.Stderr
			}
			t.Fatalf("%s: %v: %s", name, err, stderr)
		}
		return out
	}
	run("ffmpeg", "-hide_banner", "-loglevel", "error", "-f", "lavfi",
		"-i", fmt.Sprintf("sine=frequency=440:sample_rate=48000:duration=%.3f", d.Seconds()),
		"-ac", "2", "-c:a", "libopus", "-b:a", "64k", "-frame_duration", "20", ogg)
	var probe struct {
		Packets []struct {
			Data string `json:"data"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(run("ffprobe", "-v", "error", "-show_packets", "-show_data", "-of", "json", ogg), &probe); err != nil {
		t.Fatal(err)
	}
	var units []media.AudioUnit
	for _, p := range probe.Packets {
		units = append(units, media.AudioUnit{PTS: time.Duration(len(units)) * 20 * time.Millisecond, Data: hexDump(t, p.Data)})
	}
	if len(units) < int(d/(20*time.Millisecond))-1 {
		t.Fatalf("ffmpeg made %d Opus packets for %v", len(units), d)
	}
	return units
}

// hexDump reads ffprobe's -show_data dump: lines of an 8-digit offset, a
// colon, 16 bytes in hex (grouped by two) and their ASCII.
func hexDump(t *testing.T, dump string) []byte {
	t.Helper()
	var out []byte
	for _, line := range strings.Split(dump, "\n") {
		if len(line) < 10 {
			continue
		}
		hexPart := line[10:min(len(line), 50)]
		b, err := hex.DecodeString(strings.ReplaceAll(hexPart, " ", ""))
		if err != nil {
			t.Fatalf("ffprobe data line %q: %v", line, err)
		}
		out = append(out, b...)
	}
	return out
}

// hevcPattern encodes n frames of a w x h test pattern at 25 fps with the
// ffmpeg CLI's libx265 (the engine's FFmpeg decodes H.265 but has no H.265
// encoder) and returns the track and the units.
func hevcPattern(t *testing.T, w, h, n int) (media.VideoTrack, []media.VideoUnit) {
	t.Helper()
	clip, err := fakecam.EncodeClip(context.Background(), fakecam.ClipConfig{
		Video: media.CodecH265, Width: w, Height: h, FPS: 25, GOP: 25,
		Duration: time.Duration(n) * 40 * time.Millisecond,
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(clip.Video) != n {
		t.Fatalf("ffmpeg made %d H.265 units, want %d", len(clip.Video), n)
	}
	return *clip.Tracks.Video, clip.Video
}

// decodeAACToPCM decodes AAC units back to 48 kHz mono 16-bit samples.
func decodeAACToPCM(t *testing.T, track media.AudioTrack, units []media.AudioUnit) []int16 {
	t.Helper()
	dc := astiav.FindDecoder(astiav.CodecIDAac)
	dec := astiav.AllocCodecContext(dc)
	defer dec.Free()
	if err := dec.SetExtraData(track.Config); err != nil {
		t.Fatal(err)
	}
	if err := dec.Open(dc, nil); err != nil {
		t.Fatal(err)
	}
	pkt := astiav.AllocPacket()
	defer pkt.Free()
	frame := astiav.AllocFrame()
	defer frame.Free()
	mono := astiav.AllocFrame()
	defer mono.Free()
	var g *graph
	defer func() {
		if g != nil {
			g.close()
		}
	}()
	var samples []int16
	var buf []byte
	for _, u := range units {
		var size int
		buf, size = padded(buf, u.Data)
		if err := fillPacket(pkt, buf, size); err != nil {
			t.Fatal(err)
		}
		err := dec.SendPacket(pkt)
		pkt.Unref()
		if err != nil {
			t.Fatalf("AAC decode: %v", err)
		}
		for {
			if err := dec.ReceiveFrame(frame); err != nil {
				if isAgain(err) {
					break
				}
				t.Fatal(err)
			}
			if g == nil {
				if g, err = newGraph("aresample=48000,aformat=sample_fmts=s16:channel_layouts=mono", "abuffer", astiav.FilterArgs{
					"time_base":      "1/48000",
					"sample_rate":    strconv.Itoa(frame.SampleRate()),
					"sample_fmt":     frame.SampleFormat().Name(),
					"channel_layout": frame.ChannelLayout().String(),
				}, "abuffersink"); err != nil {
					t.Fatal(err)
				}
			}
			if err := g.push(frame); err != nil {
				t.Fatal(err)
			}
			frame.Unref()
			for {
				if err := g.pull(mono); err != nil {
					if isAgain(err) {
						break
					}
					t.Fatal(err)
				}
				p := plane(mono, 0, 2*mono.NbSamples())
				for i := 0; i+1 < len(p); i += 2 {
					samples = append(samples, int16(binary.LittleEndian.Uint16(p[i:])))
				}
				mono.Unref()
			}
		}
	}
	return samples
}

// toneStats returns the RMS level and the frequency (from zero crossings)
// of 48 kHz samples.
func toneStats(s []int16) (rms, hz float64) {
	if len(s) == 0 {
		return 0, 0
	}
	var sum float64
	crossings := 0
	for i, v := range s {
		sum += float64(v) * float64(v)
		if i > 0 && (s[i-1] < 0) != (v < 0) {
			crossings++
		}
	}
	return math.Sqrt(sum / float64(len(s))), float64(crossings) / 2 / (float64(len(s)) / 48000)
}

// rssBytes returns the process's resident set size (Linux).
func rssBytes(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		t.Skip("no /proc/self/statm:", err)
	}
	f := strings.Fields(string(b))
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return pages * int64(os.Getpagesize())
}
