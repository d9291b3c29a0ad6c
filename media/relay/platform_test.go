package relay

// Tests of what streaming platforms need from the engine: AAC audio whatever
// the camera sends, H.264 only, short GOPs, several destinations that do
// not hurt each other, outages on either side that heal by themselves,
// RTMPS with real certificate checks. Every peer is real: fake cameras
// over RTSP on loopback, nginx-rtmp, ffprobe reading back what arrived.

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testpeer/silent"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// aacFrameRate is how many AAC packets a second of 48 kHz audio makes
// (1024 samples each).
const aacFrameRate = 48000.0 / 1024

// smallClip is a 4 s 320x240 30 fps H.264 clip with a keyframe a second
// and the given audio (the codec's default rate and channels).
func smallClip(t *testing.T, audio media.Codec) fakecam.Clip {
	t.Helper()
	return encodeClip(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 30, GOP: 30, Duration: 4 * time.Second, Audio: audio})
}

// packet is one packet of a recording as ffprobe reads it.
type packet struct {
	dts time.Duration
	key bool
}

// recordingPackets reads the video and audio packets of a recording, in
// file order.
func recordingPackets(t *testing.T, path string) (video, audio []packet) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffprobe", "-v", "error",
		"-show_entries", "packet=codec_type,dts_time,flags", "-of", "json", path).Output()
	if err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	var res struct {
		Packets []struct {
			CodecType string `json:"codec_type"`
			DTS       string `json:"dts_time"`
			Flags     string `json:"flags"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(out, &res); err != nil {
		t.Fatalf("ffprobe %s: %v", path, err)
	}
	for _, p := range res.Packets {
		secs, err := strconv.ParseFloat(p.DTS, 64)
		if err != nil {
			t.Fatalf("ffprobe %s: packet without a DTS: %+v", path, p)
		}
		pk := packet{dts: time.Duration(secs * float64(time.Second)), key: strings.HasPrefix(p.Flags, "K")}
		switch p.CodecType {
		case "video":
			video = append(video, pk)
		case "audio":
			audio = append(audio, pk)
		}
	}
	return video, audio
}

// checkTimeline fails the test when video DTS do not strictly increase,
// audio DTS go backwards, or the video has a hole longer than maxGap; it
// returns the longest video gap.
func checkTimeline(t *testing.T, name string, video, audio []packet, maxGap time.Duration) time.Duration {
	t.Helper()
	if len(video) < 2 {
		t.Fatalf("%s: %d video packets", name, len(video))
	}
	var longest time.Duration
	for i := 1; i < len(video); i++ {
		d := video[i].dts - video[i-1].dts
		if d <= 0 {
			t.Errorf("%s: video DTS %v after %v (packet %d): not monotonic", name, video[i].dts, video[i-1].dts, i)
			break
		}
		longest = max(longest, d)
	}
	if longest > maxGap {
		t.Errorf("%s: a %v hole in the video, want none over %v", name, longest, maxGap)
	}
	for i := 1; i < len(audio); i++ {
		if audio[i].dts < audio[i-1].dts {
			t.Errorf("%s: audio DTS %v after %v (packet %d): backwards", name, audio[i].dts, audio[i-1].dts, i)
			break
		}
	}
	return longest
}

// checkFullRate checks that a destination's recording is smooth 30 fps
// video: the rate, no hole over half a second, monotonic timestamps.
func checkFullRate(t *testing.T, n *ingest.Nginx, key string) {
	t.Helper()
	rep := probeRecording(t, n, key)
	if rep.VideoCodec != "h264" || !near(rep.FPS, 30, 0.5) || !rep.FirstVideoIsKey {
		t.Errorf("%s: %v, want h264 at 30 fps starting with a keyframe", key, rep)
	}
	video, audio := recordingPackets(t, n.Recording("live", key))
	checkTimeline(t, key, video, audio, 500*time.Millisecond)
}

// destStats returns the stats of the destination called name.
func destStats(t *testing.T, s Stats, name string) DestinationStats {
	t.Helper()
	for _, d := range s.Destinations {
		if d.Name == name {
			return d
		}
	}
	t.Fatalf("no destination %q in %+v", name, s.Destinations)
	return DestinationStats{}
}

func TestCameraAudioBecomesAAC(t *testing.T) {
	for _, tc := range []struct {
		name      string
		audio     media.Codec
		latm      bool   // AAC sent as MP4A-LATM (RFC 6416)
		statCodec string // Stats.Audio.Codec
	}{
		{"no audio", media.CodecUnknown, false, "aac (silent)"},
		{"opus", media.CodecOpus, false, "aac"},
		{"g711 µ-law", media.CodecPCMU, false, "aac"},
		{"g711 a-law", media.CodecPCMA, false, "aac"},
		{"aac as mp4a-latm", media.CodecAAC, true, "aac"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			clip := smallClip(t, tc.audio)
			if tc.latm { // copied as it is: the camera's AAC must be what platforms want
				clip = encodeClip(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 30, GOP: 30, Duration: 4 * time.Second,
					Audio: media.CodecAAC, SampleRate: 48000, Channels: 2})
			}
			cam := startCamera(t, clip, func(c *fakecam.Camera) { c.AACLATM = tc.latm })
			n := ingest.StartNginx(t, ingest.Options{})
			r := startRelay(t, Config{
				Input:        cam.URL(),
				Destinations: []Destination{{URL: n.URL("live", testKey)}},
			})
			rep := streamFor(t, r, n, 3*time.Second)

			if rep.VideoCodec != "h264" || rep.Width != 320 || rep.Height != 240 || !near(rep.FPS, 30, 0.5) {
				t.Errorf("video: %v, want the camera's h264 320x240 30 fps copied", rep)
			}
			if rep.AudioCodec != "aac" || rep.SampleRate != 48000 || rep.Channels != 2 {
				t.Errorf("audio = %s %d Hz %d ch, want aac 48000 Hz stereo", rep.AudioCodec, rep.SampleRate, rep.Channels)
			}
			// Audio covers the whole stream: no missing second, no doubling.
			want := rep.Duration.Seconds() * aacFrameRate
			if got := float64(rep.AudioPackets); got < 0.9*want || got > 1.1*want {
				t.Errorf("%d AAC packets over %v, want about %.0f", rep.AudioPackets, rep.Duration, want)
			}
			s := r.Stats()
			if s.Audio.Codec != tc.statCodec {
				t.Errorf("Stats.Audio.Codec = %q, want %q", s.Audio.Codec, tc.statCodec)
			}
			if tc.audio != media.CodecUnknown && s.Input.AudioCodec != tc.audio.String() {
				t.Errorf("Stats.Input.AudioCodec = %q, want %q", s.Input.AudioCodec, tc.audio)
			}
			// A 1 s GOP and H.264: nothing for the user to fix.
			if len(s.Warnings) != 0 {
				t.Errorf("warnings: %q", s.Warnings)
			}
		})
	}
}

// TestAudioModes: silent replaces the camera's AAC with silence, none sends
// no audio track, and copy of audio RTMP cannot carry (G.711) drops it with
// a warning that says how to keep it.
func TestAudioModes(t *testing.T) {
	for _, tc := range []struct {
		name      string
		camera    media.Codec
		mode      AudioMode
		recorded  string // the audio codec nginx recorded; "" = no audio track
		statCodec string
		warning   string
	}{
		{"silent over camera AAC", media.CodecAAC, AudioSilent, "aac", "aac (silent)", ""},
		{"none", media.CodecAAC, AudioNone, "", "", ""},
		{"copy of G.711", media.CodecPCMU, AudioCopy, "", "", "use --audio auto to convert it to AAC"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, smallClip(t, tc.camera), nil)
			n := ingest.StartNginx(t, ingest.Options{})
			r := startRelay(t, Config{
				Input:        cam.URL(),
				Audio:        AudioConfig{Mode: tc.mode},
				Destinations: []Destination{{URL: n.URL("live", testKey)}},
			})
			rep := streamFor(t, r, n, 3*time.Second)
			if rep.VideoCodec != "h264" || !near(rep.FPS, 30, 0.5) {
				t.Errorf("video: %v, want h264 at 30 fps", rep)
			}
			if rep.AudioCodec != tc.recorded {
				t.Errorf("nginx recorded audio %q (%d packets), want %q", rep.AudioCodec, rep.AudioPackets, tc.recorded)
			}
			if tc.recorded == "" && rep.AudioPackets != 0 {
				t.Errorf("%d audio packets, want none", rep.AudioPackets)
			}
			s := r.Stats()
			if s.Audio.Codec != tc.statCodec || s.Audio.Mode != tc.mode {
				t.Errorf("Stats.Audio = %+v, want mode %q codec %q", s.Audio, tc.mode, tc.statCodec)
			}
			if w := strings.Join(s.Warnings, "\n"); !strings.Contains(w, tc.warning) || (tc.warning == "" && w != "") {
				t.Errorf("warnings %q, want %q", w, tc.warning)
			}
		})
	}
}

func TestH265CameraReachesNginxAsH264(t *testing.T) {
	clip := encodeClip(t, fakecam.ClipConfig{Video: media.CodecH265, Width: 640, Height: 360, FPS: 30, GOP: 30,
		Duration: 4 * time.Second})
	for _, tc := range []struct {
		name    string
		video   VideoConfig
		w, h    int
		warning bool
	}{
		{"h264 mode", VideoConfig{Mode: VideoH264, Size: media.Size{Height: 240}, Bitrate: 800_000}, 426, 240, false},
		{"copy mode", VideoConfig{Mode: VideoCopy}, 640, 360, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, clip, nil)
			n := ingest.StartNginx(t, ingest.Options{})
			log, logBuf := testx.CaptureLog()
			r := startRelay(t, Config{
				Input:        cam.URL(),
				Video:        tc.video,
				Destinations: []Destination{{URL: n.URL("live", testKey)}},
				Logger:       log,
			})
			rep := streamFor(t, r, n, 3*time.Second)
			if rep.VideoCodec != "h264" || rep.Width != tc.w || rep.Height != tc.h || !near(rep.FPS, 30, 0.5) || !rep.FirstVideoIsKey {
				t.Errorf("nginx got %v, want h264 %dx%d at 30 fps", rep, tc.w, tc.h)
			}
			s := r.Stats()
			if s.Input.VideoCodec != "h265" || s.Video.Mode != VideoH264 {
				t.Errorf("input %q, video mode %q: want h265 in, h264 out", s.Input.VideoCodec, s.Video.Mode)
			}
			warned := strings.Contains(strings.Join(s.Warnings, "\n"), "H265")
			if warned != tc.warning {
				t.Errorf("warnings %q: want a warning about H265 = %v", s.Warnings, tc.warning)
			}
			if tc.warning && !strings.Contains(logBuf.String(), "transcoding it to H.264") {
				t.Error("the H.265 warning is not in the log")
			}
		})
	}
}

func TestLongCameraGOPWarns(t *testing.T) {
	// One keyframe every 6 s; the clip loops on a keyframe, so the
	// interval holds across loops.
	clip := encodeClip(t, fakecam.ClipConfig{Width: 320, Height: 240, FPS: 30, GOP: 180, Duration: 6 * time.Second})
	cam := startCamera(t, clip, nil)
	n := ingest.StartNginx(t, ingest.Options{})
	log, logBuf := testx.CaptureLog()
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{URL: n.URL("live", testKey)}},
		Logger:       log,
	})
	// Two keyframes are needed to see the interval: up to 6 s to the
	// first, 6 s more to the second.
	s := waitFor(t, r, 25*time.Second, "a keyframe interval warning", func(s Stats) bool { return len(s.Warnings) > 0 })
	if len(s.Warnings) != 1 || !strings.Contains(s.Warnings[0], "keyframe every 6.0 s") {
		t.Errorf("warnings = %q, want one about the 6 s keyframe interval", s.Warnings)
	}
	if !near(s.Input.KeyframeIntervalSeconds, 6, 0.1) {
		t.Errorf("Stats.Input.KeyframeIntervalSeconds = %v, want 6", s.Input.KeyframeIntervalSeconds)
	}
	if !strings.Contains(logBuf.String(), "keyframe every 6.0 s") {
		t.Error("the warning is not in the log")
	}
}

func TestThreeDestinationsShareOneEncode(t *testing.T) {
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	keys := []string{"key-a-51e0", "key-b-7c2d", "key-c-9f44"}
	var dests []Destination
	for i, k := range keys {
		dests = append(dests, Destination{Name: fmt.Sprintf("dest%d", i), URL: n.URL("live", k)})
	}
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Video:        VideoConfig{Mode: VideoH264, Size: media.Size{Height: 240}, Bitrate: 600_000},
		Destinations: dests,
	})
	waitFor(t, r, 20*time.Second, "three live destinations", func(s Stats) bool {
		for _, d := range s.Destinations {
			if d.State != StateLive {
				return false
			}
		}
		return true
	})
	relayFor(t, r, 4*time.Second)
	// Video.Frames counts what the encoders produced. Three encoders would
	// make three times the frames each destination received; one encode
	// makes as many. (Counts, not the instantaneous rate: the rate dips when
	// the shared machine is busy.)
	encoded := float64(r.Stats().Video.Frames)
	for _, k := range keys {
		rep := probeRecording(t, n, k)
		if rep.VideoCodec != "h264" || rep.Width != 426 || rep.Height != 240 || !near(rep.FPS, 30, 0.5) || !rep.FirstVideoIsKey {
			t.Errorf("%s: %v, want h264 426x240 at 30 fps", k, rep)
		}
		// Every destination got (nearly) every frame of the one encoder.
		if got := float64(rep.VideoFrames); got < 0.9*encoded || got > 1.1*encoded {
			t.Errorf("%s: %d frames recorded, the encoder made %.0f", k, rep.VideoFrames, encoded)
		}
	}
}

func TestRefusedKeyBesideGoodOne(t *testing.T) {
	const refusedKey = "key-refused-3b8e"
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{OnPublish: func(_, key string) bool { return key != refusedKey }})
	log, logBuf := testx.CaptureLog()
	r := startRelay(t, Config{
		Input: cam.URL(),
		Destinations: []Destination{
			{Name: "good", URL: n.URL("live", testKey)},
			{Name: "refusing", URL: n.URL("live", refusedKey)},
		},
		Logger: log,
	})
	s := waitFor(t, r, 10*time.Second, "the refused destination", func(s Stats) bool {
		return destStats(t, s, "refusing").State == StateRefused
	})
	if d := destStats(t, s, "refusing"); !strings.Contains(d.Reason, "refused") {
		t.Errorf("refused destination: reason %q, want it to say refused", d.Reason)
	}
	if d := destStats(t, s, "good"); d.State != StateLive {
		t.Errorf("good destination: %s %q, want live", d.State, d.Reason)
	}
	relayFor(t, r, 5*time.Second)
	checkFullRate(t, n, testKey)

	if st := fmt.Sprintf("%+v", r.Stats()); strings.Contains(st, refusedKey) || strings.Contains(st, testKey) {
		t.Errorf("a stream key appears in the stats: %s", st)
	}
	logged := logBuf.String()
	if !strings.Contains(logged, "refused") {
		t.Errorf("the refusal is not in the log:\n%s", logged)
	}
	if strings.Contains(logged, refusedKey) || strings.Contains(logged, testKey) {
		t.Errorf("a stream key appears in the log:\n%s", logged)
	}
}

// TestBadDestinationBesideGoodOne: a destination on a port where nothing
// listens, and one whose server accepts the connection and never answers,
// each retry by themselves and leave the good destination at full frame
// rate; what they could not send is counted as not connected, not dropped.
func TestBadDestinationBesideGoodOne(t *testing.T) {
	for _, tc := range []struct {
		name, addr, reason string
	}{
		{"nothing listening", testx.ClosedPort(t), "connection refused"},
		{"hung server", func() string { a, _ := silent.Server(t); return a }(), "timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, recordClip(t, 640, 360, true), nil)
			n := ingest.StartNginx(t, ingest.Options{})
			r := startRelay(t, Config{
				Input: cam.URL(),
				Destinations: []Destination{
					{Name: "good", URL: n.URL("live", testKey)},
					{Name: "bad", URL: "rtmp://" + tc.addr + "/live/" + testKey},
				},
			})
			// A refused connection fails at once, before the good
			// destination's handshake is done, so wait for both.
			s := waitFor(t, r, 30*time.Second, "the bad destination retrying and the good one live", func(s Stats) bool {
				d := destStats(t, s, "bad")
				return d.State == StateRetrying && strings.Contains(d.Reason, tc.reason) &&
					destStats(t, s, "good").State == StateLive
			})
			if g := destStats(t, s, "good"); g.Reconnects != 0 {
				t.Errorf("good destination meanwhile: %+v", g)
			}
			relayFor(t, r, 5*time.Second)
			checkFullRate(t, n, testKey)
			if d := destStats(t, r.Stats(), "bad"); d.BytesSent != 0 || d.Dropped != 0 || d.NotConnected == 0 {
				t.Errorf("bad destination: %d bytes sent, %d dropped, %d not connected; want 0, 0 and some", d.BytesSent, d.Dropped, d.NotConnected)
			}
		})
	}
}

// resumeWithin is how soon after a peer comes back the relay must be
// sending again (issue acceptance).
const resumeWithin = 15 * time.Second

func TestIngestRestart(t *testing.T) {
	cam := startCamera(t, recordClip(t, 640, 360, true), nil)
	n := ingest.StartNginx(t, ingest.Options{})
	r := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
	})
	waitFor(t, r, 20*time.Second, "two seconds of video", func(s Stats) bool {
		return s.State == StateLive && s.Video.Frames >= 60
	})

	n.Stop()
	waitFor(t, r, 10*time.Second, "the destination retrying", func(s Stats) bool {
		return destStats(t, s, "nginx").State == StateRetrying
	})
	n.Restart()
	restarted := time.Now()
	s := waitFor(t, r, 15*time.Second, "the destination live again", func(s Stats) bool {
		return destStats(t, s, "nginx").State == StateLive
	})
	live := time.Since(restarted)
	sent := destStats(t, s, "nginx").BytesSent
	// Acceptance: the relay resumes within 15 s of the ingest coming back.
	waitFor(t, r, max(resumeWithin-time.Since(restarted), 0), "media flowing again within 15 s", func(s Stats) bool {
		return destStats(t, s, "nginx").BytesSent > sent+10_000
	})
	t.Logf("destination live again %v after nginx restarted, media flowing after %v (%d reconnects)",
		live.Round(time.Millisecond), time.Since(restarted).Round(time.Millisecond), destStats(t, s, "nginx").Reconnects)
	if d := destStats(t, s, "nginx"); d.Reconnects < 1 {
		t.Errorf("Reconnects = %d, want at least 1", d.Reconnects)
	}

	relayFor(t, r, 3*time.Second)
	// nginx overwrote the recording when the relay published again: it
	// holds the new connection only.
	rep := probeRecording(t, n, testKey)
	if !rep.FirstVideoIsKey || rep.VideoFrames < 60 {
		t.Errorf("after the restart nginx got %v, want at least 2 s starting with a keyframe", rep)
	}
	video, audio := recordingPackets(t, n.Recording("live", testKey))
	checkTimeline(t, "after the restart", video, audio, 500*time.Millisecond)
	// A new connection starts its clock at zero.
	first := video[0].dts
	if len(audio) > 0 {
		first = min(first, audio[0].dts)
	}
	if first < 0 || first > 500*time.Millisecond {
		t.Errorf("the new connection's first timestamp is %v, want it to start fresh near 0", first)
	}
}

func TestCameraOutagesHeal(t *testing.T) {
	for _, tc := range []struct {
		name   string
		outage func(t *testing.T, cam *fakecam.Camera, r *Relay) // returns when the camera is back
	}{
		{"restart", func(t *testing.T, cam *fakecam.Camera, _ *Relay) {
			if err := cam.Restart(); err != nil {
				t.Fatal(err)
			}
		}},
		{"stall", func(t *testing.T, cam *fakecam.Camera, r *Relay) {
			cam.Pause()
			resume := time.NewTimer(7 * time.Second)
			defer resume.Stop()
			// The watchdog gives up on a silent camera after 5 s, while
			// it is still paused.
			waitFor(t, r, 7*time.Second, "the stall detected", func(s Stats) bool { return s.Input.Reconnects >= 1 })
			<-resume.C
			cam.Resume()
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cam := startCamera(t, recordClip(t, 640, 360, true), nil)
			n := ingest.StartNginx(t, ingest.Options{})
			r := startRelay(t, Config{
				Input:        cam.URL(),
				Destinations: []Destination{{Name: "nginx", URL: n.URL("live", testKey)}},
			})
			waitFor(t, r, 20*time.Second, "two seconds of video", func(s Stats) bool {
				return s.State == StateLive && s.Video.Frames >= 60
			})

			up0, t0 := r.Stats().UptimeSeconds, time.Now()
			tc.outage(t, cam, r)
			back := time.Now()
			waitFor(t, r, 15*time.Second, "a reconnect", func(s Stats) bool { return s.Input.Reconnects >= 1 })
			before := r.Stats()
			if before.UptimeSeconds < up0 {
				t.Errorf("uptime went back from %.0f s to %.0f s while the camera reconnected: it is the broadcast's", up0, before.UptimeSeconds)
			}
			// Acceptance: the relay resumes within 15 s of the camera coming back.
			s := waitFor(t, r, max(resumeWithin-time.Since(back), 0), "video flowing again within 15 s", func(s Stats) bool {
				// The slate kept the destination busy: the camera's own
				// pictures are what counts here.
				return s.State == StateLive && s.SlateSince.IsZero() && s.Input.Frames > before.Input.Frames &&
					destStats(t, s, "nginx").BytesSent > destStats(t, before, "nginx").BytesSent
			})
			t.Logf("video flowing again %v after the camera came back (%d reconnects)",
				time.Since(back).Round(time.Millisecond), s.Input.Reconnects)
			if want := up0 + time.Since(t0).Seconds() - 2; s.UptimeSeconds < want {
				t.Errorf("uptime %.1f s after the outage, want at least %.1f s: it must run on through a camera reconnect", s.UptimeSeconds, want)
			}
			if d := destStats(t, s, "nginx"); d.Reconnects != 0 {
				t.Errorf("the destination reconnected %d times: a camera outage must not touch it", d.Reconnects)
			}

			relayFor(t, r, 2*time.Second)
			// One publish across the outage: one recording, one timeline.
			rep := probeRecording(t, n, testKey)
			if want := int(r.Stats().Video.Frames) * 9 / 10; rep.VideoFrames < want {
				t.Errorf("nginx recorded %d frames, the relay sent %d", rep.VideoFrames, r.Stats().Video.Frames)
			}
			video, audio := recordingPackets(t, n.Recording("live", testKey))
			checkTimeline(t, "across the outage", video, audio, 2*time.Second)
		})
	}
}

func TestCameraAppearsLater(t *testing.T) {
	addr := testx.ClosedPort(t)
	r := startRelay(t, Config{Input: "rtsp://" + addr + fakecam.DefaultPath})
	waitFor(t, r, 10*time.Second, "a failed attempt", func(s Stats) bool {
		return s.State == StateRetrying && s.Input.Reconnects >= 1
	})
	startCamera(t, smallClip(t, media.CodecAAC), func(c *fakecam.Camera) { c.Addr = addr })
	up := time.Now()
	s := waitFor(t, r, 15*time.Second, "the camera connected", func(s Stats) bool {
		return s.State == StateLive && s.Input.Frames > 0
	})
	t.Logf("connected %v after the camera came up (%d failed attempts)", time.Since(up).Round(time.Millisecond), s.Input.Reconnects)
	if s.Input.VideoCodec != "h264" || s.Input.Width != 320 {
		t.Errorf("input = %+v", s.Input)
	}
}

func TestRTMPSCertificates(t *testing.T) {
	const trustedKey, untrustedKey = "key-tls-ok-12ab", "key-tls-bad-34cd"
	var (
		mu        sync.Mutex
		publishes = map[string]int{}
	)
	leaf, pool := testx.Certificates(t)
	n := ingest.StartNginx(t, ingest.Options{OnPublish: func(_, key string) bool {
		mu.Lock()
		publishes[key]++
		mu.Unlock()
		return true
	}})
	tlsAddr := n.StartTLSProxy(t, leaf)
	cam := startCamera(t, smallClip(t, media.CodecAAC), nil)

	untrusted := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{Name: "rtmps", URL: "rtmps://" + tlsAddr + "/live/" + untrustedKey}},
		// TLSConfig nil: the system roots, which do not know the test CA.
	})
	trusted := startRelay(t, Config{
		Input:        cam.URL(),
		Destinations: []Destination{{Name: "rtmps", URL: "rtmps://" + tlsAddr + "/live/" + trustedKey}},
		TLSConfig:    &tls.Config{RootCAs: pool},
	})

	s := waitFor(t, untrusted, 10*time.Second, "the certificate refused", func(s Stats) bool {
		return destStats(t, s, "rtmps").State == StateRefused
	})
	if d := destStats(t, s, "rtmps"); !strings.Contains(d.Reason, "certificate") || strings.Contains(d.Reason, untrustedKey) {
		t.Errorf("untrusted destination: reason %q, want it to name the certificate (and no key)", d.Reason)
	}

	relayFor(t, trusted, 3*time.Second)
	rep := probeRecording(t, n, trustedKey)
	if rep.VideoCodec != "h264" || rep.AudioCodec != "aac" || rep.VideoFrames < 60 {
		t.Errorf("over RTMPS nginx got %v", rep)
	}

	// The untrusted one never got through, by TLS or in the clear.
	if d := destStats(t, untrusted.Stats(), "rtmps"); d.State != StateRefused || d.BytesSent != 0 {
		t.Errorf("untrusted destination: %s, %d bytes sent", d.State, d.BytesSent)
	}
	untrusted.Close()
	mu.Lock()
	defer mu.Unlock()
	if publishes[untrustedKey] != 0 || publishes[trustedKey] == 0 {
		t.Errorf("nginx saw publishes %v", publishes)
	}
	if _, err := os.Stat(n.Recording("live", untrustedKey)); err == nil {
		t.Error("nginx recorded the destination whose certificate was refused")
	}
}
