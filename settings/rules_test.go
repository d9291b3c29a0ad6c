package settings

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// destinationTo returns an enabled destination to the platform, with the
// server and key its page shows (see platformKeys).
func destinationTo(t *testing.T, id string) Destination {
	t.Helper()
	for _, pk := range platformKeys {
		if pk.platform == id {
			p, _ := PlatformByID(id)
			return NewDestination(p.Name, pk.server, pk.key)
		}
	}
	t.Fatalf("no key for %s", id)
	return Destination{}
}

// withinRules is a transcoded stream that every platform takes.
func withinRules(d ...Destination) Stream {
	s := NewStream("Door", "rtsp://admin:"+secretPassword+"@192.168.1.20/stream1")
	s.Video = Video{Mode: VideoH264, Size: "1280x720", FPS: 30, Bitrate: "2500k", Preset: "veryfast", KeyframeInterval: "2s"}
	s.Audio = Audio{Mode: AudioAAC, Bitrate: "128k"}
	s.Destinations = d
	return s
}

// goodCamera is a camera every platform takes as it is.
var goodCamera = CameraFacts{
	Codec: CodecH264, Profile: ProfileMain, Width: 1280, Height: 720, FPS: 30,
	KeyframeInterval: 2 * time.Second, VideoKbps: 2500, AudioCodec: CodecAAC,
}

// ruleCase is a stream (and camera) that breaks exactly one rule.
type ruleCase struct {
	name        string
	kind        RuleKind
	have, limit string
	change      func(*Stream, *CameraFacts)
}

// casesFor builds one breaking case per rule the platform has.
func casesFor(p Platform) []ruleCase {
	r := p.Rules
	var cs []ruleCase
	add := func(name string, kind RuleKind, have, limit string, change func(*Stream, *CameraFacts)) {
		cs = append(cs, ruleCase{name, kind, have, limit, change})
	}
	copied := func(s *Stream) { s.Video.Mode = VideoCopy }
	if l := r.VideoMaxKbps; l > 0 && (l+2000)*1000 <= media.MaxVideoBitrate {
		add("bitrate", RuleVideoBitrate, kbps(l+2000), kbps(l), func(s *Stream, _ *CameraFacts) { s.Video.Bitrate = fmt.Sprintf("%dk", l+2000) })
	}
	if l := r.VideoMaxKbps; l > 0 {
		// Beyond what the relay encodes (YouTube's 51000 kb/s), a camera
		// may still send more.
		add("camera bitrate", RuleCameraBitrate, kbps(2*l), kbps(l), func(s *Stream, c *CameraFacts) { copied(s); c.VideoKbps = 2 * l })
	}
	if l := r.KeyframeMax; l > 0 {
		add("keyframe", RuleKeyframe, seconds(l+2*time.Second), seconds(l), func(s *Stream, _ *CameraFacts) { s.Video.KeyframeInterval = (l + 2*time.Second).String() })
		add("camera GOP", RuleCameraGOP, seconds(2*l), seconds(l), func(s *Stream, c *CameraFacts) { copied(s); c.KeyframeInterval = 2 * l })
		add("camera GOP longer than a probe", RuleCameraGOP, "more than "+seconds(l+time.Second), seconds(l), func(s *Stream, c *CameraFacts) {
			copied(s)
			c.KeyframeInterval, c.KeyframeIntervalAbove = 0, l+time.Second
		})
	}
	if l := r.MaxFPS; l > 0 {
		add("fps", RuleFPS, "120 fps", fpsText(l), func(s *Stream, _ *CameraFacts) { s.Video.FPS = 120 })
		add("the camera's fps kept", RuleFPS, "120 fps", fpsText(l), func(s *Stream, c *CameraFacts) { s.Video.FPS = 0; c.FPS = 120 })
		add("camera fps", RuleCameraFPS, "120 fps", fpsText(l), func(s *Stream, c *CameraFacts) { copied(s); c.FPS = 120 })
	}
	if r.MaxWidth > 0 {
		limit := fmt.Sprintf("%dx%d", r.MaxWidth, r.MaxHeight)
		add("size", RuleSize, "7680x4320", limit, func(s *Stream, _ *CameraFacts) { s.Video.Size = "7680x4320" })
		add("portrait size", RuleSize, "4320x7680", limit, func(s *Stream, _ *CameraFacts) { s.Video.Size = "4320x7680" })
		add("height only, camera unknown", RuleSize, "x4320", limit, func(s *Stream, c *CameraFacts) {
			s.Video.Size = "x4320"
			c.Width, c.Height = 0, 0
		})
		add("height only", RuleSize, "7680x4320", limit, func(s *Stream, _ *CameraFacts) { s.Video.Size = "x4320" })
		add("the camera's size kept", RuleSize, "7680x4320", limit, func(s *Stream, c *CameraFacts) {
			s.Video.Size = ""
			c.Width, c.Height = 7680, 4320
		})
		add("camera size", RuleCameraSize, "7680x4320", limit, func(s *Stream, c *CameraFacts) { copied(s); c.Width, c.Height = 7680, 4320 })
	}
	if l := r.AudioMaxKbps; l > 0 {
		add("audio bitrate", RuleAudioBitrate, kbps(l+64), kbps(l), func(s *Stream, _ *CameraFacts) { s.Audio.Bitrate = fmt.Sprintf("%dk", l+64) })
		add("audio bitrate of converted sound", RuleAudioBitrate, kbps(l+64), kbps(l), func(s *Stream, c *CameraFacts) {
			s.Audio = Audio{Mode: AudioAuto, Bitrate: fmt.Sprintf("%dk", l+64)}
			c.AudioCodec = "pcm_alaw"
		})
	}
	if len(r.Profiles) > 0 {
		add("camera profile", RuleCameraProfile, "High", profileList(r.Profiles), func(s *Stream, c *CameraFacts) { copied(s); c.Profile = ProfileHigh })
	}
	if len(r.VideoCodecs) > 0 && !strings.Contains(strings.Join(r.VideoCodecs, " "), CodecH265) {
		add("camera codec", RuleCameraCodec, "H.265", codecList(r.VideoCodecs), func(s *Stream, c *CameraFacts) { copied(s); c.Codec, c.Profile = CodecH265, "" })
	}
	if r.RTMPS {
		add("rtmp", RuleRTMPS, "rtmp://", "rtmps://", func(s *Stream, _ *CameraFacts) {
			s.Destinations[0].URL = strings.Replace(s.Destinations[0].URL, "rtmps://", "rtmp://", 1)
		})
		add("rtmp, key in the URL", RuleRTMPS, "rtmp://", "rtmps://", func(s *Stream, _ *CameraFacts) {
			d := &s.Destinations[0]
			d.URL, d.Key = strings.Replace(d.IngestURL(), "rtmps://", "rtmp://", 1), ""
		})
	}
	if r.AudioRequired {
		add("no audio", RuleAudioRequired, "no audio", "audio", func(s *Stream, _ *CameraFacts) { s.Audio.Mode = AudioNone })
		add("camera without sound", RuleAudioRequired, "no audio", "audio", func(s *Stream, c *CameraFacts) {
			s.Audio.Mode = AudioCopy
			c.AudioCodec = AudioNoneCodec
		})
		add("G.711 dropped by copy", RuleAudioRequired, "no audio", "audio", func(s *Stream, c *CameraFacts) {
			s.Audio.Mode = AudioCopy
			c.AudioCodec = "pcm_mulaw"
		})
	}
	return cs
}

// TestEachRuleOfEachPlatform: a stream that breaks one rule gets exactly
// that violation, worded with the platform's limit; its Fix makes it go
// away and leaves settings that validate.
func TestEachRuleOfEachPlatform(t *testing.T) {
	kinds := map[RuleKind]bool{}
	for _, p := range Platforms() {
		cases := casesFor(p)
		if p.ID == "twitch" && len(cases) < 12 {
			t.Fatalf("twitch has only %d cases", len(cases))
		}
		for _, tc := range cases {
			t.Run(p.ID+"/"+tc.name, func(t *testing.T) {
				s := withinRules(destinationTo(t, p.ID))
				cam := goodCamera
				tc.change(&s, &cam)
				vs := s.Violations(&cam)
				if len(vs) != 1 {
					t.Fatalf("violations = %s, want one %s", kindsOf(vs), tc.kind)
				}
				v := vs[0]
				kinds[v.Kind] = true
				if v.Kind != tc.kind || v.Have != tc.have || v.Limit != tc.limit {
					t.Errorf("got %s %q %q, want %s %q %q", v.Kind, v.Have, v.Limit, tc.kind, tc.have, tc.limit)
				}
				if v.Stream != "Door" || v.Destination != p.Name || v.Platform.ID != p.ID {
					t.Errorf("stream %q destination %q platform %q", v.Stream, v.Destination, v.Platform.ID)
				}
				if !strings.HasPrefix(v.Message, p.Name+" ") || !strings.Contains(v.Message, v.Limit) || !strings.HasSuffix(v.Message, ".") || v.Advice == "" {
					t.Errorf("message %q, advice %q", v.Message, v.Advice)
				}
				if v.Kind.Camera() && !strings.Contains(v.Advice, "camera") {
					t.Errorf("a camera rule's advice names no camera setting: %q", v.Advice)
				}
				if v.Fix == nil || v.FixText == "" {
					t.Fatalf("no fix for %s (%q)", v.Kind, v.FixText)
				}
				fixed := s.Clone()
				v.Fix(&fixed)
				if after := fixed.Violations(&cam); len(after) != 0 {
					t.Errorf("after %q: %s: %s", v.FixText, kindsOf(after), after[0].Message)
				}
				c := Default()
				c.Streams = []Stream{fixed}
				if err := c.Validate(); err != nil {
					t.Errorf("after %q the settings are invalid: %v", v.FixText, err)
				}
				if s.Video != withinRules().Video && tc.kind.Camera() && fixed.Video.Mode != VideoH264 {
					t.Errorf("a camera fix did not transcode: %+v", fixed.Video)
				}
			})
		}
	}
	for _, k := range []RuleKind{RuleVideoBitrate, RuleAudioBitrate, RuleKeyframe, RuleFPS, RuleSize, RuleRTMPS, RuleAudioRequired,
		RuleCameraGOP, RuleCameraBitrate, RuleCameraCodec, RuleCameraProfile, RuleCameraFPS, RuleCameraSize} {
		if !kinds[k] {
			t.Errorf("no platform case for %s", k)
		}
	}
}

func kindsOf(vs []Violation) string {
	var ks []string
	for _, v := range vs {
		ks = append(ks, string(v.Kind))
	}
	return "[" + strings.Join(ks, " ") + "]"
}

// TestViolationWording: the sentences as the command line prints them.
func TestViolationWording(t *testing.T) {
	s := withinRules(destinationTo(t, "twitch"))
	s.Video.Bitrate = "8000k"
	vs := s.Violations(nil)
	if len(vs) != 1 {
		t.Fatalf("violations %s", kindsOf(vs))
	}
	v := vs[0]
	if v.Message != "Twitch accepts at most 6000 kb/s; this stream sends 8000 kb/s." ||
		v.Advice != "Lower the video bitrate to 6000 kb/s or less." || v.FixText != "Set the video bitrate to 6000 kb/s" {
		t.Errorf("%q %q %q", v.Message, v.Advice, v.FixText)
	}
	v.Fix(&s)
	if s.Video.Bitrate != "6000k" {
		t.Errorf("fixed bitrate %q", s.Video.Bitrate)
	}

	s = withinRules(destinationTo(t, "twitch"))
	s.Video.Mode = VideoCopy
	cam := goodCamera
	cam.KeyframeInterval = 4 * time.Second
	vs = s.Violations(&cam)
	if len(vs) != 1 {
		t.Fatalf("violations %s", kindsOf(vs))
	}
	v = vs[0]
	if v.Kind != RuleCameraGOP || v.Message != "Twitch wants a keyframe at least every 2 s; this camera sends one every 4 s, passed through as it is (video copy)." ||
		v.Advice != "Set the camera's I-frame interval (GOP) to at most 60 frames at 30 fps, in the camera's video/encoding settings." ||
		v.FixText != "Transcode the video to H.264 with a keyframe every 2 s (video mode h264; uses CPU)" {
		t.Errorf("%q\n%q\n%q", v.Message, v.Advice, v.FixText)
	}
	cam.FPS = 0
	if v := s.Violations(&cam)[0]; !strings.Contains(v.Advice, "at most 2 s (its frame rate × 2)") {
		t.Errorf("advice without a known rate: %q", v.Advice)
	}

	// 60 frames at 29.97 fps is 2.002 s: within the rule.
	cam = goodCamera
	cam.FPS, cam.KeyframeInterval = 29.97, 2002*time.Millisecond
	if vs := s.Violations(&cam); len(vs) != 0 {
		t.Errorf("a 2.002 s GOP: %s", vs[0].Message)
	}

	// A size that does not fit is scaled keeping the aspect ratio.
	s = withinRules(destinationTo(t, "facebook"))
	s.Video.Size = "2560x1440"
	v = s.Violations(nil)[0]
	v.Fix(&s)
	if s.Video.Size != "1920x1080" || v.FixText != "Set the size to 1920x1080" {
		t.Errorf("size fixed to %q by %q", s.Video.Size, v.FixText)
	}
	s.Video.Size = "1440x2560"
	s.Violations(nil)[0].Fix(&s)
	if s.Video.Size != "1080x1920" {
		t.Errorf("portrait size fixed to %q", s.Video.Size)
	}

	// RTMPS: the fix switches to the platform's server and keeps the key,
	// also when it was pasted into the URL.
	s = withinRules(destinationTo(t, "facebook"))
	key := s.Destinations[0].Key
	s.Destinations[0].URL, s.Destinations[0].Key = "rtmp://live-api-s.facebook.com:80/rtmp/"+key, ""
	v = s.Violations(nil)[0]
	v.Fix(&s)
	if d := s.Destinations[0]; d.URL != "rtmps://live-api-s.facebook.com:443/rtmp/" || d.Key != key {
		t.Errorf("after the RTMPS fix: %s, key kept %v", d.URL, d.Key == key)
	}
}

// TestRulesThatTheRelayAlwaysMeets: the relay sends H.264 Main and AAC,
// which every platform takes; a platform that took neither would be told.
func TestRulesThatTheRelayAlwaysMeets(t *testing.T) {
	p := Platform{ID: "x", Name: "Example", Rules: Rules{VideoCodecs: []string{CodecH265}, Profiles: []string{ProfileHigh}, AudioCodecs: []string{"opus"}}}
	s := withinRules(NewDestination("X", "rtmp://ingest.example.com/live", "k"))
	vs := s.violations(0, p, goodCamera)
	if got := kindsOf(vs); got != "[video-codec profile audio-codec]" {
		t.Fatalf("violations %s", got)
	}
	for _, v := range vs {
		if v.Have == "" || v.Limit == "" || !strings.HasPrefix(v.Message, "Example ") || v.Advice == "" {
			t.Errorf("%+v", v)
		}
	}
	if vs[0].Fix != nil || vs[1].Fix != nil || vs[2].Fix == nil {
		t.Error("only the audio codec has a fix (no sound)")
	}
	if vs[0].Message != "Example accepts H.265 video only; this stream sends H.264." {
		t.Errorf("%q", vs[0].Message)
	}
}

// TestWithinRules: a stream within every rule, transcoded or copying a
// good camera, to every platform at once, yields nothing; so do disabled
// destinations, Local HLS and custom servers, whatever the settings.
func TestWithinRules(t *testing.T) {
	var all []Destination
	for _, p := range Platforms() {
		d := destinationTo(t, p.ID)
		d.Name = p.ID
		all = append(all, d)
	}
	s := withinRules(all...)
	for _, cam := range []*CameraFacts{nil, &goodCamera} {
		if vs := s.Violations(cam); len(vs) != 0 {
			t.Errorf("transcoded: %s %s", kindsOf(vs), vs[0].Message)
		}
	}
	s.Video.Mode = VideoCopy
	if vs := s.Violations(&goodCamera); len(vs) != 0 {
		t.Errorf("copied: %s %s", kindsOf(vs), vs[0].Message)
	}
	if vs := s.Violations(nil); len(vs) != 0 {
		t.Errorf("copied, camera unknown: %s %s", kindsOf(vs), vs[0].Message)
	}
	// The defaults (copy, auto audio) are within every rule too.
	def := NewStream("Default", "rtsp://cam/1")
	def.Destinations = all
	if vs := def.Violations(&goodCamera); len(vs) != 0 {
		t.Errorf("defaults: %s %s", kindsOf(vs), vs[0].Message)
	}

	bad := withinRules()
	bad.Video.Bitrate, bad.Video.KeyframeInterval, bad.Video.FPS, bad.Video.Size = "40M", "10s", 120, "7680x4320"
	bad.Audio = Audio{Mode: AudioNone, Bitrate: "512k"}
	off := destinationTo(t, "twitch")
	off.Enabled = false
	fb := destinationTo(t, "facebook")
	fb.Enabled = false
	fb.URL = "rtmp://live-api-s.facebook.com/rtmp/"
	bad.Destinations = []Destination{off, fb, NewLocalHLS(),
		NewDestination("Own server", "rtmp://192.168.1.5/live", "k"),
		NewDestination("Tencent", "rtmp://111583.livepush.myqcloud.com/trtc_1400439699/", "live_1?txSecret=s&txTime=t")}
	cam := goodCamera
	cam.KeyframeInterval, cam.Codec = 20*time.Second, CodecH265
	if vs := bad.Violations(&cam); len(vs) != 0 {
		t.Errorf("disabled, Local HLS and custom: %s", kindsOf(vs))
	}
	if Platforms()[3].Rules.KeyframeMax != 0 {
		t.Error("Bilibili has a keyframe rule: source it")
	}
}

// TestViolationsShowNoSecret: nothing of a violation shows a stream key,
// a query secret or the camera's password.
func TestViolationsShowNoSecret(t *testing.T) {
	for _, pk := range platformKeys {
		p, _ := PlatformByID(pk.platform)
		for _, tc := range casesFor(p) {
			for _, whole := range []bool{false, true} {
				d := NewDestination(p.Name, pk.server, pk.key)
				if whole {
					d = NewDestination(p.Name, d.IngestURL(), "")
				}
				s := withinRules(d)
				cam := goodCamera
				tc.change(&s, &cam)
				for _, v := range s.Violations(&cam) {
					shown := strings.Join([]string{v.Have, v.Limit, v.Message, v.Advice, v.FixText, v.Stream, v.Destination}, "|")
					for _, secret := range append(pk.secrets, secretPassword, pk.key) {
						if strings.Contains(shown, secret) {
							t.Errorf("%s %s: %q shows %q", pk.platform, tc.name, shown, secret)
						}
					}
				}
			}
		}
	}
}
