package media

import (
	"strings"
	"testing"
	"time"
)

func TestParseSize(t *testing.T) {
	cases := []struct {
		in      string
		want    Size
		wantErr string
	}{
		{"", Size{}, ""},
		{"1280x720", Size{1280, 720}, ""},
		{"1280X720", Size{1280, 720}, ""},
		{"x720", Size{0, 720}, ""},
		{"1280x", Size{1280, 0}, ""},
		{"x", Size{}, "at least one side"},
		{"1280", Size{}, "WIDTHxHEIGHT"},
		{"1281x720", Size{}, "even"},
		{"abcx720", Size{}, "whole number"},
		{"8x8", Size{}, "between 16 and 7680"},
		{"-2x720", Size{}, "between"},
	}
	for _, c := range cases {
		got, err := ParseSize(c.in)
		if c.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), c.wantErr) {
				t.Errorf("ParseSize(%q) error = %v, want it to mention %q", c.in, err, c.wantErr)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("ParseSize(%q) = %v, %v; want %v", c.in, got, err, c.want)
		}
		if err == nil && c.in != "" && strings.ToLower(c.in) != got.String() {
			t.Errorf("Size(%q).String() = %q", c.in, got.String())
		}
	}
}

func TestSizeResolve(t *testing.T) {
	cases := []struct {
		s            Size
		sw, sh       int
		wantW, wantH int
	}{
		{Size{}, 1920, 1080, 1920, 1080},
		{Size{}, 1919, 1081, 1918, 1080},
		{Size{1280, 720}, 1920, 1080, 1280, 720},
		{Size{0, 720}, 1920, 1080, 1280, 720},
		{Size{1280, 0}, 1920, 1080, 1280, 720},
		{Size{0, 480}, 1920, 1080, 854, 480},
		{Size{640, 0}, 1280, 1024, 640, 512},
	}
	for _, c := range cases {
		w, h := c.s.Resolve(c.sw, c.sh)
		if w != c.wantW || h != c.wantH {
			t.Errorf("%v.Resolve(%d,%d) = %dx%d, want %dx%d", c.s, c.sw, c.sh, w, h, c.wantW, c.wantH)
		}
	}
}

func TestParseBitrate(t *testing.T) {
	good := map[string]int{"2500k": 2500000, "2.5M": 2500000, "800000": 800000, "128K": 128000, " 6m ": 6000000, "3000kbps": 3000000}
	for in, want := range good {
		if got, err := ParseBitrate(in); err != nil || got != want {
			t.Errorf("ParseBitrate(%q) = %d, %v; want %d", in, got, err, want)
		}
		if got, _ := ParseBitrate(FormatBitrate(want)); got != want {
			t.Errorf("FormatBitrate(%d) does not round-trip", want)
		}
	}
	for _, in := range []string{"", "k", "fast", "2500kk", "1k", "500M", "-3M", "NaN"} {
		if _, err := ParseBitrate(in); err == nil {
			t.Errorf("ParseBitrate(%q) accepted", in)
		}
	}
}

func TestParseKeyframeInterval(t *testing.T) {
	good := map[string]time.Duration{"2s": 2 * time.Second, "1500ms": 1500 * time.Millisecond, "4": 4 * time.Second, "0.5": 500 * time.Millisecond}
	for in, want := range good {
		if got, err := ParseKeyframeInterval(in); err != nil || got != want {
			t.Errorf("ParseKeyframeInterval(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "two", "0s", "1m", "-2s"} {
		if _, err := ParseKeyframeInterval(in); err == nil {
			t.Errorf("ParseKeyframeInterval(%q) accepted", in)
		}
	}
}

func TestCheckPreset(t *testing.T) {
	if err := CheckPreset("veryfast"); err != nil {
		t.Fatal(err)
	}
	if err := CheckPreset("placebo"); err == nil || !strings.Contains(err.Error(), "ultrafast") {
		t.Fatalf("CheckPreset(placebo) = %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	cases := map[string]string{
		"rtmp://a.rtmp.youtube.com/live2/abcd-efgh-ijkl":          "rtmp://a.rtmp.youtube.com/live2/xxxxx",
		"rtmps://live-api-s.facebook.com:443/rtmp/FB-123?s=1&a=2": "rtmps://live-api-s.facebook.com:443/rtmp/xxxxx",
		"rtmp://host/app":                                    "rtmp://host/xxxxx", // may be a key without its app
		"rtmp://a.rtmp.youtube.com/SECRETKEY":                "rtmp://a.rtmp.youtube.com/xxxxx",
		"rtmp://b.rtmp.youtube.com/live2?backup=1/SECRETKEY": "rtmp://b.rtmp.youtube.com/live2?backup=1/xxxxx",
		"rtmp://user:pw@host/live/SECRETKEY":                 "rtmp://host/live/xxxxx",
		"rtmp://host":                                        "rtmp://host",
		"rtsp://192.0.2.1/ch1?user=admin&password=hunter2":   "rtsp://192.0.2.1/ch1?password=xxxxx&user=admin",
		"rtsp://192.0.2.1/ch1?channel=1":                     "rtsp://192.0.2.1/ch1?channel=1",
		"rtsp://admin:hunter2@192.0.2.1:554/ch1":             "rtsp://admin:xxxxx@192.0.2.1:554/ch1",
		"rtsp://192.0.2.1/ch1":                               "rtsp://192.0.2.1/ch1",
		"::not a url":                                        "<invalid URL>",
	}
	for in, want := range cases {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	// The platforms' push URLs: the key and every query secret are masked.
	for in, want := range map[string]string{
		"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_31438300_33&key=f65261b78a&schedule=rtmp&pflag=1":    "rtmp://live-push.bilivideo.com/live-bvc/xxxxx",
		"rtmp://push-rtmp-l3.douyincdn.com/third/stream-6948394?auth_key=1764-0-0-1b56f&expire=1764583169&sign=c58548": "rtmp://push-rtmp-l3.douyincdn.com/third/xxxxx",
		"rtmp://push-rtmp-l1.douyincdn.com/stage/stream-55501?sign=Ab/SecretSig&expire=1764583169":                     "rtmp://push-rtmp-l1.douyincdn.com/stage/xxxxx",
		"rtmp://al.direct.huya.com/huyalive/1199574560753-A-1742712467-1?seq=1745919923386&type=simple":                "rtmp://al.direct.huya.com/huyalive/xxxxx",
		"rtmp://open-push.voip.yximgs.com/gifshow/kwai_act_9934790925?sign=633d0143-c210c0&ks_fix_ts":                  "rtmp://open-push.voip.yximgs.com/gifshow/xxxxx",
		"rtmp://111583.livepush.myqcloud.com/trtc_1400439699/live_20787169?txSecret=ba405d31&txTime=66C35660":          "rtmp://111583.livepush.myqcloud.com/trtc_1400439699/xxxxx",
		"rtmp://h/live2?backup=1&token=SECRETTOKEN/SECRETKEY":                                                          "rtmp://h/live2?backup=1&token=xxxxx/xxxxx",
		"rtmp://h/live2?SECRETFLAG/SECRETKEY":                                                                          "rtmp://h/live2?xxxxx/xxxxx",
		"rtsp://192.0.2.1/ch1?sig=SECRETSIG&channel=1":                                                                 "rtsp://192.0.2.1/ch1?channel=1&sig=xxxxx",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
	servers := map[string]string{
		"rtmps://a.rtmps.youtube.com/live2":                                     "rtmps://a.rtmps.youtube.com/live2",
		"rtmps://a.rtmps.youtube.com/live2/SECRETKEY":                           "rtmps://a.rtmps.youtube.com/live2/xxxxx",
		"rtmps://live-api-s.facebook.com:443/rtmp/?k=FB":                        "rtmps://live-api-s.facebook.com:443/rtmp/xxxxx",
		"rtmp://host/live?key=SECRETKEY":                                        "rtmp://host/live",
		"rtmp://live-push.bilivideo.com/live-bvc/":                              "rtmp://live-push.bilivideo.com/live-bvc",
		"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&key=SECRET": "rtmp://live-push.bilivideo.com/live-bvc/xxxxx",
	}
	for in, want := range servers {
		if got := RedactServerURL(in); got != want {
			t.Errorf("RedactServerURL(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"rtmp://host:1935/live/secretkey":                            "rtmp://host:1935/live",
		"rtmp://host/live?key=SECRETKEY":                             "rtmp://host/live",
		"rtmp://b.rtmp.youtube.com/live2?backup=1/SECRETKEY":         "rtmp://b.rtmp.youtube.com/live2?backup=1",
		"rtmp://live-push.bilivideo.com/live-bvc/?streamname=SECRET": "rtmp://live-push.bilivideo.com/live-bvc",
		"rtmp://push.douyincdn.com/third/stream-1?sign=SE/CRET":      "rtmp://push.douyincdn.com/third",
	} {
		if got := RTMPServer(in); got != want {
			t.Errorf("RTMPServer(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestSplitRTMP(t *testing.T) {
	for _, tc := range []struct {
		in, scheme, authority, app, key string
		hasKey                          bool
	}{
		{"rtmp://a.rtmp.youtube.com/live2/KEY", "rtmp", "a.rtmp.youtube.com", "live2", "KEY", true},
		{"rtmp://b.rtmp.youtube.com/live2?backup=1/KEY", "rtmp", "b.rtmp.youtube.com", "live2?backup=1", "KEY", true},
		{"rtmps://live-api-s.facebook.com:443/rtmp/FB-1?s_bl=1", "rtmps", "live-api-s.facebook.com:443", "rtmp", "FB-1?s_bl=1", true},
		{"rtmp://host/live/sub/KEY/", "rtmp", "host", "live/sub", "KEY", true},
		{"rtmp://host//live/KEY", "rtmp", "host", "live", "KEY", true},
		{"rtmp://host/live", "rtmp", "host", "live", "", false},
		{"rtmp://host//KEY", "rtmp", "host", "", "KEY", true},
		{"rtmp://host", "rtmp", "host", "", "", false},
		{"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1&key=K&schedule=rtmp&pflag=1", "rtmp", "live-push.bilivideo.com", "live-bvc", "?streamname=live_1&key=K&schedule=rtmp&pflag=1", true},
		{"rtmp://push-rtmp-l1.douyincdn.com/third/stream-1?sign=ab/cd&expire=1", "rtmp", "push-rtmp-l1.douyincdn.com", "third", "stream-1?sign=ab/cd&expire=1", true},
		{"rtmp://al.direct.huya.com/huyalive/1-2-A-1?seq=9&type=simple", "rtmp", "al.direct.huya.com", "huyalive", "1-2-A-1?seq=9&type=simple", true},
		{"rtmp://host/live?token=t", "rtmp", "host", "live?token=t", "", false},
	} {
		scheme, authority, app, key, hasKey := SplitRTMP(tc.in)
		if scheme != tc.scheme || authority != tc.authority || app != tc.app || key != tc.key || hasKey != tc.hasKey {
			t.Errorf("SplitRTMP(%q) = %q %q %q %q %v, want %q %q %q %q %v", tc.in,
				scheme, authority, app, key, hasKey, tc.scheme, tc.authority, tc.app, tc.key, tc.hasKey)
		}
	}
}

func TestValidPort(t *testing.T) {
	for p, want := range map[string]int{"1": 1, "554": 554, "65535": 65535} {
		if n, ok := ValidPort(p); !ok || n != want {
			t.Errorf("ValidPort(%q) = %d, %v; want %d, true", p, n, ok, want)
		}
	}
	for _, p := range []string{"", "0", "65536", "99999", "+80", "-1", "8o", "000001"} {
		if n, ok := ValidPort(p); ok {
			t.Errorf("ValidPort(%q) = %d, true; want false", p, n)
		}
	}
}
