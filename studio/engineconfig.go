package studio

import (
	"log/slog"
	"strings"

	"github.com/relaystudio/relaystudio/media/relay"
	"github.com/relaystudio/relaystudio/settings"
)

// EngineConfig turns a saved stream into the engine's configuration: the
// enabled destinations with their keys, the parsed video and audio values.
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
	c := relay.Config{
		Name:          s.Name,
		Input:         s.Source,
		RTSPTransport: s.RTSPTransport,
		Video: relay.VideoConfig{
			Mode: relay.VideoMode(s.Video.Mode), Size: size, FPS: s.Video.FPS,
			Bitrate: vb, Preset: s.Video.Preset, KeyframeInterval: ki,
		},
		Audio:  relay.AudioConfig{Mode: relay.AudioMode(s.Audio.Mode), Bitrate: ab},
		Logger: log,
	}
	for _, d := range s.Destinations {
		switch {
		case !d.Enabled:
		case strings.TrimSpace(d.Key) == "":
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
