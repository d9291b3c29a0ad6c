package onvifcam

import (
	"bytes"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha1"
	"encoding/base64"
	"encoding/hex"
	"encoding/xml"
	"fmt"
	"image/jpeg"
	"io"
	"net"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/relaystudio/relaystudio/internal/testx"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// The requests are built here by hand, with other prefixes than the
// device's, as a client would.

const (
	typeDigest = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordDigest"
	typeText   = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-username-token-profile-1.0#PasswordText"
	typeBase64 = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-soap-message-security-1.0#Base64Binary"
)

// start starts d and closes it at the end of the test.
func start(t *testing.T, d *Device) *Device {
	t.Helper()
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// newClient returns an HTTP client whose connections are closed at the end
// of the test.
func newClient(t *testing.T) *http.Client {
	tr := &http.Transport{}
	t.Cleanup(tr.CloseIdleConnections)
	return &http.Client{Transport: tr, Timeout: 5 * time.Second}
}

// soapEnvelope returns a SOAP 1.2 request.
func soapEnvelope(header, body string) string {
	return `<?xml version="1.0" encoding="UTF-8"?>` +
		`<s:Envelope xmlns:s="` + nsEnv + `" xmlns:dev="` + nsTDS + `" xmlns:med="` + nsTRT + `" xmlns:sch="` + nsTT + `">` +
		`<s:Header>` + header + `</s:Header><s:Body>` + body + `</s:Body></s:Envelope>`
}

// usernameTokenHeader returns a wsse:Security header with a PasswordDigest
// token made with the given clock.
func usernameTokenHeader(user, password string, created time.Time) string {
	nonce := make([]byte, 16)
	rand.Read(nonce)
	c := created.UTC().Format("2006-01-02T15:04:05.000Z")
	sum := sha1.Sum([]byte(string(nonce) + c + password))
	return `<wsse:Security s:mustUnderstand="1" xmlns:wsse="` + nsWSSE + `" xmlns:wsu="` + nsWSU + `"><wsse:UsernameToken>` +
		`<wsse:Username>` + user + `</wsse:Username>` +
		`<wsse:Password Type="` + typeDigest + `">` + base64.StdEncoding.EncodeToString(sum[:]) + `</wsse:Password>` +
		`<wsse:Nonce EncodingType="` + typeBase64 + `">` + base64.StdEncoding.EncodeToString(nonce) + `</wsse:Nonce>` +
		`<wsu:Created>` + c + `</wsu:Created></wsse:UsernameToken></wsse:Security>`
}

// post sends body to url and returns the answer, read.
func post(t *testing.T, c *http.Client, url, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = make(http.Header)
	}
	req.Header.Set("Content-Type", `application/soap+xml; charset=utf-8`)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, data
}

// soapFault is a SOAP 1.2 Fault as a client reads it.
type soapFault struct {
	Body struct {
		Fault *struct {
			Code struct {
				Value   string `xml:"Value"`
				Subcode struct {
					Value   string `xml:"Value"`
					Subcode struct {
						Value string `xml:"Value"`
					} `xml:"Subcode"`
				} `xml:"Subcode"`
			} `xml:"Code"`
			Reason struct {
				Text string `xml:"Text"`
			} `xml:"Reason"`
		} `xml:"Fault"`
	} `xml:"Body"`
}

// wantFault checks that an answer is a Fault with that status, code,
// subcode and (unless "") reason.
func wantFault(t *testing.T, resp *http.Response, data []byte, status int, code, sub, reason string) {
	t.Helper()
	if resp.StatusCode != status {
		t.Errorf("status %d, want %d; body %s", resp.StatusCode, status, data)
	}
	var f soapFault
	if err := xml.Unmarshal(data, &f); err != nil || f.Body.Fault == nil {
		t.Fatalf("not a SOAP Fault (%v): %s", err, data)
	}
	fc := f.Body.Fault
	if fc.Code.Value != code || fc.Code.Subcode.Value != sub || (reason != "" && fc.Reason.Text != reason) {
		t.Errorf("fault %s / %s / %q, want %s / %s / %q", fc.Code.Value, fc.Code.Subcode.Value, fc.Reason.Text, code, sub, reason)
	}
}

// unmarshal decodes an answer that must be 200 and SOAP.
func unmarshal(t *testing.T, resp *http.Response, data []byte, v any) {
	t.Helper()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("status %d: %s", resp.StatusCode, data)
	}
	if ct := resp.Header.Get("Content-Type"); ct != soapContentType {
		t.Errorf("Content-Type %q", ct)
	}
	if err := xml.Unmarshal(data, v); err != nil {
		t.Fatalf("%v: %s", err, data)
	}
}

// digestAnswer answers an HTTP Digest challenge.
func digestAnswer(t *testing.T, challenge, user, password, method, uri string, nc int) string {
	t.Helper()
	if !strings.HasPrefix(challenge, "Digest ") {
		t.Fatalf("challenge %q", challenge)
	}
	p := map[string]string{}
	for _, m := range regexp.MustCompile(`(\w+)=(?:"([^"]*)"|([^,\s]*))`).FindAllStringSubmatch(challenge, -1) {
		p[m[1]] = m[2] + m[3]
	}
	if p["qop"] != "auth" || p["algorithm"] != "MD5" || p["realm"] != Realm || p["nonce"] == "" {
		t.Fatalf("challenge %q", challenge)
	}
	h := func(s string) string { sum := md5.Sum([]byte(s)); return hex.EncodeToString(sum[:]) }
	cnonce := "0a4f113b"
	resp := h(h(user+":"+p["realm"]+":"+password) + ":" + p["nonce"] + fmt.Sprintf(":%08x:", nc) + cnonce + ":auth:" + h(method+":"+uri))
	return fmt.Sprintf(`Digest username="%s", realm="%s", nonce="%s", uri="%s", algorithm=MD5, qop=auth, nc=%08x, cnonce="%s", response="%s"`,
		user, p["realm"], p["nonce"], uri, nc, cnonce, resp)
}

// probeXML returns a WS-Discovery Probe; types "" leaves d:Types out.
func probeXML(id, types string) string {
	t := ""
	if types != "" {
		t = `<d:Types>` + types + `</d:Types>`
	}
	return `<?xml version="1.0" encoding="UTF-8"?><e:Envelope xmlns:e="` + nsEnv + `" xmlns:w="` + nsWSA + `" xmlns:d="` + nsD +
		`" xmlns:dn="` + nsDN + `" xmlns:x="` + nsDN + `"><e:Header><w:MessageID>` + id + `</w:MessageID><w:To>` + discoveryURN +
		`</w:To><w:Action>` + actionProbe + `</w:Action></e:Header><e:Body><d:Probe>` + t + `</d:Probe></e:Body></e:Envelope>`
}

// probeMatch is a ProbeMatches answer as a client reads it.
type probeMatch struct {
	Header struct {
		MessageID string `xml:"MessageID"`
		RelatesTo string `xml:"RelatesTo"`
		To        string `xml:"To"`
		Action    string `xml:"Action"`
	} `xml:"Header"`
	Match struct {
		Address         string `xml:"EndpointReference>Address"`
		Types           string `xml:"Types"`
		Scopes          string `xml:"Scopes"`
		XAddrs          string `xml:"XAddrs"`
		MetadataVersion string `xml:"MetadataVersion"`
	} `xml:"Body>ProbeMatches>ProbeMatch"`
}

// readMatch reads the next answer on c.
func readMatch(t *testing.T, c *net.UDPConn) probeMatch {
	t.Helper()
	c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 64<<10)
	n, err := c.Read(buf)
	if err != nil {
		t.Fatalf("no ProbeMatches: %v", err)
	}
	var m probeMatch
	if err := xml.Unmarshal(buf[:n], &m); err != nil {
		t.Fatalf("%v: %s", err, buf[:n])
	}
	return m
}

// sendTo sends a datagram.
func sendTo(t *testing.T, c *net.UDPConn, addr, msg string) {
	t.Helper()
	ua, err := net.ResolveUDPAddr("udp4", addr)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.WriteToUDP([]byte(msg), ua); err != nil {
		t.Fatal(err)
	}
}

func listenUDP(t *testing.T, ip net.IP) *net.UDPConn {
	t.Helper()
	c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ip})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestUnicastProbe(t *testing.T) {
	d := start(t, &Device{Name: "Front door", Location: "Hall 2"})
	c := listenUDP(t, net.IPv4(127, 0, 0, 1))
	// Neither garbage nor a probe for something else is answered: the
	// first answer is the third datagram's.
	sendTo(t, c, d.DiscoveryAddr(), "<html><body>oops")
	sendTo(t, c, d.DiscoveryAddr(), probeXML("urn:uuid:printer", "dn:Printer"))
	for _, tc := range []struct{ id, types string }{
		{"urn:uuid:0f4b7f8e-1111-4c8e-9a55-000000000001", "dn:NetworkVideoTransmitter"},
		{"urn:uuid:0f4b7f8e-1111-4c8e-9a55-000000000002", "x:NetworkVideoTransmitter"},
		{"urn:uuid:0f4b7f8e-1111-4c8e-9a55-000000000003", ""},
		{"urn:uuid:0f4b7f8e-1111-4c8e-9a55-000000000004", "dn:Printer tds:Device"},
	} {
		sendTo(t, c, d.DiscoveryAddr(), probeXML(tc.id, tc.types))
		m := readMatch(t, c)
		if m.Header.RelatesTo != tc.id {
			t.Errorf("Types %q: RelatesTo %q, want %q", tc.types, m.Header.RelatesTo, tc.id)
		}
		if m.Header.Action != actionProbeMatches || m.Header.To != anonymous || !strings.HasPrefix(m.Header.MessageID, "urn:uuid:") {
			t.Errorf("header %+v", m.Header)
		}
		if m.Match.XAddrs != d.XAddr() || m.Match.Address != d.Endpoint() || m.Match.MetadataVersion != "1" {
			t.Errorf("match %+v, want XAddrs %s and Address %s", m.Match, d.XAddr(), d.Endpoint())
		}
		if !strings.Contains(m.Match.Types, "NetworkVideoTransmitter") {
			t.Errorf("Types %q", m.Match.Types)
		}
		scopes := strings.Fields(m.Match.Scopes)
		for _, s := range []string{"name/Front%20door", "location/Hall%202", "hardware/RT-100", "type/video_encoder", "Profile/Streaming"} {
			if !slices.Contains(scopes, "onvif://www.onvif.org/"+s) {
				t.Errorf("no scope %s in %q", s, m.Match.Scopes)
			}
		}
	}
	if !strings.HasPrefix(d.Endpoint(), "urn:uuid:") {
		t.Errorf("Endpoint %q", d.Endpoint())
	}
}

func TestProbeMisdirected(t *testing.T) {
	other := "http://192.0.2.7/onvif/device_service"
	d := start(t, &Device{XAddrInProbe: other, WrongRelatesTo: true, EndpointUUID: "urn:uuid:11111111-2222-4333-8444-555555555555"})
	c := listenUDP(t, net.IPv4(127, 0, 0, 1))
	id := "urn:uuid:0f4b7f8e-1111-4c8e-9a55-00000000000a"
	sendTo(t, c, d.DiscoveryAddr(), probeXML(id, "dn:NetworkVideoTransmitter"))
	m := readMatch(t, c)
	if m.Header.RelatesTo == id || m.Header.RelatesTo == "" {
		t.Errorf("RelatesTo %q, want another message", m.Header.RelatesTo)
	}
	if m.Match.XAddrs != other || m.Match.Address != "urn:uuid:11111111-2222-4333-8444-555555555555" {
		t.Errorf("match %+v", m.Match)
	}
}

// TestMulticastProbe runs in a private network namespace (root, unshare).
func TestMulticastProbe(t *testing.T) {
	if !testx.InPrivateNetwork(t) {
		return
	}
	d := start(t, &Device{Discovery: "multicast"})
	if d.DiscoveryAddr() != "239.255.255.250:3702" {
		t.Errorf("DiscoveryAddr %s", d.DiscoveryAddr())
	}
	c := listenUDP(t, nil)
	for i, to := range []string{d.DiscoveryAddr(), "127.0.0.1:3702"} {
		id := fmt.Sprintf("urn:uuid:0f4b7f8e-1111-4c8e-9a55-%012d", i)
		sendTo(t, c, to, probeXML(id, "dn:NetworkVideoTransmitter"))
		if m := readMatch(t, c); m.Header.RelatesTo != id || m.Match.XAddrs != d.XAddr() {
			t.Errorf("probe to %s: %+v", to, m)
		}
	}
}

func TestClockSkew(t *testing.T) {
	skew := -90*time.Minute - 17*time.Second
	d := start(t, &Device{User: "admin", Password: "secret", ClockSkew: skew})
	c := newClient(t)
	// No credentials: GetSystemDateAndTime never needs them.
	resp, data := post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetSystemDateAndTime/>`), nil)
	var v struct {
		DT struct {
			Type string `xml:"DateTimeType"`
			TZ   string `xml:"TimeZone>TZ"`
			UTC  struct {
				Hour   int `xml:"Time>Hour"`
				Minute int `xml:"Time>Minute"`
				Second int `xml:"Time>Second"`
				Year   int `xml:"Date>Year"`
				Month  int `xml:"Date>Month"`
				Day    int `xml:"Date>Day"`
			} `xml:"UTCDateTime"`
		} `xml:"Body>GetSystemDateAndTimeResponse>SystemDateAndTime"`
	}
	unmarshal(t, resp, data, &v)
	u := v.DT.UTC
	got := time.Date(u.Year, time.Month(u.Month), u.Day, u.Hour, u.Minute, u.Second, 0, time.UTC)
	if diff := got.Sub(time.Now().Add(skew)); diff < -3*time.Second || diff > 3*time.Second {
		t.Errorf("device clock %s, want about %s", got, time.Now().Add(skew).UTC())
	}
	if v.DT.Type != "Manual" || v.DT.TZ != "UTC0" {
		t.Errorf("%+v", v.DT)
	}
	if d.AuthFailures() != 0 || !slices.Equal(d.Requests(), []string{"GetSystemDateAndTime"}) {
		t.Errorf("AuthFailures %d, Requests %q", d.AuthFailures(), d.Requests())
	}
}

func TestUsernameToken(t *testing.T) {
	d := start(t, &Device{User: "admin", Password: "secret", ClockSkew: 2 * time.Minute})
	c := newClient(t)
	clock := func() time.Time { return time.Now().Add(d.ClockSkew) }
	info := `<dev:GetDeviceInformation/>`

	resp, data := post(t, c, d.XAddr(), soapEnvelope(usernameTokenHeader("admin", "secret", clock()), info), nil)
	var v struct {
		Info struct {
			Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId string
		} `xml:"Body>GetDeviceInformationResponse"`
	}
	unmarshal(t, resp, data, &v)
	if v.Info.Manufacturer != "RelayTest" || v.Info.Model != "RT-100" || v.Info.SerialNumber == "" {
		t.Errorf("%+v", v.Info)
	}

	text := `<wsse:Security xmlns:wsse="` + nsWSSE + `"><wsse:UsernameToken><wsse:Username>admin</wsse:Username>` +
		`<wsse:Password Type="` + typeText + `">secret</wsse:Password></wsse:UsernameToken></wsse:Security>`
	if resp, data := post(t, c, d.XAddr(), soapEnvelope(text, info), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("PasswordText: %d %s", resp.StatusCode, data)
	}

	for name, header := range map[string]string{
		"wrong password": usernameTokenHeader("admin", "Secret", clock()),
		"wrong user":     usernameTokenHeader("root", "secret", clock()),
		"created +30 s":  usernameTokenHeader("admin", "secret", clock().Add(30*time.Second)),
		"created -30 s":  usernameTokenHeader("admin", "secret", clock().Add(-30*time.Second)),
		"our clock":      usernameTokenHeader("admin", "secret", time.Now()),
		"no token":       "",
	} {
		resp, data := post(t, c, d.XAddr(), soapEnvelope(header, info), nil)
		t.Run(name, func(t *testing.T) {
			wantFault(t, resp, data, http.StatusUnauthorized, "env:Sender", "ter:NotAuthorized", "Sender not Authorized")
		})
	}
	if n := d.AuthFailures(); n != 6 {
		t.Errorf("AuthFailures %d, want 6", n)
	}
	if n := len(d.Requests()); n != 8 {
		t.Errorf("Requests %q, want 8", d.Requests())
	}
}

func TestDigestMode(t *testing.T) {
	d := start(t, &Device{User: "admin", Password: "secret", Auth: "digest"})
	c := newClient(t)
	// A valid WS-Security token is not enough: this device wants Digest.
	body := soapEnvelope(usernameTokenHeader("admin", "secret", time.Now()), `<med:GetProfiles/>`)
	resp, data := post(t, c, d.XAddr(), body, nil)
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized || len(data) != 0 || challenge == "" {
		t.Fatalf("status %d, WWW-Authenticate %q, body %q", resp.StatusCode, challenge, data)
	}
	uri := "/onvif/device_service"
	hdr := http.Header{"Authorization": {digestAnswer(t, challenge, "admin", "secret", "POST", uri, 1)}}
	resp, data = post(t, c, d.XAddr(), body, hdr)
	var v struct {
		Profiles []struct {
			Token string `xml:"token,attr"`
			Name  string `xml:"Name"`
		} `xml:"Body>GetProfilesResponse>Profiles"`
	}
	unmarshal(t, resp, data, &v)
	if len(v.Profiles) != 2 || v.Profiles[0].Name != "MainStream" || v.Profiles[1].Name != "SubStream" {
		t.Errorf("profiles %+v", v.Profiles)
	}
	// The next count with the same nonce passes; a replayed one is stale.
	hdr.Set("Authorization", digestAnswer(t, challenge, "admin", "secret", "POST", uri, 2))
	if resp, _ := post(t, c, d.XAddr(), body, hdr); resp.StatusCode != http.StatusOK {
		t.Errorf("nc 2: status %d", resp.StatusCode)
	}
	resp, _ = post(t, c, d.XAddr(), body, hdr)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), "stale=true") {
		t.Errorf("replay: status %d, WWW-Authenticate %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	if d.AuthFailures() != 0 {
		t.Errorf("AuthFailures %d before a wrong password", d.AuthFailures())
	}
	hdr.Set("Authorization", digestAnswer(t, challenge, "admin", "wrong", "POST", uri, 3))
	resp, _ = post(t, c, d.XAddr(), body, hdr)
	if resp.StatusCode != http.StatusUnauthorized || resp.Header.Get("WWW-Authenticate") == "" {
		t.Errorf("wrong password: status %d", resp.StatusCode)
	}
	if d.AuthFailures() != 1 {
		t.Errorf("AuthFailures %d, want 1", d.AuthFailures())
	}
}

func TestMediaService(t *testing.T) {
	d := start(t, &Device{Profiles: []Profile{
		{Token: "hd", Name: "HD", Codec: "H265", Width: 2560, Height: 1440, FPS: 25, BitrateKbps: 6000, StreamURI: "rtsp://127.0.0.1:8554/hd"},
		{Token: "nostream", Width: 640, Height: 480, FPS: 10, BitrateKbps: 256, SnapshotURI: "http://127.0.0.1:1/snap.jpg"},
	}})
	c := newClient(t)
	media := strings.Replace(d.XAddr(), DevicePath, MediaPath, 1)

	resp, data := post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetCapabilities><dev:Category>All</dev:Category></dev:GetCapabilities>`), nil)
	var caps struct {
		Device string `xml:"Body>GetCapabilitiesResponse>Capabilities>Device>XAddr"`
		Media  string `xml:"Body>GetCapabilitiesResponse>Capabilities>Media>XAddr"`
		RTSP   bool   `xml:"Body>GetCapabilitiesResponse>Capabilities>Media>StreamingCapabilities>RTP_RTSP_TCP"`
	}
	unmarshal(t, resp, data, &caps)
	if caps.Device != d.XAddr() || caps.Media != media || !caps.RTSP {
		t.Errorf("capabilities %+v", caps)
	}

	resp, data = post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetServices><dev:IncludeCapability>false</dev:IncludeCapability></dev:GetServices>`), nil)
	var svcs struct {
		Services []struct {
			Namespace, XAddr string
			Major            int `xml:"Version>Major"`
		} `xml:"Body>GetServicesResponse>Service"`
	}
	unmarshal(t, resp, data, &svcs)
	if len(svcs.Services) != 2 || svcs.Services[0].Namespace != nsTDS || svcs.Services[1].XAddr != media || svcs.Services[1].Major != 2 {
		t.Errorf("services %+v", svcs.Services)
	}

	resp, data = post(t, c, media, soapEnvelope("", `<med:GetProfiles/>`), nil)
	type encoder struct {
		Encoding string
		Width    int `xml:"Resolution>Width"`
		Height   int `xml:"Resolution>Height"`
		FPS      int `xml:"RateControl>FrameRateLimit"`
		Bitrate  int `xml:"RateControl>BitrateLimit"`
		H264     *struct {
			GovLength int
			Profile   string `xml:"H264Profile"`
		}
	}
	var profs struct {
		Profiles []struct {
			Token   string  `xml:"token,attr"`
			Name    string  `xml:"Name"`
			Encoder encoder `xml:"VideoEncoderConfiguration"`
			Bounds  struct {
				Width int `xml:"width,attr"`
			} `xml:"VideoSourceConfiguration>Bounds"`
		} `xml:"Body>GetProfilesResponse>Profiles"`
	}
	unmarshal(t, resp, data, &profs)
	if len(profs.Profiles) != 2 {
		t.Fatalf("profiles %+v", profs.Profiles)
	}
	hd, ns := profs.Profiles[0], profs.Profiles[1]
	if hd.Token != "hd" || hd.Name != "HD" || hd.Encoder.Encoding != "H265" || hd.Encoder.Width != 2560 || hd.Encoder.Height != 1440 ||
		hd.Encoder.FPS != 25 || hd.Encoder.Bitrate != 6000 || hd.Encoder.H264 != nil || hd.Bounds.Width != 2560 {
		t.Errorf("hd: %+v", hd)
	}
	if ns.Name != "nostream" || ns.Encoder.Encoding != "H264" || ns.Encoder.H264 == nil || ns.Encoder.H264.GovLength != 60 || ns.Encoder.H264.Profile != "Main" {
		t.Errorf("nostream: %+v", ns)
	}

	streamURI := func(token string) (*http.Response, []byte) {
		return post(t, c, media, soapEnvelope("", `<med:GetStreamUri><med:StreamSetup><sch:Stream>RTP-Unicast</sch:Stream>`+
			`<sch:Transport><sch:Protocol>RTSP</sch:Protocol></sch:Transport></med:StreamSetup>`+
			`<med:ProfileToken>`+token+`</med:ProfileToken></med:GetStreamUri>`), nil)
	}
	var uri struct {
		URI     string `xml:"Body>GetStreamUriResponse>MediaUri>Uri"`
		Timeout string `xml:"Body>GetStreamUriResponse>MediaUri>Timeout"`
	}
	resp, data = streamURI("hd")
	unmarshal(t, resp, data, &uri)
	if uri.URI != "rtsp://127.0.0.1:8554/hd" || uri.Timeout != "PT0S" {
		t.Errorf("stream URI %+v", uri)
	}
	resp, data = streamURI("nostream")
	wantFault(t, resp, data, http.StatusInternalServerError, "env:Sender", "ter:InvalidArgVal", "no stream for this profile")
	resp, data = streamURI("nosuch")
	wantFault(t, resp, data, http.StatusInternalServerError, "env:Sender", "ter:InvalidArgVal", "")
	var f soapFault
	xml.Unmarshal(data, &f)
	if f.Body.Fault.Code.Subcode.Subcode.Value != "ter:NoProfile" {
		t.Errorf("unknown token: %s", data)
	}

	snapshotURI := func(token string) string {
		resp, data := post(t, c, media, soapEnvelope("", `<med:GetSnapshotUri><med:ProfileToken>`+token+`</med:ProfileToken></med:GetSnapshotUri>`), nil)
		var v struct {
			URI string `xml:"Body>GetSnapshotUriResponse>MediaUri>Uri"`
		}
		unmarshal(t, resp, data, &v)
		return v.URI
	}
	if got, want := snapshotURI("hd"), strings.Replace(d.XAddr(), DevicePath, SnapshotPath, 1)+"?profile=hd"; got != want {
		t.Errorf("snapshot URI %s, want %s", got, want)
	}
	if got := snapshotURI("nostream"); got != "http://127.0.0.1:1/snap.jpg" {
		t.Errorf("snapshot URI %s", got)
	}
}

func TestMisbehaviour(t *testing.T) {
	d := start(t, &Device{Fault: "GetProfiles", Garbage: "GetDeviceInformation"})
	c := newClient(t)

	resp, data := post(t, c, d.XAddr(), soapEnvelope("", `<med:GetProfiles/>`), nil)
	wantFault(t, resp, data, http.StatusInternalServerError, "env:Receiver", "ter:ActionNotSupported", "stand-in fault")

	resp, data = post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetDeviceInformation/>`), nil)
	var v struct{}
	if resp.StatusCode != http.StatusOK || xml.Unmarshal(data, &v) == nil {
		t.Errorf("garbage: status %d, body %q parses as XML", resp.StatusCode, data)
	}

	resp, data = post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetCapabilities/>`), nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("GetCapabilities: %d %s", resp.StatusCode, data)
	}

	resp, data = post(t, c, d.XAddr(), soapEnvelope("", `<dev:SetSystemFactoryDefault/>`), nil)
	wantFault(t, resp, data, http.StatusInternalServerError, "env:Receiver", "ter:ActionNotSupported", "")

	for name, body := range map[string]string{
		"not XML":    "hello",
		"truncated":  soapEnvelope("", `<dev:GetCapabilities/>`)[:120],
		"SOAP 1.1":   `<s:Envelope xmlns:s="http://schemas.xmlsoap.org/soap/envelope/"><s:Body><GetCapabilities/></s:Body></s:Envelope>`,
		"empty Body": soapEnvelope("", ""),
		"no Body":    `<s:Envelope xmlns:s="` + nsEnv + `"/>`,
		"two roots":  soapEnvelope("", `<dev:GetCapabilities/>`) + "<x/>",
	} {
		resp, data := post(t, c, d.XAddr(), body, nil)
		t.Run(name, func(t *testing.T) {
			wantFault(t, resp, data, http.StatusBadRequest, "env:Sender", "ter:WellFormed", "")
		})
	}
	resp, _ = post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetCapabilities>`+strings.Repeat("x", maxBody)+`</dev:GetCapabilities>`), nil)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("a big body: status %d", resp.StatusCode)
	}
	if r, err := c.Get(d.XAddr()); err != nil || r.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("GET on the device service: %v %v", r, err)
	} else {
		r.Body.Close()
	}

	want := []string{"GetProfiles", "GetDeviceInformation", "GetCapabilities", "SetSystemFactoryDefault"}
	if got := d.Requests(); !slices.Equal(got, want) {
		t.Errorf("Requests %q, want %q", got, want)
	}

	all := start(t, &Device{User: "admin", Password: "secret", Fault: "*"})
	resp, _ = post(t, c, all.XAddr(), soapEnvelope("", `<dev:GetSystemDateAndTime/>`), nil)
	if resp.StatusCode != http.StatusOK {
		t.Errorf("Fault *: GetSystemDateAndTime status %d", resp.StatusCode)
	}
	resp, data = post(t, c, all.XAddr(), soapEnvelope(usernameTokenHeader("admin", "secret", time.Now()), `<dev:GetCapabilities/>`), nil)
	wantFault(t, resp, data, http.StatusInternalServerError, "env:Receiver", "ter:ActionNotSupported", "stand-in fault")
}

func TestHang(t *testing.T) {
	d := &Device{Hang: "GetProfiles"}
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	c := newClient(t)
	c.Timeout = 0
	if resp, _ := post(t, c, d.XAddr(), soapEnvelope("", `<dev:GetDeviceInformation/>`), nil); resp.StatusCode != http.StatusOK {
		t.Errorf("GetDeviceInformation: status %d", resp.StatusCode)
	}
	errc := make(chan error, 1)
	go func() {
		resp, err := c.Post(d.XAddr(), soapContentType, strings.NewReader(soapEnvelope("", `<med:GetProfiles/>`)))
		if err == nil {
			resp.Body.Close()
			err = fmt.Errorf("answered %s", resp.Status)
		}
		errc <- err
	}()
	for deadline := time.Now().Add(2 * time.Second); !slices.Contains(d.Requests(), "GetProfiles"); {
		if time.Now().After(deadline) {
			t.Fatal("GetProfiles did not arrive")
		}
		time.Sleep(10 * time.Millisecond)
	}
	select {
	case err := <-errc:
		t.Fatalf("GetProfiles returned before Close: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	closed := make(chan struct{})
	go func() { d.Close(); close(closed) }()
	select {
	case err := <-errc:
		if !strings.Contains(err.Error(), "EOF") {
			t.Logf("the hung request ended with %v", err)
		}
	case <-time.After(3 * time.Second):
		t.Fatal("the hung request did not end on Close")
	}
	select {
	case <-closed:
	case <-time.After(3 * time.Second):
		t.Fatal("Close did not return")
	}
}

func TestSnapshot(t *testing.T) {
	d := start(t, &Device{User: "admin", Password: "secret"})
	c := newClient(t)
	resp, data := post(t, c, d.XAddr(), soapEnvelope(usernameTokenHeader("admin", "secret", time.Now()),
		`<med:GetSnapshotUri><med:ProfileToken>Profile_2</med:ProfileToken></med:GetSnapshotUri>`), nil)
	var v struct {
		URI string `xml:"Body>GetSnapshotUriResponse>MediaUri>Uri"`
	}
	unmarshal(t, resp, data, &v)

	get := func(auth string) (*http.Response, []byte) {
		req, _ := http.NewRequest(http.MethodGet, v.URI, nil)
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		data, _ := io.ReadAll(resp.Body)
		return resp, data
	}
	resp, _ = get("")
	challenge := resp.Header.Get("WWW-Authenticate")
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("no credentials: status %d", resp.StatusCode)
	}
	uri := SnapshotPath + "?profile=Profile_2"
	resp, data = get(digestAnswer(t, challenge, "admin", "secret", "GET", uri, 1))
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/jpeg" {
		t.Fatalf("status %d, Content-Type %q", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := jpeg.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	if b := img.Bounds(); b.Dx() != SnapshotWidth || b.Dy() != SnapshotHeight {
		t.Errorf("snapshot %v", b)
	}
	if resp, _ = get(digestAnswer(t, challenge, "admin", "nope", "GET", uri, 2)); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("wrong password: status %d", resp.StatusCode)
	}
	if d.AuthFailures() != 1 {
		t.Errorf("AuthFailures %d, want 1", d.AuthFailures())
	}

	open := start(t, &Device{})
	r, err := c.Get(strings.Replace(open.XAddr(), DevicePath, SnapshotPath, 1) + "?profile=Profile_1")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusOK {
		t.Errorf("no password: status %d", r.StatusCode)
	}
	r, err = c.Get(strings.Replace(open.XAddr(), DevicePath, SnapshotPath, 1) + "?profile=nosuch")
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != http.StatusNotFound {
		t.Errorf("unknown profile: status %d", r.StatusCode)
	}
}

func TestConfig(t *testing.T) {
	for name, d := range map[string]*Device{
		"auth":      {Auth: "basic"},
		"discovery": {Discovery: "broadcast"},
		"codec":     {Profiles: []Profile{{Token: "a", Codec: "MJPEG"}}},
		"no token":  {Profiles: []Profile{{Name: "a"}}},
		"twice":     {Profiles: []Profile{{Token: "a"}, {Token: "a"}}},
		"interface": {Discovery: "multicast", DiscoveryInterface: "no-such-if0"},
	} {
		if err := d.Start(); err == nil {
			d.Close()
			t.Errorf("%s: Start accepted %+v", name, d)
		}
	}
	var d Device
	d.Close() // before Start: nothing to do
	if err := d.Start(); err != nil {
		t.Fatal(err)
	}
	if err := d.Start(); err == nil {
		t.Error("a second Start was accepted")
	}
	d.Close()
	d.Close()
	if err := d.Start(); err == nil {
		t.Error("Start after Close was accepted")
	}
}

// FuzzInputs feeds the parsers what a network may send: they must not
// panic.
func FuzzInputs(f *testing.F) {
	f.Add(soapEnvelope(usernameTokenHeader("a", "b", time.Now()), `<med:GetStreamUri><med:ProfileToken>x</med:ProfileToken></med:GetStreamUri>`))
	f.Add(probeXML("urn:uuid:1", "dn:NetworkVideoTransmitter"))
	f.Add(`Digest username="a\"b", realm=x, nonce="`)
	f.Add("")
	d := &Device{}
	if err := d.setDefaults(); err != nil {
		f.Fatal(err)
	}
	d.base = "http://127.0.0.1:1"
	f.Fuzz(func(t *testing.T, s string) {
		if req, err := parseEnvelope([]byte(s)); err == nil && req.Header.Security != nil {
			d.tokenValid(req.Header.Security.UsernameToken)
		}
		d.probeMatches([]byte(s))
		parseDigest(s)
	})
}
