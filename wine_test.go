//go:build linux

package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"image"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testpeer/onvifcam"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media/relay"
)

// The Windows packages under Wine (wine64 8.0), on a private Xvfb: make
// test builds them (make package) and then runs these with
// RELAYSTUDIO_WINDOWS_ZIP and RELAYSTUDIO_WINDOWS_SETUP set; without them
// there is nothing to try. Each test makes its own throwaway WINEPREFIX and
// ends that prefix's wineserver when done.

// winePrefix is one throwaway Wine installation.
type winePrefix struct {
	dir  string   // WINEPREFIX
	env  []string // the whole environment the Wine programs get
	wine string   // the wine64 loader
	user string   // the Windows user's name (the Unix user's)
}

// wineLoader finds wine64: Debian's wine64 package keeps it off PATH.
func wineLoader(t *testing.T) string {
	t.Helper()
	for _, p := range []string{"/usr/lib/wine/wine64", "wine64"} {
		if path, err := exec.LookPath(p); err == nil {
			return path
		}
	}
	t.Fatal("wine64 is not installed: make deps-package installs it")
	return ""
}

// newWinePrefix makes a prefix (wineboot), puts the test-only
// bcryptprimitives.dll stand-in in its system32 (see
// testdata/wine/bcryptprimitives.c) and shows its windows on display, if
// one is given.
func newWinePrefix(t *testing.T, display string) *winePrefix {
	t.Helper()
	p := &winePrefix{dir: t.TempDir(), wine: wineLoader(t)}
	for _, kv := range os.Environ() {
		// Wine hands the Unix environment to Windows programs: nothing of
		// the test runner's own settings or display may leak in.
		if k, _, _ := strings.Cut(kv, "="); k == "XDG_CONFIG_HOME" || k == "DISPLAY" || k == "WINEPREFIX" ||
			k == "WINEDEBUG" || k == "WINEDLLOVERRIDES" || k == "LANG" || k == "LC_ALL" {
			continue
		}
		p.env = append(p.env, kv)
	}
	// No Mono or Gecko installer dialogs; UTF-8 file names (张伟).
	p.env = append(p.env, "WINEPREFIX="+p.dir, "WINEDEBUG=-all", "WINEDLLOVERRIDES=mscoree,mshtml=", "LANG=C.UTF-8")
	if display != "" {
		p.env = append(p.env, "DISPLAY="+display)
	}
	t.Cleanup(func() {
		server := filepath.Join(filepath.Dir(p.wine), "wineserver")
		if _, err := os.Stat(server); err != nil {
			server = "wineserver"
		}
		cmd := exec.Command(server, "-k")
		cmd.Env = p.env
		_ = cmd.Run()
		cmd = exec.Command(server, "-w")
		cmd.Env = p.env
		_ = cmd.Run()
	})
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	if out, code := p.run(ctx, "wineboot", "-i"); code != 0 {
		t.Fatalf("wineboot: exit %d\n%s", code, out)
	}
	dll := filepath.Join(p.dir, "drive_c", "windows", "system32", "bcryptprimitives.dll")
	build := exec.CommandContext(ctx, "x86_64-w64-mingw32-gcc-posix", "-O2", "-shared", "-s", "-o", dll,
		"testdata/wine/bcryptprimitives.c", "-ladvapi32")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("the bcryptprimitives stand-in: %v\n%s", err, out)
	}
	users, _ := filepath.Glob(filepath.Join(p.dir, "drive_c", "users", "*"))
	for _, u := range users {
		if b := filepath.Base(u); b != "Public" {
			p.user = b
		}
	}
	if p.user == "" {
		t.Fatalf("wineboot made no user folder in %s", p.dir)
	}
	return p
}

// run runs a Windows program and returns what it printed (stdout and
// stderr together) and its exit code.
func (p *winePrefix) run(ctx context.Context, args ...string) (string, int) {
	out, errOut, code := p.run2(ctx, args...)
	return out + errOut, code
}

// run2 is run with stdout and stderr apart.
func (p *winePrefix) run2(ctx context.Context, args ...string) (stdout, stderr string, code int) {
	cmd := exec.CommandContext(ctx, p.wine, args...)
	cmd.Env = p.env
	var o, e bytes.Buffer
	cmd.Stdout, cmd.Stderr = &o, &e
	err := cmd.Run()
	var exit *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exit):
		code = exit.ExitCode()
	default:
		code = -1
		e.WriteString(err.Error())
	}
	return o.String(), e.String(), code
}

// host is where a C:\ path is on this machine.
func (p *winePrefix) host(winPath string) string {
	rest, ok := strings.CutPrefix(winPath, `C:\`)
	if !ok {
		panic("not a C: path: " + winPath)
	}
	return filepath.Join(p.dir, "drive_c", filepath.FromSlash(strings.ReplaceAll(rest, `\`, "/")))
}

// appData is %APPDATA% of the prefix's user.
func (p *winePrefix) appData() string { return `C:\users\` + p.user + `\AppData\Roaming` }

// windowsPackage is one of the packages make package wrote, or a skip.
func windowsPackage(t *testing.T, env string) string {
	t.Helper()
	path := os.Getenv(env)
	if path == "" {
		t.Skipf("set %s (make test does, after make package)", env)
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// unzip extracts a zip as Explorer's "Extract all" would.
func unzip(t *testing.T, file, dir string) {
	t.Helper()
	r, err := zip.OpenReader(file)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	for _, f := range r.File {
		dst := filepath.Join(dir, filepath.FromSlash(f.Name))
		if !strings.HasPrefix(dst, filepath.Clean(dir)+string(filepath.Separator)) {
			t.Fatalf("zip entry %q leaves the folder", f.Name)
		}
		if f.FileInfo().IsDir() {
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		in, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out, err := os.Create(dst)
		if err != nil {
			t.Fatal(err)
		}
		_, err = io.Copy(out, in)
		in.Close()
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

// TestWindowsZipUnderWine: the portable zip, extracted into a folder with
// a space and Chinese characters in its name, runs from the console (the
// version, a probe, a 5 s relay to nginx-rtmp read back by ffprobe, a bad
// flag's message) and as a window (it opens, previews, and a camera added
// with the keyboard is saved and there after a restart).
func TestWindowsZipUnderWine(t *testing.T) {
	zipFile := windowsPackage(t, "RELAYSTUDIO_WINDOWS_ZIP")
	for _, tool := range []string{"Xvfb", "xdotool", "xwininfo", "ffmpeg"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is not installed: make deps installs it", tool)
		}
	}
	display := testx.StartXvfb(t)
	p := newWinePrefix(t, display)
	folder := `C:\Relay Studio 测试`
	unzip(t, zipFile, p.host(folder))
	pkg := strings.TrimSuffix(filepath.Base(zipFile), ".zip")
	for _, f := range []string{"relaystudio.exe", "relaystudio.com", "README.txt", "licenses/LICENSE.txt",
		"licenses/FFmpeg-COPYING.GPLv2.txt", "licenses/x264-COPYING.txt", "licenses/SOURCES.txt"} {
		if _, err := os.Stat(filepath.Join(p.host(folder), pkg, f)); err != nil {
			t.Errorf("the zip has no %s/%s", pkg, f)
		}
	}
	if found, _ := filepath.Glob(filepath.Join(p.host(folder), pkg, "*.dll")); len(found) > 0 {
		t.Errorf("the zip ships DLLs (%v): the exes are meant to be static", found)
	}
	dir := folder + `\` + pkg
	cli, gui := dir+`\relaystudio.com`, dir+`\relaystudio.exe`
	checkResources(t, p.host(cli), "relaystudio.com")
	checkResources(t, p.host(gui), "relaystudio.exe")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()

	t.Run("version", func(t *testing.T) {
		out, _, code := p.run2(ctx, cli, "--version")
		if code != 0 || !regexp.MustCompile(`^relaystudio \d+\.\d+\.\d+\S*\nbuilt with FFmpeg 5\.1`).MatchString(out) {
			t.Fatalf("--version: exit %d\n%s", code, out)
		}
	})
	t.Run("probe", func(t *testing.T) {
		out, code := p.run(ctx, cli, "probe", "test://pattern")
		if code != 0 || !strings.Contains(out, "h264 1280x720") || !strings.Contains(out, "aac 48000 Hz") {
			t.Fatalf("probe test://pattern: exit %d\n%s", code, out)
		}
	})
	t.Run("bad flag", func(t *testing.T) {
		args := []string{"relay", "--input", "test://pattern", "--output", "rtmp://127.0.0.1/live/" + secretKey,
			"--video", "h264", "--bitrate", "banana"}
		wantCode, _, want := runCLI(args...)
		_, got, code := p.run2(ctx, append([]string{cli}, args...)...)
		if code != wantCode || wantCode != exitUsage || got != want {
			t.Fatalf("--bitrate banana: exit %d, %q; on Linux exit %d, %q", code, got, wantCode, want)
		}
	})
	t.Run("discover a camera", func(t *testing.T) {
		// A stand-in on loopback, asked at its ONVIF address: the Windows
		// build's SOAP client, digest and password file, with nothing sent
		// to a network. Not its UDP probe: Go (1.23 on) disables
		// SIO_UDP_NETRESET on every UDP socket, which Debian 12's Wine 8.0
		// does not implement ("wsaioctl: winapi error #10045"), so no UDP
		// socket opens under this Wine; real Windows has it.
		d := onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: camPassword, Name: "Windows yard"}, nil)
		pwFile := `C:\camera password.txt`
		if err := os.WriteFile(p.host(pwFile), []byte(camPassword+"\r\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := p.run2(ctx, cli, "discover", "--json", "--timeout", "2s", "--address", d.XAddr(), "--user", "admin", "--password-file", pwFile)
		var got discovered
		if err := json.Unmarshal([]byte(out), &got); code != 0 || err != nil || len(got.Cameras) != 1 || got.Cameras[0].Device == nil ||
			len(got.Cameras[0].Device.Profiles) != 2 || got.Cameras[0].Device.Profiles[0].StreamURI == "" {
			t.Fatalf("discover: exit %d, %v\n%s\n%s", code, err, out, errOut)
		}
		if strings.Contains(out+errOut, camPassword) {
			t.Errorf("the password is shown:\n%s", out)
		}
	})
	t.Run("relay to nginx, stopped by Ctrl-C", func(t *testing.T) {
		n := ingest.StartNginx(t, ingest.Options{})
		const key = "windows-7a1b"
		var start time.Time
		// Wine turns SIGINT into the console's Ctrl-C event.
		r := runRelayBinaryStoppedBy(t, syscall.SIGINT, p.wine, p.env, func(_ string, s relay.Stats) bool {
			if len(s.Destinations) == 1 && s.Destinations[0].State == relay.StateLive && start.IsZero() {
				start = time.Now()
			}
			return !start.IsZero() && time.Since(start) >= 5*time.Second
		}, cli, "relay", "--input", "test://pattern", "--output", n.URL("live", key),
			"--video", "h264", "--size", "640x360", "--bitrate", "800k", "--keyint", "2s", "--stats", "500ms")
		if !r.reached {
			t.Fatalf("never live for 5 s; last stats %+v\n%s", r.last, r.stderr)
		}
		if r.exitErr != nil || !strings.Contains(r.stderr, "stopping") {
			t.Errorf("after Ctrl-C: %v (want exit 0 after a clean stop)\n%s", r.exitErr, r.stderr)
		}
		if strings.Contains(r.stderr, key) {
			t.Errorf("the stream key is in the logs:\n%s", r.stderr)
		}
		rep := checkArrived(t, n, key, 4*time.Second)
		if k := rep.MeanKeyframeInterval(); k < 1900*time.Millisecond || k > 2100*time.Millisecond {
			t.Errorf("keyframes every %v, want 2 s", k)
		}
	})
	t.Run("window", func(t *testing.T) {
		config := p.host(p.appData() + `\relaystudio\config.toml`)
		shots := t.TempDir()
		w := startWineWindow(t, p, display, gui)
		// The first start writes the settings (a test pattern) where
		// Windows keeps them: %APPDATA%\relaystudio.
		testx.WaitUntil(t, t.Context(), 20*time.Second, "the settings file in %APPDATA%", func() bool { _, err := os.Stat(config); return err == nil })
		time.Sleep(2 * time.Second) // the first frames
		a := testx.Screenshot(t, ctx, display, filepath.Join(shots, "a.png"))
		time.Sleep(time.Second)
		b := testx.Screenshot(t, ctx, display, filepath.Join(shots, "b.png"))
		if shot := os.Getenv("RELAYSTUDIO_WINE_SHOT"); shot != "" {
			data, _ := os.ReadFile(filepath.Join(shots, "b.png"))
			os.WriteFile(shot, data, 0o644)
		}
		if w.geometry.Empty() || testx.SameRegion(a, b, w.geometry) {
			t.Fatalf("the window (%v) did not change between two screenshots a second apart (shots in %s)\n%s", w.geometry, shots, w.out())
		}
		// A camera added with the keyboard: Ctrl+N, the cursor waits in
		// the URL, Enter saves.
		w.keys(t, "ctrl+n")
		time.Sleep(time.Second)
		w.typeText(t, "rtsp://127.0.0.1:8554/garden")
		w.keys(t, "Return")
		testx.WaitUntil(t, t.Context(), 10*time.Second, "the new camera in the settings file", func() bool {
			data, _ := os.ReadFile(config)
			return bytes.Contains(data, []byte("rtsp://127.0.0.1:8554/garden"))
		})
		w.stop(t)
		if strings.Contains(w.out(), "cannot save") || strings.Contains(w.out(), "could not be loaded") {
			t.Errorf("the window had trouble with its settings:\n%s", w.out())
		}

		// After a restart the camera is there, and nothing is broken.
		w = startWineWindow(t, p, display, gui)
		time.Sleep(2 * time.Second)
		w.stop(t)
		out := w.out()
		if strings.Contains(out, "could not be loaded") || strings.Contains(out, "cannot save") {
			t.Errorf("the restarted window had trouble with its settings:\n%s", out)
		}
		data, err := os.ReadFile(config)
		if err != nil || !bytes.Contains(data, []byte("rtsp://127.0.0.1:8554/garden")) {
			t.Errorf("after a restart the settings lost the camera: %v\n%s", err, data)
		}
	})
}

// wineWindow is relaystudio.exe running under Wine.
type wineWindow struct {
	cmd      *exec.Cmd
	buf      *testx.Buffer
	display  string
	id       string          // the X window
	geometry image.Rectangle // on the screen
	done     chan error
}

func (w *wineWindow) out() string { return w.buf.String() }

// startWineWindow opens the studio and waits for its window.
func startWineWindow(t *testing.T, p *winePrefix, display, exe string) *wineWindow {
	t.Helper()
	w := &wineWindow{buf: &testx.Buffer{}, display: display, done: make(chan error, 1)}
	w.cmd = exec.Command(p.wine, exe)
	w.cmd.Env = p.env
	w.cmd.Stdout, w.cmd.Stderr = w.buf, w.buf
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { w.done <- w.cmd.Wait() }()
	t.Cleanup(func() {
		select {
		case <-w.done:
		default:
			w.cmd.Process.Kill()
			<-w.done
		}
	})
	testx.WaitUntil(t, t.Context(), 60*time.Second, "the window", func() bool {
		search := exec.Command("xdotool", "search", "--onlyvisible", "--name", "^Relay Studio$")
		search.Env = append(os.Environ(), "DISPLAY="+display)
		out, err := search.Output()
		if err != nil || len(out) == 0 {
			return false
		}
		w.id = strings.Fields(string(out))[0]
		return true
	})
	info, err := exec.Command("xwininfo", "-display", display, "-id", w.id).Output()
	if err != nil {
		t.Fatalf("xwininfo: %v", err)
	}
	num := func(label string) int {
		m := regexp.MustCompile(label + `:\s+(-?\d+)`).FindSubmatch(info)
		if m == nil {
			return 0
		}
		n, _ := strconv.Atoi(string(m[1]))
		return n
	}
	x, y := num("Absolute upper-left X"), num("Absolute upper-left Y")
	w.geometry = image.Rect(x, y, x+num("Width"), y+num("Height")).Intersect(image.Rect(0, 0, testx.Width, testx.Height))
	return w
}

// xdotool runs xdotool on the window's display.
func (w *wineWindow) xdotool(t *testing.T, args ...string) {
	t.Helper()
	cmd := exec.Command("xdotool", args...)
	cmd.Env = append(os.Environ(), "DISPLAY="+w.display)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("xdotool %v: %v\n%s", args, err, out)
	}
}

// keys presses keys in the window, as a person at the keyboard would.
func (w *wineWindow) keys(t *testing.T, keys ...string) {
	t.Helper()
	w.xdotool(t, "windowfocus", "--sync", w.id)
	w.xdotool(t, append([]string{"key", "--delay", "100"}, keys...)...)
}

func (w *wineWindow) typeText(t *testing.T, text string) {
	t.Helper()
	w.xdotool(t, "windowfocus", "--sync", w.id)
	w.xdotool(t, "type", "--delay", "50", text)
}

// stop quits with Ctrl+Q, as a person would, and waits for the exit.
func (w *wineWindow) stop(t *testing.T) {
	t.Helper()
	w.keys(t, "ctrl+q")
	select {
	case err := <-w.done:
		w.done <- err
		if err != nil {
			t.Errorf("the window exited with %v after Ctrl+Q\n%s", err, w.out())
		}
		// Rarely, under Wine, the process outlives its closed window; the
		// studio then ends itself (ui.quitGrace) once its streams stopped.
		if strings.Contains(w.out(), "exiting anyway") {
			t.Logf("the window needed the quit watchdog to end:\n%s", w.out())
		}
	case <-time.After(30 * time.Second):
		t.Errorf("the window was still open 30 s after Ctrl+Q\n%s", w.out())
	}
}

// TestWindowsSetupUnderWine: the setup.exe installs silently for the user,
// without administrator rights (Start-menu shortcut, Add/Remove Programs
// entry, PATH), the installed program runs, and the silent uninstaller
// removes all of it but the settings; with /PURGE the settings too.
func TestWindowsSetupUnderWine(t *testing.T) {
	setup := windowsPackage(t, "RELAYSTUDIO_WINDOWS_SETUP")
	p := newWinePrefix(t, "")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	local := `C:\users\` + p.user + `\AppData\Local`
	instDir := local + `\Programs\Relay Studio`
	shortcut := p.host(p.appData() + `\Microsoft\Windows\Start Menu\Programs\Relay Studio.lnk`)
	settingsFile := p.host(p.appData() + `\relaystudio\config.toml`)
	const uninstKey = `HKCU\Software\Microsoft\Windows\CurrentVersion\Uninstall\RelayStudio`
	version := strings.TrimSuffix(strings.TrimPrefix(filepath.Base(setup), "relaystudio-"), "-windows-amd64-setup.exe")

	install := func() {
		t.Helper()
		if out, code := p.run(ctx, setup, "/S"); code != 0 {
			t.Fatalf("setup.exe /S: exit %d\n%s", code, out)
		}
		for _, f := range []string{"relaystudio.exe", "relaystudio.com", "uninstall.exe", `licenses\LICENSE.txt`, `licenses\SOURCES.txt`} {
			if _, err := os.Stat(p.host(instDir + `\` + f)); err != nil {
				t.Fatalf("not installed: %s\\%s", instDir, f)
			}
		}
	}
	regQuery := func(key string, value ...string) (string, int) {
		args := append([]string{"reg", "query", key}, value...)
		if len(value) > 0 {
			args = append([]string{"reg", "query", key, "/v"}, value...)
		}
		return p.run(ctx, args...)
	}
	// uninstall runs the uninstaller, which copies itself to %TEMP% and
	// returns at once, and waits for the folder to go.
	uninstall := func(args ...string) {
		t.Helper()
		if out, code := p.run(ctx, append([]string{instDir + `\uninstall.exe`, "/S"}, args...)...); code != 0 {
			t.Fatalf("uninstall.exe /S: exit %d\n%s", code, out)
		}
		testx.WaitUntil(t, t.Context(), 60*time.Second, "the uninstaller to remove "+instDir, func() bool {
			_, err := os.Stat(p.host(instDir))
			return errors.Is(err, os.ErrNotExist)
		})
	}

	install()
	out, code := p.run(ctx, instDir+`\relaystudio.com`, "--version")
	if code != 0 || !strings.HasPrefix(out, "relaystudio "+version) {
		t.Fatalf("the installed relaystudio.com --version: exit %d\n%s", code, out)
	}
	if _, err := os.Stat(shortcut); err != nil {
		t.Errorf("no Start-menu shortcut: %v", err)
	}
	if _, err := os.Stat(p.host(`C:\users\` + p.user + `\Desktop\Relay Studio.lnk`)); err == nil {
		t.Error("a desktop shortcut, which is optional and off by default")
	}
	out, code = regQuery(uninstKey)
	for _, want := range []string{"DisplayName    REG_SZ    Relay Studio", "DisplayVersion    REG_SZ    " + version,
		"Publisher    REG_SZ    Relay Studio", `DisplayIcon    REG_SZ    ` + instDir + `\relaystudio.exe,0`,
		`UninstallString    REG_SZ    "` + instDir + `\uninstall.exe"`, "EstimatedSize    REG_DWORD"} {
		if code != 0 || !strings.Contains(out, want) {
			t.Errorf("the Add/Remove Programs entry lacks %q:\n%s", want, out)
		}
	}
	if out, _ := regQuery(`HKCU\Environment`, "Path"); !strings.Contains(out, instDir) {
		t.Errorf("the install folder is not on the user's PATH:\n%s", out)
	}

	// The user's settings, as the studio would have written them.
	if err := os.MkdirAll(filepath.Dir(settingsFile), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(settingsFile, []byte("version = 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	uninstall()
	if _, err := os.Stat(shortcut); err == nil {
		t.Error("the Start-menu shortcut is left after uninstalling")
	}
	if out, code := regQuery(uninstKey); code == 0 {
		t.Errorf("the Add/Remove Programs entry is left after uninstalling:\n%s", out)
	}
	if out, _ := regQuery(`HKCU\Environment`, "Path"); strings.Contains(out, instDir) {
		t.Errorf("the install folder is left on PATH:\n%s", out)
	}
	if _, err := os.Stat(settingsFile); err != nil {
		t.Errorf("uninstalling removed the settings, which it keeps unless asked: %v", err)
	}

	// Again, asking for the settings to go too.
	install()
	uninstall("/PURGE")
	if _, err := os.Stat(filepath.Dir(settingsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("uninstall /S /PURGE kept the settings: %v", err)
	}
}

// TestSettingsUnderWine runs the settings package's tests as a Windows
// program: saving (MoveFileEx over an existing file, a file held open
// elsewhere, a path with spaces and Chinese characters), the file's ACL
// and the privacy check, on Windows' own file API.
func TestSettingsUnderWine(t *testing.T) {
	windowsPackage(t, "RELAYSTUDIO_WINDOWS_ZIP") // runs with the other Wine tests
	p := newWinePrefix(t, "")
	exe := filepath.Join(p.host(`C:\`), "settings.test.exe")
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	build := exec.CommandContext(ctx, "go", "test", "-c", "-o", exe, "./settings")
	build.Env = append(os.Environ(), "GOOS=windows", "GOARCH=amd64", "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go test -c ./settings for Windows: %v\n%s", err, out)
	}
	out, code := p.run(ctx, `C:\settings.test.exe`, "-test.v")
	t.Logf("settings tests under Wine:\n%s", out)
	if code != 0 || !strings.Contains(out, "\nPASS") {
		t.Fatalf("exit %d", code)
	}
	for _, name := range []string{"TestSaveWindows", "TestSaveOverOpenFile", "TestSaveOverLockedFile"} {
		if !strings.Contains(out, "--- PASS: "+name+" ") {
			t.Errorf("%s did not pass", name)
		}
	}
}

// checkResources: the exe carries the icon (the PNGs of
// assets/windows/relaystudio.ico, verbatim) and a version resource with
// FyneApp.toml's name and version (UTF-16 strings, as Explorer reads them).
func checkResources(t *testing.T, exe, filename string) {
	t.Helper()
	data, err := os.ReadFile(exe)
	if err != nil {
		t.Fatal(err)
	}
	icon, err := os.ReadFile("assets/icons/256x256/relaystudio.png")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(data, icon) {
		t.Errorf("%s does not carry the app icon", filename)
	}
	utf16 := func(s string) []byte {
		var b []byte
		for _, r := range s {
			b = append(b, byte(r), byte(r>>8))
		}
		return b
	}
	toml, err := os.ReadFile("FyneApp.toml")
	if err != nil {
		t.Fatal(err)
	}
	version := regexp.MustCompile(`(?m)^\s*Version\s*=\s*"([^"]+)"`).FindSubmatch(toml)
	if version == nil {
		t.Fatal("FyneApp.toml has no Version")
	}
	for _, s := range []string{"ProductName", "Relay Studio", "ProductVersion", string(version[1]), "OriginalFilename", filename} {
		if !bytes.Contains(data, utf16(s+"\x00")) {
			t.Errorf("%s: the version resource lacks %q", filename, s)
		}
	}
}
