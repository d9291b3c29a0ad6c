package settings

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Secrets used by the tests; none may ever appear in output.
const (
	secretKey      = "SECRET-k3y-abcdefghijklmnop"
	secretKey2     = "OTHER-s3cret-key-0123456789"
	secretPassword = "hunter2pw"
	secretToken    = "T0KEN4api0abcdefghijklmn"
)

// fullDoc sets every field to a non-default value.
var fullDoc = `version = 1

[studio]
preview_fps = 12

[api]
enabled = true
listen = "0.0.0.0:9000"
token = "` + secretToken + `"

[[streams]]
name = "Door camera"
source = "rtsp://admin:` + secretPassword + `@192.168.1.20:554/stream1"
rtsp_transport = "tcp"
autostart = true
record = true
record_dir = "/srv/recordings/door"
record_split = "30m"

[streams.video]
mode = "h264"
size = "1280x720"
fps = 29.97
bitrate = "3M"
preset = "faster"
keyframe_interval = "1500ms"

[streams.audio]
mode = "aac"
bitrate = "96k"

[streams.overlay]
image = "/home/me/logo.png"
image_position = "top-right"
image_width = 200
image_opacity = 0.8
margin = 24
text = "Front door"
text_size = 30
text_colour = "#FFCC00"
text_position = "bottom-right"
text_box = true
clock = true

[streams.slate]
enabled = false
image = "/home/me/slate.png"
after = "5s"
give_up = "2h"

[[streams.destinations]]
name = "YouTube"
url = "rtmps://a.rtmps.youtube.com/live2"
key = "` + secretKey + `"
enabled = false

[[streams.destinations]]
name = "Own server"
url = "rtmp://127.0.0.1:1935/live/sub"
key = "` + secretKey2 + `"
enabled = true

[[streams.destinations]]
name = "Phones"
kind = "hls"
enabled = true

[[streams]]
name = "Test"
source = "test://pattern"
`

// fullConfig is fullDoc as a Config.
func fullConfig() *Config {
	return &Config{
		Version: 1,
		Studio:  Studio{PreviewFPS: 12},
		API:     API{Enabled: true, Listen: "0.0.0.0:9000", Token: secretToken},
		Streams: []Stream{
			{
				Name:          "Door camera",
				Source:        "rtsp://admin:" + secretPassword + "@192.168.1.20:554/stream1",
				RTSPTransport: "tcp",
				Autostart:     true,
				Video:         Video{Mode: "h264", Size: "1280x720", FPS: 29.97, Bitrate: "3M", Preset: "faster", KeyframeInterval: "1500ms"},
				Audio:         Audio{Mode: "aac", Bitrate: "96k"},
				Record:        true,
				RecordDir:     "/srv/recordings/door",
				RecordSplit:   "30m",
				Slate:         Slate{Enabled: false, Image: "/home/me/slate.png", After: "5s", GiveUp: "2h"},
				Overlay: Overlay{Image: "/home/me/logo.png", ImagePosition: "top-right", ImageWidth: 200, ImageOpacity: 0.8, Margin: 24,
					Text: "Front door", TextSize: 30, TextColour: "#FFCC00", TextPosition: "bottom-right", TextBox: true, Clock: true},
				Destinations: []Destination{
					{Name: "YouTube", URL: "rtmps://a.rtmps.youtube.com/live2", Key: secretKey, Enabled: false},
					{Name: "Own server", URL: "rtmp://127.0.0.1:1935/live/sub", Key: secretKey2, Enabled: true},
					{Name: "Phones", Kind: DestinationLocalHLS, Enabled: true},
				},
			},
			NewStream("Test", TestPatternSource),
		},
	}
}

// fields returns what of c is user-visible, for comparisons.
func fields(c *Config) plainConfig {
	return plainConfig{Version: c.Version, Studio: c.Studio, API: c.API, Streams: c.Streams}
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	path := filepath.Join(tempDir(t), "config.toml")
	if err := os.WriteFile(path, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// lineOf returns the 1-based line of doc holding marker.
func lineOf(t *testing.T, doc, marker string) int {
	t.Helper()
	i := strings.Index(doc, marker)
	if i < 0 {
		t.Fatalf("marker %q not in document", marker)
	}
	return strings.Count(doc[:i], "\n") + 1
}

func TestDefault(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("default config invalid: %v", err)
	}
	want := plainConfig{Version: CurrentVersion, Studio: Studio{PreviewFPS: 15}, Streams: []Stream{{
		Name: "Test pattern", Source: "test://pattern", RTSPTransport: "auto",
		Video:       Video{Mode: "copy", Bitrate: "2500k", Preset: "veryfast", KeyframeInterval: "2s"},
		Audio:       Audio{Mode: "auto", Bitrate: "128k"},
		Slate:       Slate{Enabled: true, After: "2s", GiveUp: "30m"},
		RecordSplit: "60m",
	}}}
	if got := fields(c); !reflect.DeepEqual(got, want) {
		t.Fatalf("Default() = %+v, want %+v", got, want)
	}
	if !c.Streams[0].IsTestPattern() {
		t.Fatal("default stream is not the test pattern")
	}
}

func TestRoundTripEveryField(t *testing.T) {
	path := writeFile(t, fullDoc)
	c, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := fields(c), fields(fullConfig()); !reflect.DeepEqual(got, want) {
		t.Fatalf("loaded\n%#v\nwant\n%#v", got.Streams, want.Streams)
	}

	saved := filepath.Join(tempDir(t), "again.toml")
	if err := c.Save(saved); err != nil {
		t.Fatal(err)
	}
	again, err := Load(saved)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(fields(again), fields(c)) {
		t.Fatalf("after save and load\n%#v\nwant\n%#v", fields(again), fields(c))
	}
	// Saving what was loaded gives the same bytes: the encoding is stable.
	first, _ := os.ReadFile(saved)
	if err := again.Save(saved); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(saved)
	if !bytes.Equal(first, second) {
		t.Fatalf("second save differs:\n%s\n---\n%s", first, second)
	}
}

func TestDefaultsForMissingFields(t *testing.T) {
	c, err := Load(writeFile(t, `version = 1
[[streams]]
name = "cam"
source = "rtsp://cam.local/ch1"
[[streams.destinations]]
name = "Twitch"
url = "rtmp://live.twitch.tv/app"
key = "live_123"
`))
	if err != nil {
		t.Fatal(err)
	}
	want := NewStream("cam", "rtsp://cam.local/ch1")
	want.Destinations = []Destination{{Name: "Twitch", URL: "rtmp://live.twitch.tv/app", Key: "live_123", Enabled: true}}
	if got := c.Streams[0]; !reflect.DeepEqual(plainStream(got), plainStream(want)) {
		t.Fatalf("got %#v\nwant %#v", plainStream(got), plainStream(want))
	}
}

// Explicit zero values are what the user wrote, not "missing".
func TestExplicitZeroValuesAreKept(t *testing.T) {
	c, err := Load(writeFile(t, `version = 1
[[streams]]
name = "cam"
source = "test://pattern"
[[streams.destinations]]
name = "off"
url = "rtmp://127.0.0.1/live"
enabled = false
`))
	if err != nil {
		t.Fatal(err)
	}
	if c.Streams[0].Destinations[0].Enabled {
		t.Fatal("enabled = false was replaced by the default")
	}
}

func TestLoadErrors(t *testing.T) {
	const head = "version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n"
	tests := []struct {
		name   string
		doc    string
		marker string // the reported line holds this text ("" = line 1)
		want   string // after "config.toml:LINE: "
	}{
		{"unknown key", head + "[streams.video]\nbitrat = \"2M\"\n", "bitrat", `streams[0].video: unknown key "bitrat" (did you mean "bitrate"?)`},
		{"unknown key in a later element", head + "[[streams]]\nname = \"b\"\nsource = \"test://pattern\"\n[[streams.destinations]]\nname = \"d\"\nurl = \"rtmp://h/live\"\nenabeld = true\n", "enabeld", `streams[1].destinations[0]: unknown key "enabeld" (did you mean "enabled"?)`},
		{"unknown top-level key", "version = 1\nstreems = 3\n", "streems", `unknown key "streems" (did you mean "streams"?)`},
		{"unknown table", head + "[streams.vidoe]\nmode = \"copy\"\n", "[streams.vidoe]", `streams[0]: unknown key "vidoe" (did you mean "video"?)`},
		{"unknown key without suggestion", head + "colour = \"red\"\n", "colour", `streams[0]: unknown key "colour"`},
		{"wrong type", head + "[streams.video]\nfps = \"30\"\n", "fps", `streams[0].video.fps: want a number, not text`},
		{"wrong type bool", head + "autostart = \"yes\"\n", "autostart", `streams[0].autostart: want true or false, not text`},
		{"preview rate too high", "version = 1\n[studio]\npreview_fps = 60\n", "preview_fps", `studio.preview_fps: 60: want 1 to 30 pictures a second`},
		{"preview rate negative", "version = 1\n[studio]\npreview_fps = -1\n", "preview_fps", `studio.preview_fps: -1: want 1 to 30`},
		{"preview rate as text", "version = 1\n[studio]\npreview_fps = \"smooth\"\n", "preview_fps", `studio.preview_fps: want a whole number, not text`},
		{"unknown studio key", "version = 1\n[studio]\npreview_fsp = 5\n", "preview_fsp", `studio: unknown key "preview_fsp" (did you mean "preview_fps"?)`},
		{"bad size", head + "[streams.video]\nsize = \"1281x720\"\n", "size", `streams[0].video.size: size "1281x720": width must be even`},
		{"bad bitrate", head + "[streams.video]\nbitrate = \"fast\"\n", "bitrate", `streams[0].video.bitrate: bitrate "fast"`},
		{"bad preset", head + "[streams.video]\npreset = \"placebo\"\n", "preset", `streams[0].video.preset: preset "placebo": want one of`},
		{"bad keyframe interval", head + "[streams.video]\nkeyframe_interval = \"1h\"\n", "keyframe_interval", `streams[0].video.keyframe_interval: keyframe interval "1h"`},
		{"bad fps", head + "[streams.video]\nfps = -1\n", "fps", `streams[0].video.fps: -1: want 0`},
		{"bad video mode", head + "[streams.video]\nmode = \"h265\"\n", "mode", `streams[0].video.mode: "h265": want copy or h264`},
		{"bad audio mode", head + "[streams.audio]\nmode = \"mp3\"\n", "mode", `streams[0].audio.mode: "mp3": want auto, copy, aac, silent or none`},
		{"audio bitrate too low", head + "[streams.audio]\nbitrate = \"8k\"\n", "bitrate", `streams[0].audio.bitrate: "8k": want 16k to 512k for AAC`},
		{"video bitrate too low", head + "[streams.video]\nbitrate = \"50k\"\n", "bitrate", `streams[0].video.bitrate: "50k": want 100k to 50M`},
		{"audio bitrate too high", head + "[streams.audio]\nbitrate = \"2500k\"\n", "bitrate", `streams[0].audio.bitrate: "2500k": want 16k to 512k for AAC`},
		{"bad transport", head + "rtsp_transport = \"quic\"\n", "rtsp_transport", `streams[0].rtsp_transport: "quic": want auto, tcp or udp`},
		{"source scheme", "version = 1\n[[streams]]\nname = \"cam\"\nsource = \"http://admin:" + secretPassword + "@cam/x\"\n", "source", `streams[0].source: http://admin:xxxxx@cam/x: want an rtsp:// or rtsps:// camera URL`},
		{"source not a URL", "version = 1\n[[streams]]\nname = \"cam\"\nsource = \"rtsp://admin:" + secretPassword + " x@cam/x\"\n", "source", `streams[0].source: not a valid URL`},
		{"source other test", "version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://bars\"\n", "source", `streams[0].source: the only test source is test://pattern`},
		{"source missing points at the table", "version = 1\n[[streams]]\nname = \"cam\"\n", "[[streams]]", `streams[0].source: missing`},
		{"name missing", "version = 1\n[[streams]]\nsource = \"test://pattern\"\n", "[[streams]]", `streams[0].name: missing: give the stream a name`},
		{"duplicate stream names", head + "[[streams]]\nname = \"CAM\"\nsource = \"test://pattern\"\n", `"CAM"`, `streams[1].name: "CAM" is already the name of streams[0]`},
		{"duplicate destination names", head + "[[streams.destinations]]\nname = \"yt\"\nurl = \"rtmp://h/live\"\n[[streams.destinations]]\nname = \"yt\" # again\nurl = \"rtmp://h/live\"\n", "# again", `streams[0].destinations[1].name: "yt" is already the name of streams[0].destinations[0]`},
		{"destination scheme", head + "[[streams.destinations]]\nname = \"d\"\nurl = \"http://h/live\"\n", "url", `streams[0].destinations[0].url: http://h/live: want an rtmp:// or rtmps:// server URL`},
		{"destination key in url", head + "[[streams.destinations]]\nname = \"d\"\nurl = \"rtmp://h/live/" + secretKey + "\"\nkey = \"" + secretKey + "\"\n", "url", `streams[0].destinations[0].url: rtmp://h/live/xxxxx: ends with the stream key`},
		{"platform url with key", head + "[[streams.destinations]]\nname = \"d\"\nurl = \"rtmps://a.rtmps.youtube.com/live2/" + secretKey + "\"\n", "url", `streams[0].destinations[0].url: rtmps://a.rtmps.youtube.com/live2/xxxxx: has something after the application name`},
		{"destination without app", head + "[[streams.destinations]]\nname = \"d\"\nurl = \"rtmp://h\"\n", "url", `streams[0].destinations[0].url: rtmp://h: no application name`},
		{"key with spaces", head + "[[streams.destinations]]\nname = \"d\"\nurl = \"rtmp://h/live\"\nkey = \"" + secretKey + " \"\n", "key", `streams[0].destinations[0].key: contains spaces`},
		{"api listen not host:port", "version = 1\n[api]\nlisten = \"8770\"\n", "listen", `api.listen: "8770": want host:port, e.g. 127.0.0.1:8770`},
		{"api listen bad port", "version = 1\n[api]\nlisten = \"127.0.0.1:http\"\n", "listen", `api.listen: "127.0.0.1:http": the port must be a number`},
		{"api token short", "version = 1\n[api]\ntoken = \"abc\"\n", "token", `api.token: too short to be safe`},
		{"api token spaces", "version = 1\n[api]\ntoken = \"abcdefgh ijklmnopq\"\n", "token", `api.token: contains spaces`},
		{"unknown api key", "version = 1\n[api]\nlisen = \"x\"\n", "lisen", `api: unknown key "lisen" (did you mean "listen"?)`},
		{"hls with url", head + "[[streams.destinations]]\nname = \"d\"\nkind = \"hls\"\nurl = \"rtmp://h/live\"\n", "url =", `streams[0].destinations[0].url: a Local HLS destination has no server URL`},
		{"two hls", head + "[[streams.destinations]]\nname = \"a\"\nkind = \"hls\"\n[[streams.destinations]]\nname = \"b\"\nkind = \"hls\" # second\n", "# second", `streams[0].destinations[1].kind: the stream already has a Local HLS destination (destinations[0])`},
		{"unknown kind", head + "[[streams.destinations]]\nname = \"d\"\nkind = \"srt\"\n", "kind", `streams[0].destinations[0].kind: "srt": want rtmp (or leave it out) or hls`},
		{"broken TOML", head + "[streams.video]\nbitrate = \"2M\n", "bitrate", `not valid TOML at column`},
		{"broken TOML on a key line", head + "[[streams.destinations]]\nkey = " + secretKey + "\n", "key =", `not valid TOML at column`},
		{"key set twice", "version = 1\nversion = 2\n", "version = 2", `version: set twice`},
		{"newer version", "# hi\nversion = 7\n", "version", `version: this file is for a newer Relay Studio (version 7; this build reads up to 1)`},
		{"missing version", "[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n", "", "version: missing: add `version = 1`"},
		{"version not a number", "version = \"1\"\n", "version", `version: want a whole number`},
		{"version zero", "version = 0\n", "version", `version: 0 is not a version`},
		{"empty file", "", "", `the file is empty`},
		{"only comments", "# nothing here\n\n", "", `the file is empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeFile(t, tt.doc)
			_, err := Load(path)
			if err == nil {
				t.Fatal("Load succeeded")
			}
			line := 1
			if tt.marker != "" {
				line = lineOf(t, tt.doc, tt.marker)
			}
			want := fmt.Sprintf("%s:%d: %s", path, line, tt.want)
			if !strings.Contains(err.Error(), want) {
				t.Fatalf("error\n%v\ndoes not contain\n%s", err, want)
			}
			for _, s := range []string{secretKey, secretPassword} {
				if strings.Contains(err.Error(), s) {
					t.Fatalf("error reveals a secret: %v", err)
				}
			}
			if err := Check(path); err == nil || err.Error() != mustErr(Load(path)).Error() {
				t.Fatalf("Check = %v, want the Load error", err)
			}
			got, rerr := os.ReadFile(path)
			if rerr != nil || string(got) != tt.doc {
				t.Fatalf("file changed by Load: %q (%v)", got, rerr)
			}
		})
	}
}

func mustErr(_ *Config, err error) error { return err }

func TestAllProblemsReported(t *testing.T) {
	doc := "version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n[streams.video]\npreset = \"x\"\nbitrate = \"y\"\n"
	path := writeFile(t, doc)
	_, err := Load(path)
	ps := Problems(err)
	if len(ps) != 2 {
		t.Fatalf("got %d problems, want 2: %v", len(ps), err)
	}
	keys := []string{ps[0].Key, ps[1].Key}
	if !reflect.DeepEqual(keys, []string{"streams[0].video.bitrate", "streams[0].video.preset"}) {
		t.Fatalf("problem keys %v", keys)
	}
	for _, p := range ps {
		if p.File != path || p.Line != lineOf(t, doc, strings.TrimPrefix(p.Key, "streams[0].video.")+" =") {
			t.Fatalf("problem %+v: wrong file or line", p)
		}
	}
}

func TestLoadUnreadable(t *testing.T) {
	t.Run("missing", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "config.toml")
		_, err := Load(path)
		if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), path) {
			t.Fatalf("err = %v, want a not-exist error naming the file", err)
		}
	})
	t.Run("directory", func(t *testing.T) {
		path := filepath.Join(tempDir(t), "config.toml")
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		_, err := Load(path)
		if err == nil || !strings.Contains(err.Error(), path+": cannot read it") {
			t.Fatalf("err = %v", err)
		}
		if _, _, err := LoadOrCreate(path); err == nil {
			t.Fatal("LoadOrCreate succeeded on a directory")
		}
		if fi, err := os.Stat(path); err != nil || !fi.IsDir() {
			t.Fatal("the directory was replaced")
		}
	})
}

func TestSaveCrashBeforeRenameKeepsOldFile(t *testing.T) {
	path := writeFile(t, fullDoc)
	c := Default()
	crash := errors.New("simulated crash")
	s := current()
	var tmpSeen bool
	s.rename = func(tmp, dst string) error {
		// At the crash point the new contents exist only in the temporary
		// file; the old file is whole and still loads.
		got, err := os.ReadFile(tmp)
		if err != nil || !strings.Contains(string(got), "Test pattern") {
			t.Errorf("temporary file %q: %v", got, err)
		}
		if old, err := os.ReadFile(dst); err != nil || string(old) != fullDoc {
			t.Errorf("old file changed before the rename")
		}
		if _, err := Load(dst); err != nil {
			t.Errorf("old file does not load at the crash point: %v", err)
		}
		tmpSeen = true
		return crash
	}
	err := s.save(c, path)
	if !errors.Is(err, crash) || !tmpSeen {
		t.Fatalf("save = %v, want the crash", err)
	}
	if got, _ := os.ReadFile(path); string(got) != fullDoc {
		t.Fatal("old file changed")
	}
	loaded, err := Load(path)
	if err != nil || !reflect.DeepEqual(fields(loaded), fields(fullConfig())) {
		t.Fatalf("old config does not load after the crash: %v", err)
	}
	assertAlone(t, path)
}

func TestSaveRefuses(t *testing.T) {
	path := filepath.Join(tempDir(t), "config.toml")
	bad := Default()
	bad.Streams[0].Video.Preset = "placebo"
	if err := bad.Save(path); err == nil || !strings.Contains(err.Error(), "streams[0].video.preset") {
		t.Fatalf("saving an invalid config: %v", err)
	}
	if err := fullConfig().Redacted().Save(path); err == nil {
		t.Fatal("saved a redacted copy")
	}
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatal("a refused save wrote the file")
	}
}

func TestLoadOrCreate(t *testing.T) {
	path := filepath.Join(tempDir(t), "relaystudio", "config.toml")
	c, created, err := LoadOrCreate(path)
	if err != nil || !created {
		t.Fatalf("first call: created=%v err=%v", created, err)
	}
	if !reflect.DeepEqual(fields(c), fields(Default())) {
		t.Fatal("created config is not the default")
	}
	// The user edits the file; the next start loads it and does not
	// overwrite it.
	edited := strings.Replace(mustRead(t, path), "Test pattern", "Edited", 1)
	if err := os.WriteFile(path, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	c, created, err = LoadOrCreate(path)
	if err != nil || created || c.Streams[0].Name != "Edited" {
		t.Fatalf("second call: created=%v err=%v config=%v", created, err, c)
	}
	if mustRead(t, path) != edited {
		t.Fatal("second call rewrote the file")
	}
	// A broken file is reported, not replaced.
	if err := os.WriteFile(path, []byte("version = ["), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadOrCreate(path); err == nil || mustRead(t, path) != "version = [" {
		t.Fatalf("broken file: err=%v", err)
	}
}

func mustRead(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestKeepBroken(t *testing.T) {
	const broken = "version = 1\n[[streams]\n"
	path := writeFile(t, broken)
	now := time.Date(2025, 3, 4, 5, 6, 7, 0, time.Local)
	first, err := KeepBroken(path, now)
	if err != nil {
		t.Fatal(err)
	}
	if first != path+".broken-20250304-050607" || mustRead(t, first) != broken {
		t.Fatalf("copy %s", first)
	}
	assertPrivate(t, first)
	second, err := KeepBroken(path, now)
	if err != nil || second != first+"-1" || mustRead(t, second) != broken {
		t.Fatalf("second copy %s: %v", second, err)
	}
	if mustRead(t, path) != broken {
		t.Fatal("original changed")
	}
}

func TestMigrationV1ToV2(t *testing.T) {
	calls := 0
	v2 := current()
	v2.version = 2
	v2.migrations = []migration{func(raw map[string]any) error {
		calls++
		return migrateV1ToV2(raw)
	}}

	path := writeFile(t, fullDoc)
	c, err := v2.load(path)
	if err != nil {
		t.Fatal(err)
	}
	if calls != 1 || c.Version != 2 {
		t.Fatalf("migration calls %d, version %d", calls, c.Version)
	}
	want := fields(fullConfig())
	want.Version = 2
	if !reflect.DeepEqual(fields(c), want) {
		t.Fatalf("migrated config differs:\n%#v", fields(c))
	}
	if mustRead(t, path) != fullDoc {
		t.Fatal("loading migrated the file on disk")
	}
	if err := v2.save(c, path); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(mustRead(t, path), "version = 2") {
		t.Fatal("v2 build did not write version 2")
	}
	// A v2 file in the v1 build is refused, and a v2 file in the v2 build
	// needs no migration.
	if _, err := Load(path); err == nil || !strings.Contains(err.Error(), "newer Relay Studio (version 2") {
		t.Fatalf("v1 build loading a v2 file: %v", err)
	}
	if _, err := v2.load(path); err != nil || calls != 1 {
		t.Fatalf("v2 file in v2 build: %v, calls %d", err, calls)
	}

	// Lines in messages still point into the user's (v1) file.
	for _, doc := range []string{
		"version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n[streams.video]\n\nbitrat = \"2M\"\n",
		"version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n[streams.video]\n\nbitrate = 2\n",
		"version = 1\n[[streams]]\nname = \"cam\"\nsource = \"test://pattern\"\n[streams.video]\n\nbitrate = \"2x\"\n",
	} {
		p := writeFile(t, doc)
		_, err := v2.load(p)
		if want := fmt.Sprintf("%s:%d: streams[0].video", p, lineOf(t, doc, "bitrat")); err == nil || !strings.Contains(err.Error(), want) {
			t.Fatalf("error %v, want it to contain %q", err, want)
		}
	}

	failing := v2
	failing.migrations = []migration{func(map[string]any) error { return errors.New("boom") }}
	if _, err := failing.load(writeFile(t, fullDoc)); err == nil || !strings.Contains(err.Error(), "cannot upgrade from version 1: boom") {
		t.Fatalf("failing migration: %v", err)
	}
}

// The production table holds a step from every version to the next one up to
// at least version 2, so a build targeting any of them has its path.
func TestMigrationTable(t *testing.T) {
	if len(migrations) < max(CurrentVersion, 2)-1 {
		t.Fatalf("%d migrations for version %d", len(migrations), CurrentVersion)
	}
	raw := map[string]any{"version": int64(1)}
	if err := migrations[0](raw); err != nil || !reflect.DeepEqual(raw, map[string]any{"version": int64(1)}) {
		t.Fatalf("v1→v2 migration changed the file: %v %v", raw, err)
	}
}

func TestMaskSecret(t *testing.T) {
	tests := []struct{ in, want string }{
		{"", ""},
		{"a", "xxxx…xx"},
		{"abcd-efgh-ijk", "xxxx…xx"},
		{"abcdefghijklmno", "xxxx…xx"},          // 15
		{"abcdefghijklmnop", "abcd…op"},         // 16
		{"abcd-efgh-ijkl-mnop-qrst", "abcd…st"}, // YouTube style
		{"ключключключключ", "ключ…юч"},         // runes, not bytes
		{secretKey, secretKey[:4] + "…" + "op"},
	}
	for _, tt := range tests {
		if got := MaskSecret(tt.in); got != tt.want {
			t.Errorf("MaskSecret(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Secrets never appear in fmt output of any verb, logs, Redacted or Export.
func TestSecretsNeverShown(t *testing.T) {
	c := fullConfig()
	s := c.Streams[0]
	d := s.Destinations[0]
	var outputs []string
	for _, v := range []any{c, *c, s, &s, d, &d, c.Streams, []*Stream{&s}, c.API, &c.API} {
		for _, format := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d", "%T %v"} {
			outputs = append(outputs, fmt.Sprintf(format, v))
		}
		outputs = append(outputs, fmt.Sprint(v), fmt.Sprintln(v))
	}
	for _, h := range []func(*bytes.Buffer) slog.Handler{
		func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var buf bytes.Buffer
		slog.New(h(&buf)).Info("x", "config", c, "stream", s, "dest", d, "api", c.API)
		outputs = append(outputs, buf.String())
	}
	var export bytes.Buffer
	if err := c.Export(&export); err != nil {
		t.Fatal(err)
	}
	outputs = append(outputs, export.String(), fmt.Sprintf("%+v", fields(c.Redacted())))
	if got := c.Redacted().API; got.Token != MaskSecret(secretToken) || got.Listen != c.API.Listen {
		t.Fatalf("Redacted API = %+v: want the listen address kept and the token masked", got)
	}

	for _, out := range outputs {
		for _, secret := range []string{secretKey, secretKey2, secretPassword, secretToken} {
			if strings.Contains(out, secret) {
				t.Fatalf("output reveals %q:\n%s", secret, out)
			}
		}
	}
	// The output is still useful: names and masked keys show.
	if got := fmt.Sprintf("%+v", d); !strings.Contains(got, "Name:YouTube") || !strings.Contains(got, MaskSecret(secretKey)) {
		t.Fatalf("%%+v of a destination = %s", got)
	}
	if got := fmt.Sprintf("%#v", s); !strings.HasPrefix(got, "settings.Stream{") || !strings.Contains(got, "settings.Destination{") {
		t.Fatalf("%%#v of a stream = %s", got)
	}
	// Redacting did not touch the original.
	if c.Streams[0].Destinations[0].Key != secretKey || !strings.Contains(c.Streams[0].Source, secretPassword) {
		t.Fatal("Redacted or fmt modified the config")
	}
}

func TestExportLoadsAndMergesBack(t *testing.T) {
	c := fullConfig()
	var buf bytes.Buffer
	if err := c.Export(&buf); err != nil {
		t.Fatal(err)
	}
	exported, err := Load(writeFile(t, buf.String()))
	if err != nil {
		t.Fatalf("exported file does not load: %v\n%s", err, buf.String())
	}
	for _, s := range exported.Streams {
		for _, d := range s.Destinations {
			if d.Key != "" {
				t.Fatalf("exported key %q", d.Key)
			}
		}
	}
	if got := exported.Streams[0].Source; got != "rtsp://admin@192.168.1.20:554/stream1" {
		t.Fatalf("exported source %q: want the user kept and the password removed", got)
	}

	// Import on a machine that has the secrets: they are kept, imported
	// settings win, new streams and destinations are appended.
	exported.Streams[0].Name = "door CAMERA"
	exported.Streams[0].Video.Bitrate = "4M"
	exported.Streams[0].Destinations = append(exported.Streams[0].Destinations, NewDestination("Twitch", "rtmp://live.twitch.tv/app", ""))
	exported.Streams = append(exported.Streams, NewStream("New", TestPatternSource))
	exported.Studio.PreviewFPS = 5
	mine := fullConfig()
	mine.Streams = append(mine.Streams, NewStream("Only mine", TestPatternSource))
	mine.Merge(exported)
	if mine.Studio != fullConfig().Studio {
		t.Errorf("the import changed this computer's studio preferences: %+v", mine.Studio)
	}
	if mine.API != fullConfig().API {
		t.Errorf("the import changed this computer's API settings")
	}

	if err := mine.Validate(); err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range mine.Streams {
		names = append(names, s.Name)
	}
	if !reflect.DeepEqual(names, []string{"door CAMERA", "Test", "Only mine", "New"}) {
		t.Fatalf("streams after merge %v", names)
	}
	door := mine.Streams[0]
	if door.Source != fullConfig().Streams[0].Source {
		t.Fatal("camera password lost in the merge")
	}
	if door.Video.Bitrate != "4M" {
		t.Fatal("imported setting did not win")
	}
	if len(door.Destinations) != 4 || door.Destinations[0].Key != secretKey || door.Destinations[1].Key != secretKey2 || !door.Destinations[2].IsLocalHLS() || door.Destinations[3].Name != "Twitch" {
		t.Fatalf("destinations after merge: %+v", door.Destinations)
	}

	// An imported secret replaces the existing one; a different camera
	// does not inherit the password.
	other := fullConfig()
	other.Streams[0].Destinations[0].Key = "NEW-KEY"
	other.Streams[0].Source = "rtsp://admin@10.0.0.9/stream1"
	mine.Merge(other)
	if mine.Streams[0].Destinations[0].Key != "NEW-KEY" || mine.Streams[0].Source != "rtsp://admin@10.0.0.9/stream1" {
		t.Fatalf("after second merge: %+v", fields(mine).Streams[0])
	}

	// A redacted copy brings no masked keys in.
	mine.Merge(fullConfig().Redacted())
	if mine.Streams[0].Destinations[0].Key != "NEW-KEY" {
		t.Fatal("merging a redacted copy imported a masked key")
	}
	mine.Merge(nil)
}

func TestIngestURL(t *testing.T) {
	tests := []struct{ url, key, want string }{
		{"rtmps://a.rtmps.youtube.com/live2", "abcd-efgh", "rtmps://a.rtmps.youtube.com/live2/abcd-efgh"},
		{"rtmp://live.twitch.tv/app/", "live_1", "rtmp://live.twitch.tv/app/live_1"},
		{"rtmps://live-api-s.facebook.com:443/rtmp/", "FB-1?s_bl=1&a=x", "rtmps://live-api-s.facebook.com:443/rtmp/FB-1?s_bl=1&a=x"},
		{"rtmp://h/live?token=t", "k", "rtmp://h/live/k?token=t"},
		{"rtmp://h/live?token=t", "k?x=1", "rtmp://h/live/k?token=t&x=1"},
		{"rtmp://h/live", "", "rtmp://h/live"},
	}
	for _, tt := range tests {
		if got := NewDestination("d", tt.url, tt.key).IngestURL(); got != tt.want {
			t.Errorf("IngestURL(%q, %q) = %q, want %q", tt.url, tt.key, got, tt.want)
		}
	}
}

func TestParsedAccessors(t *testing.T) {
	v := fullConfig().Streams[0].Video
	size, err := v.ParsedSize()
	if err != nil || size.Width != 1280 || size.Height != 720 {
		t.Fatalf("size %v %v", size, err)
	}
	if bps, err := v.BitrateBPS(); err != nil || bps != 3_000_000 {
		t.Fatalf("bitrate %d %v", bps, err)
	}
	if d, err := v.KeyframeDuration(); err != nil || d != 1500*time.Millisecond {
		t.Fatalf("keyframe interval %v %v", d, err)
	}
	if bps, err := fullConfig().Streams[0].Audio.BitrateBPS(); err != nil || bps != 96_000 {
		t.Fatalf("audio bitrate %d %v", bps, err)
	}
}

func TestValidateWithoutFile(t *testing.T) {
	c := Default()
	c.Streams = append(c.Streams, NewStream("test PATTERN", "rtsp://cam"))
	err := c.Validate()
	if err == nil || err.Error() != `streams[1].name: "test PATTERN" is already the name of streams[0]: stream names must differ` {
		t.Fatalf("err = %v", err)
	}
}

// assertAlone: path is the only file in its folder (no temporary file was
// left behind by a save).
func assertAlone(t *testing.T, path string) {
	t.Helper()
	entries, _ := os.ReadDir(filepath.Dir(path))
	if len(entries) != 1 || entries[0].Name() != filepath.Base(path) {
		t.Fatalf("temporary file left behind: %v", entries)
	}
}

func TestSummaryLeavesOutTheFile(t *testing.T) {
	path := writeFile(t, "version = 1\n[api]\nlisten = \"8770\"\ntoken = \"abc\"\n")
	_, err := Load(path)
	if err == nil {
		t.Fatal("Load succeeded")
	}
	got := Summary(err)
	want := `api.listen: "8770": want host:port, e.g. 127.0.0.1:8770 (this computer only) or 0.0.0.0:8770 (every network); api.token: too short to be safe (want at least 16 characters): make a new one with ` + "`relaystudio config token --new`"
	if got != want {
		t.Fatalf("Summary =\n%s\nwant\n%s", got, want)
	}
	if Summary(os.ErrClosed) != os.ErrClosed.Error() {
		t.Error("an error without problems is not worded as it is")
	}
}
