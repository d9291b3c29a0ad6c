package settings

import (
	"fmt"
	"math"
	"net/url"
	"slices"
	"strings"

	"github.com/relaystudio/relaystudio/media"
)

// Validate checks every value by parsing it and returns all problems joined
// (see Problems), each naming the key and, for a Config read from or saved
// to a file, the file and line. It does not check Version: Load checks the
// file's version and Save writes CurrentVersion.
func (c *Config) Validate() error {
	v := validator{o: c.origin}
	w := c.Studio.Window
	for _, side := range []struct {
		name string
		n    int
	}{{"width", w.Width}, {"height", w.Height}} {
		if side.n != 0 && (side.n < MinWindowSide || side.n > MaxWindowSide) {
			v.addf("studio.window."+side.name, "%d: want %d to %d (or leave it out)", side.n, MinWindowSide, MaxWindowSide)
		}
	}
	for _, split := range []struct {
		name string
		f    float64
	}{{"cameras_split", w.CamerasSplit}, {"controls_split", w.ControlsSplit}, {"bottom_split", w.BottomSplit}, {"log_split", w.LogSplit}} {
		if split.f != 0 && !(split.f > 0 && split.f < 1) {
			v.addf("studio.window."+split.name, "%g: a divider is a fraction between 0 and 1, e.g. 0.6 (or leave it out)", split.f)
		}
	}
	if l := c.Studio.Language; l != "" && !slices.Contains(Languages, l) {
		v.addf("studio.language", "%q: want %s, or nothing to follow the system", l, strings.Join(Languages, " or "))
	}
	if n := c.Studio.PreviewFPS; n < 0 || n > MaxPreviewFPS {
		v.addf("studio.preview_fps", "%d: want 1 to %d pictures a second (0: the default, %d)", n, MaxPreviewFPS, DefaultPreviewFPS)
	}
	v.api("api", c.API)
	streamNames := map[string]int{}
	for i, s := range c.Streams {
		sp := fmt.Sprintf("streams[%d]", i)
		v.name(sp, "stream", s.Name, streamNames, i)
		v.source(sp+".source", s.Source)
		switch s.RTSPTransport {
		case TransportAuto, TransportTCP, TransportUDP:
		default:
			v.addf(sp+".rtsp_transport", "%q: want auto, tcp or udp", s.RTSPTransport)
		}
		v.video(sp+".video", s.Video)
		v.audio(sp+".audio", s.Audio)
		v.slate(sp+".slate", s.Slate)
		v.overlay(sp+".overlay", s.Overlay)
		if _, err := s.RecordSplitDuration(); err != nil {
			v.addf(sp+".record_split", "%v", err)
		}
		if s.RecordDir != strings.TrimSpace(s.RecordDir) {
			v.addf(sp+".record_dir", "remove the spaces at the start or end")
		}
		destNames := map[string]int{}
		ingests := map[string]int{}
		hls := -1
		for j, d := range s.Destinations {
			dp := fmt.Sprintf("%s.destinations[%d]", sp, j)
			v.name(dp, "destination", d.Name, destNames, j)
			switch d.Kind {
			case "", DestinationRTMP:
			case DestinationLocalHLS:
				v.localHLS(dp, d, hls)
				hls = j
				continue
			default:
				v.addf(dp+".kind", "%q: want rtmp (or leave it out) or hls", d.Kind)
				continue
			}
			v.destination(dp, d)
			// The engine refuses to publish the same stream twice.
			if d.Key == "" {
				continue
			}
			if k, dup := ingests[d.IngestURL()]; dup {
				v.addf(dp+".key", "same server and stream key as %s.destinations[%d]: one of them is a copy", sp, k)
			} else {
				ingests[d.IngestURL()] = j
			}
		}
	}
	return joinProblems(v.problems)
}

// api checks the remote control's address and token.
func (v *validator) api(path string, a API) {
	if a.Listen != "" {
		if _, err := ParseListen(a.Listen); err != nil {
			v.addf(path+".listen", "%v", err)
		}
	}
	switch t := a.Token; {
	case t == "":
	case strings.ContainsFunc(t, func(r rune) bool { return r <= ' ' || r > '~' }):
		v.addf(path+".token", "contains spaces or characters a header cannot carry: make a new one with `relaystudio config token --new`")
	case len(t) < minTokenLen:
		v.addf(path+".token", "too short to be safe (want at least %d characters): make a new one with `relaystudio config token --new`", minTokenLen)
	}
}

// validator collects problems.
type validator struct {
	o        *origin
	problems []*Problem
}

func (v *validator) addf(path, format string, args ...any) {
	v.problems = append(v.problems, v.o.problem(path, fmt.Sprintf(format, args...)))
}

// name checks that a stream or destination has a name unique among seen
// (case-insensitively: the window shows them side by side).
func (v *validator) name(path, what, name string, seen map[string]int, i int) {
	n := strings.ToLower(strings.TrimSpace(name))
	switch prev, dup := seen[n]; {
	case n == "":
		v.addf(path+".name", "missing: give the %s a name", what)
	case dup:
		v.addf(path+".name", "%q is already the name of %s[%d]: %s names must differ", name, parentPath(path), prev, what)
	default:
		seen[n] = i
	}
}

func (v *validator) source(path, src string) {
	switch {
	case src == "":
		v.addf(path, "missing: give a camera URL such as rtsp://192.168.1.20:554/stream1, or %s", TestPatternSource)
		return
	case src != strings.TrimSpace(src):
		v.addf(path, "remove the spaces at the start or end")
		return
	case src == TestPatternSource:
		return
	}
	p, err := url.Parse(src)
	if err != nil {
		// The error would quote the URL, password included.
		v.addf(path, "not a valid URL: want rtsp://[user:password@]host[:port]/path or %s", TestPatternSource)
		return
	}
	switch p.Scheme {
	case "rtsp", "rtsps":
	case "test":
		v.addf(path, "the only test source is %s", TestPatternSource)
		return
	default:
		v.addf(path, "%s: want an rtsp:// or rtsps:// camera URL, or %s", media.RedactURL(src), TestPatternSource)
		return
	}
	v.host(path, src, p)
}

// host checks the host and port of a parsed URL.
func (v *validator) host(path, raw string, p *url.URL) {
	if p.Hostname() == "" {
		v.addf(path, "%s: no host name", media.RedactURL(raw))
		return
	}
	if port := p.Port(); port != "" {
		if _, ok := media.ValidPort(port); !ok {
			v.addf(path, "%s: port must be between 1 and 65535", media.RedactURL(raw))
		}
	}
}

func (v *validator) video(path string, vd Video) {
	switch vd.Mode {
	case VideoCopy, VideoH264:
	default:
		v.addf(path+".mode", "%q: want copy or h264", vd.Mode)
	}
	if _, err := vd.ParsedSize(); err != nil {
		v.addf(path+".size", "%v", err)
	}
	if math.IsNaN(vd.FPS) || vd.FPS < 0 || vd.FPS > media.MaxFPS {
		v.addf(path+".fps", "%v: want 0 (the camera's rate) or a rate up to %d", vd.FPS, media.MaxFPS)
	}
	if bps, err := vd.BitrateBPS(); err != nil {
		v.addf(path+".bitrate", "%v", err)
	} else if bps < media.MinVideoBitrate || bps > media.MaxVideoBitrate {
		v.addf(path+".bitrate", "%q: want %s to %s (2500k is usual for 720p)", vd.Bitrate,
			media.FormatBitrate(media.MinVideoBitrate), media.FormatBitrate(media.MaxVideoBitrate))
	}
	if err := media.CheckPreset(vd.Preset); err != nil {
		v.addf(path+".preset", "%v", err)
	}
	if _, err := vd.KeyframeDuration(); err != nil {
		v.addf(path+".keyframe_interval", "%v", err)
	}
}

func (v *validator) audio(path string, a Audio) {
	switch a.Mode {
	case AudioAuto, AudioCopy, AudioAAC, AudioSilent, AudioNone:
	default:
		v.addf(path+".mode", "%q: want auto, copy, aac, silent or none", a.Mode)
	}
	if bps, err := a.BitrateBPS(); err != nil {
		v.addf(path+".bitrate", "%v", err)
	} else if bps < media.MinAudioBitrate || bps > media.MaxAudioBitrate {
		v.addf(path+".bitrate", "%q: want %s to %s for AAC (128k is usual)", a.Bitrate,
			media.FormatBitrate(media.MinAudioBitrate), media.FormatBitrate(media.MaxAudioBitrate))
	}
}

// slate checks the slate's durations; the image is read when the stream
// starts (a file moved since is the engine's to report).
func (v *validator) slate(path string, s Slate) {
	if _, err := s.AfterDuration(); err != nil {
		v.addf(path+".after", "%v", err)
	}
	if _, err := s.GiveUpDuration(); err != nil {
		v.addf(path+".give_up", "%v", err)
	}
	if s.Image != strings.TrimSpace(s.Image) {
		v.addf(path+".image", "remove the spaces at the start or end")
	}
}

// overlay checks an overlay's values; its logo is read when the stream
// starts.
func (v *validator) overlay(path string, o Overlay) {
	if err := media.CheckCorner(o.ImagePosition); err != nil {
		v.addf(path+".image_position", "%v", err)
	}
	if err := media.CheckCorner(o.TextPosition); err != nil {
		v.addf(path+".text_position", "%v", err)
	}
	if o.ImageWidth < 0 || o.ImageWidth > 3840 {
		v.addf(path+".image_width", "%d: want 0 (the logo's own) to 3840 pixels", o.ImageWidth)
	}
	if math.IsNaN(o.ImageOpacity) || o.ImageOpacity != 0 && (o.ImageOpacity < 0.05 || o.ImageOpacity > 1) {
		v.addf(path+".image_opacity", "%v: want 0.05 to 1", o.ImageOpacity)
	}
	if o.Margin < 0 || o.Margin > 500 {
		v.addf(path+".margin", "%d: want 0 to 500 pixels", o.Margin)
	}
	if o.TextSize < 0 || o.TextSize > 400 {
		v.addf(path+".text_size", "%d: want 0 (a twentieth of the height) to 400 pixels", o.TextSize)
	}
	if len(o.Text) > 200 || strings.ContainsAny(o.Text, "\r\n") {
		v.addf(path+".text", "one line of at most 200 characters")
	}
	if _, err := media.ParseColour(o.TextColour); err != nil {
		v.addf(path+".text_colour", "%v", err)
	}
}

// platformHosts are the ingest domains of the platforms with a fixed server
// URL (YouTube, Twitch, Facebook, Bilibili): it is exactly one path element
// (the application), so anything after it is a stream key pasted into the
// wrong field. The platforms whose push address changes per broadcast show
// it whole, and a whole push URL in url (key empty) is accepted for them.
var platformHosts = fixedServerHosts()

func fixedServerHosts() []string {
	var out []string
	for _, p := range platforms {
		if p.Server != "" {
			out = append(out, p.Hosts...)
		}
	}
	return out
}

func (v *validator) destination(path string, d Destination) {
	up := path + ".url"
	switch {
	case d.URL == "":
		v.addf(up, "missing: give the server URL the platform shows, e.g. rtmps://a.rtmps.youtube.com/live2")
		return
	case d.URL != strings.TrimSpace(d.URL):
		v.addf(up, "remove the spaces at the start or end")
		return
	}
	p, err := url.Parse(d.URL)
	if err != nil {
		v.addf(up, "not a valid URL: want rtmp://host/app or rtmps://host/app")
		return
	}
	if p.Scheme != "rtmp" && p.Scheme != "rtmps" {
		v.addf(up, "%s: want an rtmp:// or rtmps:// server URL", media.RTMPServer(d.URL))
		return
	}
	v.host(up, d.URL, p)
	elems := strings.Split(strings.Trim(p.Path, "/"), "/")
	switch last := elems[len(elems)-1]; {
	case last == "":
		v.addf(up, "%s: no application name, e.g. %s://%s/live", media.RedactServerURL(d.URL), p.Scheme, p.Host)
	case d.Key != "" && urlEndsWithKey(p, d.Key):
		v.addf(up, "%s: ends with the stream key: keep only the server part in url, the key goes in key", media.RedactURL(d.URL))
	case len(elems) > 1 && isPlatform(p.Hostname()):
		v.addf(up, "%s: has something after the application name, probably the stream key: move it to key", media.RedactServerURL(d.URL))
	}
	if strings.ContainsAny(d.Key, " \t\r\n") {
		v.addf(path+".key", "contains spaces: paste the stream key again")
	}
}

// localHLS checks a Local HLS destination; prev is the stream's earlier
// one, or -1.
func (v *validator) localHLS(path string, d Destination, prev int) {
	if prev >= 0 {
		v.addf(path+".kind", "the stream already has a Local HLS destination (destinations[%d]): it serves one playlist", prev)
	}
	if d.URL != "" {
		v.addf(path+".url", "a Local HLS destination has no server URL: remove url (the studio serves it at /hls/)")
	}
	if d.Key != "" {
		v.addf(path+".key", "a Local HLS destination has no stream key: remove key")
	}
}

// urlEndsWithKey reports whether the parsed server URL p already holds
// key: as its last path element (the key's own query aside, as Huya's
// "…?seq=…&type=simple"), or as its query when the key is all query
// (Bilibili's "?streamname=…").
func urlEndsWithKey(p *url.URL, key string) bool {
	key = strings.TrimLeft(strings.TrimSpace(key), "/")
	name, query, _ := strings.Cut(key, "?")
	elems := strings.Split(strings.Trim(p.Path, "/"), "/")
	if name != "" {
		return elems[len(elems)-1] == name
	}
	return query != "" && p.RawQuery == query
}

func isPlatform(host string) bool {
	host = strings.ToLower(host)
	for _, h := range platformHosts {
		if host == h || strings.HasSuffix(host, "."+h) {
			return true
		}
	}
	return false
}
