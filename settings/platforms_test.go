package settings

import (
	"fmt"
	"strings"
	"testing"

	"github.com/relaystudio/relaystudio/media"
)

func TestPlatformsOrderAndFields(t *testing.T) {
	ps := Platforms()
	var ids []string
	for _, p := range ps {
		ids = append(ids, p.ID)
		if p.Name == "" || p.Where == "" || len(p.Sources) == 0 {
			t.Errorf("%s: name %q, where %q, sources %v: all are needed", p.ID, p.Name, p.Where, p.Sources)
		}
		for _, src := range p.Sources {
			if !strings.HasPrefix(src, "https://") {
				t.Errorf("%s: source %q is not a public https URL", p.ID, src)
			}
		}
		if p.Server != "" {
			// A preset server is valid as it is and names its platform.
			d := NewDestination("d", p.Server, "")
			if got, ok := PlatformOf(d); !ok || got.ID != p.ID {
				t.Errorf("%s: PlatformOf(its server) = %q, %v", p.ID, got.ID, ok)
			}
			c := Default()
			c.Streams[0].Destinations = []Destination{NewDestination("d", p.Server, "k")}
			if err := c.Validate(); err != nil {
				t.Errorf("%s: its server %s does not validate: %v", p.ID, p.Server, err)
			}
		}
		if got, ok := PlatformByID(p.ID); !ok || got.Name != p.Name {
			t.Errorf("PlatformByID(%q) = %q, %v", p.ID, got.Name, ok)
		}
	}
	want := "youtube twitch facebook bilibili douyin huya kuaishou wechat-channels"
	if got := strings.Join(ids, " "); got != want {
		t.Errorf("Platforms() = %s, want %s", got, want)
	}
	if p, ok := PlatformByID(""); !ok || p.ID != "" || p.Name != CustomPlatform().Name {
		t.Errorf(`PlatformByID("") = %+v, %v: want Custom`, p, ok)
	}
	if _, ok := PlatformByID("myspace"); ok {
		t.Error("PlatformByID of an unknown ID found one")
	}

	// The copies are the caller's.
	ps[0].Hosts[0] = "example.com"
	ps[1].Rules.VideoCodecs[0] = "vp8"
	if p, _ := PlatformByID("youtube"); p.Hosts[0] != "youtube.com" {
		t.Error("changing a copy changed the presets' hosts")
	}
	if p, _ := PlatformByID("twitch"); p.Rules.VideoCodecs[0] != CodecH264 {
		t.Error("changing a copy changed the presets' rules")
	}
}

func TestPlatformOf(t *testing.T) {
	for u, want := range map[string]string{
		"rtmps://a.rtmps.youtube.com/live2":                       "youtube",
		"rtmp://B.RTMP.YouTube.com/live2?backup=1":                "youtube",
		"rtmp://live-fra.twitch.tv/app":                           "twitch",
		"rtmps://live-api-s.facebook.com:443/rtmp/":               "facebook",
		"rtmp://live-push.bilivideo.com/live-bvc/":                "bilibili",
		"rtmp://txy2.live-push.bilivideo.com/live-bvc/":           "bilibili",
		"rtmp://push-rtmp-l1.douyincdn.com/third/stream-1?sign=s": "douyin",
		"rtmp://al.direct.huya.com/huyalive/":                     "huya",
		"rtmp://open-push.voip.yximgs.com/gifshow/":               "kuaishou",
		"rtmp://user:pw@live-push.bilivideo.com:1935/live-bvc/":   "bilibili",
		"rtmp://notyoutube.com/live2":                             "",
		"rtmp://youtube.com.evil.example/live2":                   "",
		"rtmp://192.168.1.5/live":                                 "",
		"rtmp://111583.livepush.myqcloud.com/trtc_1400439699/":    "", // Tencent Cloud, shared
		"not a url":              "",
		"":                       "",
		"rtmp://[::1]:1935/live": "",
		"rtmps://live-api-s.facebook.com.:443/rtmp/":                  "facebook",
		"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&": "bilibili",
	} {
		p, ok := PlatformOf(NewDestination("d", u, ""))
		if p.ID != want || ok != (want != "") {
			t.Errorf("PlatformOf(%q) = %q, %v; want %q", u, p.ID, ok, want)
		}
	}
	if _, ok := PlatformOf(NewLocalHLS()); ok {
		t.Error("Local HLS has a platform")
	}
}

// Keys as the platforms' pages give them, and the query secrets in them:
// none may appear in anything shown.
var platformKeys = []struct {
	platform, server, key string
	secrets               []string
}{
	{"youtube", "rtmps://a.rtmps.youtube.com/live2", "abcd-efgh-ijkl-mnop-qrst", []string{"abcd-efgh-ijkl-mnop-qrst"}},
	{"twitch", "rtmp://live.twitch.tv/app", "live_123456789_AbCdEfGhIjKlMnOp", []string{"live_123456789_AbCdEfGhIjKlMnOp"}},
	{"facebook", "rtmps://live-api-s.facebook.com:443/rtmp/", "FB-1234567890-0-AbzSecretPart?s_bl=1&s_psm=1&s_sc=9876&s_sw=0&s_vt=api-s&a=AbySecretSig",
		[]string{"FB-1234567890-0-AbzSecretPart", "AbySecretSig", "9876"}},
	{"bilibili", "rtmp://live-push.bilivideo.com/live-bvc/", "?streamname=live_31438300_3317297&key=f65261b78a388b59e1427f0b17dc5266&schedule=rtmp&pflag=1",
		[]string{"live_31438300_3317297", "f65261b78a388b59e1427f0b17dc5266"}},
	{"douyin", "rtmp://push-rtmp-l3.douyincdn.com/third", "stream-694839456628998623?arch_hrchy=c1&auth_key=1764583169-0-0-1b56017f1b4f576914c6ae9a62e6bc97&expire=1764583169&sign=c5854853777fb3f5&t_id=037-20251124182929",
		[]string{"694839456628998623", "1b56017f1b4f576914c6ae9a62e6bc97", "c5854853777fb3f5", "1764583169", "20251124182929"}},
	{"huya", "rtmp://al.direct.huya.com/huyalive", "1199574560753-1199574560753-7484892029064985869-2399149244962-10057-A-1742712467-1?seq=1745919923386&type=simple",
		[]string{"7484892029064985869", "1745919923386"}},
	{"kuaishou", "rtmp://open-push.voip.yximgs.com/gifshow", "kwai_actL_ol_act_9934790925_strL_origin?sign=633d0143-c210c0d7d91c2c1849c18bbeeac98244&ks_fix_ts&ks_ctx=dHRwOlBVTEw7dGZiOjE%3D",
		[]string{"9934790925", "c210c0d7d91c2c1849c18bbeeac98244", "dHRwOlBVTEw7dGZiOjE"}},
	{"wechat-channels", "rtmp://111583.livepush.myqcloud.com/trtc_1400439699/", "live_2078716942913486890?txSecret=ba405d31130fdb564d3271f656bd263b&txTime=66C35660",
		[]string{"2078716942913486890", "ba405d31130fdb564d3271f656bd263b", "66C35660"}},
	// A query value holding a slash puts the publisher's split inside
	// the query: nothing of it may show either.
	{"douyin", "rtmp://push-rtmp-l1.douyincdn.com/stage", "stream-55501?sign=Ab/Secret+Sig==&expire=1764583169",
		[]string{"55501", "Ab/Secret", "Secret+Sig", "1764583169"}},
	{"youtube", "rtmp://b.rtmp.youtube.com/live2?backup=1", "abcd-efgh-ijkl-mnop-back", []string{"abcd-efgh-ijkl-mnop-back"}},
}

// TestPushURLsAreRedacted: for every platform's URL shape, the ingest URL
// and the full push URL pasted as the server are masked in logs, errors,
// stats and the window, and split back into server and key.
func TestPushURLsAreRedacted(t *testing.T) {
	for _, pk := range platformKeys {
		d := NewDestination("d", pk.server, pk.key)
		ingest := d.IngestURL()
		whole := NewDestination("d", ingest, "")
		for what, shown := range map[string]string{
			"RedactURL(ingest)":             media.RedactURL(ingest),
			"RedactServerURL(ingest)":       media.RedactServerURL(ingest),
			"RTMPServer(ingest)":            media.RTMPServer(ingest),
			"Redacted().URL (whole)":        whole.redacted().URL,
			"%v of the destination":         sprint(d),
			"%v of a whole-URL destination": sprint(whole),
		} {
			for _, s := range pk.secrets {
				if strings.Contains(shown, s) {
					t.Errorf("%s %s: %s shows %q: %s", pk.platform, pk.key, what, s, shown)
				}
			}
			if scheme := strings.SplitN(pk.server, "/", 2)[0]; !strings.Contains(shown, scheme+"//") {
				t.Errorf("%s: %s = %q lost the server", pk.platform, what, shown)
			}
		}
		if p, ok := PlatformOf(whole); pk.platform != "wechat-channels" && (!ok || p.ID != pk.platform) {
			t.Errorf("PlatformOf(%s ingest) = %q, %v", pk.platform, p.ID, ok)
		}

		// Pasted whole, the URL still says where it goes and holds its key.
		if !whole.HasKey() || !d.HasKey() {
			t.Errorf("%s: HasKey = %v (whole URL), %v", pk.platform, whole.HasKey(), d.HasKey())
		}
		server, key, ok := SplitPushURL(ingest)
		if !ok || NewDestination("d", server, key).IngestURL() != ingest {
			t.Errorf("%s: SplitPushURL(%q) = %q, %q, %v: does not join back", pk.platform, ingest, server, key, ok)
		}
		for _, s := range pk.secrets {
			if strings.Contains(server, s) && !strings.Contains(pk.server, s) {
				t.Errorf("%s: SplitPushURL left %q in the server %q", pk.platform, s, server)
			}
		}
	}
}

func sprint(d Destination) string { return fmt.Sprintf("%+v", d) }

func TestSplitPushURL(t *testing.T) {
	for _, tc := range []struct{ in, server, key string }{
		{"rtmp://push-rtmp-l1.douyincdn.com/third/stream-123?sign=abc&expire=1", "rtmp://push-rtmp-l1.douyincdn.com/third", "stream-123?sign=abc&expire=1"},
		{"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&key=abc&schedule=rtmp&pflag=1", "rtmp://live-push.bilivideo.com/live-bvc/", "?streamname=live_1&key=abc&schedule=rtmp&pflag=1"},
		{" rtmp://al.direct.huya.com/huyalive/1-2-A-1?seq=9&type=simple ", "rtmp://al.direct.huya.com/huyalive", "1-2-A-1?seq=9&type=simple"},
		{"rtmps://a.rtmps.youtube.com:443/live2/abcd-efgh", "rtmps://a.rtmps.youtube.com:443/live2", "abcd-efgh"},
		{"rtmp://host/live/sub/key", "rtmp://host/live/sub", "key"},
	} {
		server, key, ok := SplitPushURL(tc.in)
		if !ok || server != tc.server || key != tc.key {
			t.Errorf("SplitPushURL(%q) = %q, %q, %v; want %q, %q", tc.in, server, key, ok, tc.server, tc.key)
		}
	}
	for _, in := range []string{
		"rtmp://live-push.bilivideo.com/live-bvc/", "rtmps://a.rtmps.youtube.com/live2", "rtmp://host",
		"rtmp://host/live?key=abc", "rtsp://cam/stream1/sub", "host/live/key", "", "rtmp:///live/key", "rtmp://host//key",
	} {
		if s, k, ok := SplitPushURL(in); ok {
			t.Errorf("SplitPushURL(%q) = %q, %q: holds no key", in, s, k)
		}
	}
	if NewDestination("d", "rtmp://live-push.bilivideo.com/live-bvc/", "").HasKey() || NewLocalHLS().HasKey() {
		t.Error("a server URL without key, or Local HLS, HasKey")
	}
}

// TestPlatformServersValidate: the servers as the Chinese platforms show
// them, with their keys (pasted apart or whole), are valid; a key pasted
// into both fields is caught.
func TestPlatformServersValidate(t *testing.T) {
	for _, pk := range platformKeys {
		d := NewDestination("d", pk.server, pk.key)
		for _, dest := range []Destination{d, NewDestination("d", d.IngestURL(), "")} {
			if pk.platform == "youtube" || pk.platform == "twitch" || pk.platform == "facebook" {
				if dest.Key == "" {
					continue // a key in the URL of a fixed server is refused (see below)
				}
			}
			c := Default()
			c.Streams[0].Destinations = []Destination{dest}
			if err := c.Validate(); err != nil {
				t.Errorf("%s url %s key %q: %v", pk.platform, dest.URL, dest.Key, err)
			}
		}
	}
	for _, tc := range []struct{ url, key, want string }{
		{"rtmps://a.rtmps.youtube.com/live2/abcd-efgh", "", "probably the stream key"},
		{"rtmp://al.direct.huya.com/huyalive/1-2-A-1", "1-2-A-1?seq=9&type=simple", "ends with the stream key"},
		{"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&key=abc", "?streamname=live_1&key=abc", "ends with the stream key"},
		{"rtmps://live-api-s.facebook.com:443/rtmp/FB-1", "FB-1?s_bl=1", "ends with the stream key"},
	} {
		c := Default()
		c.Streams[0].Destinations = []Destination{NewDestination("d", tc.url, tc.key)}
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("url %s key %q: %v, want %q", tc.url, tc.key, err, tc.want)
		}
		if err != nil && tc.key != "" && strings.Contains(err.Error(), tc.key) {
			t.Errorf("the error shows the key: %v", err)
		}
	}
}

// TestExportDropsAKeyInAWholePushURL: a push URL pasted whole carries its
// key in the path and query; an export keeps only the server part.
func TestExportDropsAKeyInAWholePushURL(t *testing.T) {
	cfg := Default()
	st := NewStream("Cam", TestPatternSource)
	st.Destinations = []Destination{NewDestination("Douyin", "rtmp://push-rtmp-l11.douyincdn.com/third/stream-6914?expire=1700000000&sign=s3cr3tsign", "")}
	cfg.Streams = []Stream{st}
	var b strings.Builder
	if err := cfg.Export(&b); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	for _, secret := range []string{"s3cr3tsign", "stream-6914", "expire="} {
		if strings.Contains(out, secret) {
			t.Errorf("the export holds %q:\n%s", secret, out)
		}
	}
	if !strings.Contains(out, "rtmp://push-rtmp-l11.douyincdn.com/third") {
		t.Errorf("the export lost the server:\n%s", out)
	}
}
