package ui

import (
	"slices"
	"strings"

	"github.com/relaystudio/relaystudio/settings"
)

// Platforms are the destination form's presets (settings.Platforms: the
// server platforms show, where to copy it from when it differs per
// account, and their rules), then a custom server.
var Platforms = append(settings.Platforms(), settings.CustomPlatform())

// platformLabel is how the window names p: Chinese platforms by their
// Chinese names in Chinese, a custom server in the window's language.
func platformLabel(p settings.Platform) string {
	switch p.ID {
	case "":
		return tr("Custom RTMP/RTMPS")
	case "bilibili":
		return tr("Bilibili")
	case "douyin":
		return tr("Douyin")
	case "huya":
		return tr("Huya")
	case "kuaishou":
		return tr("Kuaishou")
	case "wechat-channels":
		return tr("WeChat Channels")
	}
	return p.Name
}

// localHLSIndex is the destination form's choice of the studio's own HLS,
// after the platforms: no server, no key; phones and browsers play it from
// Remote control.
func localHLSIndex() int { return len(Platforms) }

// platformNames are the destination form's choices, in the window's
// language: the platforms, then Local HLS. The form maps a choice back by
// its index.
func platformNames() []string {
	out := make([]string, len(Platforms), len(Platforms)+1)
	for i, p := range Platforms {
		out[i] = platformLabel(p)
	}
	return append(out, tr("Local HLS (phones and browsers)"))
}

// platformIndex is the index in Platforms (or localHLSIndex) of the
// form's choice label, -1 for none.
func platformIndex(label string) int {
	return slices.Index(platformNames(), label)
}

// Resolutions offered by the output controls, and the settings size they
// stand for ("x720" keeps the camera's aspect ratio). The first is the
// camera's own size, the last a size typed in.
var resolutions = []struct{ label, size string }{
	{"Source", ""},
	{"1080p", "x1080"},
	{"720p", "x720"},
	{"480p", "x480"},
	{"Custom", ""},
}

// customResolution is the index of Custom in resolutions.
func customResolution() int { return len(resolutions) - 1 }

// resolutionText is a resolution's label in the window's language.
func resolutionText(label string) string {
	switch label {
	case "Source":
		return tr("Source")
	case "Custom":
		return tr("Custom")
	}
	return label
}

func resolutionLabels() []string {
	out := make([]string, len(resolutions))
	for i, r := range resolutions {
		out[i] = resolutionText(r.label)
	}
	return out
}

// resolutionIndex returns the index in resolutions for a saved size: a
// preset's, Source for none, Custom otherwise.
func resolutionIndex(size string) int {
	size = strings.TrimSpace(size)
	for i, r := range resolutions[:customResolution()] {
		if r.size == size {
			return i
		}
	}
	return customResolution()
}

// resolutionLabel returns the label for a saved size: a preset's, Source
// for none, Custom otherwise.
func resolutionLabel(size string) string {
	return resolutionText(resolutions[resolutionIndex(size)].label)
}

// platformOf is the index in Platforms of the platform of server URL u
// (by its host), or Custom's.
func platformOf(u string) int {
	if p, ok := settings.PlatformOf(settings.Destination{URL: u}); ok {
		for i, q := range Platforms {
			if q.ID == p.ID {
				return i
			}
		}
	}
	return len(Platforms) - 1
}
