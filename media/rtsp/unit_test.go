package rtsp

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bluenviron/gortsplib/v4/pkg/description"
	"github.com/bluenviron/gortsplib/v4/pkg/format"
	"github.com/bluenviron/gortsplib/v4/pkg/liberrors"
	"github.com/bluenviron/mediacommon/v2/pkg/codecs/mpeg4audio"
	"github.com/pion/rtp"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media"
)

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		url  string
		want string // substring of the error; "" = valid
	}{
		{"rtsp://cam/stream", ""},
		{"rtsps://user:pw@cam:322/ch1?x=1", ""},
		{"RTSP://cam/stream", ""},
		{"rtsp://[::1]:554/s", ""},
		{"", "empty"},
		{"   ", "empty"},
		{"http://cam/stream", `scheme "http" is not supported`},
		{"cam/stream", "no scheme"},
		{"rtsp:///stream", "no host"},
		{"rtsp://cam:99999/s", "port"},
		{"rtsp://user:" + secret + "@cam:99999/s", "user:xxxxx@cam"},
		{"rtsp://user:" + secret + "@cam:abc/s", "not valid"},
		{"rtsp://cam/s#frag", "fragment"},
		{"rtsp://user:" + secret + "@ca m/s", "not valid"},
	} {
		err := ParseURL(tc.url)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("ParseURL(%q) = %v, want nil", tc.url, err)
		case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
			t.Errorf("ParseURL(%q) = %v, want an error containing %q", tc.url, err, tc.want)
		}
		if err != nil {
			noSecret(t, "ParseURL error", err.Error())
		}
	}
}

func TestParseTransport(t *testing.T) {
	for in, want := range map[string]string{"": "auto", "auto": "auto", "TCP": "tcp", " udp ": "udp"} {
		_, got, err := parseTransport(in)
		if err != nil || got != want {
			t.Errorf("parseTransport(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, _, err := parseTransport("http"); err == nil || !strings.Contains(err.Error(), "auto, tcp or udp") {
		t.Errorf("parseTransport(http) = %v", err)
	}
}

func TestClassify(t *testing.T) {
	const u = "rtsp://admin:" + secret + "@cam/ch1"
	refused := &net.OpError{Op: "dial", Net: "tcp", Err: os.NewSyscallError("connect", syscall.ECONNREFUSED)}
	for _, tc := range []struct {
		err     error
		url     string
		kind    error
		text    string
		timeout bool
	}{
		{liberrors.ErrClientBadStatusCode{Code: 401, Message: "Unauthorized"}, u, ErrUnauthorized, "wrong user or password (401)", false},
		{liberrors.ErrClientBadStatusCode{Code: 401}, "rtsp://cam/ch1", ErrUnauthorized, "needs a user and password", false},
		{liberrors.ErrClientBadStatusCode{Code: 403}, u, ErrUnauthorized, "access denied (403)", false},
		{liberrors.ErrClientBadStatusCode{Code: 404}, u, ErrNotFound, "no such stream path (404)", false},
		{liberrors.ErrClientBadStatusCode{Code: 461}, u, ErrUnsupported, "(461)", false},
		{liberrors.ErrClientBadStatusCode{Code: 500, Message: "Internal Server Error"}, u, nil, "answered 500 Internal Server Error", false},
		{refused, u, ErrUnreachable, "connection refused", false},
		{&net.DNSError{Err: "no such host", Name: "cam", IsNotFound: true}, u, ErrUnreachable, "host not found", false},
		{&net.DNSError{Err: "i/o timeout", Name: "cam", IsTimeout: true}, u, ErrUnreachable, "cannot resolve", true},
		{&net.OpError{Op: "dial", Err: os.NewSyscallError("connect", syscall.EHOSTUNREACH)}, u, ErrUnreachable, "no route", false},
		{liberrors.ErrClientRequestTimedOut{}, u, ErrUnreachable, "did not answer", true},
		{liberrors.ErrClientTCPTimeout{}, u, ErrStalled, "sent nothing", true},
		{io.EOF, u, nil, "connection closed by the camera", false},
		{fmt.Errorf("read: %w", syscall.ECONNRESET), u, nil, "connection closed by the camera", false},
		{errors.New("weird " + u), u, nil, "weird rtsp://admin:xxxxx@cam/ch1", false},
	} {
		err := classify(tc.url, tc.err)
		msg := err.Error()
		if tc.kind != nil && !errors.Is(err, tc.kind) {
			t.Errorf("classify(%v) = %v, want kind %v", tc.err, err, tc.kind)
		}
		if !strings.Contains(msg, tc.text) || !strings.HasPrefix(msg, "camera rtsp://") {
			t.Errorf("classify(%v) = %q, want it to name the camera and contain %q", tc.err, msg, tc.text)
		}
		var te interface{ Timeout() bool }
		if errors.As(err, &te) && te.Timeout() != tc.timeout {
			t.Errorf("classify(%v).Timeout() = %v, want %v", tc.err, te.Timeout(), tc.timeout)
		}
		noSecret(t, "classified error", msg)
		for e := errors.Unwrap(err); e != nil; e = errors.Unwrap(e) {
			noSecret(t, "wrapped error", e.Error())
		}
		if multi, ok := err.(interface{ Unwrap() []error }); ok {
			for _, e := range multi.Unwrap() {
				noSecret(t, "wrapped error", e.Error())
			}
		}
	}
	// Already classified errors pass through.
	e := stalledError(u, time.Second)
	if classify(u, e) != e {
		t.Error("classify rewrapped a cameraError")
	}
}

func TestLogLimiter(t *testing.T) {
	l := newLogLimiter(time.Second)
	t0 := time.Unix(1000, 0)
	if n, ok := l.note("lost", 3, t0); !ok || n != 3 {
		t.Fatalf("first note = %d, %v", n, ok)
	}
	for i := 1; i <= 9; i++ {
		if _, ok := l.note("lost", 2, t0.Add(time.Duration(i)*100*time.Millisecond-time.Millisecond)); ok {
			t.Fatalf("note %d within the second reported", i)
		}
	}
	if _, ok := l.note("decode", 1, t0.Add(time.Millisecond)); !ok {
		t.Fatal("another kind was held back")
	}
	if n, ok := l.note("lost", 1, t0.Add(time.Second)); !ok || n != 19 {
		t.Fatalf("after a second = %d, %v; want 19 (everything since the last report)", n, ok)
	}
}

// h264Clip returns a short real H.264 clip for processor tests.
func h264Clip(t *testing.T) fakecam.Clip {
	return clip(t, fakecam.ClipConfig{StripParams: true})
}

func newTestProcessor(t *testing.T, sps, pps []byte) (*videoProcessor, *[]string) {
	var warnings []string
	p := newVideoProcessor(h264Syntax{}, 90000, nil, sps, pps, func(kind string, err error) {
		warnings = append(warnings, kind+": "+err.Error())
	})
	return p, &warnings
}

func TestVideoProcessorInBand(t *testing.T) {
	cl := h264Clip(t)
	v := cl.Tracks.Video
	p, warnings := newTestProcessor(t, nil, nil)
	aud := []byte{0x09, 0xf0}
	ticks := func(d time.Duration) int64 { return int64(d) * 90000 / int64(time.Second) }
	base := int64(123456789)

	// Non-key frames before anything: dropped.
	for _, u := range cl.Video[1:4] {
		if _, _, ok, _ := p.push(u.NALUs, base+ticks(u.PTS)); ok {
			t.Fatal("a unit came out before the parameter sets and a keyframe")
		}
	}
	// Parameter sets alone (an AU of their own): learnt, nothing out.
	if _, _, ok, _ := p.push([][]byte{aud, v.SPS, v.PPS}, base); ok {
		t.Fatal("a parameter-set-only AU came out")
	}
	// A keyframe without parameter sets: they are put in front; AUD dropped.
	key := cl.Video[25] // second keyframe: 25 fps, one keyframe a second
	if !key.Key {
		t.Fatal("clip unit 25 is not a keyframe")
	}
	u, first, ok, err := p.push(append([][]byte{aud}, key.NALUs...), base+ticks(key.PTS))
	if err != nil || !ok || !first {
		t.Fatalf("keyframe: ok=%v first=%v err=%v", ok, first, err)
	}
	if !u.Key || u.PTS != 0 || u.DTS != 0 || !nalusEqual(u.NALUs[:2], [][]byte{v.SPS, v.PPS}) ||
		!nalusEqual(u.NALUs[2:], key.NALUs) {
		t.Fatalf("first unit = %s, want the keyframe at 0 with SPS and PPS in front", describeUnits([]media.VideoUnit{u}))
	}
	// The unit owns its parameter sets: writing into them does not change
	// the processor's copy.
	u.NALUs[0][1] ^= 0xff
	tr := p.track()
	if !bytes.Equal(tr.SPS, v.SPS) || tr.Width != 320 || tr.Height != 240 || tr.FPS != 25 {
		t.Fatalf("track = %+v", tr)
	}
	// Next frame: 40 ms later, no parameter sets.
	next := cl.Video[26]
	u, first, ok, _ = p.push(next.NALUs, base+ticks(next.PTS))
	if !ok || first || u.Key || u.PTS != 40*time.Millisecond || len(u.NALUs) != len(next.NALUs) {
		t.Fatalf("second unit = %s", describeUnits([]media.VideoUnit{u}))
	}
	// A camera clock going backwards: DTS stays monotonic.
	u, _, _, _ = p.push(cl.Video[27].NALUs, base)
	if u.DTS != 40*time.Millisecond || u.PTS < u.DTS {
		t.Fatalf("backwards timestamp gave pts=%v dts=%v, want clamped to 40ms", u.PTS, u.DTS)
	}
	// An empty NALU does not crash anything.
	if _, _, _, err := p.push([][]byte{{}, cl.Video[28].NALUs[0]}, base+ticks(cl.Video[28].PTS)); err != nil {
		t.Fatal(err)
	}
	// Only the backwards timestamp was worth a warning.
	if len(*warnings) != 1 || !strings.HasPrefix((*warnings)[0], "dts") {
		t.Errorf("warnings: %v, want one about DTS", *warnings)
	}
}

func TestVideoProcessorSPSChanges(t *testing.T) {
	small := h264Clip(t)
	big := clip(t, fakecam.ClipConfig{Width: 640, Height: 360, StripParams: true})
	p, warnings := newTestProcessor(t, small.Tracks.Video.SPS, small.Tracks.Video.PPS)
	if _, _, ok, err := p.push(small.Video[0].NALUs, 0); !ok || err != nil {
		t.Fatalf("first keyframe: ok=%v err=%v", ok, err)
	}

	// A bad SPS is ignored with a warning; the cached one stays.
	if _, _, _, err := p.push([][]byte{{0x67, 0xff}, small.Video[1].NALUs[0]}, 3600); err != nil {
		t.Fatal(err)
	}
	if len(*warnings) != 1 || !strings.HasPrefix((*warnings)[0], "sps") {
		t.Errorf("warnings = %v, want one about the SPS", *warnings)
	}
	if !bytes.Equal(p.track().SPS, small.Tracks.Video.SPS) {
		t.Error("a bad SPS replaced the cached one")
	}

	// A new PPS with the same size is cached and used on the next keyframe.
	newPPS := append(bytes.Clone(small.Tracks.Video.PPS), 0x80)
	u, _, ok, _ := p.push(append([][]byte{newPPS}, small.Video[25].NALUs...), 90000)
	if !ok || !bytes.Equal(u.NALUs[1], newPPS) {
		t.Fatal("the new PPS is not in front of the keyframe")
	}

	// A new size ends the session.
	_, _, _, err := p.push(append([][]byte{big.Tracks.Video.SPS, big.Tracks.Video.PPS}, big.Video[0].NALUs...), 180000)
	var fc *formatChange
	if !errors.As(err, &fc) || !strings.Contains(err.Error(), "320x240 to 640x360") {
		t.Fatalf("err = %v, want a size change", err)
	}
}

func TestSelectMedias(t *testing.T) {
	h264 := &format.H264{PayloadTyp: 96, PacketizationMode: 1}
	h265 := &format.H265{PayloadTyp: 97}
	aac := &format.MPEG4Audio{PayloadTyp: 98, Config: &mpeg4audio.AudioSpecificConfig{Type: 2, SampleRate: 16000, ChannelCount: 1},
		SizeLength: 13, IndexLength: 3, IndexDeltaLength: 3}
	pcmu := &format.G711{PayloadTyp: 0, MULaw: true, SampleRate: 8000, ChannelCount: 1}
	mjpeg := &format.MJPEG{}
	video := func(f format.Format) *description.Media {
		return &description.Media{Type: description.MediaTypeVideo, Formats: []format.Format{f}}
	}
	audio := func(f format.Format) *description.Media {
		return &description.Media{Type: description.MediaTypeAudio, Formats: []format.Format{f}}
	}
	back := audio(&format.G711{PayloadTyp: 8, SampleRate: 8000, ChannelCount: 1})
	back.IsBackChannel = true

	for _, tc := range []struct {
		name       string
		medias     []*description.Media
		wantVideo  format.Format
		wantAudio  format.Format
		wantKind   error
		wantInText string
	}{
		{"h264 and aac", []*description.Media{video(h264), audio(aac)}, h264, aac, nil, ""},
		{"aac preferred to g711", []*description.Media{video(h264), audio(pcmu), audio(aac)}, h264, aac, nil, ""},
		{"h264 preferred to h265", []*description.Media{video(h265), video(h264)}, h264, nil, nil, ""},
		{"h265", []*description.Media{video(h265), audio(pcmu)}, h265, pcmu, nil, ""},
		{"back channel skipped", []*description.Media{video(h264), back}, h264, nil, nil, ""},
		{"mjpeg", []*description.Media{video(mjpeg), audio(aac)}, nil, nil, ErrUnsupported, "M-JPEG"},
		{"mode 2", []*description.Media{video(&format.H264{PayloadTyp: 96, PacketizationMode: 2})}, nil, nil,
			ErrUnsupported, "packetization mode 2"},
		{"audio only", []*description.Media{audio(aac)}, nil, nil, ErrNoVideo, "no H.264 or H.265"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var logs testx.Buffer
			ss := &session{url: "rtsp://cam/x", log: testx.Logger(&logs)}
			sel, err := ss.selectMedias(&description.Session{Medias: tc.medias})
			if tc.wantKind != nil {
				if !errors.Is(err, tc.wantKind) || !strings.Contains(err.Error(), tc.wantInText) {
					t.Fatalf("err = %v, want %v containing %q", err, tc.wantKind, tc.wantInText)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sel.videoFormat != tc.wantVideo || sel.audioFormat != tc.wantAudio {
				t.Fatalf("selected %v / %v, want %v / %v", sel.videoFormat, sel.audioFormat, tc.wantVideo, tc.wantAudio)
			}
		})
	}
}

// TestUnknownAudioLogged checks that an unsupported audio codec leaves the
// session without audio and says so once.
func TestUnknownAudioLogged(t *testing.T) {
	var logs testx.Buffer
	ss := &session{url: "rtsp://cam/x", log: slog.New(slog.NewTextHandler(&logs, nil))}
	sel, err := ss.selectMedias(&description.Session{Medias: []*description.Media{
		{Type: description.MediaTypeVideo, Formats: []format.Format{&format.H264{PayloadTyp: 96, PacketizationMode: 1}}},
		{Type: description.MediaTypeAudio, Formats: []format.Format{&format.G722{}}},
	}})
	if err != nil || sel.audioFormat != nil {
		t.Fatalf("sel=%+v err=%v", sel, err)
	}
	if strings.Count(logs.String(), "audio codec not supported") != 1 {
		t.Errorf("log = %q", logs.String())
	}
}

func TestSafeCause(t *testing.T) {
	const u = "rtsp://admin:" + secret + "@cam/x"
	if got := safeCause(u, errors.New("GET "+u)); strings.Contains(got.Error(), secret) {
		t.Errorf("safeCause kept the password: %v", got)
	}
	plain := errors.New("plain")
	if safeCause(u, plain) != plain {
		t.Error("safeCause replaced an error without the password")
	}
	if safeCause(u, nil) != nil {
		t.Error("safeCause(nil) != nil")
	}
}

// TestPacketPanicEndsTheSession: a panic while reading a packet ends the
// session with ErrMalformed (which the relay retries) instead of killing
// the process. A session without a client panics on its first packet.
func TestPacketPanicEndsTheSession(t *testing.T) {
	for _, track := range []string{"video", "audio"} {
		ss := &session{url: "rtsp://admin:hunter2@cam/x", log: slog.New(slog.DiscardHandler), abort: make(chan struct{}, 1)}
		pkt := &rtp.Packet{Header: rtp.Header{PayloadType: 96}, Payload: []byte{0x65, 0x88}}
		if track == "video" {
			ss.onVideoPacket(pkt)
		} else {
			ss.onAudioPacket(pkt)
		}
		err := ss.failed()
		if !errors.Is(err, ErrMalformed) || !ss.stopped.Load() || !strings.Contains(err.Error(), track+" packet") {
			t.Errorf("%s: failure = %v, stopped %v; want ErrMalformed and the session stopped", track, err, ss.stopped.Load())
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("the password leaked: %v", err)
		}
	}
}

// FuzzVideoProcessor: whatever NAL units a camera sends, in whatever order
// and with whatever timestamps, the processor neither panics nor lets a
// unit out with a DTS going backwards or a PTS before its DTS.
func FuzzVideoProcessor(f *testing.F) {
	cl := clip(f, fakecam.ClipConfig{StripParams: true})
	v := cl.Tracks.Video
	f.Add(v.SPS, v.PPS, cl.Video[0].NALUs[0], int64(0), int64(3000))
	f.Add([]byte{0x67}, []byte{0x68, 0xff}, []byte{0x65}, int64(-5), int64(1<<40))
	f.Add([]byte{}, []byte{0x00}, []byte{0x7c, 0x85, 0x00}, int64(90000), int64(-90000))
	f.Fuzz(func(t *testing.T, sps, pps, frame []byte, ts0, step int64) {
		p := newVideoProcessor(h264Syntax{}, 90000, nil, nil, nil, func(string, error) {})
		var last time.Duration
		for i := int64(0); i < 4; i++ {
			u, _, ok, _ := p.push([][]byte{sps, pps, frame}, ts0+i*step)
			if !ok {
				continue
			}
			if u.DTS < last || u.PTS < u.DTS {
				t.Fatalf("unit %d: dts %v after %v, pts %v", i, u.DTS, last, u.PTS)
			}
			last = u.DTS
		}
	})
}
