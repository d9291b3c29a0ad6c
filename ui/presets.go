package ui

import "strings"

// Platform is an ingest preset: the server URL platforms show, so that a
// person only pastes the stream key.
type Platform struct {
	Name string
	URL  string
}

// Platforms are the destination presets; RTMPS where the platform offers
// it (see PLATFORMS.md). Custom leaves the URL for the person to fill in.
var Platforms = []Platform{
	{Name: "YouTube", URL: "rtmps://a.rtmps.youtube.com/live2"},
	{Name: "Twitch", URL: "rtmp://live.twitch.tv/app"},
	{Name: "Facebook", URL: "rtmps://live-api-s.facebook.com:443/rtmp"},
	{Name: "Custom RTMP/RTMPS", URL: ""},
}

// localHLSName is the destination form's choice of the studio's own HLS:
// no server, no key; phones and browsers play it from Remote control.
const localHLSName = "Local HLS (phones and browsers)"

func platformNames() []string {
	out := make([]string, len(Platforms), len(Platforms)+1)
	for i, p := range Platforms {
		out[i] = p.Name
	}
	return append(out, localHLSName)
}

func platformByName(name string) (Platform, bool) {
	for _, p := range Platforms {
		if p.Name == name {
			return p, true
		}
	}
	return Platform{}, false
}

// Resolutions offered by the output controls, and the settings size they
// stand for ("x720" keeps the camera's aspect ratio).
var resolutions = []struct{ label, size string }{
	{"Source", ""},
	{"1080p", "x1080"},
	{"720p", "x720"},
	{"480p", "x480"},
	{"Custom", ""},
}

func resolutionLabels() []string {
	out := make([]string, len(resolutions))
	for i, r := range resolutions {
		out[i] = r.label
	}
	return out
}

// resolutionLabel returns the label for a saved size: a preset's, Source
// for none, Custom otherwise.
func resolutionLabel(size string) string {
	size = strings.TrimSpace(size)
	for _, r := range resolutions[:4] {
		if r.size == size {
			return r.label
		}
	}
	return "Custom"
}

// platformOf is the preset whose server URL is u, or Custom.
func platformOf(u string) Platform {
	for _, p := range Platforms {
		if p.URL != "" && strings.TrimRight(p.URL, "/") == strings.TrimRight(strings.TrimSpace(u), "/") {
			return p
		}
	}
	return Platforms[len(Platforms)-1]
}
