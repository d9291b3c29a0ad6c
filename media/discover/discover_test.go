package discover

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/internal/testpeer/fakecam"
	"github.com/relaystudio/relaystudio/internal/testpeer/onvifcam"
	"github.com/relaystudio/relaystudio/internal/testx"
)

const secret = "s3cr3t-pa55"

func startDevice(t *testing.T, setup func(*onvifcam.Device)) *onvifcam.Device {
	t.Helper()
	return onvifcam.StartTest(t, &onvifcam.Device{User: "admin", Password: secret, Name: "Front door"}, setup)
}

// logSink collects the debug log, to check that no password is in it.
func logSink() (*slog.Logger, *bytes.Buffer) {
	var b bytes.Buffer
	return slog.New(slog.NewTextHandler(&b, &slog.HandlerOptions{Level: slog.LevelDebug})), &b
}

func TestProbeThenQuery(t *testing.T) {
	d := startDevice(t, func(d *onvifcam.Device) { d.ClockSkew = -3 * time.Hour })
	log, logs := logSink()
	var called []Camera
	cams, err := Probe(context.Background(), ProbeConfig{Address: d.DiscoveryAddr(), Timeout: time.Second, Logger: log,
		Found: func(c Camera) { called = append(called, c) }})
	if err != nil || len(cams) != 1 || len(called) != 1 {
		t.Fatalf("cams %v (Found %d), err %v", cams, len(called), err)
	}
	c := cams[0]
	if c.Endpoint != d.Endpoint() || c.Address() != d.XAddr() || c.Name != "Front door" || c.From != "127.0.0.1" || c.Warning != "" {
		t.Errorf("camera %+v", c)
	}

	dev, err := Query(context.Background(), QueryConfig{Address: c.Address(), User: "admin", Password: secret, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	if dev.Manufacturer != "RelayTest" || dev.Model != "RT-100" || len(dev.Profiles) != 2 {
		t.Fatalf("device %+v", dev)
	}
	if off := dev.ClockOffset; off > -3*time.Hour+5*time.Second || off < -3*time.Hour-5*time.Second {
		t.Errorf("clock offset %v, want about -3h", off)
	}
	main, sub := dev.Profiles[dev.Main()], dev.Profiles[dev.Sub()]
	if main.Name != "MainStream" || main.Width != 1920 || main.Height != 1080 || main.FPS != 30 || main.Codec != "H264" || main.StreamURI != "rtsp://127.0.0.1:554/main" {
		t.Errorf("main %+v", main)
	}
	if sub.Name != "SubStream" || sub.Width != 640 || sub.StreamURI != "rtsp://127.0.0.1:554/sub" || sub.SnapshotURI == "" {
		t.Errorf("sub %+v", sub)
	}
	img, err := Snapshot(context.Background(), main.SnapshotURI, "admin", secret, 0)
	if err != nil || img.Bounds().Dx() != onvifcam.SnapshotWidth {
		t.Errorf("snapshot %v, %v", img, err)
	}
	want := []string{"GetSystemDateAndTime", "GetDeviceInformation", "GetCapabilities", "GetProfiles", "GetStreamUri", "GetSnapshotUri"}
	if got := strings.Join(d.Requests(), " "); !strings.HasPrefix(got, strings.Join(want, " ")) {
		t.Errorf("requests %s", got)
	}
	if d.AuthFailures() != 0 {
		t.Errorf("%d logins refused: the digest is not made with the camera's clock", d.AuthFailures())
	}
	if strings.Contains(logs.String(), secret) {
		t.Error("the password is in the log")
	}
	if _, err := Snapshot(context.Background(), main.SnapshotURI, "admin", "wrong", 0); !errors.Is(err, ErrUnauthorized) {
		t.Errorf("snapshot with a wrong password: %v", err)
	}
}

func TestDigestOnlyCamera(t *testing.T) {
	d := startDevice(t, func(d *onvifcam.Device) { d.Auth = "digest" })
	dev, err := Query(context.Background(), QueryConfig{Address: d.XAddr(), User: "admin", Password: secret})
	if err != nil || len(dev.Profiles) != 2 || dev.Profiles[0].StreamURI == "" {
		t.Fatalf("device %+v, err %v", dev, err)
	}
	_, err = Query(context.Background(), QueryConfig{Address: d.XAddr(), User: "admin", Password: "nope"})
	if !errors.Is(err, ErrUnauthorized) {
		t.Errorf("wrong password: %v", err)
	}
}

// Every bad answer: a short message of the right kind, no password, no
// wait past the timeout.
func TestBadAnswers(t *testing.T) {
	closed := testx.ClosedPort(t) // 127.0.0.1:PORT
	for _, c := range []struct {
		name  string
		setup func(*onvifcam.Device)
		pass  string
		addr  string
		kind  error
		text  string
	}{
		{name: "wrong password", pass: "wrong", kind: ErrUnauthorized, text: "wrong user or password"},
		{name: "no password", pass: "-", kind: ErrUnauthorized, text: "needs a user and password"},
		{name: "SOAP fault", setup: func(d *onvifcam.Device) { d.Fault = "GetProfiles" }, kind: ErrBadAnswer, text: "answered GetProfiles with an error: stand-in fault (ter:ActionNotSupported)"},
		{name: "garbage", setup: func(d *onvifcam.Device) { d.Garbage = "GetDeviceInformation" }, kind: ErrBadAnswer, text: "not ONVIF XML"},
		{name: "never answers", setup: func(d *onvifcam.Device) { d.Hang = "GetProfiles" }, kind: ErrUnreachable, text: "did not answer GetProfiles within 1s"},
		{name: "nothing listening", addr: closed, kind: ErrUnreachable, text: "connection refused"},
		{name: "not an ONVIF path", addr: "-404", kind: ErrBadAnswer, text: "HTTP 404"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := startDevice(t, c.setup)
			addr, pass := d.XAddr(), secret
			switch c.addr {
			case "":
			case "-404":
				addr = strings.Replace(addr, "/onvif/device_service", "/nothing", 1)
			default:
				addr = c.addr
			}
			user := "admin"
			switch c.pass {
			case "":
			case "-":
				user, pass = "", ""
			default:
				pass = c.pass
			}
			log, logs := logSink()
			start := time.Now()
			_, err := Query(context.Background(), QueryConfig{Address: addr, User: user, Password: pass, RequestTimeout: time.Second, Timeout: 5 * time.Second, Logger: log})
			if took := time.Since(start); took > 4*time.Second {
				t.Errorf("took %v", took)
			}
			if !errors.Is(err, c.kind) || !strings.Contains(err.Error(), c.text) {
				t.Fatalf("error %v, want %v with %q", err, c.kind, c.text)
			}
			if !strings.HasPrefix(err.Error(), "camera 127.0.0.1:") || strings.Contains(err.Error()+logs.String(), secret) || strings.Contains(err.Error(), "wrong\n") {
				t.Errorf("error %q (or the log) names no camera or shows the password", err)
			}
		})
	}
}

func TestProfileWithoutStream(t *testing.T) {
	d := startDevice(t, func(d *onvifcam.Device) {
		d.Profiles = onvifcam.DefaultProfiles()
		d.Profiles[1].StreamURI = ""
	})
	dev, err := Query(context.Background(), QueryConfig{Address: d.XAddr(), User: "admin", Password: secret})
	if err != nil {
		t.Fatal(err)
	}
	p := dev.Profiles[1]
	if p.StreamURI != "" || !strings.HasPrefix(p.Problem, "no stream address: answered GetStreamUri with an error") || dev.Sub() != -1 {
		t.Errorf("profile %+v, sub %d", p, dev.Sub())
	}
}

func TestOddProbeAnswers(t *testing.T) {
	wrong := startDevice(t, func(d *onvifcam.Device) { d.WrongRelatesTo = true })
	cams, err := Probe(context.Background(), ProbeConfig{Address: wrong.DiscoveryAddr(), Timeout: 500 * time.Millisecond})
	if err != nil || len(cams) != 0 {
		t.Errorf("an answer to another probe was taken: %v, %v", cams, err)
	}
	elsewhere := startDevice(t, func(d *onvifcam.Device) { d.XAddrInProbe = "http://192.0.2.7/onvif/device_service" })
	cams, err = Probe(context.Background(), ProbeConfig{Address: elsewhere.DiscoveryAddr(), Timeout: 500 * time.Millisecond})
	if err != nil || len(cams) != 1 || !strings.Contains(cams[0].Warning, "gives its address as 192.0.2.7") {
		t.Errorf("cams %+v, err %v", cams, err)
	}
	// Nothing answers: an empty list at the timeout, and a cancel ends it
	// at once.
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(200*time.Millisecond, cancel)
	start := time.Now()
	cams, err = Probe(ctx, ProbeConfig{Address: testx.ClosedPort(t), Timeout: 10 * time.Second})
	if err != nil || len(cams) != 0 || time.Since(start) > 2*time.Second {
		t.Errorf("cancelled probe: %v, %v after %v", cams, err, time.Since(start))
	}
	for _, bad := range []string{"no-such-host.invalid", "127.0.0.1:99999", ":3702"} {
		if _, err := Probe(context.Background(), ProbeConfig{Address: bad, Timeout: 200 * time.Millisecond}); err == nil {
			t.Errorf("probe of %q: no error", bad)
		}
	}
}

// The multicast probe, inside a private network namespace: nothing leaves
// this machine.
func TestMulticastProbe(t *testing.T) {
	if !testx.InPrivateNetwork(t) {
		return
	}
	d := startDevice(t, func(d *onvifcam.Device) { d.Discovery = "multicast" })
	start := time.Now()
	cams, err := Probe(context.Background(), ProbeConfig{Timeout: 1500 * time.Millisecond})
	if took := time.Since(start); took < time.Second || took > 3*time.Second {
		t.Errorf("the probe took %v for a 1.5s timeout", took)
	}
	if err != nil || len(cams) != 1 || cams[0].Endpoint != d.Endpoint() || cams[0].Address() != d.XAddr() {
		t.Fatalf("cams %+v, err %v", cams, err)
	}
}

func TestTryTemplates(t *testing.T) {
	cam := fakecam.StartTest(t, fakecam.ClipConfig{}, func(c *fakecam.Camera) {
		c.Path = "/Streaming/Channels/101"
		c.User, c.Pass = "admin", secret
	})
	host := "127.0.0.1:" + strconv.Itoa(cam.Port())
	found, err := TryTemplates(context.Background(), TryConfig{Host: host, User: "admin", Password: secret})
	if err != nil || len(found) != 1 {
		t.Fatalf("found %+v, err %v", found, err)
	}
	if f := found[0]; f.Brand != "Hikvision" || f.Main != "rtsp://"+host+"/Streaming/Channels/101" || f.Sub != "" || f.Codec != "h264" {
		t.Errorf("found %+v", f)
	}
	_, err = TryTemplates(context.Background(), TryConfig{Host: host, User: "admin", Password: "wrong"})
	if !errors.Is(err, ErrUnauthorized) || strings.Contains(err.Error(), "wrong") && strings.Contains(err.Error(), secret) {
		t.Errorf("wrong password: %v", err)
	}
	_, err = TryTemplates(context.Background(), TryConfig{Host: testx.ClosedPort(t), User: "admin", Password: secret})
	if !errors.Is(err, ErrUnreachable) {
		t.Errorf("nothing listening: %v", err)
	}
}
