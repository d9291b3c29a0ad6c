package rtmp

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

// Tests against a real ingest: nginx with the RTMP module, read back with
// ffprobe. The media is real H.264 (with B-frames) and AAC made by the
// ffmpeg CLI; the test unpacks it to NAL units and access units and builds
// every tag body with this package's functions.

// clip is coded media as a source would deliver it.
type clip struct {
	sps, pps, asc []byte
	video         []media.VideoUnit
	audio         []media.AudioUnit
}

// makeClip encodes a few seconds of test pattern and tone with ffmpeg into
// an FLV file and unpacks it.
func makeClip(t *testing.T, seconds int) clip {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg is not installed: run `make deps`")
	}
	path := filepath.Join(t.TempDir(), "clip.flv")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "ffmpeg", "-hide_banner", "-loglevel", "error",
		"-f", "lavfi", "-i", "testsrc2=size=640x360:rate=30",
		"-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000",
		"-t", strconv.Itoa(seconds), "-c:v", "libx264", "-preset", "ultrafast", "-g", "30", "-bf", "2",
		"-c:a", "aac", "-ac", "2", "-b:a", "128k", "-f", "flv", path).CombinedOutput()
	if err != nil {
		t.Fatalf("ffmpeg: %v\n%s", err, out)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := unpackFLV(data)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// flvTags calls fn with each whole tag of an FLV file (FLV spec v10.1
// annex E), in order. A file cut short ends the walk with an error, after
// the tags before the cut.
func flvTags(b []byte, fn func(typ byte, ts time.Duration, body []byte)) error {
	if len(b) < 13 || string(b[:3]) != "FLV" {
		return errors.New("not an FLV file")
	}
	b = b[binary.BigEndian.Uint32(b[5:9])+4:]
	for len(b) >= 11 {
		typ, size := b[0], int(b[1])<<16|int(b[2])<<8|int(b[3])
		ts := time.Duration(uint32(b[7])<<24|uint32(b[4])<<16|uint32(b[5])<<8|uint32(b[6])) * time.Millisecond
		if len(b) < 11+size+4 {
			return errors.New("truncated FLV tag")
		}
		fn(typ, ts, b[11:11+size])
		b = b[11+size+4:]
	}
	return nil
}

// unpackFLV reads an FLV file back into parameter sets, access units and
// their times.
func unpackFLV(b []byte) (clip, error) {
	var c clip
	err := flvTags(b, func(typ byte, ts time.Duration, body []byte) {
		switch {
		case typ == 9 && len(body) > 5 && body[1] == 0: // AVCDecoderConfigurationRecord
			r := body[5:]
			spsLen := int(binary.BigEndian.Uint16(r[6:8]))
			c.sps = r[8 : 8+spsLen]
			r = r[8+spsLen:]
			c.pps = r[3 : 3+int(binary.BigEndian.Uint16(r[1:3]))]
		case typ == 9 && len(body) > 5 && body[1] == 1:
			cts := int32(uint32(body[2])<<16|uint32(body[3])<<8|uint32(body[4])) << 8 >> 8
			u := media.VideoUnit{DTS: ts, PTS: ts + time.Duration(cts)*time.Millisecond, Key: body[0]>>4 == 1}
			for r := body[5:]; len(r) >= 4; {
				n := int(binary.BigEndian.Uint32(r))
				u.NALUs = append(u.NALUs, r[4:4+n])
				r = r[4+n:]
			}
			c.video = append(c.video, u)
		case typ == 8 && len(body) > 2 && body[1] == 0:
			c.asc = body[2:]
		case typ == 8 && len(body) > 2:
			c.audio = append(c.audio, media.AudioUnit{PTS: ts, Data: body[2:]})
		}
	})
	if err != nil {
		return c, err
	}
	if c.sps == nil || c.asc == nil || len(c.video) == 0 || len(c.audio) == 0 {
		return c, errors.New("the FLV lacks video or audio")
	}
	return c, nil
}

// send feeds the clip to p in decoding order, shifted by offset, as a
// source's fan-out would (video and audio interleaved by time).
func (c clip) send(t *testing.T, p *Publisher, offset time.Duration) {
	t.Helper()
	vh, err := AVCSequenceHeader(c.sps, c.pps)
	if err != nil {
		t.Fatal(err)
	}
	h := Headers{
		Metadata: Metadata{Width: 640, Height: 360, FPS: 30, VideoBitrate: 1000000, AudioBitrate: 128000,
			AudioSampleRate: 48000, AudioChannels: 2, HasAudio: true, Encoder: "Relay Studio test"},
		Video: vh,
		Audio: AACSequenceHeader(c.asc),
	}
	p.SetHeaders(h)
	ai := 0
	for _, v := range c.video {
		for ; ai < len(c.audio) && c.audio[ai].PTS <= v.DTS; ai++ {
			p.WriteAudio(c.audio[ai].PTS+offset, AudioTagBody(c.audio[ai].Data))
		}
		v.PTS += offset
		v.DTS += offset
		p.WriteVideo(v.DTS, v.Key, VideoTagBody(v))
	}
	for ; ai < len(c.audio); ai++ {
		p.WriteAudio(c.audio[ai].PTS+offset, AudioTagBody(c.audio[ai].Data))
	}
}

// countTags counts the whole media tags (sequence headers left out) in an
// FLV file that may still be growing.
func countTags(b []byte) (video, audio int) {
	_ = flvTags(b, func(typ byte, _ time.Duration, body []byte) { // a tag cut short ends the count
		switch {
		case typ == 9 && len(body) > 1 && body[1] == 1:
			video++
		case typ == 8 && len(body) > 1 && body[1] == 1:
			audio++
		}
	})
	return video, audio
}

// waitTags waits until the FLV recording at path holds at least video and
// audio media tags, or ctx ends. A file size alone cannot say this: the
// headers nginx adds and its own metadata tag make the size of a complete
// recording unknown in advance.
func waitTags(ctx context.Context, path string, video, audio int) error {
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		data, _ := os.ReadFile(path)
		v, a := countTags(data)
		if v >= video && a >= audio {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the recording holds %d video and %d audio tags, want %d and %d (%v)", v, a, video, audio, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

// waitSent returns p's stats once they count video and audio tags sent, or
// after a second: the writer counts a tag just after the socket takes it,
// so the server may hold the tag a moment before the count moves.
func waitSent(p *Publisher, video, audio int) Stats {
	deadline := time.Now().Add(time.Second)
	for {
		s := p.Stats()
		if (s.VideoTags >= uint64(video) && s.AudioTags >= uint64(audio)) || time.Now().After(deadline) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// audioSent is how many audio units a publisher sends of the clip: those
// before the first keyframe wait for it and are dropped.
func (c clip) audioSent() int {
	n := 0
	for _, a := range c.audio {
		if a.PTS > c.video[0].DTS {
			n++
		}
	}
	return n
}

func TestNginxIngest(t *testing.T) {
	testx.NoLeaks(t)
	c := makeClip(t, 3)
	ng := ingest.StartNginx(t, ingest.Options{})
	leaf, pool := testx.Certificates(t)
	tlsAddr := ng.StartTLSProxy(t, leaf)

	for _, tc := range []struct{ name, url, key string }{
		{"rtmp", ng.URL("live", "plain-"+secretKey), "plain-" + secretKey},
		{"rtmps", "rtmps://" + tlsAddr + "/live/tls-" + secretKey, "tls-" + secretKey},
	} {
		t.Run(tc.name, func(t *testing.T) {
			log := newLogCapture(t)
			p := start(t, &Publisher{URL: tc.url, Logger: log.logger(), TLSConfig: &tls.Config{RootCAs: pool}})
			log.wait(t, 10*time.Second, "destination live")
			c.send(t, p, 7*time.Second)
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
			defer cancel()
			// nginx writes tags as they arrive; once the file holds every
			// tag whole, the publish can end.
			if err := waitTags(ctx, ng.Recording("live", tc.key), len(c.video), c.audioSent()); err != nil {
				t.Fatal(err)
			}
			s := waitSent(p, len(c.video), c.audioSent())
			closePromptly(t, p)
			if s.VideoTags != uint64(len(c.video)) || s.AudioTags != uint64(c.audioSent()) || s.DroppedQueueFull != 0 {
				t.Errorf("stats = %+v; want %d video and %d audio tags", s, len(c.video), c.audioSent())
			}

			r, err := ingest.Probe(ctx, ng.Recording("live", tc.key))
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("nginx recorded: %s", r)
			if r.VideoCodec != "h264" || r.Width != 640 || r.Height != 360 || !r.FirstVideoIsKey {
				t.Errorf("video = %s", r)
			}
			if r.VideoFrames != len(c.video) || r.FPS < 29 || r.FPS > 31 {
				t.Errorf("%d frames at %.2f fps, want %d at 30", r.VideoFrames, r.FPS, len(c.video))
			}
			if ki := r.MeanKeyframeInterval(); ki < 900*time.Millisecond || ki > 1100*time.Millisecond {
				t.Errorf("keyframe interval %s, want 1s", ki)
			}
			if r.AudioCodec != "aac" || r.SampleRate != 48000 || r.Channels != 2 || r.AudioPackets != c.audioSent() {
				t.Errorf("audio = %s, want aac 48000 Hz stereo, %d packets", r, c.audioSent())
			}
		})
	}
}

func TestNginxRefusesKey(t *testing.T) {
	testx.NoLeaks(t)
	ng := ingest.StartNginx(t, ingest.Options{OnPublish: func(app, key string) bool { return key != secretKey }})
	log := newLogCapture(t)
	p := start(t, &Publisher{URL: ng.URL("live", secretKey), Logger: log.logger()})
	err := waitEnd(t, p, 15*time.Second)
	want := "stream key refused by rtmp://" + ng.Addr() + "/live"
	if !errors.Is(err, ErrRefused) || err.Error() != want {
		t.Fatalf("Wait = %v, want %q", err, want)
	}
	if s := p.Stats(); s.State != StateRefused {
		t.Errorf("stats = %+v", s)
	}
}

func TestNginxUnknownApp(t *testing.T) {
	testx.NoLeaks(t)
	ng := ingest.StartNginx(t, ingest.Options{})
	p := start(t, &Publisher{URL: ng.URL("nosuchapp", secretKey), Logger: newLogCapture(t).logger()})
	err := waitEnd(t, p, 15*time.Second)
	if err == nil || !strings.Contains(err.Error(), "application") {
		t.Fatalf("Wait = %v, want a hint at the application name", err)
	}
	checkNoKey(t, err.Error())
}
