package rtmp

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
)

const secretKey = "sk-9f8e7d6c5b4a" // never allowed in any error, reason or log

func TestParseURL(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want Target // hostPort ignored
		srv  string // Server()
	}{
		{"rtmp://a.rtmp.youtube.com/live2/" + secretKey,
			Target{Scheme: "rtmp", Host: "a.rtmp.youtube.com", Port: 1935, App: "live2", Key: secretKey},
			"rtmp://a.rtmp.youtube.com/live2"},
		{"rtmps://a.rtmps.youtube.com:443/live2/" + secretKey,
			Target{Scheme: "rtmps", Host: "a.rtmps.youtube.com", Port: 443, App: "live2", Key: secretKey},
			"rtmps://a.rtmps.youtube.com:443/live2"},
		{"rtmps://live-api-s.facebook.com/rtmp/" + secretKey,
			Target{Scheme: "rtmps", Host: "live-api-s.facebook.com", Port: 443, App: "rtmp", Key: secretKey},
			"rtmps://live-api-s.facebook.com/rtmp"},
		{"RTMP://127.0.0.1:19350/live/sub/" + secretKey + "/",
			Target{Scheme: "rtmp", Host: "127.0.0.1", Port: 19350, App: "live/sub", Key: secretKey},
			"rtmp://127.0.0.1:19350/live/sub"},
		{"rtmp://[::1]:1936/app/" + secretKey,
			Target{Scheme: "rtmp", Host: "::1", Port: 1936, App: "app", Key: secretKey},
			"rtmp://[::1]:1936/app"},
		{"rtmp://b.rtmp.youtube.com/live2?backup=1/" + secretKey,
			Target{Scheme: "rtmp", Host: "b.rtmp.youtube.com", Port: 1935, App: "live2?backup=1", Key: secretKey},
			"rtmp://b.rtmp.youtube.com/live2?backup=1"},
		{"rtmp://live.twitch.tv/app/" + secretKey + "?bandwidthtest=true",
			Target{Scheme: "rtmp", Host: "live.twitch.tv", Port: 1935, App: "app", Key: secretKey + "?bandwidthtest=true"},
			"rtmp://live.twitch.tv/app"},
		// Bilibili: the key is all query, after the server's trailing
		// slash; it is the publishing name, as OBS sends it.
		{"rtmp://live-push.bilivideo.com/live-bvc/?streamname=live_1_2&key=" + secretKey + "&schedule=rtmp&pflag=1",
			Target{Scheme: "rtmp", Host: "live-push.bilivideo.com", Port: 1935, App: "live-bvc", Key: "?streamname=live_1_2&key=" + secretKey + "&schedule=rtmp&pflag=1"},
			"rtmp://live-push.bilivideo.com/live-bvc"},
		// Huya, Douyin, WeChat Channels: a stream name with its query.
		{"rtmp://al.direct.huya.com/huyalive/1199-1199-0-2399-10057-A-1742712467-1?seq=" + secretKey + "&type=simple",
			Target{Scheme: "rtmp", Host: "al.direct.huya.com", Port: 1935, App: "huyalive", Key: "1199-1199-0-2399-10057-A-1742712467-1?seq=" + secretKey + "&type=simple"},
			"rtmp://al.direct.huya.com/huyalive"},
		{"rtmp://push-rtmp-l1.douyincdn.com/third/stream-123?expire=1&sign=ab/" + secretKey,
			Target{Scheme: "rtmp", Host: "push-rtmp-l1.douyincdn.com", Port: 1935, App: "third", Key: "stream-123?expire=1&sign=ab/" + secretKey},
			"rtmp://push-rtmp-l1.douyincdn.com/third"},
		{"rtmp://111583.livepush.myqcloud.com/trtc_1400439699/live_2078?txSecret=" + secretKey + "&txTime=66C35660",
			Target{Scheme: "rtmp", Host: "111583.livepush.myqcloud.com", Port: 1935, App: "trtc_1400439699", Key: "live_2078?txSecret=" + secretKey + "&txTime=66C35660"},
			"rtmp://111583.livepush.myqcloud.com/trtc_1400439699"},
	} {
		got, err := ParseURL(tc.in)
		if err != nil {
			t.Errorf("%s: %v", tc.in, err)
			continue
		}
		if srv := got.Server(); srv != tc.srv {
			t.Errorf("%s: Server() = %q, want %q", tc.in, srv, tc.srv)
		}
		got.hostPort = ""
		if got != tc.want {
			t.Errorf("%s:\ngot  %#v %q %q\nwant %#v", tc.in, got, got.App, got.Key, tc.want)
		}
		for _, s := range []string{got.String(), fmt.Sprint(got), fmt.Sprintf("%+v", got), fmt.Sprintf("%#v", got)} {
			if strings.Contains(s, secretKey) {
				t.Errorf("%s: printing a Target shows the key: %s", tc.in, s)
			}
		}
	}
}

func TestParseURLErrors(t *testing.T) {
	for _, tc := range []struct {
		in, want string
	}{
		{"", "empty"},
		{"   ", "empty"},
		{"a.rtmp.youtube.com/live2/" + secretKey, "rtmp://"},
		{"http://example.com/live/" + secretKey, `scheme "http"`},
		{"srt://example.com/live/" + secretKey, `scheme "srt"`},
		{"rtmp:///live/" + secretKey, "host is missing"},
		{"rtmp://example.com", "application and the stream key are missing"},
		{"rtmp://example.com/", "application and the stream key are missing"},
		{"rtmp://example.com/live2", "both the application and the stream key"},
		{"rtmp://example.com/live2/", "both the application and the stream key"},
		{"rtmp://example.com/" + secretKey, "both the application and the stream key"},
		{"rtmp://example.com//" + secretKey, "application is missing"},
		{"rtmp://example.com:0/live/" + secretKey, "port"},
		{"rtmp://example.com:99999/live/" + secretKey, "port"},
		{"rtmp://example.com:abc/live/" + secretKey, "host[:port]"},
		{"rtmp://example.com:/live/" + secretKey, "port"},
		{"rtmp://user:pw@example.com/live/" + secretKey, "user:password@"},
		{"rtmp://" + secretKey + "@example.com/live/x", "user:password@"},
		{"rtmp://example.com/live/" + secretKey + " x", "spaces"},
		{"rtmp://example.com/live/sk#" + secretKey, ""}, // fragment: any error or success, but no key in it
	} {
		_, err := ParseURL(tc.in)
		if tc.want == "" {
			if err != nil && strings.Contains(err.Error(), secretKey) {
				t.Errorf("%q: error shows the key: %v", tc.in, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%q: no error", tc.in)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: error %q does not mention %q", tc.in, err, tc.want)
		}
		if strings.Contains(err.Error(), secretKey) {
			t.Errorf("%q: error shows the key: %v", tc.in, err)
		}
	}
}

// The publishing URLs of the Chinese platforms, as IngestURL builds them
// from the server and key their pages show.
var platformURLs = []struct{ name, app, key string }{
	{"bilibili", "live-bvc", "?streamname=live_31438300_3317297&key=" + secretKey + "&schedule=rtmp&pflag=1"},
	{"huya", "huyalive", "1199574560753-1199574560753-0-2399149244962-10057-A-1742712467-1?seq=" + secretKey + "&type=simple"},
	{"douyin", "third", "stream-694839456628998623?auth_key=" + secretKey + "&expire=1764583169&sign=ab/cd"},
}

// TestPlatformKeysReachTheServer: go-rtmp gets the application in connect
// (and in tcUrl) and the whole key, query included, as the publishing name.
func TestPlatformKeysReachTheServer(t *testing.T) {
	testx.NoLeaks(t)
	for _, pu := range platformURLs {
		t.Run(pu.name, func(t *testing.T) {
			srv := startServer(t, nil, nil)
			log := newLogCapture(t)
			p := start(t, &Publisher{URL: "rtmp://" + srv.addr + "/" + pu.app + "/" + pu.key, Logger: log.logger()})
			log.wait(t, 10*time.Second, "destination live")
			rs := srv.waitFor("connect and publish", 10*time.Second, func(rs []rec) bool {
				return countKind(rs, 1, "connect") == 1 && countKind(rs, 1, "publish") == 1
			})
			for _, r := range rs {
				switch r.kind {
				case "connect":
					if r.connect.App != pu.app || r.connect.TCURL != "rtmp://"+srv.addr+"/"+pu.app {
						t.Errorf("connect app %q tcUrl %q", r.connect.App, r.connect.TCURL)
					}
				case "publish":
					if r.publish.PublishingName != pu.key {
						t.Errorf("publishing name %q, want %q", r.publish.PublishingName, pu.key)
					}
				}
			}
			closePromptly(t, p)
			checkNoKey(t, log.all()...)
		})
	}
}

// TestNginxTakesPlatformKeys: nginx-rtmp accepts the same publishes, and
// hands on_publish the application and the name before the query.
func TestNginxTakesPlatformKeys(t *testing.T) {
	testx.NoLeaks(t)
	var mu sync.Mutex
	seen := map[string]string{}
	ng := ingest.StartNginx(t, ingest.Options{Apps: []string{"live-bvc", "huyalive", "third"}, OnPublish: func(app, name string) bool {
		mu.Lock()
		defer mu.Unlock()
		seen[app] = name
		return true
	}})
	for _, pu := range platformURLs {
		t.Run(pu.name, func(t *testing.T) {
			log := newLogCapture(t)
			p := start(t, &Publisher{URL: "rtmp://" + ng.Addr() + "/" + pu.app + "/" + pu.key, Logger: log.logger()})
			log.wait(t, 15*time.Second, "destination live")
			closePromptly(t, p)
			name, _, _ := strings.Cut(pu.key, "?")
			mu.Lock()
			got, ok := seen[pu.app]
			mu.Unlock()
			if !ok || got != name {
				t.Errorf("on_publish saw app %q name %q (%v), want %q", pu.app, got, ok, name)
			}
			checkNoKey(t, log.all()...)
		})
	}
}
