// Package relay runs one stream: a source (an RTSP camera or the test
// pattern) feeding renditions (copy, or one x264 encode per distinct
// setting) that fan out to RTMP(S) destinations, with a preview tap and
// stats snapshots. It is the engine's API for the window and the command
// line; third-party types stay below it.
package relay

import (
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
	"github.com/relaystudio/relaystudio/media/rtmp"
)

// VideoMode says what happens to the camera's video.
type VideoMode string

// Video modes.
const (
	VideoCopy VideoMode = "copy" // pass H.264 through untouched
	VideoH264 VideoMode = "h264" // decode, scale, re-encode with libx264
)

// AudioMode says what happens to the camera's audio.
type AudioMode string

// Audio modes.
const (
	AudioAuto   AudioMode = "auto"   // copy AAC, convert other codecs to AAC, silence when there is none
	AudioCopy   AudioMode = "copy"   // pass AAC through; other codecs are dropped with a warning
	AudioAAC    AudioMode = "aac"    // always re-encode to AAC at Bitrate
	AudioSilent AudioMode = "silent" // a silent AAC track, whatever the camera sends
	AudioNone   AudioMode = "none"   // no audio track
)

// VideoConfig is the video part of a rendition.
type VideoConfig struct {
	// Mode defaults to copy.
	Mode VideoMode
	// Size of the output; zero sides are derived from the source keeping
	// the aspect ratio. Ignored in copy mode.
	Size media.Size
	// FPS of the output; 0 keeps the source's rate. Ignored in copy mode.
	FPS float64
	// Bitrate in bits per second. It defaults to 2500k.
	Bitrate int
	// Preset is the x264 preset. It defaults to veryfast.
	Preset string
	// KeyframeInterval is exact in h264 mode. It defaults to 2 s.
	KeyframeInterval time.Duration
}

// AudioConfig is the audio part of a rendition.
type AudioConfig struct {
	// Mode defaults to auto.
	Mode AudioMode
	// Bitrate of re-encoded AAC in bits per second. It defaults to 128k.
	Bitrate int
}

// SlateConfig says what destinations receive while the camera is away:
// rather than nothing (a platform ends a broadcast that goes quiet), a
// slate at the stream's output settings with silent audio, until the
// camera's picture is back.
type SlateConfig struct {
	// Off sends nothing while the camera is away. The slate is on by
	// default.
	Off bool
	// Image is a PNG or JPEG file shown scaled and letterboxed. Empty
	// means a card: the stream's name, "Camera reconnecting…" and a clock.
	Image string
	// After is how long without pictures from the camera before the slate
	// goes on. It defaults to 2 s.
	After time.Duration
	// GiveUp is how long the slate may stay on before the stream stops.
	// It defaults to 30 min.
	GiveUp time.Duration
}

// OverlayConfig is what is drawn over the picture sent, in transcode mode
// (a copied picture is sent as it is): a logo, a line of text and a
// clock, each optional.
type OverlayConfig struct {
	// Image is a PNG or JPEG logo; empty for none.
	Image string
	// ImageCorner is top-left (the default), top-right, bottom-left,
	// bottom-right or center.
	ImageCorner string
	// ImageWidth in output pixels; 0 keeps the logo's own width, at most a
	// third of the picture.
	ImageWidth int
	// ImageOpacity from 0.05 to 1; 0 means 1.
	ImageOpacity float64
	// Margin from the edges in output pixels; 0 means 16.
	Margin int
	// Text is one line; empty for none.
	Text string
	// TextSize in output pixels; 0 means a twentieth of the height.
	TextSize int
	// TextColour is #RRGGBB; empty means white.
	TextColour string
	// TextCorner is where the text goes; it defaults to bottom-left.
	TextCorner string
	// TextBox puts a translucent black box behind the text.
	TextBox bool
	// Clock draws the time of day at the bottom, centred.
	Clock bool
}

// Empty reports whether the overlay draws nothing.
func (o OverlayConfig) Empty() bool { return o.Image == "" && o.Text == "" && !o.Clock }

// RecordConfig says whether and where a stream is recorded: what goes to
// the destinations (the slate included), into fragmented MP4 files that a
// crash leaves readable.
type RecordConfig struct {
	// Dir is the folder of the stream's recordings, made if missing.
	// Empty means no recording.
	Dir string
	// Split starts a new file after this long, at a keyframe. It defaults
	// to 60 min.
	Split time.Duration
}

// Destination is one RTMP(S) ingest.
type Destination struct {
	// Name is shown to people ("YouTube"). It defaults to the server URL.
	Name string
	// URL is the full ingest URL including the stream key as the last path
	// element: rtmp://host/app/KEY. It is never logged as is.
	URL string
}

// Config describes a stream. The zero value of every optional field means
// its documented default.
type Config struct {
	// Name of the stream, used in logs and stats.
	Name string
	// Input is rtsp://, rtsps:// or test://pattern.
	Input string
	// RTSPTransport is auto (the default), tcp or udp.
	RTSPTransport string
	Video         VideoConfig
	Audio         AudioConfig
	// Overlay is drawn over the picture in transcode mode.
	Overlay OverlayConfig
	// Slate is what destinations receive while the camera is away.
	Slate SlateConfig
	// Record writes what the destinations receive into files; with a
	// folder and no destination the stream only records.
	Record RecordConfig
	// LocalHLS: the rendition is also segmented for /hls/…, an in-memory
	// HLS playlist of what the destinations receive (Relay.HLS); with it
	// and no destination the stream serves only that.
	LocalHLS bool
	// Destinations may be empty: the relay then only previews.
	Destinations []Destination
	// TLSConfig verifies rtsps:// cameras and rtmps:// destinations. Nil
	// means the system's trust store (which honours SSL_CERT_FILE and
	// SSL_CERT_DIR). Verification is never skipped.
	TLSConfig *tls.Config
	// Logger receives the stream's events. Nil discards them.
	Logger *slog.Logger
}

// ErrInvalid wraps every configuration error.
var ErrInvalid = errors.New("invalid stream settings")

func invalid(format string, a ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalid, fmt.Sprintf(format, a...))
}

// FieldError is a configuration error about one field of Config, so that
// a front end can name the field in its own terms (a flag, a form field).
// It is ErrInvalid.
type FieldError struct {
	// Field is the field's path: "rtsp_transport", "video.mode",
	// "video.preset", "video.bitrate", "video.fps",
	// "video.keyframe_interval", "video.size", "audio.mode",
	// "audio.bitrate", "slate.image", "slate.after", "slate.give_up",
	// "record.split" or "overlay.image", "overlay.image_corner",
	// "overlay.image_width", "overlay.image_opacity", "overlay.margin",
	// "overlay.text", "overlay.text_size", "overlay.text_colour",
	// "overlay.text_corner".
	Field string
	// Msg says what is wrong with it.
	Msg string
}

func (e *FieldError) Error() string        { return ErrInvalid.Error() + ": " + e.Msg }
func (e *FieldError) Is(target error) bool { return target == ErrInvalid }

func invalidField(field, format string, a ...any) error {
	return &FieldError{Field: field, Msg: fmt.Sprintf(format, a...)}
}

// withDefaults returns c with defaults filled in.
func (c Config) withDefaults() Config {
	if c.RTSPTransport == "" {
		c.RTSPTransport = "auto"
	}
	if c.Video.Mode == "" {
		c.Video.Mode = VideoCopy
	}
	if c.Video.Bitrate == 0 {
		c.Video.Bitrate = media.DefaultVideoBitrate
	}
	if c.Video.Preset == "" {
		c.Video.Preset = media.DefaultPreset
	}
	if c.Video.KeyframeInterval == 0 {
		c.Video.KeyframeInterval = media.DefaultKeyframeInterval
	}
	if c.Audio.Mode == "" {
		c.Audio.Mode = AudioAuto
	}
	if c.Audio.Bitrate == 0 {
		c.Audio.Bitrate = media.DefaultAudioBitrate
	}
	if c.Slate.After == 0 {
		c.Slate.After = media.DefaultSlateAfter
	}
	if c.Slate.GiveUp == 0 {
		c.Slate.GiveUp = media.DefaultSlateGiveUp
	}
	if c.Record.Split == 0 {
		c.Record.Split = media.DefaultRecordSplit
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	for i := range c.Destinations {
		if c.Destinations[i].Name == "" {
			c.Destinations[i].Name = media.RTMPServer(c.Destinations[i].URL)
		}
	}
	return c
}

// Validate checks everything that can be checked without the network and
// returns an error, wrapping ErrInvalid, that names the first problem.
// Messages never contain a stream key or a password.
func (c Config) Validate() error {
	c = c.withDefaults()
	if err := ValidateInput(c.Input); err != nil {
		return err
	}
	switch c.RTSPTransport {
	case "auto", "tcp", "udp":
	default:
		return invalidField("rtsp_transport", "rtsp transport %q: want auto, tcp or udp", c.RTSPTransport)
	}
	v := c.Video
	switch v.Mode {
	case VideoCopy, VideoH264:
	default:
		return invalidField("video.mode", "video mode %q: want copy or h264", v.Mode)
	}
	if v.Mode == VideoH264 {
		if err := media.CheckPreset(v.Preset); err != nil {
			return invalidField("video.preset", "%v", err)
		}
		if v.Bitrate < media.MinVideoBitrate || v.Bitrate > media.MaxVideoBitrate {
			return invalidField("video.bitrate", "video bitrate %s: must be between %s and %s", media.FormatBitrate(v.Bitrate),
				media.FormatBitrate(media.MinVideoBitrate), media.FormatBitrate(media.MaxVideoBitrate))
		}
		if v.FPS != 0 && (v.FPS < 1 || v.FPS > media.MaxFPS) {
			return invalidField("video.fps", "fps %g: must be between 1 and %d", v.FPS, media.MaxFPS)
		}
		if v.KeyframeInterval < 100*time.Millisecond || v.KeyframeInterval > 20*time.Second {
			return invalidField("video.keyframe_interval", "keyframe interval %v: must be between 0.1s and 20s", v.KeyframeInterval)
		}
		if v.Size.Width%2 != 0 || v.Size.Height%2 != 0 || v.Size.Width < 0 || v.Size.Height < 0 {
			return invalidField("video.size", "size %s: sides must be even and positive", v.Size)
		}
	}
	switch c.Audio.Mode {
	case AudioAuto, AudioCopy, AudioAAC, AudioSilent, AudioNone:
	default:
		return invalidField("audio.mode", "audio mode %q: want auto, copy, aac, silent or none", c.Audio.Mode)
	}
	if c.Audio.Bitrate < media.MinAudioBitrate || c.Audio.Bitrate > media.MaxAudioBitrate {
		return invalidField("audio.bitrate", "audio bitrate %s: must be between %s and %s", media.FormatBitrate(c.Audio.Bitrate),
			media.FormatBitrate(media.MinAudioBitrate), media.FormatBitrate(media.MaxAudioBitrate))
	}
	if sl := c.Slate; sl.After < media.MinSlateAfter || sl.After > media.MaxSlateAfter {
		return invalidField("slate.after", "slate after %v: must be between 0.5s and 60s without pictures", sl.After)
	}
	if sl := c.Slate; sl.GiveUp < media.MinSlateGiveUp || sl.GiveUp > media.MaxSlateGiveUp {
		return invalidField("slate.give_up", "slate give-up %v: must be between 10s and 168h (a week)", sl.GiveUp)
	}
	if err := c.Overlay.validate(); err != nil {
		return err
	}
	if sp := c.Record.Split; sp < media.MinRecordSplit || sp > media.MaxRecordSplit {
		return invalidField("record.split", "record split %v: must be between 10s and 24h", sp)
	}
	if c.TLSConfig != nil && c.TLSConfig.InsecureSkipVerify {
		return invalid("TLS certificate verification cannot be turned off: trust the server's certificate instead (SSL_CERT_FILE)")
	}
	seen := map[string]bool{}
	for _, d := range c.Destinations {
		if err := ValidateOutput(d.URL); err != nil {
			return err
		}
		if seen[d.URL] {
			return invalid("destination %s is listed twice", media.RedactURL(d.URL))
		}
		seen[d.URL] = true
	}
	return nil
}

// TestPattern is the input URL of the built-in test source (media's,
// named here for the engine's callers).
const TestPattern = media.TestPattern

// ValidateInput checks a source URL: rtsp://, rtsps:// or test://pattern.
func ValidateInput(in string) error {
	if strings.TrimSpace(in) == "" {
		return invalid("no input: give a camera URL (rtsp://user:pass@host/path) or %s", TestPattern)
	}
	if in == TestPattern {
		return nil
	}
	u, err := url.Parse(in)
	if err != nil {
		return invalid("input %s is not a valid URL: check for spaces or stray characters", media.RedactURL(in))
	}
	switch u.Scheme {
	case "rtsp", "rtsps":
	case "test":
		return invalid("input %q: the only test source is %s", media.RedactURL(in), TestPattern)
	case "":
		return invalid("input %q has no scheme: camera URLs look like rtsp://host:554/path", media.RedactURL(in))
	default:
		return invalid("input scheme %q is not supported: use rtsp://, rtsps:// or %s", u.Scheme, TestPattern)
	}
	if u.Hostname() == "" {
		return invalid("input %s has no host", media.RedactURL(in))
	}
	if p := u.Port(); p != "" && !portOK(p) {
		return invalid("input %s: port %q is not a number between 1 and 65535", media.RedactURL(in), p)
	}
	return nil
}

// ValidateOutput checks a destination URL: rtmp:// or rtmps:// with an app
// and a stream key.
func ValidateOutput(out string) error {
	if strings.TrimSpace(out) == "" {
		return invalid("no output: give an ingest URL such as rtmp://a.rtmp.youtube.com/live2/STREAM-KEY")
	}
	u, err := url.Parse(out)
	if err != nil {
		return invalid("output %s is not a valid URL", media.RedactURL(out))
	}
	switch u.Scheme {
	case "rtmp", "rtmps":
	case "":
		return invalid("output has no scheme: ingest URLs look like rtmp://host/app/STREAM-KEY")
	default:
		return invalid("output scheme %q is not supported: use rtmp:// or rtmps://", u.Scheme)
	}
	if u.Hostname() == "" {
		return invalid("output %s has no host", media.RedactURL(out))
	}
	if p := u.Port(); p != "" && !portOK(p) {
		return invalid("output %s: port %q is not a number between 1 and 65535", media.RedactURL(out), p)
	}
	// What the publisher would refuse (no key, user:password@, spaces, an
	// empty port) is refused here, before anything starts.
	if _, err := rtmp.ParseURL(out); err != nil {
		if errors.Is(err, rtmp.ErrNoAppOrKey) {
			return invalid("output %s needs an application and a stream key: rtmp://host/app/STREAM-KEY", media.RedactURL(out))
		}
		return invalid("output %v", strings.TrimPrefix(err.Error(), "destination "))
	}
	return nil
}

func portOK(p string) bool {
	_, ok := media.ValidPort(p)
	return ok
}
