package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/settings"
)

// The acceptance of the remote control: `relaystudio run --api
// 127.0.0.1:0` serves the API, /metrics (promtool checks it), the web
// monitor (headless Chromium logs in, sees the test pattern, presses
// Start, and nginx receives it) and Local HLS (ffprobe reads H.264 and
// AAC); requests without the token get 401, repeated ones 429; no key
// and no token in anything it printed.
func TestRunAPIWebMonitor(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary, runs Chromium")
	}
	testx.SkipWithout(t, "chromium", "promtool", "ffprobe")
	bin := buildBinary(t)
	n := ingest.StartNginx(t, ingest.Options{})
	server := strings.TrimSuffix(n.URL("live", "x"), "/x")
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	cfgText := fmt.Sprintf(`version = 1

[[streams]]
name = "Test pattern"
source = "test://pattern"

[streams.video]
mode = "h264"
size = "640x360"
bitrate = "800k"
preset = "ultrafast"

[[streams.destinations]]
name = "Local nginx"
url = %q
key = %q

[[streams.destinations]]
name = "Phones"
kind = "hls"
`, server, secretKey)
	if err := os.WriteFile(path, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "run", "--config", path, "--api", "127.0.0.1:0", "--stats", "0")
	var stderr testx.Buffer
	pr, pw := io.Pipe()
	cmd.Stderr = io.MultiWriter(&stderr, pw)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait(); pw.Close() }()
	defer func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		<-exited
	}()
	base := ""
	urlRe := regexp.MustCompile(`url=(http://127\.0\.0\.1:\d+)/`)
	for lines := bufio.NewScanner(pr); base == "" && lines.Scan(); {
		if m := urlRe.FindStringSubmatch(lines.Text()); m != nil {
			base = m[1]
		}
	}
	go io.Copy(io.Discard, pr)
	if base == "" {
		t.Fatalf("run printed no API address:\n%s", stderr.String())
	}
	cfg, err := settings.Load(path)
	if err != nil || cfg.API.Token == "" {
		t.Fatalf("run made no token: %v", err)
	}
	token := cfg.API.Token

	get := func(path, tok string) (int, []byte) {
		t.Helper()
		req, _ := http.NewRequestWithContext(ctx, "GET", base+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, b
	}
	for _, p := range []string{"/", "/api/v1/streams", "/metrics", "/hls/test-pattern/index.m3u8", "/api/v1/streams/test-pattern/snapshot.jpg"} {
		if code, _ := get(p, ""); code != http.StatusUnauthorized {
			t.Errorf("GET %s without the token: %d, want 401", p, code)
		}
	}

	// The web monitor, on a phone-sized screen.
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath("/usr/bin/chromium"), chromedp.NoSandbox, chromedp.DisableGPU,
		chromedp.UserDataDir(filepath.Join(dir, "chromium")),
		chromedp.Flag("disable-background-networking", true), chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true), chromedp.Flag("disable-quic", true),
		chromedp.WindowSize(390, 844),
	)
	actx, acancel := chromedp.NewExecAllocator(ctx, opts...)
	defer acancel()
	bctx, bcancel := chromedp.NewContext(actx)
	defer bcancel()
	card := `article[data-id="test-pattern"]`
	err = chromedp.Do(bctx,
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible("#token"),
		chromedp.SendKeys("#token", token),
		chromedp.Click("#login"),
		chromedp.WaitVisible(card+` button.start`),
	)
	if err != nil {
		t.Fatalf("log in and see the stream: %v\n%s", err, stderr.String())
	}
	cardText, err := chromedp.Run(bctx, chromedp.Text(card))
	if err != nil || !strings.Contains(cardText, "Test pattern") || !strings.Contains(cardText, "Start") {
		t.Errorf("the stream's card says %q (%v)", cardText, err)
	}
	err = chromedp.Do(bctx,
		chromedp.Click(card+` button.start`),
		chromedp.WaitVisible(card+`[data-state="live"] button.stop`),
		chromedp.WaitVisible(card+` img:not([hidden])`),
	)
	if err != nil {
		t.Fatalf("press Start and see it live: %v\n%s", err, stderr.String())
	}
	shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(90))
	if err != nil {
		t.Fatal(err)
	}
	if out := os.Getenv("RELAYSTUDIO_SCREENSHOTS"); out != "" {
		_ = os.WriteFile(filepath.Join(out, "web-monitor-phone.jpg"), shot, 0o644)
	}
	// The page plays Local HLS itself (Media Source Extensions here).
	playing, err := chromedp.Run(bctx, chromedp.Evaluate[bool](`(async () => {
		document.querySelector('article[data-id="test-pattern"] button.watch').click();
		for (let i = 0; i < 200; i++) {
			const v = document.querySelector('article[data-id="test-pattern"] video');
			if (v && v.currentTime > 1) return true;
			await new Promise(r => setTimeout(r, 100));
		}
		return false;
	})()`, chromedp.EvalAwaitPromise))
	if err != nil || !playing {
		state, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`(() => {
			const c = document.querySelector('article[data-id="test-pattern"]');
			const v = c.querySelector('video');
			return JSON.stringify({error: c.querySelector('.error').textContent, watchHidden: c.querySelector('button.watch').hidden,
				video: !!v, t: v && v.currentTime, ready: v && v.readyState, buffered: v && v.buffered.length ? [v.buffered.start(0), v.buffered.end(0)] : null,
				mediaError: v && v.error && v.error.message, paused: v && v.paused,
				mse: "MediaSource" in window && MediaSource.isTypeSupported('video/mp4; codecs="avc1.640028,mp4a.40.2"')});
		})()`))
		t.Errorf("the web monitor did not play Local HLS within 20 s: %v %s", err, state)
	} else if out := os.Getenv("RELAYSTUDIO_SCREENSHOTS"); out != "" {
		if shot, err := chromedp.Run(bctx, chromedp.FullScreenshot(90)); err == nil {
			_ = os.WriteFile(filepath.Join(out, "web-monitor-hls.jpg"), shot, 0o644)
		}
	}
	rctx, rcancel := context.WithTimeout(ctx, 20*time.Second)
	defer rcancel()
	if err := n.WaitRecording(rctx, "live", secretKey, 20_000); err != nil {
		t.Fatalf("pressing Start in the browser did not reach nginx: %v", err)
	}

	// Local HLS, read by ffprobe as a player would.
	hls := base + "/hls/test-pattern/index.m3u8"
	testx.WaitUntil(t, ctx, 20*time.Second, "the first HLS segment", func() bool {
		code, _ := get("/hls/test-pattern/index.m3u8", token)
		return code == http.StatusOK
	})
	pctx, pcancel := context.WithTimeout(ctx, 30*time.Second)
	defer pcancel()
	probe, err := exec.CommandContext(pctx, "ffprobe", "-v", "error", "-headers", "Authorization: Bearer "+token+"\r\n",
		"-show_entries", "stream=codec_name,width,height", "-of", "csv=p=0", hls).CombinedOutput()
	if err != nil || !strings.Contains(string(probe), "h264,640,360") || !strings.Contains(string(probe), "aac") {
		t.Errorf("ffprobe %s: %v\n%s", hls, err, probe)
	}

	// The metrics, as promtool lints them.
	code, metrics := get("/metrics", token)
	if code != http.StatusOK || !bytes.Contains(metrics, []byte(`relaystudio_stream_live{stream="Test pattern"} 1`)) {
		t.Fatalf("/metrics: %d\n%s", code, metrics)
	}
	lint := exec.CommandContext(ctx, "promtool", "check", "metrics")
	lint.Stdin = bytes.NewReader(metrics)
	if out, err := lint.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics: %v\n%s", err, out)
	}

	// A client that keeps guessing is told to wait.
	last := 0
	for range 12 {
		last, _ = get("/api/v1/streams", "guess-000000000000000000")
	}
	if last != http.StatusTooManyRequests {
		t.Errorf("after 12 wrong tokens: %d, want 429", last)
	}

	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := <-exited; err != nil {
		t.Errorf("run did not stop cleanly: %v\n%s", err, stderr.String())
	}
	exited <- nil
	for _, secret := range []string{secretKey, token} {
		if strings.Contains(stderr.String(), secret) {
			t.Errorf("run printed a secret:\n%s", stderr.String())
		}
	}
}
