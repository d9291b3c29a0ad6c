// Package settings is Relay Studio's config file: its schema, the defaults
// of every field, strict loading with messages that name the file, line and
// key, validation, atomic saving, migrations between schema versions, and
// the handling of secrets (stream keys and camera passwords) so they never
// reach logs, errors, exports or fmt output.
//
// Loading runs defaults → file → validation; a file that fails to load is
// never modified. The caller resolves the path (the XDG lookup lives in
// main); this package only takes a path.
package settings

import (
	"net/url"
	"strings"
	"time"

	"github.com/relaystudio/relaystudio/media"
)

// CurrentVersion is the schema version this build reads and writes. Files of
// an older version are migrated when loaded; newer ones are refused.
const CurrentVersion = 1

// TestPatternSource is the source of the built-in test pattern.
const TestPatternSource = media.TestPattern

// RTSP transports a stream may ask for.
const (
	TransportAuto = "auto" // try UDP, fall back to TCP (the default)
	TransportTCP  = "tcp"
	TransportUDP  = "udp"
)

// Video modes.
const (
	VideoCopy = "copy" // pass the camera's H.264 through (the default)
	VideoH264 = "h264" // re-encode with x264 at Size, FPS, Bitrate, Preset
)

// Audio modes.
const (
	AudioAuto   = "auto"   // copy AAC, convert anything else to AAC, silent AAC when there is none (the default)
	AudioCopy   = "copy"   // pass the camera's AAC through
	AudioAAC    = "aac"    // always re-encode to AAC
	AudioSilent = "silent" // replace the sound with silent AAC
	AudioNone   = "none"   // send video only
)

// Defaults of the fields a file may leave out: the engine's (media), as
// the file writes them.
var (
	DefaultVideoBitrate     = media.FormatBitrate(media.DefaultVideoBitrate)
	DefaultKeyframeInterval = media.DefaultKeyframeInterval.String()
	DefaultAudioBitrate     = media.FormatBitrate(media.DefaultAudioBitrate)
	DefaultSlateAfter       = "2s"
	DefaultSlateGiveUp      = "30m"
	DefaultRecordSplit      = "60m"
)

// More defaults of the fields a file may leave out.
const (
	DefaultRTSPTransport = TransportAuto
	DefaultVideoMode     = VideoCopy
	DefaultPreset        = media.DefaultPreset
	DefaultAudioMode     = AudioAuto
	// DefaultPreviewFPS is the window's preview rate unless the file says
	// otherwise; MaxPreviewFPS is the highest the window shows. Each
	// preview picture repaints the whole window: where it is drawn without
	// a GPU (a virtual machine, a remote desktop, Xvfb) that costs about as
	// much CPU as the picture rate times the window's size, so 15 costs half
	// of 30 (README, "Performance") while still showing motion smoothly
	// enough to frame a camera and see it is live.
	DefaultPreviewFPS = 15
	MaxPreviewFPS     = 30
)

// Languages are the window's languages (Studio.Language), as BCP 47 tags.
var Languages = []string{"en", "zh-CN"}

// Config is the whole config file. Values are kept as the user wrote them
// (strings such as "2500k") so that a save round-trips; Validate checks them
// by parsing, and the accessors on Video and Audio return parsed values.
type Config struct {
	// Version is the schema version. Load migrates older files to
	// CurrentVersion; Save always writes CurrentVersion.
	Version int `toml:"version" comment:"Relay Studio settings. Stream keys and camera passwords are secrets: keep this file private."`
	// Studio holds the window's own preferences.
	Studio Studio `toml:"studio"`
	// API is the remote control: the HTTP API, metrics, web monitor and
	// Local HLS of this computer.
	API API `toml:"api,omitempty"`
	// Streams are the cameras (or test patterns) and where each one goes.
	Streams []Stream `toml:"streams"`

	// origin remembers which file and lines the values came from, so
	// Validate can say where a problem is. Lines describe the file as last
	// loaded or saved.
	origin *origin
	// redacted marks a display copy (Redacted) so that Save refuses it and
	// masked keys never overwrite real ones.
	redacted bool
}

// Studio holds the window's preferences; `relaystudio run` ignores them.
type Studio struct {
	// PreviewFPS is how many pictures a second the window's preview shows,
	// 1 to MaxPreviewFPS; 0 (or no value) means DefaultPreviewFPS (see
	// PreviewRate). A lower rate saves CPU on computers that draw the
	// window without a GPU; streaming is unaffected.
	PreviewFPS int `toml:"preview_fps" comment:"pictures a second in the window's preview, 1-30; lower saves CPU on computers without a GPU"`
	// Language is the window's language: "en", "zh-CN", or empty (the
	// default) to follow the system's locale.
	Language string `toml:"language,omitempty" comment:"the window's language: en | zh-CN; empty follows the system"`
	// Window is the window as it was last closed. The window writes it.
	Window Window `toml:"window,omitempty"`
}

// Window is the studio window's geometry and selection, kept from one run
// to the next. Zero values mean the window's defaults.
type Window struct {
	// Width and Height of the window's content, in Fyne units.
	Width  int `toml:"width,omitempty"`
	Height int `toml:"height,omitempty"`
	// The divider positions, each a fraction between 0 and 1: cameras |
	// the rest, preview | controls, top | bottom, stats | log.
	CamerasSplit  float64 `toml:"cameras_split,omitempty"`
	ControlsSplit float64 `toml:"controls_split,omitempty"`
	BottomSplit   float64 `toml:"bottom_split,omitempty"`
	LogSplit      float64 `toml:"log_split,omitempty"`
	// Selected is the name of the camera on screen.
	Selected string `toml:"selected,omitempty"`
}

// Window size limits: a file with a size outside them is refused.
const (
	MinWindowSide = 200
	MaxWindowSide = 20000
)

// PreviewRate returns PreviewFPS, or DefaultPreviewFPS when it is 0.
func (s Studio) PreviewRate() int {
	if s.PreviewFPS == 0 {
		return DefaultPreviewFPS
	}
	return s.PreviewFPS
}

// Stream is one source and its destinations.
type Stream struct {
	// Name identifies the stream; unique in a file (case-insensitively).
	Name string `toml:"name"`
	// Source is rtsp://[user:password@]host[:port]/path, rtsps://..., or
	// test://pattern. The password is a secret.
	Source string `toml:"source"`
	// RTSPTransport is auto, tcp or udp. It defaults to auto.
	RTSPTransport string `toml:"rtsp_transport" comment:"auto | tcp | udp"`
	// Autostart starts the stream when the studio (or `relaystudio run`)
	// starts. It defaults to false.
	Autostart bool `toml:"autostart"`
	// Video says how the picture is sent.
	Video Video `toml:"video"`
	// Audio says how the sound is sent.
	Audio Audio `toml:"audio"`
	// Record writes what the destinations get into files while the stream
	// runs (also with no destination). It defaults to false.
	Record bool `toml:"record" comment:"record what goes out, into record_dir (empty: Videos/Relay Studio/NAME)"`
	// RecordDir is the folder of the recordings; empty, the default, means
	// "Relay Studio/NAME" in the user's videos folder.
	RecordDir string `toml:"record_dir"`
	// RecordSplit starts a new file after this long, such as "60m". It
	// defaults to 60m.
	RecordSplit string `toml:"record_split"`
	// Overlay is drawn over the picture when the video is transcoded.
	Overlay Overlay `toml:"overlay"`
	// Slate is what destinations get while the camera is away.
	Slate Slate `toml:"slate"`
	// Destinations are the RTMP(S) servers this stream is pushed to.
	Destinations []Destination `toml:"destinations,omitempty"`
}

// Video is the video rendition of a stream.
type Video struct {
	// Mode is copy or h264. It defaults to copy; the other fields only
	// matter for h264.
	Mode string `toml:"mode" comment:"copy | h264 (size, fps, bitrate, preset and keyframe_interval apply to h264)"`
	// Size is WIDTHxHEIGHT, WIDTHx or xHEIGHT (see media.ParseSize); empty
	// keeps the camera's size, and is the default.
	Size string `toml:"size"`
	// FPS is the output frame rate; 0 keeps the camera's rate, and is the
	// default.
	FPS float64 `toml:"fps"`
	// Bitrate is the video bitrate such as "2500k". It defaults to 2500k.
	Bitrate string `toml:"bitrate"`
	// Preset is an x264 preset (media.Presets). It defaults to veryfast.
	Preset string `toml:"preset"`
	// KeyframeInterval is the time between keyframes such as "2s". It
	// defaults to 2s, which is what streaming platforms ask for.
	KeyframeInterval string `toml:"keyframe_interval"`
}

// Audio is the audio rendition of a stream.
type Audio struct {
	// Mode is auto, copy, aac, silent or none. It defaults to auto.
	Mode string `toml:"mode" comment:"auto | copy | aac | silent | none"`
	// Bitrate is the AAC bitrate such as "128k". It defaults to 128k.
	Bitrate string `toml:"bitrate"`
}

// Overlay is a logo, a line of text and a clock drawn over a transcoded
// picture; every field is optional, and zero means its default.
type Overlay struct {
	// Image is a PNG or JPEG logo.
	Image string `toml:"image,omitempty"`
	// ImagePosition is top-left (the default), top-right, bottom-left,
	// bottom-right or center.
	ImagePosition string `toml:"image_position,omitempty" comment:"top-left | top-right | bottom-left | bottom-right | center"`
	// ImageWidth in pixels of the output; 0: the logo's own.
	ImageWidth int `toml:"image_width,omitempty"`
	// ImageOpacity from 0.05 to 1; 0: opaque.
	ImageOpacity float64 `toml:"image_opacity,omitempty"`
	// Margin from the edges in pixels; 0: 16.
	Margin int `toml:"margin,omitempty"`
	// Text is one line.
	Text string `toml:"text,omitempty"`
	// TextSize in pixels; 0: a twentieth of the height.
	TextSize int `toml:"text_size,omitempty"`
	// TextColour is #RRGGBB; empty: white.
	TextColour string `toml:"text_colour,omitempty"`
	// TextPosition is where the text goes (bottom-left by default).
	TextPosition string `toml:"text_position,omitempty"`
	// TextBox puts a translucent black box behind the text.
	TextBox bool `toml:"text_box,omitempty"`
	// Clock draws the time of day at the bottom.
	Clock bool `toml:"clock,omitempty"`
}

// Empty reports whether the overlay draws nothing.
func (o Overlay) Empty() bool { return o.Image == "" && o.Text == "" && !o.Clock }

// Slate is what a stream's destinations get while its camera is away: a
// picture and silence at the stream's settings, so that platforms keep
// the broadcast.
type Slate struct {
	// Enabled sends the slate. It defaults to true.
	Enabled bool `toml:"enabled" comment:"send a picture while the camera is away, so that platforms keep the broadcast"`
	// Image is a PNG or JPEG file, shown scaled to fit. Empty, the
	// default, means a card: the stream's name, "Camera reconnecting…"
	// and a clock.
	Image string `toml:"image" comment:"a PNG or JPEG file; empty: a card with the stream's name and a clock"`
	// After is how long without pictures before the slate, such as "2s".
	// It defaults to 2s.
	After string `toml:"after"`
	// GiveUp is how long on slate before the stream stops, such as "30m".
	// It defaults to 30m.
	GiveUp string `toml:"give_up"`
}

// RecordSplitDuration returns RecordSplit parsed.
func (s Stream) RecordSplitDuration() (time.Duration, error) {
	return media.ParseRecordSplit(s.RecordSplit)
}

// AfterDuration returns After parsed.
func (s Slate) AfterDuration() (time.Duration, error) { return media.ParseSlateAfter(s.After) }

// GiveUpDuration returns GiveUp parsed.
func (s Slate) GiveUpDuration() (time.Duration, error) { return media.ParseSlateGiveUp(s.GiveUp) }

// Destination kinds.
const (
	// DestinationRTMP pushes to an RTMP(S) server (the default).
	DestinationRTMP = "rtmp"
	// DestinationLocalHLS segments the stream for the API server's
	// /hls/{stream}/index.m3u8: phones and browsers on the LAN play it.
	DestinationLocalHLS = "hls"
)

// Destination is one place a stream is sent: an RTMP(S) server, or the
// studio's own Local HLS.
type Destination struct {
	// Name identifies the destination; unique within its stream
	// (case-insensitively).
	Name string `toml:"name"`
	// Kind is DestinationRTMP (or empty) or DestinationLocalHLS, which
	// has no URL and no key.
	Kind string `toml:"kind,omitempty"`
	// URL is the server URL as platforms show it, rtmp:// or rtmps://,
	// without the stream key.
	URL string `toml:"url,omitempty"`
	// Key is the stream key, a secret. It is appended to URL as the last
	// path element (see IngestURL). It may be empty (an exported config has
	// none); the destination cannot go live until it is set.
	Key string `toml:"key,omitempty"`
	// Enabled says whether starting the stream pushes here. It defaults to
	// true.
	Enabled bool `toml:"enabled"`
}

// Default returns the config written on first start: one "Test pattern"
// stream and no destination.
func Default() *Config {
	return &Config{
		Version: CurrentVersion,
		Studio:  Studio{PreviewFPS: DefaultPreviewFPS},
		Streams: []Stream{NewStream("Test pattern", TestPatternSource)},
	}
}

// NewStream returns a stream with every field at its default.
func NewStream(name, source string) Stream {
	return Stream{
		Name:          name,
		Source:        source,
		RTSPTransport: DefaultRTSPTransport,
		Video: Video{
			Mode:             DefaultVideoMode,
			Bitrate:          DefaultVideoBitrate,
			Preset:           DefaultPreset,
			KeyframeInterval: DefaultKeyframeInterval,
		},
		Audio:       Audio{Mode: DefaultAudioMode, Bitrate: DefaultAudioBitrate},
		Slate:       Slate{Enabled: true, After: DefaultSlateAfter, GiveUp: DefaultSlateGiveUp},
		RecordSplit: DefaultRecordSplit,
	}
}

// NewLocalHLS returns an enabled Local HLS destination.
func NewLocalHLS() Destination {
	return Destination{Name: "Local HLS", Kind: DestinationLocalHLS, Enabled: true}
}

// IsLocalHLS reports whether d is the studio's own HLS.
func (d Destination) IsLocalHLS() bool { return d.Kind == DestinationLocalHLS }

// NewDestination returns an enabled destination.
func NewDestination(name, serverURL, key string) Destination {
	return Destination{Name: name, URL: serverURL, Key: key, Enabled: true}
}

// ParsedSize returns Size parsed (zero: the camera's size).
func (v Video) ParsedSize() (media.Size, error) { return media.ParseSize(v.Size) }

// BitrateBPS returns Bitrate in bits per second.
func (v Video) BitrateBPS() (int, error) { return media.ParseBitrate(v.Bitrate) }

// KeyframeDuration returns KeyframeInterval parsed.
func (v Video) KeyframeDuration() (time.Duration, error) {
	return media.ParseKeyframeInterval(v.KeyframeInterval)
}

// BitrateBPS returns Bitrate in bits per second.
func (a Audio) BitrateBPS() (int, error) { return media.ParseBitrate(a.Bitrate) }

// IsTestPattern reports whether the stream shows the built-in test pattern.
func (s Stream) IsTestPattern() bool { return strings.TrimSpace(s.Source) == TestPatternSource }

// IngestURL returns the URL to publish to: URL with Key appended as the last
// path element. A trailing slash on URL is not doubled, and query strings of
// both (some platforms put one in the key, e.g. Facebook's "…?s_bl=1") end
// up after the path. With no key it returns URL unchanged. The result holds
// the key: never log it (use media.RedactURL).
func (d Destination) IngestURL() string {
	u := strings.TrimSpace(d.URL)
	key := strings.TrimSpace(d.Key)
	if key == "" {
		return u
	}
	base, baseQuery, _ := strings.Cut(u, "?")
	key, keyQuery, _ := strings.Cut(strings.TrimLeft(key, "/"), "?")
	out := strings.TrimRight(base, "/") + "/" + key
	var queries []string
	for _, q := range []string{baseQuery, keyQuery} {
		if q != "" {
			queries = append(queries, q)
		}
	}
	if len(queries) > 0 {
		out += "?" + strings.Join(queries, "&")
	}
	return out
}

// clone returns a deep copy that shares no slices with c.
func (c *Config) clone() *Config {
	out := &Config{Version: c.Version, Studio: c.Studio, API: c.API, origin: c.origin, redacted: c.redacted}
	out.Streams = make([]Stream, len(c.Streams))
	for i, s := range c.Streams {
		out.Streams[i] = s.clone()
	}
	return out
}

// Clone returns a deep copy of s that shares no slices with it.
func (s Stream) Clone() Stream { return s.clone() }

func (s Stream) clone() Stream {
	s.Destinations = append([]Destination(nil), s.Destinations...)
	return s
}

// sourceUser returns the parsed source URL when it carries user info.
func sourceUser(source string) (*url.URL, bool) {
	p, err := url.Parse(strings.TrimSpace(source))
	if err != nil || p.User == nil {
		return nil, false
	}
	return p, true
}
