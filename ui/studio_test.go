package ui

import (
	"bytes"
	"image"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"fyne.io/fyne/v2"
	"fyne.io/fyne/v2/test"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/settings"
	"github.com/relaystudio/relaystudio/studio"
)

func TestMain(m *testing.M) {
	if rate, err := strconv.Atoi(os.Getenv(referenceWindowEnv)); err == nil && rate > 0 {
		runReferenceWindow(rate) // BenchmarkPreviewCost's reference process
		return
	}
	os.Exit(m.Run())
}

func TestFirstStreamPreviewsAtStart(t *testing.T) {
	h := newHarness(t, nil) // no file: created with the test pattern
	h.ui(func() {
		if got := h.s.Window().Title(); got != "Relay Studio" {
			t.Errorf("title %q", got)
		}
		if h.s.selected != 0 || h.s.views[0].relay() == nil {
			t.Fatal("the first stream is not selected and previewing")
		}
	})
	if got := h.load().Streams; len(got) != 1 || got[0].Source != settings.TestPatternSource {
		t.Fatalf("created settings: %+v", got)
	}
	// The pixels change, not just the buffer: the preview rotates buffers,
	// so a frozen picture would still come in new images.
	var firstPix []byte
	h.waitFor("a first preview frame", 10*time.Second, func() bool {
		img, ok := h.s.preview.image.Image.(*image.RGBA)
		if ok && h.s.preview.seq > 0 {
			firstPix = append([]byte(nil), img.Pix...)
		}
		return firstPix != nil
	})
	h.waitFor("the preview picture to move", 10*time.Second, func() bool {
		img, ok := h.s.preview.image.Image.(*image.RGBA)
		return ok && !bytes.Equal(img.Pix, firstPix)
	})
	// The overlay: source size, frame rate and the clock.
	clock := regexp.MustCompile(`^1280×720  \d+ fps  \d\d:\d\d:\d\d$`)
	h.waitFor("the overlay with size, fps and clock", 10*time.Second, func() bool {
		return clock.MatchString(h.s.preview.info.Text)
	})
}

// TestAddCameraWithTheKeyboard: the new-camera dialog opens with the cursor
// in the URL (the name is filled in), and Enter saves it.
func TestAddCameraWithTheKeyboard(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		test.Tap(h.s.cams.add)
		f := h.s.cameraForm
		if f == nil {
			t.Fatal("no dialog")
		}
		if h.s.win.Canvas().Focused() != f.url {
			t.Fatalf("focus on %T, want the URL entry", h.s.win.Canvas().Focused())
		}
		test.Type(f.url, "test://pattern")
		f.url.TypedKey(&fyne.KeyEvent{Name: fyne.KeyReturn})
		if h.s.cameraForm != nil {
			t.Fatalf("Enter did not save: %s", f.errLabel.Text)
		}
	})
	got := h.load().Streams
	if len(got) != 2 || got[1].Name != "Camera 1" || got[1].Source != "test://pattern" {
		t.Fatalf("saved streams: %+v", got)
	}
}

func TestAddCameraIsListedAndSaved(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		test.Tap(h.s.cams.add)
		f := h.s.cameraForm
		if f == nil {
			t.Fatal("no dialog")
		}
		f.name.SetText("Garden")
		test.Type(f.url, "rtsp://127.0.0.1:9/garden")
		test.Type(f.user, "admin")
		test.Type(f.pass, "hunter22")
		if !f.pass.Password {
			t.Error("password field is not masked")
		}
		test.Tap(f.save)
		if h.s.cameraForm != nil {
			t.Fatalf("dialog still open: %s", f.errLabel.Text)
		}
		if n := h.s.cams.list.Length(); n != 2 {
			t.Fatalf("list has %d cameras, want 2", n)
		}
		if h.s.selected != 1 {
			t.Errorf("new camera not selected")
		}
	})
	got := h.load().Streams
	if len(got) != 2 || got[1].Name != "Garden" || got[1].Source != "rtsp://admin:hunter22@127.0.0.1:9/garden" {
		t.Fatalf("saved streams: %v", got)
	}
	// Editing shows the password masked and keeps it.
	h.ui(func() {
		test.Tap(h.s.cams.edit)
		f := h.s.cameraForm
		if f.url.Text != "rtsp://127.0.0.1:9/garden" || f.user.Text != "admin" || f.pass.Text != "hunter22" {
			t.Errorf("edit dialog: url %q user %q", f.url.Text, f.user.Text)
		}
		test.Tap(f.cancel)
	})
}

func TestBadCameraURLShowsErrorAndSavesNothing(t *testing.T) {
	h := newHarness(t, nil)
	before := h.fileBytes()
	h.ui(func() {
		test.Tap(h.s.cams.add)
		f := h.s.cameraForm
		test.Type(f.url, "http://camera.local/x")
		test.Tap(f.save)
		if h.s.cameraForm == nil {
			t.Fatal("dialog closed on a bad URL")
		}
		if !strings.Contains(f.errLabel.Text, "not supported") {
			t.Errorf("error shown: %q", f.errLabel.Text)
		}
		if h.s.cams.list.Length() != 1 {
			t.Error("bad camera listed")
		}
	})
	if !bytes.Equal(before, h.fileBytes()) {
		t.Error("settings file changed")
	}
}

func TestCameraTestButtonProbes(t *testing.T) {
	h := newHarness(t, nil)
	var f *cameraForm
	h.ui(func() {
		test.Tap(h.s.cams.add)
		f = h.s.cameraForm
		test.Type(f.url, "test://pattern")
		test.Tap(f.test)
	})
	h.waitFor("the probe result", 15*time.Second, func() bool { return strings.HasPrefix(f.result.Text, "Found") })
	h.ui(func() {
		if !strings.Contains(f.result.Text, "1280x720") {
			t.Errorf("probe result %q", f.result.Text)
		}
		// The details are labelled fields, not columns of spaces.
		if f.details.Hidden || len(f.details.Items) != 3 || f.details.Items[0].Text != "Video" {
			t.Errorf("probe details: hidden %v, %d items", f.details.Hidden, len(f.details.Items))
		}
	})
	// A camera that is not there fails with a reason, without blocking.
	h.ui(func() {
		f.url.SetText("rtsp://127.0.0.1:1/none")
		test.Tap(f.test)
	})
	h.waitFor("the probe failure", 15*time.Second, func() bool { return strings.HasPrefix(f.result.Text, "Test failed") })
	h.ui(func() {
		if !f.details.Hidden {
			t.Error("the details of the last camera found stay shown after a failed test")
		}
	})
}

func TestStartDisabledWithoutDestination(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		if !h.s.preview.start.Disabled() {
			t.Error("Start enabled without a destination")
		}
		if !strings.Contains(h.s.preview.startReason.Text, "destination") {
			t.Errorf("reason %q", h.s.preview.startReason.Text)
		}
		// Space does nothing either.
		h.s.toggleSelected()
		if h.s.views[0].streaming() {
			t.Error("started without a destination")
		}
	})
}

func TestDestinationPresetsAndMaskedKey(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		test.Tap(h.s.dests.add)
		f := h.s.destForm
		if f.url.Text != "rtmps://a.rtmps.youtube.com/live2" {
			t.Errorf("YouTube preset url %q", f.url.Text)
		}
		f.platform.SetSelected("Twitch")
		if f.url.Text != "rtmp://live.twitch.tv/app" {
			t.Errorf("Twitch preset url %q", f.url.Text)
		}
		f.platform.SetSelected("Facebook")
		if f.url.Text != "rtmps://live-api-s.facebook.com:443/rtmp/" {
			t.Errorf("Facebook preset url %q", f.url.Text)
		}
		f.platform.SetSelected("Bilibili")
		if f.url.Text != "rtmp://live-push.bilivideo.com/live-bvc/" || !strings.Contains(f.hint.Text, "开播设置") {
			t.Errorf("Bilibili preset url %q, hint %q", f.url.Text, f.hint.Text)
		}
		// Douyin's push address differs per broadcast: no server, but
		// where to copy it from.
		f.platform.SetSelected("Douyin")
		if f.url.Text != "" || f.name.Text != "Douyin" || !strings.Contains(f.hint.Text, "推流地址") || f.url.PlaceHolder == "rtmp://host/app" {
			t.Errorf("Douyin preset url %q, name %q, hint %q, placeholder %q", f.url.Text, f.name.Text, f.hint.Text, f.url.PlaceHolder)
		}
		f.platform.SetSelected("YouTube")
		test.Type(f.key, "abcd-efgh-ijkl-mnop")
		if !f.key.Password {
			t.Error("key not masked in the dialog")
		}
		test.Tap(f.save)
		if h.s.destForm != nil {
			t.Fatalf("dialog still open: %s", f.errLabel.Text)
		}
		if len(h.s.dests.rows) != 1 {
			t.Fatal("destination not listed")
		}
		key := h.s.dests.rows[0].key
		if !key.Password {
			t.Error("key not masked in the list")
		}
		test.Tap(key.ActionItem.(fyne.Tappable))
		if key.Password {
			t.Error("reveal did not show the key")
		}
		if h.s.preview.start.Disabled() {
			t.Errorf("Start disabled with a key: %s", h.s.preview.startReason.Text)
		}
	})
	d := h.load().Streams[0].Destinations
	if len(d) != 1 || d[0].Key != "abcd-efgh-ijkl-mnop" || d[0].URL != "rtmps://a.rtmps.youtube.com/live2" || !d[0].Enabled {
		t.Fatalf("saved destinations: %v", d)
	}
}

func testConfig(dests ...settings.Destination) *settings.Config {
	c := settings.Default()
	c.Streams[0].Destinations = dests
	return c
}

// localIngestConfig starts nginx and returns it with a test config whose
// first stream sends to it with key.
func localIngestConfig(t *testing.T, key string) (*ingest.Nginx, *settings.Config) {
	t.Helper()
	ng := ingest.StartNginx(t, ingest.Options{})
	return ng, testConfig(settings.NewDestination("Local", "rtmp://"+ng.Addr()+"/live", key))
}

func TestStreamGoesLiveAndStops(t *testing.T) {
	const key = "secret-key-0123456789"
	ng, cfg := localIngestConfig(t, key)
	h := newHarness(t, cfg)
	h.ui(func() {
		if h.s.preview.start.Disabled() {
			t.Fatalf("Start disabled: %s", h.s.preview.startReason.Text)
		}
		test.Tap(h.s.preview.start)
		if !h.s.views[0].streaming() {
			t.Fatal("not streaming after Start")
		}
	})
	h.waitFor("the stream to go live with bitrate in the graph", 30*time.Second, func() bool {
		v := h.s.views[0]
		g := h.s.stats.chart
		vals := g.values("Local")
		return v.stats.State == "live" && len(v.stats.Destinations) == 1 && v.stats.Destinations[0].State == "live" &&
			len(vals) > 0 && vals[len(vals)-1] > 0
	})
	h.waitFor("health green", 10*time.Second, func() bool { return h.s.views[0].health == studio.HealthGreen })
	h.waitFor("an uptime", 10*time.Second, func() bool { return h.s.stats.fields.Uptime != "—" })
	// The meter shows the test pattern's tone; Mute makes it silence.
	h.waitFor("the audio meter to move", 10*time.Second, func() bool { return h.s.preview.meter.level > -40 })
	h.ui(func() { test.Tap(h.s.preview.mute) })
	h.waitFor("the meter to fall silent", 10*time.Second, func() bool { return h.s.preview.meter.level <= meterFloor })
	h.ui(func() {
		if r := h.s.views[0].relay(); !r.Muted() || !r.Stats().Audio.Muted {
			t.Error("Mute did not mute the relay")
		}
		if !strings.Contains(h.s.preview.status.Text, "MUTED") || h.s.preview.mute.Text != "Unmute" {
			t.Errorf("muted: status %q, button %q", h.s.preview.status.Text, h.s.preview.mute.Text)
		}
		test.Tap(h.s.preview.mute)
	})
	h.waitFor("the meter back", 10*time.Second, func() bool { return h.s.preview.meter.level > -40 })
	h.ui(func() {
		if !strings.HasPrefix(h.s.dests.rows[0].state.Text, "live · ") {
			t.Errorf("destination state %q", h.s.dests.rows[0].state.Text)
		}
		f := h.s.stats.fields
		if !strings.HasPrefix(f.Video, "copy of the camera · 1280×720") || !strings.Contains(f.Input, "1280×720") ||
			f.Camera != "connected" || !strings.HasSuffix(f.Uptime, " s") || f.Dropped != "none" {
			t.Errorf("stats fields while live: %+v", f)
		}
		if h.s.preview.start.Text != "Stop streaming" {
			t.Errorf("button %q", h.s.preview.start.Text)
		}
		test.Tap(h.s.preview.start)
		if h.s.views[0].streaming() {
			t.Error("still streaming after Stop")
		}
		if h.s.views[0].relay() == nil {
			t.Error("the selected stream stopped previewing")
		}
		// Stopped, previewing: nothing says it is still sending.
		f = h.s.stats.fields
		if !strings.HasPrefix(f.Video, "not streaming (preview only); on Start: copy") || f.Uptime != "—" || f.Audio != "not streaming" {
			t.Errorf("stats fields after Stop: %+v", f)
		}
		if v := h.s.stats.chart.values("Local"); len(v) != 0 {
			t.Errorf("the graph kept %d samples of the stopped stream", len(v))
		}
		if got := h.s.dests.rows[0].state.Text; got != "ready (not streaming)" {
			t.Errorf("destination state after Stop %q", got)
		}
	})
	if err := ng.WaitRecording(t.Context(), "live", key, 10_000); err != nil {
		t.Fatal(err)
	}
	h.ui(func() {
		lines, _ := h.s.logs.Lines()
		all := strings.Join(lines, "\n")
		if strings.Contains(all, key) {
			t.Errorf("the log panel shows the stream key:\n%s", all)
		}
		if !strings.Contains(all, "stream started") || !strings.Contains(all, "stream stopped") {
			t.Errorf("log misses start/stop:\n%s", all)
		}
		h.s.refreshLog()
		if strings.Contains(h.s.logp.label.Text, key) {
			t.Error("log label shows the key")
		}
	})
}

func TestRefusedKeyShowsRefused(t *testing.T) {
	ng := ingest.StartNginx(t, ingest.Options{OnPublish: func(app, key string) bool { return false }})
	h := newHarness(t, testConfig(settings.NewDestination("Local", "rtmp://"+ng.Addr()+"/live", "wrong-key-0123456789")))
	h.ui(func() { test.Tap(h.s.preview.start) })
	h.waitFor("the destination to show refused and health red", 30*time.Second, func() bool {
		v := h.s.views[0]
		return len(h.s.dests.rows) == 1 && strings.Contains(h.s.dests.rows[0].state.Text, "refused") && v.health == studio.HealthRed
	})
	h.ui(func() {
		if !strings.Contains(h.s.stats.health.Text, "RED") {
			t.Errorf("health label %q", h.s.stats.health.Text)
		}
		lines, _ := h.s.logs.Lines()
		if strings.Contains(strings.Join(lines, "\n"), "wrong-key-0123456789") {
			t.Error("log shows the key")
		}
	})
}

func TestRemoveAsksFirst(t *testing.T) {
	c := settings.Default()
	c.Streams = append(c.Streams, settings.NewStream("Second", settings.TestPatternSource))
	h := newHarness(t, c)
	h.ui(func() {
		test.Tap(h.s.cams.remove)
		if h.s.confirm == nil {
			t.Fatal("no confirmation")
		}
		test.Tap(h.s.confirm.no)
		if h.s.cams.list.Length() != 2 {
			t.Fatal("removed without confirmation")
		}
	})
	if n := len(h.load().Streams); n != 2 {
		t.Fatalf("file has %d streams", n)
	}
	h.ui(func() {
		test.Tap(h.s.cams.remove)
		test.Tap(h.s.confirm.yes)
		if h.s.cams.list.Length() != 1 || h.s.selected != 0 || h.s.views[0].relay() == nil {
			t.Fatal("not removed, or the remaining camera does not preview")
		}
	})
	got := h.load().Streams
	if len(got) != 1 || got[0].Name != "Second" {
		t.Fatalf("file: %v", got)
	}
}

func TestDuplicate(t *testing.T) {
	h := newHarness(t, testConfig(settings.NewDestination("YouTube", "rtmps://a.rtmps.youtube.com/live2", "abcd-efgh-ijkl-mnop")))
	h.ui(func() {
		test.Tap(h.s.cams.dup)
		if h.s.cams.list.Length() != 2 || h.s.selected != 1 {
			t.Fatal("copy not listed and selected")
		}
	})
	got := h.load().Streams
	if len(got) != 2 || got[1].Name == got[0].Name || len(got[1].Destinations) != 1 || got[1].Destinations[0].Enabled {
		t.Fatalf("saved: %v", got)
	}
}

func TestOutputControlsSave(t *testing.T) {
	h := newHarness(t, nil)
	h.ui(func() {
		h.s.output.videoMode.SetSelected("transcode (h264)")
		h.s.output.resolution.SetSelected("720p")
		h.s.output.preset.SetSelected("ultrafast")
		h.s.output.bitrate.SetText("1500k")
		pressEnter(h.s.output.bitrate) // every change saves; Enter saves at once
	})
	v := h.load().Streams[0].Video
	if v.Mode != "h264" || v.Size != "x720" || v.Preset != "ultrafast" || v.Bitrate != "1500k" {
		t.Fatalf("saved video %+v", v)
	}
	before := h.fileBytes()
	h.ui(func() {
		h.s.output.bitrate.SetText("lots")
		pressEnter(h.s.output.bitrate) // every change saves; Enter saves at once
		if !strings.HasPrefix(h.s.output.msg.Text, "Not saved") {
			t.Errorf("message %q", h.s.output.msg.Text)
		}
	})
	if !bytes.Equal(before, h.fileBytes()) {
		t.Error("bad bitrate saved")
	}
}

func TestBrokenSettingsFile(t *testing.T) {
	h := newBareHarness(t)
	broken := []byte("version = 1\n[[streams]]\nnmae = 3\n")
	if err := os.WriteFile(h.path, broken, 0o600); err != nil {
		t.Fatal(err)
	}
	h.open()
	h.ui(func() {
		// An edit made while the file is broken is not saved over it.
		h.s.output.bitrate.SetText("1800k")
		pressEnter(h.s.output.bitrate) // every change saves; Enter saves at once
	})
	if !bytes.Equal(h.fileBytes(), broken) {
		t.Fatal("the broken file was changed before the person chose what to do")
	}
	h.ui(func() {
		if h.s.loadProblem == nil || h.s.banner.Hidden {
			t.Fatal("the load problem is not shown")
		}
		if !strings.Contains(h.s.loadProblem.message.Text, h.path) {
			t.Errorf("message does not name the file: %q", h.s.loadProblem.message.Text)
		}
		if err := h.s.save(); err == nil {
			t.Error("saving over a broken file")
		}
		test.Tap(h.s.loadProblem.resetBtn)
		if h.s.loadProblem != nil {
			t.Error("dialog still open")
		}
	})
	h.load() // valid now
	copies, _ := filepath.Glob(h.path + ".broken-*")
	if len(copies) != 1 {
		t.Fatalf("copies: %v", copies)
	}
	if b, _ := os.ReadFile(copies[0]); !bytes.Equal(b, broken) {
		t.Error("copy differs from the broken file")
	}
	if fi, err := os.Stat(h.path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Errorf("the new settings file: %v, mode %v; want 0600", err, fi.Mode().Perm())
	}
	if got := h.load().Streams; len(got) != 1 || got[0].Source != settings.TestPatternSource {
		t.Errorf("the new settings are not the defaults: %+v", got)
	}
}

func TestQuitAsksWhenLive(t *testing.T) {
	_, cfg := localIngestConfig(t, "key-0123456789abcdef")
	h := newHarness(t, cfg)
	h.ui(func() {
		test.Tap(h.s.preview.start)
		// Ctrl+Q with the cursor in a field: the menu takes it first.
		h.s.win.Canvas().Focus(h.s.output.bitrate)
		if !menuShortcut(h.s.menu, shortcutQuit) || h.s.confirm == nil || h.s.confirm.yes == nil {
			t.Fatal("quitting while live did not ask")
		}
		test.Tap(h.s.confirm.no)
		if !h.s.views[0].streaming() {
			t.Fatal("cancel stopped the stream")
		}
		h.s.requestQuit()
		test.Tap(h.s.confirm.yes)
		if h.s.views[0].streaming() || h.s.views[0].relay() != nil {
			t.Error("Stop and quit left the stream running")
		}
	})
	h.ui(func() {
		lines, _ := h.s.logs.Lines()
		if !strings.Contains(strings.Join(lines, "\n"), "quitting: stopping every stream") {
			t.Errorf("the log does not say the streams were stopped:\n%s", strings.Join(lines, "\n"))
		}
	})
}

// TestAutostartStreams: a stream saved with autostart = true starts
// streaming when the studio opens; one without a destination is skipped
// with a line in the log rather than a dialog.
func TestAutostartStreams(t *testing.T) {
	const key = "autostart-key-424242"
	_, cfg := localIngestConfig(t, key)
	cfg.Streams[0].Autostart = true
	idle := settings.NewStream("Yard", settings.TestPatternSource)
	idle.Autostart = true // no destination: cannot start
	cfg.Streams = append(cfg.Streams, idle)
	h := newHarness(t, cfg)
	h.waitFor("the autostarted stream to go live", 30*time.Second, func() bool {
		v := h.s.views[0]
		return v.streaming() && v.stats.State == "live" && len(v.stats.Destinations) == 1 && v.stats.Destinations[0].State == "live"
	})
	h.ui(func() {
		if h.s.views[1].streaming() {
			t.Error("a stream without a destination was started")
		}
		lines, _ := h.s.logs.Lines()
		all := strings.Join(lines, "\n")
		if !strings.Contains(all, "autostart skipped") || strings.Contains(all, key) {
			t.Errorf("log:\n%s", all)
		}
	})
}

func TestPreviewRateIsSavedAndApplied(t *testing.T) {
	h := newHarness(t, nil)
	h.waitFor("the preview running", 10*time.Second, func() bool { return h.s.views[0].relay() != nil })
	h.ui(func() {
		if got := h.s.preview.rate.Selected; got != "15 fps" {
			t.Errorf("preview rate shows %q at first, want 15 fps", got)
		}
		if got := h.s.views[0].relay().Preview().FPS; got != 15 {
			t.Errorf("the preview runs at %v fps, want 15", got)
		}
		h.s.preview.rate.SetSelected("5 fps (light)")
	})
	if got := h.load().Studio.PreviewFPS; got != 5 {
		t.Errorf("saved preview_fps = %d, want 5", got)
	}
	h.ui(func() {
		if got := h.s.views[0].relay().Preview(); got.FPS != 5 || got.Width != 640 {
			t.Errorf("the preview runs at %+v after choosing 5 fps", got)
		}
	})
	// Frames keep coming at the lower rate.
	var seq uint64
	h.ui(func() { seq = h.s.preview.seq })
	h.waitFor("a new preview frame at 5 fps", 10*time.Second, func() bool { return h.s.preview.seq > seq })
}

func TestPreviewRateWrittenByHandIsOffered(t *testing.T) {
	cfg := settings.Default()
	cfg.Studio.PreviewFPS = 12
	h := newHarness(t, cfg)
	h.ui(func() {
		if got := h.s.preview.rate.Selected; got != "12 fps" {
			t.Errorf("preview rate shows %q, want 12 fps", got)
		}
		if n := len(h.s.preview.rate.Options); n != 4 {
			t.Errorf("options %q, want the three rates and 12 fps", h.s.preview.rate.Options)
		}
	})
	h.waitFor("the preview running", 10*time.Second, func() bool { return h.s.views[0].relay() != nil })
	h.ui(func() {
		if got := h.s.views[0].relay().Preview().FPS; got != 12 {
			t.Errorf("the preview runs at %v fps, want 12", got)
		}
	})
	if !bytes.Contains(h.fileBytes(), []byte("preview_fps = 12")) {
		t.Errorf("the file lost its preview rate:\n%s", h.fileBytes())
	}
}
