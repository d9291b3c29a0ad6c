package main

import (
	"encoding/json"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/ingest"
	"github.com/relaystudio/relaystudio/internal/testpeer/onvifcam"
	"github.com/relaystudio/relaystudio/internal/testx"
	"github.com/relaystudio/relaystudio/media/relay"
)

const camPassword = "cam-Pa55-word"

// onvifCamera is an ONVIF stand-in whose main profile streams from cam.
func onvifCamera(t *testing.T, cam *fakecam.Camera, setup func(*onvifcam.Device)) *onvifcam.Device {
	t.Helper()
	stream, _ := url.Parse(cam.URL())
	stream.User = nil
	return onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: camPassword, Name: "Garden"}, func(d *onvifcam.Device) {
		d.Profiles = onvifcam.DefaultProfiles()
		d.Profiles[0].StreamURI = stream.String()
		if setup != nil {
			setup(d)
		}
	})
}

func passwordFile(t *testing.T) string {
	f := filepath.Join(t.TempDir(), "password")
	if err := os.WriteFile(f, []byte(camPassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

type discovered struct {
	Cameras []struct {
		Name   string   `json:"name"`
		XAddrs []string `json:"xaddrs"`
		Device *struct {
			Model    string `json:"model"`
			Profiles []struct {
				Name      string `json:"name"`
				Width     int    `json:"width"`
				StreamURI string `json:"stream_uri"`
			} `json:"profiles"`
		} `json:"device"`
		Error string `json:"error"`
	} `json:"cameras"`
}

// End to end: discover the camera, read its profiles with its password,
// relay its main stream to nginx, read it back.
func TestDiscoverThenRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary")
	}
	cam := startCamera(t, func(c *fakecam.Camera) { c.User, c.Pass, c.Path = "admin", camPassword, "/main" })
	d := onvifCamera(t, cam, nil)
	code, stdout, stderr := runCLI("discover", "--json", "--address", d.DiscoveryAddr(), "--timeout", "1s", "--user", "admin", "--password-file", passwordFile(t))
	if code != exitOK || strings.Contains(stdout+stderr, camPassword) {
		t.Fatalf("exit %d (or the password shown):\n%s\n%s", code, stdout, stderr)
	}
	var got discovered
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("%v:\n%s", err, stdout)
	}
	if len(got.Cameras) != 1 || got.Cameras[0].Name != "Garden" || got.Cameras[0].Device == nil || len(got.Cameras[0].Device.Profiles) != 2 {
		t.Fatalf("discovered %+v", got)
	}
	main := got.Cameras[0].Device.Profiles[0]
	u, err := url.Parse(main.StreamURI)
	if err != nil || main.Width != 1920 {
		t.Fatalf("main profile %+v", main)
	}
	u.User = url.UserPassword("admin", camPassword)

	bin := buildBinary(t)
	n := ingest.StartNginx(t, ingest.Options{})
	live := 0
	r := runRelayBinary(t, bin, nil, func(_ string, s relay.Stats) bool {
		if len(s.Destinations) == 1 && s.Destinations[0].State == relay.StateLive {
			live++
		}
		return live >= 12 // about 5 s on air
	}, "relay", "--input", u.String(), "--output", n.URL("live", "garden-1f2e"), "--stats", "500ms")
	if !r.reached {
		t.Fatalf("never live; last stats %+v\n%s", r.last, r.stderr)
	}
	checkArrived(t, n, "garden-1f2e", 2*time.Second)
}

func TestDiscoverReports(t *testing.T) {
	pw := passwordFile(t)
	closed := testx.ClosedPort(t)
	for _, c := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--address", closed, "--timeout", "500ms"}, exitOK, "No ONVIF camera answered at " + closed},
		{[]string{"--timeout", "1h"}, exitUsage, "--timeout 1h0m0s: want between 500ms and 1m"},
		{[]string{"--password-file", pw}, exitUsage, "--password-file needs --user"},
		{[]string{"--user", "admin", "--password-file", "/nonexistent"}, exitUsage, "--password-file /nonexistent: cannot read it"},
		{[]string{"--address", "rtsp://x/"}, exitUsage, "--address: camera address \"rtsp://x/\": ONVIF speaks http or https, not rtsp"},
		{[]string{"extra"}, exitUsage, "discover takes no arguments"},
	} {
		code, stdout, stderr := runCLI(append([]string{"discover"}, c.args...)...)
		if code != c.code || !strings.Contains(stdout+stderr, c.want) {
			t.Errorf("discover %v: exit %d\n%s%s\nwant exit %d and %q", c.args, code, stdout, stderr, c.code, c.want)
		}
	}

	// A camera that refuses the password: listed, with the reason, exit 1.
	d := onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: "other", Name: "Porch"}, nil)
	code, stdout, stderr := runCLI("discover", "--address", d.DiscoveryAddr(), "--timeout", "500ms", "--user", "admin", "--password-file", pw)
	if code != exitFailure || !strings.Contains(stdout, "Porch") || !strings.Contains(stdout, "wrong user or password") ||
		!strings.Contains(stderr, "1 of 1 cameras did not list their streams") || strings.Contains(stdout+stderr, camPassword) {
		t.Errorf("wrong password: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

// The acceptance: in a private network with an ONVIF camera, discover
// lists it by multicast within its timeout, and with the password its
// profiles and stream URLs.
func TestDiscoverInAPrivateNetwork(t *testing.T) {
	if !testx.InPrivateNetwork(t) {
		return
	}
	onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: camPassword, Name: "Yard", Discovery: "multicast"}, nil)
	start := time.Now()
	code, stdout, stderr := runCLI("discover", "--timeout", "2s")
	if took := time.Since(start); code != exitOK || took > 4*time.Second ||
		!strings.Contains(stdout, "Found 1 camera:") || !strings.Contains(stdout, "Yard at 127.0.0.1") || !strings.Contains(stdout, "its streams: add --user") {
		t.Errorf("discover took %v, exit %d:\n%s\n%s", took, code, stdout, stderr)
	}
	code, stdout, stderr = runCLI("discover", "--json", "--timeout", "2s", "--user", "admin", "--password-file", passwordFile(t))
	var got discovered
	if err := json.Unmarshal([]byte(stdout), &got); code != exitOK || err != nil || len(got.Cameras) != 1 || got.Cameras[0].Device == nil {
		t.Fatalf("exit %d, %v:\n%s\n%s", code, err, stdout, stderr)
	}
	ps := got.Cameras[0].Device.Profiles
	if len(ps) != 2 || ps[0].StreamURI != "rtsp://127.0.0.1:554/main" || ps[1].StreamURI != "rtsp://127.0.0.1:554/sub" {
		t.Errorf("profiles %+v", ps)
	}
	if strings.Contains(stdout+stderr, camPassword) {
		t.Error("the password is shown")
	}
}
