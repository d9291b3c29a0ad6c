package settings

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// Codec and H.264 profile names used by Rules and CameraFacts: media.Codec's
// short names.
const (
	CodecH264 = "h264"
	CodecH265 = "h265"
	CodecAAC  = "aac"

	ProfileBaseline = "baseline"
	ProfileMain     = "main"
	ProfileHigh     = "high"
)

// encoderProfile is the H.264 profile the relay's x264 encoder writes
// (media/codec: "profile main").
const encoderProfile = ProfileMain

// Rules are what a platform's ingest accepts. A zero field is no rule.
type Rules struct {
	// KeyframeMax is the longest keyframe interval accepted.
	KeyframeMax time.Duration
	// VideoMaxKbps and AudioMaxKbps are the highest bitrates accepted, in
	// kb/s.
	VideoMaxKbps int
	AudioMaxKbps int
	// VideoCodecs are the codecs accepted (CodecH264, CodecH265); empty:
	// any.
	VideoCodecs []string
	// AudioCodecs are the audio codecs accepted (CodecAAC); empty: any.
	AudioCodecs []string
	// Profiles are the H.264 profiles accepted (ProfileBaseline,
	// ProfileMain, ProfileHigh); empty: any.
	Profiles []string
	// MaxFPS is the highest frame rate accepted.
	MaxFPS float64
	// MaxWidth and MaxHeight bound a landscape picture (a portrait one is
	// bounded by MaxHeight x MaxWidth).
	MaxWidth, MaxHeight int
	// RTMPS means the platform accepts rtmps:// only.
	RTMPS bool
	// AudioRequired means a broadcast without sound does not go live.
	AudioRequired bool
}

func (r Rules) clone() Rules {
	r.VideoCodecs = slices.Clone(r.VideoCodecs)
	r.AudioCodecs = slices.Clone(r.AudioCodecs)
	r.Profiles = slices.Clone(r.Profiles)
	return r
}

// RuleKind says which rule a Violation breaks. The camera-* kinds are
// broken by the camera itself, in video copy mode: the fix belongs in the
// camera's settings (or in transcoding).
type RuleKind string

// The rules.
const (
	RuleVideoBitrate  RuleKind = "video-bitrate"
	RuleAudioBitrate  RuleKind = "audio-bitrate"
	RuleKeyframe      RuleKind = "keyframe"
	RuleVideoCodec    RuleKind = "video-codec"
	RuleAudioCodec    RuleKind = "audio-codec"
	RuleProfile       RuleKind = "profile"
	RuleFPS           RuleKind = "fps"
	RuleSize          RuleKind = "size"
	RuleRTMPS         RuleKind = "rtmps"
	RuleAudioRequired RuleKind = "audio-required"

	RuleCameraGOP     RuleKind = "camera-gop"
	RuleCameraBitrate RuleKind = "camera-bitrate"
	RuleCameraCodec   RuleKind = "camera-codec"
	RuleCameraProfile RuleKind = "camera-profile"
	RuleCameraFPS     RuleKind = "camera-fps"
	RuleCameraSize    RuleKind = "camera-size"
)

// Camera reports whether the camera breaks the rule (a camera-* kind).
func (k RuleKind) Camera() bool { return strings.HasPrefix(string(k), "camera-") }

// Violation is one rule of a destination's platform that a stream breaks.
// Its texts never hold a stream key, a query secret or a password.
type Violation struct {
	// Stream and Destination are the names.
	Stream, Destination string
	// Platform is the destination's platform.
	Platform Platform
	// Kind is the rule broken.
	Kind RuleKind
	// Have and Limit are display values with their units, the same in
	// every language: "8000 kb/s" and "6000 kb/s", "4 s", "60 fps",
	// "1920x1080", "H.265", "rtmp://".
	Have, Limit string
	// Message says in one English sentence what is wrong, e.g. "Twitch
	// accepts at most 6000 kb/s; this stream sends 8000 kb/s."
	Message string
	// Advice says in English what to change; for a camera-* kind, the
	// camera's setting.
	Advice string
	// Fix applies the fix to a stream's settings (the stream the
	// violation was found in, or a copy of it); nil when there is no
	// one-click fix.
	Fix func(*Stream)
	// FixText says in English what Fix does, e.g. "Set the video bitrate
	// to 6000 kb/s"; "" when Fix is nil.
	FixText string
}

// CameraFacts is what is known of a stream's camera (from a probe, or from
// the running stream). Zero fields are unknown.
type CameraFacts struct {
	// Codec is the video codec: CodecH264 or CodecH265.
	Codec string
	// Profile is the H.264 profile, such as ProfileHigh.
	Profile string
	// Width and Height of the picture.
	Width, Height int
	// FPS is the frame rate.
	FPS float64
	// KeyframeInterval is the time between keyframes (the GOP).
	KeyframeInterval time.Duration
	// KeyframeIntervalAbove, when KeyframeInterval is unknown, is a time
	// the interval is known to be longer than: a probe of d that saw fewer
	// than two keyframes knows it is longer than d/2.
	KeyframeIntervalAbove time.Duration
	// VideoKbps is the video bitrate in kb/s.
	VideoKbps int
	// AudioCodec is the camera's audio codec ("aac", "opus", "pcm_alaw",
	// "pcm_mulaw"), "none" when the camera sends no sound, "" when unknown.
	AudioCodec string
}

// AudioNoneCodec is CameraFacts.AudioCodec for a camera without sound.
const AudioNoneCodec = "none"

// Tolerances for measured camera values, so that a 2.002 s GOP (60 frames
// at 29.97 fps) or a bitrate's small swing is not a violation.
const (
	measureSlack = 0.02 // of the limit, for the GOP and the frame rate
	bitrateSlack = 0.05 // of the limit, for the measured bitrate
)

// Violations returns every rule of the platform of each enabled
// destination (see PlatformOf) that the stream's settings break: in video
// h264 mode its own bitrate, keyframe interval, frame rate and size (the
// camera's size and rate when the stream keeps them and cam knows them); in
// copy mode the camera's, from cam (nil: nothing known, so nothing of the
// camera is checked). The audio bitrate is checked when the audio is
// encoded, RTMPS in both modes. Local HLS and custom servers have no rules.
func (s Stream) Violations(cam *CameraFacts) []Violation {
	var facts CameraFacts
	if cam != nil {
		facts = *cam
	}
	var out []Violation
	for j, d := range s.Destinations {
		if !d.Enabled || d.IsLocalHLS() {
			continue
		}
		p, ok := PlatformOf(d)
		if !ok {
			continue
		}
		out = append(out, s.violations(j, p, facts)...)
	}
	return out
}

// violations checks destination j of s against p's rules.
func (s Stream) violations(j int, p Platform, cam CameraFacts) []Violation {
	c := &checker{s: s, j: j, d: s.Destinations[j], p: p, r: p.Rules, cam: cam}
	c.video()
	c.audio()
	c.rtmps()
	return c.out
}

// checker collects the violations of one destination.
type checker struct {
	s   Stream
	j   int
	d   Destination
	p   Platform
	r   Rules
	cam CameraFacts
	out []Violation
}

func (c *checker) add(v Violation) {
	v.Stream, v.Destination, v.Platform = c.s.Name, c.d.Name, c.p.clone()
	if v.Fix == nil {
		v.FixText = ""
	}
	c.out = append(c.out, v)
}

func (c *checker) video() {
	transcode := c.s.Video.Mode == VideoH264
	if c.s.Video.Mode == VideoCopy && c.cam.Codec != "" && c.cam.Codec != CodecH264 {
		// The relay transcodes what RTMP cannot carry as it is (see
		// media/relay): the stream's h264 settings apply.
		c.cameraCodec()
		transcode = true
	}
	if transcode {
		c.encoded()
		return
	}
	if c.s.Video.Mode == VideoCopy {
		c.camera()
	}
}

// cameraCodec reports a camera codec the platform refuses.
func (c *checker) cameraCodec() {
	if len(c.r.VideoCodecs) == 0 || slices.Contains(c.r.VideoCodecs, c.cam.Codec) {
		return
	}
	bitrate := ""
	if bps, err := c.s.Video.BitrateBPS(); err == nil {
		bitrate = " at " + kbps(bps/1000)
	}
	c.add(Violation{
		Kind: RuleCameraCodec, Have: codecName(c.cam.Codec), Limit: codecList(c.r.VideoCodecs),
		Message: fmt.Sprintf("%s accepts %s video only; this camera sends %s, which the relay transcodes to H.264%s by itself (uses CPU).",
			c.p.Name, codecList(c.r.VideoCodecs), codecName(c.cam.Codec), bitrate),
		Advice:  "Set the camera's video encoding to H.264, in its video/encoding settings, so that it is passed through without transcoding.",
		Fix:     c.transcodeFix(),
		FixText: "Set the video to h264, to choose the size and bitrate of the transcode (uses CPU)",
	})
}

// encoded checks the settings of a transcoded stream.
func (c *checker) encoded() {
	v := c.s.Video
	if len(c.r.VideoCodecs) > 0 && !slices.Contains(c.r.VideoCodecs, CodecH264) {
		c.add(Violation{
			Kind: RuleVideoCodec, Have: codecName(CodecH264), Limit: codecList(c.r.VideoCodecs),
			Message: fmt.Sprintf("%s accepts %s video only; this stream sends H.264.", c.p.Name, codecList(c.r.VideoCodecs)),
			Advice:  fmt.Sprintf("The relay sends H.264 only: %s cannot take this stream.", c.p.Name),
		})
	}
	if len(c.r.Profiles) > 0 && !slices.Contains(c.r.Profiles, encoderProfile) {
		c.add(Violation{
			Kind: RuleProfile, Have: profileName(encoderProfile), Limit: profileList(c.r.Profiles),
			Message: fmt.Sprintf("%s accepts the H.264 %s profile only; the relay encodes %s.", c.p.Name, profileList(c.r.Profiles), profileName(encoderProfile)),
			Advice:  fmt.Sprintf("The relay encodes the %s profile only: %s cannot take this stream.", profileName(encoderProfile), c.p.Name),
		})
	}
	if limit := c.r.VideoMaxKbps; limit > 0 {
		if bps, err := v.BitrateBPS(); err == nil && bps > limit*1000 {
			c.add(Violation{
				Kind: RuleVideoBitrate, Have: kbps(bps / 1000), Limit: kbps(limit),
				Message: fmt.Sprintf("%s accepts at most %s; this stream sends %s.", c.p.Name, kbps(limit), kbps(bps/1000)),
				Advice:  fmt.Sprintf("Lower the video bitrate to %s or less.", kbps(limit)),
				Fix:     func(s *Stream) { s.Video.Bitrate = bitrateSetting(limit) },
				FixText: "Set the video bitrate to " + kbps(limit),
			})
		}
	}
	if limit := c.r.KeyframeMax; limit > 0 {
		if ki, err := v.KeyframeDuration(); err == nil && ki > limit {
			c.add(Violation{
				Kind: RuleKeyframe, Have: seconds(ki), Limit: seconds(limit),
				Message: fmt.Sprintf("%s wants a keyframe at least every %s; this stream sends one every %s.", c.p.Name, seconds(limit), seconds(ki)),
				Advice:  fmt.Sprintf("Set the keyframe interval to %s or less.", seconds(limit)),
				Fix:     func(s *Stream) { s.Video.KeyframeInterval = durationSetting(limit) },
				FixText: "Set the keyframe interval to " + seconds(limit),
			})
		}
	}
	if limit := c.r.MaxFPS; limit > 0 {
		fps, whose := v.FPS, "this stream sends"
		if fps == 0 {
			fps, whose = c.cam.FPS, "this stream keeps the camera's"
		}
		if fps > limit {
			c.add(Violation{
				Kind: RuleFPS, Have: fpsText(fps), Limit: fpsText(limit),
				Message: fmt.Sprintf("%s accepts at most %s; %s %s.", c.p.Name, fpsText(limit), whose, fpsText(fps)),
				Advice:  fmt.Sprintf("Set the frame rate to %s or less.", fpsText(limit)),
				Fix:     func(s *Stream) { s.Video.FPS = limit },
				FixText: "Set the frame rate to " + fpsText(limit),
			})
		}
	}
	if c.r.MaxWidth > 0 && c.r.MaxHeight > 0 {
		size, err := v.ParsedSize()
		if err != nil {
			return
		}
		w, h := size.Resolve(c.cam.Width, c.cam.Height)
		fw, fh, over := fitSize(w, h, c.r.MaxWidth, c.r.MaxHeight)
		if !over {
			return
		}
		whose := "this stream sends"
		if size.IsZero() {
			whose = "this stream keeps the camera's"
		}
		to := media.Size{Width: fw, Height: fh}.String()
		c.add(Violation{
			Kind: RuleSize, Have: media.Size{Width: w, Height: h}.String(), Limit: c.sizeLimit(),
			Message: fmt.Sprintf("%s accepts pictures up to %s; %s %s.", c.p.Name, c.sizeLimit(), whose, media.Size{Width: w, Height: h}),
			Advice:  fmt.Sprintf("Lower the size to fit %s, such as %s.", c.sizeLimit(), to),
			Fix:     func(s *Stream) { s.Video.Size = to },
			FixText: "Set the size to " + to,
		})
	}
}

// camera checks what a copied camera sends.
func (c *checker) camera() {
	cam := c.cam
	copied := ", passed through as it is (video copy)"
	if len(c.r.Profiles) > 0 && cam.Profile != "" && cam.Codec != CodecH265 && !slices.Contains(c.r.Profiles, cam.Profile) {
		c.add(Violation{
			Kind: RuleCameraProfile, Have: profileName(cam.Profile), Limit: profileList(c.r.Profiles),
			Message: fmt.Sprintf("%s accepts the H.264 %s profile; this camera sends %s%s.", c.p.Name, profileList(c.r.Profiles), profileName(cam.Profile), copied),
			Advice:  fmt.Sprintf("Set the camera's H.264 profile to %s, in its video/encoding settings.", profileList(c.r.Profiles)),
			Fix:     c.transcodeFix(),
			FixText: fmt.Sprintf("Transcode the video to H.264 %s profile (video mode h264; uses CPU)", profileName(encoderProfile)),
		})
	}
	if limit := c.r.KeyframeMax; limit > 0 {
		have := ""
		switch slack := time.Duration(float64(limit) * measureSlack); {
		case cam.KeyframeInterval > limit+slack:
			have = seconds(cam.KeyframeInterval)
		case cam.KeyframeInterval == 0 && cam.KeyframeIntervalAbove >= limit:
			have = "more than " + seconds(cam.KeyframeIntervalAbove)
		}
		if have != "" {
			c.add(Violation{
				Kind: RuleCameraGOP, Have: have, Limit: seconds(limit),
				Message: fmt.Sprintf("%s wants a keyframe at least every %s; this camera sends one every %s%s.", c.p.Name, seconds(limit), have, copied),
				Advice:  "Set the camera's I-frame interval (GOP) to " + gopAdvice(limit, cam.FPS) + ", in the camera's video/encoding settings.",
				Fix:     c.transcodeFix(),
				FixText: fmt.Sprintf("Transcode the video to H.264 with a keyframe every %s (video mode h264; uses CPU)", seconds(c.fixedKeyframe())),
			})
		}
	}
	if limit := c.r.VideoMaxKbps; limit > 0 && float64(cam.VideoKbps) > float64(limit)*(1+bitrateSlack) {
		c.add(Violation{
			Kind: RuleCameraBitrate, Have: kbps(cam.VideoKbps), Limit: kbps(limit),
			Message: fmt.Sprintf("%s accepts at most %s; this camera sends %s%s.", c.p.Name, kbps(limit), kbps(cam.VideoKbps), copied),
			Advice:  fmt.Sprintf("Set the camera's video bitrate to at most %s (constant bitrate), in its video/encoding settings.", kbps(limit)),
			Fix:     c.transcodeFix(),
			FixText: fmt.Sprintf("Transcode the video to H.264 at %s (video mode h264; uses CPU)", kbps(c.fixedBitrate()/1000)),
		})
	}
	if limit := c.r.MaxFPS; limit > 0 && cam.FPS > limit*(1+measureSlack) {
		c.add(Violation{
			Kind: RuleCameraFPS, Have: fpsText(cam.FPS), Limit: fpsText(limit),
			Message: fmt.Sprintf("%s accepts at most %s; this camera sends %s%s.", c.p.Name, fpsText(limit), fpsText(cam.FPS), copied),
			Advice:  fmt.Sprintf("Set the camera's frame rate to at most %s, in its video/encoding settings.", fpsText(limit)),
			Fix:     c.transcodeFix(),
			FixText: fmt.Sprintf("Transcode the video to H.264 at %s (video mode h264; uses CPU)", fpsText(limit)),
		})
	}
	if c.r.MaxWidth > 0 && c.r.MaxHeight > 0 && cam.Width > 0 && cam.Height > 0 {
		if fw, fh, over := fitSize(cam.Width, cam.Height, c.r.MaxWidth, c.r.MaxHeight); over {
			have := media.Size{Width: cam.Width, Height: cam.Height}.String()
			c.add(Violation{
				Kind: RuleCameraSize, Have: have, Limit: c.sizeLimit(),
				Message: fmt.Sprintf("%s accepts pictures up to %s; this camera sends %s%s.", c.p.Name, c.sizeLimit(), have, copied),
				Advice:  fmt.Sprintf("Set the camera's resolution to at most %s (or use its substream), in its video/encoding settings.", c.sizeLimit()),
				Fix:     c.transcodeFix(),
				FixText: fmt.Sprintf("Transcode the video to H.264 at %dx%d (video mode h264; uses CPU)", fw, fh),
			})
		}
	}
}

// audio checks the sound the stream sends.
func (c *checker) audio() {
	a := c.s.Audio
	camAudio := c.cam.AudioCodec
	sent, encoded := CodecAAC, false // what goes out; whether the relay encodes it
	switch a.Mode {
	case AudioNone:
		sent = ""
	case AudioSilent, AudioAAC:
		encoded = true
	case AudioAuto:
		encoded = camAudio != CodecAAC
	case AudioCopy:
		if camAudio != "" && camAudio != CodecAAC {
			sent = "" // no sound, or a codec copy drops
		}
	}
	if sent == "" && c.r.AudioRequired {
		why := "audio mode none sends no sound"
		switch {
		case a.Mode != AudioCopy:
		case camAudio == AudioNoneCodec:
			why = "the camera has no sound, and audio mode copy adds none"
		default:
			why = fmt.Sprintf("the camera's %s sound is dropped by audio mode copy (RTMP carries AAC)", codecName(camAudio))
		}
		c.add(Violation{
			Kind: RuleAudioRequired, Have: "no audio", Limit: "audio",
			Message: fmt.Sprintf("%s does not go live without sound; %s.", c.p.Name, why),
			Advice:  "Set the audio to auto: it sends the camera's sound as AAC, or silence when the camera has none.",
			Fix:     func(s *Stream) { s.Audio.Mode = AudioAuto },
			FixText: "Set the audio to auto",
		})
	}
	if sent != "" && len(c.r.AudioCodecs) > 0 && !slices.Contains(c.r.AudioCodecs, sent) {
		c.add(Violation{
			Kind: RuleAudioCodec, Have: codecName(sent), Limit: codecList(c.r.AudioCodecs),
			Message: fmt.Sprintf("%s accepts %s audio only; this stream sends %s.", c.p.Name, codecList(c.r.AudioCodecs), codecName(sent)),
			Advice:  "The relay sends AAC only: set the audio to none to send video alone.",
			Fix:     func(s *Stream) { s.Audio.Mode = AudioNone },
			FixText: "Set the audio to none",
		})
	}
	if limit := c.r.AudioMaxKbps; limit > 0 && encoded {
		if bps, err := a.BitrateBPS(); err == nil && bps > limit*1000 {
			c.add(Violation{
				Kind: RuleAudioBitrate, Have: kbps(bps / 1000), Limit: kbps(limit),
				Message: fmt.Sprintf("%s accepts at most %s of audio; this stream encodes its AAC at %s.", c.p.Name, kbps(limit), kbps(bps/1000)),
				Advice:  fmt.Sprintf("Lower the audio bitrate to %s or less.", kbps(limit)),
				Fix:     func(s *Stream) { s.Audio.Bitrate = bitrateSetting(limit) },
				FixText: "Set the audio bitrate to " + kbps(limit),
			})
		}
	}
}

// rtmps checks the scheme of the destination's URL.
func (c *checker) rtmps() {
	if !c.r.RTMPS {
		return
	}
	scheme, _, _ := strings.Cut(strings.TrimSpace(c.d.URL), "://")
	if strings.EqualFold(scheme, "rtmps") {
		return
	}
	v := Violation{
		Kind: RuleRTMPS, Have: strings.ToLower(scheme) + "://", Limit: "rtmps://",
		Message: fmt.Sprintf("%s accepts RTMPS (rtmps://) only; this destination's URL starts with %s://.", c.p.Name, strings.ToLower(scheme)),
		Advice:  fmt.Sprintf("Use the rtmps:// server URL %s shows.", c.p.Name),
	}
	if server := c.p.Server; strings.HasPrefix(server, "rtmps://") {
		v.Advice = fmt.Sprintf("Use the rtmps:// server URL %s shows: %s.", c.p.Name, server)
		j, name := c.j, c.d.Name
		v.Fix = func(s *Stream) {
			d := destinationAt(s, j, name)
			if d == nil {
				return
			}
			if strings.TrimSpace(d.Key) == "" {
				// A push URL pasted whole: keep its key.
				if _, key, ok := SplitPushURL(d.URL); ok {
					d.Key = key
				}
			}
			d.URL = server
		}
		v.FixText = "Switch the server URL to " + server
	}
	c.add(v)
}

// destinationAt returns destination j of s when it is still named name,
// else the one named name, else nil.
func destinationAt(s *Stream, j int, name string) *Destination {
	if j < len(s.Destinations) && s.Destinations[j].Name == name {
		return &s.Destinations[j]
	}
	for i := range s.Destinations {
		if s.Destinations[i].Name == name {
			return &s.Destinations[i]
		}
	}
	return nil
}

// transcodeFix switches a copied stream to h264 within the platform's
// limits: the keyframe interval, bitrate, frame rate and size the camera
// would otherwise break.
func (c *checker) transcodeFix() func(*Stream) {
	keyframe, bitrate := c.fixedKeyframe(), c.fixedBitrate()
	r, cam := c.r, c.cam
	return func(s *Stream) {
		s.Video.Mode = VideoH264
		if ki, err := s.Video.KeyframeDuration(); err != nil || ki != keyframe {
			s.Video.KeyframeInterval = durationSetting(keyframe)
		}
		if bps, err := s.Video.BitrateBPS(); err != nil || bps != bitrate {
			s.Video.Bitrate = bitrateSetting(bitrate / 1000)
		}
		if r.MaxFPS > 0 && (s.Video.FPS > r.MaxFPS || s.Video.FPS == 0 && cam.FPS > r.MaxFPS) {
			s.Video.FPS = r.MaxFPS
		}
		if r.MaxWidth > 0 && r.MaxHeight > 0 {
			if size, err := s.Video.ParsedSize(); err == nil {
				w, h := size.Resolve(cam.Width, cam.Height)
				if fw, fh, over := fitSize(w, h, r.MaxWidth, r.MaxHeight); over {
					s.Video.Size = media.Size{Width: fw, Height: fh}.String()
				}
			}
		}
	}
}

// fixedKeyframe is the stream's keyframe interval, lowered to the limit.
func (c *checker) fixedKeyframe() time.Duration {
	ki, err := c.s.Video.KeyframeDuration()
	if err != nil {
		ki = media.DefaultKeyframeInterval
	}
	if limit := c.r.KeyframeMax; limit > 0 && ki > limit {
		ki = limit
	}
	return ki
}

// fixedBitrate is the stream's video bitrate in b/s, lowered to the limit.
func (c *checker) fixedBitrate() int {
	bps, err := c.s.Video.BitrateBPS()
	if err != nil || bps < media.MinVideoBitrate || bps > media.MaxVideoBitrate {
		bps = media.DefaultVideoBitrate
	}
	if limit := c.r.VideoMaxKbps * 1000; limit > 0 && bps > limit {
		bps = limit
	}
	return bps
}

func (c *checker) sizeLimit() string {
	return fmt.Sprintf("%dx%d", c.r.MaxWidth, c.r.MaxHeight)
}

// fitSize reports whether a picture of w x h (a zero side is unknown) is
// larger than maxW x maxH (or maxH x maxW for a portrait one) and returns
// the size that fits, keeping the aspect ratio, with even sides. A lone
// side is taken as the landscape picture's.
func fitSize(w, h, maxW, maxH int) (fw, fh int, over bool) {
	switch {
	case w > 0 && h > 0:
		limW, limH := maxW, maxH
		if h > w {
			limW, limH = maxH, maxW
		}
		if w <= limW && h <= limH {
			return w, h, false
		}
		scale := math.Min(float64(limW)/float64(w), float64(limH)/float64(h))
		return evenFloor(float64(w) * scale), evenFloor(float64(h) * scale), true
	case w > 0:
		return maxW, 0, w > maxW
	case h > 0:
		return 0, maxH, h > maxH
	}
	return 0, 0, false
}

// evenFloor rounds down to an even number of at least 16 (media.ParseSize's
// floor).
func evenFloor(v float64) int {
	return max(int(v)&^1, 16)
}

// gopAdvice words a GOP of at most limit: in frames when the rate is known.
func gopAdvice(limit time.Duration, fps float64) string {
	if fps > 0 {
		frames := int(math.Floor(limit.Seconds()*fps + 1e-9))
		return fmt.Sprintf("at most %d frames at %s", frames, fpsText(fps))
	}
	return fmt.Sprintf("at most %s (its frame rate × %s)", seconds(limit), trimFloat(limit.Seconds()))
}

// bitrateSetting is a settings value for kb/s, such as "6000k".
func bitrateSetting(kb int) string { return strconv.Itoa(kb) + "k" }

// durationSetting is a settings value for a duration, such as "2s".
func durationSetting(d time.Duration) string { return d.String() }

func kbps(kb int) string { return strconv.Itoa(kb) + " kb/s" }

func seconds(d time.Duration) string { return trimFloat(d.Seconds()) + " s" }

func fpsText(f float64) string { return trimFloat(f) + " fps" }

// trimFloat formats with at most two decimals and no trailing zeros.
func trimFloat(f float64) string {
	return strconv.FormatFloat(math.Round(f*100)/100, 'f', -1, 64)
}

// codecName is a codec's display name.
func codecName(c string) string {
	switch c {
	case CodecH264:
		return "H.264"
	case CodecH265:
		return "H.265"
	case CodecAAC:
		return "AAC"
	case "opus":
		return "Opus"
	case "pcm_alaw":
		return "G.711 A-law"
	case "pcm_mulaw":
		return "G.711 µ-law"
	case "", AudioNoneCodec:
		return "no"
	}
	return strings.ToUpper(c)
}

func codecList(cs []string) string { return joinOr(cs, codecName) }

// profileName is an H.264 profile's display name: "High".
func profileName(p string) string {
	if p == "" {
		return ""
	}
	return strings.ToUpper(p[:1]) + p[1:]
}

func profileList(ps []string) string { return joinOr(ps, profileName) }

// joinOr words a list as "A", "A or B", "A, B or C".
func joinOr(items []string, name func(string) string) string {
	names := make([]string, len(items))
	for i, it := range items {
		names[i] = name(it)
	}
	if len(names) <= 1 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}
