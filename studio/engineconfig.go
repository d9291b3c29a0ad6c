package studio

import (
	"log/slog"
	"path/filepath"
	"strings"

	"github.com/adrg/xdg"
	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// EngineConfig turns a saved stream into the engine's configuration: the
// enabled destinations with their keys (and Local HLS), the parsed video and audio values.
// With a logger, it warns about an enabled destination that is skipped for
// want of a key.
func EngineConfig(s settings.Stream, log *slog.Logger) (relay.Config, error) {
	size, err := s.Video.ParsedSize()
	if err != nil {
		return relay.Config{}, err
	}
	vb, err := s.Video.BitrateBPS()
	if err != nil {
		return relay.Config{}, err
	}
	ki, err := s.Video.KeyframeDuration()
	if err != nil {
		return relay.Config{}, err
	}
	ab, err := s.Audio.BitrateBPS()
	if err != nil {
		return relay.Config{}, err
	}
	after, err := s.Slate.AfterDuration()
	if err != nil {
		return relay.Config{}, err
	}
	giveUp, err := s.Slate.GiveUpDuration()
	if err != nil {
		return relay.Config{}, err
	}
	split, err := s.RecordSplitDuration()
	if err != nil {
		return relay.Config{}, err
	}
	c := relay.Config{
		Name:          s.Name,
		Input:         s.Source,
		RTSPTransport: s.RTSPTransport,
		Video: relay.VideoConfig{
			Mode: relay.VideoMode(s.Video.Mode), Size: size, FPS: s.Video.FPS,
			Bitrate: vb, Preset: s.Video.Preset, KeyframeInterval: ki,
		},
		Audio:   relay.AudioConfig{Mode: relay.AudioMode(s.Audio.Mode), Bitrate: ab},
		Slate:   relay.SlateConfig{Off: !s.Slate.Enabled, Image: s.Slate.Image, After: after, GiveUp: giveUp},
		Overlay: OverlayConfig(s.Overlay),
		Logger:  log,
	}
	if s.Record {
		c.Record = relay.RecordConfig{Dir: RecordingDir(s), Split: split}
	}
	for _, d := range s.Destinations {
		switch {
		case !d.Enabled:
		case d.IsLocalHLS():
			c.LocalHLS = true
		case !d.HasKey(): // neither in Key nor in a whole push URL
			if log == nil {
				continue
			}
			log.Warn("destination has no stream key: skipped (paste the key from the platform)", "stream", s.Name, "destination", d.Name)
		default:
			c.Destinations = append(c.Destinations, relay.Destination{Name: d.Name, URL: d.IngestURL()})
		}
	}
	return c, c.Validate()
}

// RecordingDir is where stream s is recorded: its record_dir, or
// "Relay Studio/NAME" in the user's videos folder.
func RecordingDir(s settings.Stream) string {
	if s.RecordDir != "" {
		return s.RecordDir
	}
	return filepath.Join(xdg.UserDirs.Videos, "Relay Studio", FileName(s.Name))
}

// FileName makes a stream's name safe as a folder's name on every system:
// no separators, no characters Windows refuses, no dots or spaces at the
// ends.
func FileName(name string) string {
	name = strings.Map(func(r rune) rune {
		if r < 32 || strings.ContainsRune(`<>:"/\|?*`, r) {
			return '_'
		}
		return r
	}, name)
	name = strings.Trim(name, " .")
	if name == "" {
		return "stream"
	}
	// Windows keeps these names for devices, with any extension.
	base, _, _ := strings.Cut(strings.ToUpper(name), ".")
	switch strings.TrimSpace(base) {
	case "CON", "PRN", "AUX", "NUL", "COM1", "COM2", "COM3", "COM4", "COM5", "COM6", "COM7", "COM8", "COM9",
		"LPT1", "LPT2", "LPT3", "LPT4", "LPT5", "LPT6", "LPT7", "LPT8", "LPT9":
		return "_" + name
	}
	return name
}

// OverlayConfig is a saved overlay in the engine's terms.
func OverlayConfig(o settings.Overlay) relay.OverlayConfig {
	return relay.OverlayConfig{
		Image: o.Image, ImageCorner: o.ImagePosition, ImageWidth: o.ImageWidth, ImageOpacity: o.ImageOpacity,
		Margin: o.Margin, Text: o.Text, TextSize: o.TextSize, TextColour: o.TextColour,
		TextCorner: o.TextPosition, TextBox: o.TextBox, Clock: o.Clock,
	}
}
