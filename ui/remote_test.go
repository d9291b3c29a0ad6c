package ui

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/settings"
)

// Remote control from the window: switching it on makes a token, saves
// it and serves the API on a free loopback port; a request changes the
// stream as the window's controls do, and the window shows it.
func TestRemoteControlFromTheWindow(t *testing.T) {
	cfg := settings.Default()
	cfg.Streams[0].Destinations = []settings.Destination{settings.NewLocalHLS()}
	cfg.API.Listen = "127.0.0.1:0"
	h := newHarness(t, cfg)
	var d *remoteDialog
	h.ui(func() {
		h.s.showRemote()
		d = h.s.remoteDlg
		if d.token.Text != "made when you switch it on" || !d.copyBtn.Disabled() {
			t.Errorf("before it is on: token %q, copy enabled %v", d.token.Text, !d.copyBtn.Disabled())
		}
		test.Tap(d.enabled)
	})
	saved := h.load()
	if !saved.API.Enabled || len(saved.API.Token) < 16 {
		t.Fatalf("switching it on saved %+v", saved.API)
	}
	token := saved.API.Token
	var base string
	h.ui(func() {
		if h.s.remote == nil || h.s.remote.addr == "" {
			t.Fatalf("not serving: %+v", h.s.remote)
		}
		base = "http://" + h.s.remote.addr
		if d.token.Text != settings.MaskSecret(token) || !strings.HasPrefix(d.link.Text, "http://127.0.0.1:") {
			t.Errorf("the dialog shows token %q and link %q", d.token.Text, d.link.Text)
		}
		test.Tap(d.show)
		if d.token.Text != token {
			t.Errorf("Show: %q", d.token.Text)
		}
		test.Tap(d.copyBtn)
		if got := h.s.app.Clipboard().Content(); got != token {
			t.Errorf("Copy put %q on the clipboard", got)
		}
	})

	call := func(method, path, body string) (int, string) {
		t.Helper()
		req, _ := http.NewRequest(method, base+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		client := &http.Client{Timeout: 20 * time.Second}
		res, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	code, body := call("POST", "/api/v1/streams/test-pattern/start", "")
	if code != http.StatusOK {
		t.Fatalf("start through the API: %d %s", code, body)
	}
	h.waitFor("the window shows it live", 20*time.Second, func() bool { return h.s.views[0].streaming() })
	code, body = call("PATCH", "/api/v1/streams/test-pattern/output", `{"mode": "h264", "bitrate": "1500k", "preset": "ultrafast", "size": "640x360"}`)
	if code != http.StatusOK {
		t.Fatalf("output through the API: %d %s", code, body)
	}
	var got struct {
		Output struct{ Bitrate string }
	}
	_ = json.Unmarshal([]byte(body), &got)
	h.ui(func() {
		if h.s.cfg.Streams[0].Video.Bitrate != "1500k" || got.Output.Bitrate != "1500k" {
			t.Errorf("bitrate: window %q, answer %q", h.s.cfg.Streams[0].Video.Bitrate, got.Output.Bitrate)
		}
	})
	// Polled from here: a request waits for the "Fyne goroutine", which
	// waitFor's condition holds.
	deadline := time.Now().Add(30 * time.Second)
	for code, _ = call("GET", "/hls/test-pattern/index.m3u8", ""); code != http.StatusOK; code, _ = call("GET", "/hls/test-pattern/index.m3u8", "") {
		if time.Now().After(deadline) {
			t.Fatalf("no Local HLS playlist after 30 s: %d", code)
		}
		time.Sleep(200 * time.Millisecond)
	}
	code, body = call("POST", "/api/v1/streams/test-pattern/stop", "")
	if code != http.StatusOK {
		t.Fatalf("stop through the API: %d %s", code, body)
	}
	h.ui(func() {
		if h.s.views[0].streaming() {
			t.Error("still live after a stop through the API")
		}
		test.Tap(d.enabled) // off
		if h.s.remote != nil || d.link.Text != "(off)" {
			t.Errorf("switched off: remote %v, link %q", h.s.remote, d.link.Text)
		}
	})
	if _, err := http.Get(base + "/api/v1/streams"); err == nil {
		t.Error("the API still answers after Remote control was switched off")
	}
}
