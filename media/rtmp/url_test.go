package rtmp

import (
	"fmt"
	"strings"
	"testing"
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
