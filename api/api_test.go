package api

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

const (
	testToken  = "TESTtoken0123456789abcdef"
	secretKey  = "SECRET-key-0123456789abc"
	secretPass = "cam-pass-4242"
)

type harness struct {
	t    *testing.T
	srv  *httptest.Server
	api  *Server
	log  *testx.Buffer
	path string
}

// newHarness serves a studio of two streams that are never started: a
// camera with a password and a destination with a key, and the test
// pattern.
func newHarness(t *testing.T) *harness {
	t.Helper()
	cfg := settings.Default()
	cam := settings.NewStream("Door camera", "rtsp://admin:"+secretPass+"@192.0.2.10/ch1")
	cam.Destinations = []settings.Destination{
		settings.NewDestination("YouTube", "rtmps://a.rtmps.youtube.com/live2", secretKey),
		settings.NewLocalHLS(),
	}
	cfg.Streams = append(cfg.Streams, cam)
	cfg.API.Token = testToken
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := cfg.Save(path); err != nil {
		t.Fatal(err)
	}
	st := studio.New(studio.Options{})
	t.Cleanup(st.Close)
	reqLog, buf := testx.CaptureLog()
	events := NewEvents(nil)
	s := New(Options{
		Controller: studio.NewHeadless(st, cfg, path), Token: func() string { return testToken },
		Logger: reqLog, Events: events, Version: "test",
	})
	srv := httptest.NewServer(s)
	t.Cleanup(func() {
		_ = s.Shutdown(context.Background())
		srv.Close()
	})
	return &harness{t: t, srv: srv, api: s, log: buf, path: path}
}

// do sends a request; token "" sends none.
func (h *harness) do(method, path, token, body string) (*http.Response, string) {
	h.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, h.srv.URL+path, rd)
	if err != nil {
		h.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := h.srv.Client().Do(req)
	if err != nil {
		h.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, string(b)
}

// oneLineError checks that body is {"error": "..."} on one line.
func oneLineError(t *testing.T, what, body string) string {
	t.Helper()
	var e apiError
	if strings.Count(body, "\n") != 1 || !strings.HasSuffix(body, "\n") || json.Unmarshal([]byte(body), &e) != nil || e.Error == "" {
		t.Errorf("%s: body %q is not a one-line JSON error", what, body)
	}
	return e.Error
}

// concrete turns a route's pattern into a path to request.
func concrete(pattern string) string {
	p := strings.NewReplacer("{id}", "test-pattern", "{dest}", "local-hls", "{file}", "index.m3u8", "{$}", "").Replace(pattern)
	return p
}

func TestOpenAPIMatchesRoutes(t *testing.T) {
	b, err := files.ReadFile("openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Fatalf("openapi = %q", doc.OpenAPI)
	}
	var inDoc, inMux []string
	for p, ops := range doc.Paths {
		for m := range ops {
			inDoc = append(inDoc, strings.ToUpper(m)+" "+p)
		}
	}
	for _, rt := range (&Server{}).routes() {
		inMux = append(inMux, rt.method+" "+strings.ReplaceAll(rt.pattern, "{$}", ""))
	}
	slices.Sort(inDoc)
	slices.Sort(inMux)
	if !slices.Equal(inDoc, inMux) {
		t.Fatalf("openapi.json lists\n%s\nthe server serves\n%s", strings.Join(inDoc, "\n"), strings.Join(inMux, "\n"))
	}
	// Every $ref resolves.
	for _, ref := range regexp.MustCompile(`"\$ref": "#/([^"]+)"`).FindAllStringSubmatch(string(b), -1) {
		var node any = map[string]any{}
		_ = json.Unmarshal(b, &node)
		for part := range strings.SplitSeq(ref[1], "/") {
			m, _ := node.(map[string]any)
			node = m[part]
		}
		if node == nil {
			t.Errorf("openapi.json: $ref %s does not resolve", ref[1])
		}
	}
}

func TestEveryRouteNeedsTheToken(t *testing.T) {
	h := newHarness(t)
	for _, rt := range h.api.routes() {
		if rt.pattern == "/login" {
			continue // it takes the token in its form: see TestLogin
		}
		for _, tok := range []string{"", "wrong-token-000000000000"} {
			res, body := h.do(rt.method, concrete(rt.pattern), tok, "")
			if res.StatusCode != http.StatusUnauthorized {
				t.Errorf("%s %s with token %q: %d, want 401", rt.method, rt.pattern, tok, res.StatusCode)
			}
			if rt.pattern != "/{$}" {
				oneLineError(t, rt.method+" "+rt.pattern, body)
			} else if !strings.Contains(body, `name="token"`) {
				t.Errorf("GET / without the token is not the login form: %q", body)
			}
		}
		// The limiter would refuse the rest of the loop.
		h.api.limiter = newLimiter()
	}
	res, _ := h.do("GET", "/nowhere", "", "")
	if res.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unknown path without the token: %d, want 401 (it must not tell what exists)", res.StatusCode)
	}
}

func TestRepeatedFailuresGet429(t *testing.T) {
	h := newHarness(t)
	for i := range failLimit {
		if res, _ := h.do("GET", "/api/v1/streams", "bad-token-xxxxxxxxxxxxxx", ""); res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d, want 401", i+1, res.StatusCode)
		}
	}
	res, body := h.do("GET", "/api/v1/streams", "bad-token-xxxxxxxxxxxxxx", "")
	if res.StatusCode != http.StatusTooManyRequests || res.Header.Get("Retry-After") == "" {
		t.Fatalf("after %d failures: %d (Retry-After %q), want 429 with Retry-After", failLimit, res.StatusCode, res.Header.Get("Retry-After"))
	}
	oneLineError(t, "429", body)
	// While blocked, even the right token waits: guessing gains nothing.
	if res, _ := h.do("GET", "/api/v1/streams", testToken, ""); res.StatusCode != http.StatusTooManyRequests {
		t.Errorf("the right token while blocked: %d, want 429", res.StatusCode)
	}
	// The allowance comes back with time.
	l := h.api.limiter
	if wait := l.blocked("127.0.0.1", time.Now().Add(failRefill)); wait != 0 {
		t.Errorf("still blocked %v after a refill period", wait)
	}
}

func TestLimiterTableIsBounded(t *testing.T) {
	l := newLimiter()
	now := time.Now()
	for i := range maxClients + 500 {
		l.fail("10.0."+string(rune('a'+i%26))+"."+strings.Repeat("x", i/26), now)
	}
	if n := len(l.clients); n > maxClients {
		t.Fatalf("%d clients kept, want at most %d", n, maxClients)
	}
}

func TestBadRequests(t *testing.T) {
	h := newHarness(t)
	big := `{"bitrate": "` + strings.Repeat("9", maxBody) + `"}`
	tests := []struct {
		name, method, path, body string
		status                   int
		want                     string
	}{
		{"unknown stream", "GET", "/api/v1/streams/nope", "", 404, `no stream has the id "nope"`},
		{"unknown stream start", "POST", "/api/v1/streams/nope/start", "", 404, `no stream has the id "nope"`},
		{"unknown destination", "PATCH", "/api/v1/streams/door-camera/destinations/nope", `{"enabled": true}`, 404, `no destination with the id "nope"`},
		{"unknown endpoint", "GET", "/api/v1/cameras", "", 404, "no such endpoint"},
		{"wrong method", "DELETE", "/api/v1/streams", "", 405, "DELETE is not allowed on /api/v1/streams: use GET"},
		{"wrong method on start", "GET", "/api/v1/streams/test-pattern/start", "", 405, "use POST"},
		{"bad JSON", "PATCH", "/api/v1/streams/test-pattern/output", `{"bitrate": `, 400, "not valid JSON"},
		{"unknown field", "PATCH", "/api/v1/streams/test-pattern/output", `{"bitrat": "3M"}`, 400, `unknown field "bitrat"`},
		{"wrong type", "PATCH", "/api/v1/streams/test-pattern/output", `{"fps": "30"}`, 400, `field "fps": want a number`},
		{"empty body", "PATCH", "/api/v1/streams/test-pattern/output", "", 400, "the body is empty"},
		{"empty object", "PATCH", "/api/v1/streams/test-pattern/output", "{}", 400, "nothing to change"},
		{"two objects", "PATCH", "/api/v1/streams/test-pattern/output", `{"fps": 30} {"fps": 25}`, 400, "more than one JSON object"},
		{"not an object", "PATCH", "/api/v1/streams/test-pattern/output", `[1]`, 400, "want a JSON object"},
		{"oversized body", "PATCH", "/api/v1/streams/test-pattern/output", big, 413, "larger than 16 KiB"},
		{"bad bitrate", "PATCH", "/api/v1/streams/test-pattern/output", `{"mode": "h264", "bitrate": "fast"}`, 400, `bitrate "fast"`},
		{"copy mode bitrate", "PATCH", "/api/v1/streams/test-pattern/output", `{"bitrate": "3M"}`, 400, `copies the camera's video`},
		{"destination without enabled", "PATCH", "/api/v1/streams/door-camera/destinations/youtube", `{}`, 400, "nothing to change"},
		{"start without destination", "POST", "/api/v1/streams/test-pattern/start", "", 409, "add a destination"},
		{"snapshot of a stream that is off", "GET", "/api/v1/streams/test-pattern/snapshot.jpg", "", 409, "is off"},
		{"snapshot size", "GET", "/api/v1/streams/test-pattern/snapshot.jpg?width=99999", "", 400, "width="},
		{"hls of a stream that is off", "GET", "/hls/door-camera/index.m3u8", "", 404, "serves no HLS"},
		{"bad Last-Event-ID", "GET", "/api/v1/events", "", 400, "Last-Event-ID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(tt.method, h.srv.URL+tt.path, strings.NewReader(tt.body))
			req.Header.Set("Authorization", "Bearer "+testToken)
			if tt.name == "bad Last-Event-ID" {
				req.Header.Set("Last-Event-ID", "yesterday")
			}
			res, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(res.Body)
			res.Body.Close()
			if res.StatusCode != tt.status {
				t.Errorf("status %d, want %d (%s)", res.StatusCode, tt.status, b)
			}
			if msg := oneLineError(t, tt.name, string(b)); !strings.Contains(msg, tt.want) {
				t.Errorf("error %q does not say %q", msg, tt.want)
			}
		})
	}
	saved, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	if saved.Streams[0].Video != settings.Default().Streams[0].Video {
		t.Errorf("a refused change was saved: %+v", saved.Streams[0].Video)
	}
}

func TestChangesAreSavedAndSecretsNeverShown(t *testing.T) {
	h := newHarness(t)
	res, body := h.do("PATCH", "/api/v1/streams/door-camera/output", testToken, `{"mode": "h264", "bitrate": "3000k", "size": "1280x720", "fps": 25, "preset": "faster"}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH output: %d %s", res.StatusCode, body)
	}
	var got Stream
	if err := json.Unmarshal([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if got.Output != (Output{Mode: "h264", Size: "1280x720", FPS: 25, Bitrate: "3000k", Preset: "faster"}) {
		t.Errorf("answered output %+v", got.Output)
	}
	res, body = h.do("PATCH", "/api/v1/streams/door-camera/destinations/youtube", testToken, `{"enabled": false}`)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("PATCH destination: %d %s", res.StatusCode, body)
	}
	saved, err := settings.Load(h.path)
	if err != nil {
		t.Fatal(err)
	}
	door := saved.Streams[1]
	if door.Video.Bitrate != "3000k" || door.Video.Preset != "faster" || door.Destinations[0].Enabled {
		t.Errorf("not saved: %+v %+v", door.Video, door.Destinations[0])
	}
	if door.Destinations[0].Key != secretKey || !strings.Contains(door.Source, secretPass) {
		t.Error("a change through the API lost the key or the password")
	}

	var all strings.Builder
	for _, p := range []string{"/api/v1/streams", "/api/v1/streams/door-camera", "/metrics", "/", "/api/v1/openapi.json"} {
		res, body := h.do("GET", p, testToken, "")
		if res.StatusCode != http.StatusOK {
			t.Errorf("GET %s: %d", p, res.StatusCode)
		}
		all.WriteString(body)
	}
	if !strings.Contains(all.String(), settings.MaskSecret(secretKey)) || !strings.Contains(all.String(), "admin:xxxxx@192.0.2.10") {
		t.Errorf("the key is not shown masked, or the source not redacted:\n%s", all.String())
	}
	all.WriteString(h.log.String())
	for _, secret := range []string{secretKey, secretPass, testToken} {
		if strings.Contains(all.String(), secret) {
			t.Errorf("%q appears in an answer or the request log", secret)
		}
	}
	// Every request was logged, with an id and its status.
	for _, want := range []string{`method=PATCH path=/api/v1/streams/door-camera/output status=200`, `method=GET path=/metrics status=200`} {
		if !strings.Contains(h.log.String(), want) {
			t.Errorf("request log lacks %q:\n%s", want, h.log.String())
		}
	}
}

func TestLogin(t *testing.T) {
	h := newHarness(t)
	client := h.srv.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := func(token string) *http.Response {
		res, err := client.PostForm(h.srv.URL+"/login", map[string][]string{"token": {token}})
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	if res := post("wrong-token-000000000000"); res.StatusCode != http.StatusUnauthorized || len(res.Cookies()) != 0 {
		t.Fatalf("wrong token: %d with %d cookies, want 401 and none", res.StatusCode, len(res.Cookies()))
	}
	res := post(testToken)
	if res.StatusCode != http.StatusSeeOther || len(res.Cookies()) != 1 || !res.Cookies()[0].HttpOnly {
		t.Fatalf("right token: %d %v, want 303 with an HttpOnly cookie", res.StatusCode, res.Cookies())
	}
	cookie := res.Cookies()[0]
	get, _ := http.NewRequest("GET", h.srv.URL+"/api/v1/streams", nil)
	get.AddCookie(cookie)
	res, err := client.Do(get)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("GET with the cookie: %d", res.StatusCode)
	}
	// A change with the cookie from another site is refused.
	start, _ := http.NewRequest("POST", h.srv.URL+"/api/v1/streams/test-pattern/start", nil)
	start.AddCookie(cookie)
	start.Header.Set("Origin", "http://evil.example")
	res, err = client.Do(start)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site POST with the cookie: %d, want 403", res.StatusCode)
	}
}

func TestEventsStreamTheLog(t *testing.T) {
	events := NewEvents(nil)
	log := slog.New(events)
	log.Info("before", "stream", "Door camera")
	st := studio.New(studio.Options{})
	defer st.Close()
	s := New(Options{Controller: studio.NewHeadless(st, settings.Default(), filepath.Join(t.TempDir(), "c.toml")), Token: func() string { return testToken }, Events: events})
	srv := httptest.NewServer(s)
	defer srv.Close()
	defer s.Shutdown(context.Background())

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", srv.URL+"/api/v1/events", nil)
	req.Header.Set("Authorization", "Bearer "+testToken)
	res, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q", ct)
	}
	lines := bufio.NewScanner(res.Body)
	var got []Event
	go log.With("stream", "Yard").Warn("after", "error", "boom")
	for len(got) < 2 && lines.Scan() {
		if data, ok := strings.CutPrefix(lines.Text(), "data: "); ok {
			var ev Event
			if err := json.Unmarshal([]byte(data), &ev); err != nil {
				t.Fatalf("event %q: %v", data, err)
			}
			got = append(got, ev)
		}
	}
	if len(got) != 2 || got[0].Message != "before" || got[0].Attrs["stream"] != "Door camera" ||
		got[1].Message != "after" || got[1].Level != "WARN" || got[1].Attrs["stream"] != "Yard" || got[1].Attrs["error"] != "boom" || got[1].ID != got[0].ID+1 {
		t.Fatalf("events %+v", got)
	}
}

func TestCheckListen(t *testing.T) {
	for _, tt := range []struct {
		addr, token string
		ok          bool
	}{
		{"127.0.0.1:0", "", true},
		{"localhost:8770", "", true},
		{"[::1]:8770", "", true},
		{"0.0.0.0:8770", "", false},
		{":8770", "", false},
		{"0.0.0.0:8770", testToken, true},
		{"8770", testToken, false},
	} {
		if err := CheckListen(tt.addr, tt.token); (err == nil) != tt.ok {
			t.Errorf("CheckListen(%q, token %v) = %v", tt.addr, tt.token != "", err)
		}
	}
}

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The dashboard and the alert rules under docs/ use only metrics the
// server exports.
func TestDocsUseExportedMetrics(t *testing.T) {
	h := newHarness(t)
	exported := map[string]bool{}
	descs := make(chan *prometheus.Desc, 100)
	newCollector(h.api).Describe(descs)
	close(descs)
	name := regexp.MustCompile(`fqName: "([a-z_]+)"`)
	for d := range descs {
		exported[name.FindStringSubmatch(d.String())[1]] = true
	}
	_, scrape := h.do("GET", "/metrics", testToken, "")
	for _, m := range regexp.MustCompile(`(?m)^# TYPE ((?:go|process)_[a-z_]+)`).FindAllStringSubmatch(scrape, -1) {
		exported[m[1]] = true
	}
	used := regexp.MustCompile(`\b(?:relaystudio|process|go)_[a-z_]+\b`)
	for _, doc := range []string{"../docs/grafana-dashboard.json", "../docs/relaystudio-alerts.yml", "../README.md"} {
		b, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range used.FindAllString(string(b), -1) {
			if !exported[m] && !strings.HasSuffix(m, "_") {
				t.Errorf("%s uses %s, which /metrics does not export", doc, m)
			}
		}
	}
}
