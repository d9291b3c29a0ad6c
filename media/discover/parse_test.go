package discover

import (
	"net"
	"strconv"
	"strings"
	"testing"

	"go.uber.org/goleak"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func probeMatch(relatesTo, xaddrs, scopes string) []byte {
	return []byte(`<?xml version="1.0"?><e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope" xmlns:w="http://schemas.xmlsoap.org/ws/2004/08/addressing" xmlns:d="http://schemas.xmlsoap.org/ws/2005/04/discovery">` +
		`<e:Header><w:MessageID>urn:uuid:x</w:MessageID><w:RelatesTo>` + relatesTo + `</w:RelatesTo></e:Header>` +
		`<e:Body><d:ProbeMatches><d:ProbeMatch><w:EndpointReference><w:Address>urn:uuid:cam-1</w:Address></w:EndpointReference>` +
		`<d:Types>dn:NetworkVideoTransmitter</d:Types><d:Scopes>` + scopes + `</d:Scopes><d:XAddrs>` + xaddrs + `</d:XAddrs>` +
		`<d:MetadataVersion>1</d:MetadataVersion></d:ProbeMatch></d:ProbeMatches></e:Body></e:Envelope>`)
}

func TestParseProbeMatches(t *testing.T) {
	from := net.ParseIP("192.168.1.20")
	scopes := "onvif://www.onvif.org/type/video_encoder onvif://www.onvif.org/name/Front%20door onvif://www.onvif.org/hardware/DS-2CD2043 onvif://www.onvif.org/location/city/Chengdu"
	cams, err := parseProbeMatches(probeMatch("urn:uuid:me", "http://10.0.0.9/onvif/device_service http://192.168.1.20/onvif/device_service", scopes), "urn:uuid:me", from)
	if err != nil || len(cams) != 1 {
		t.Fatalf("cams %v, err %v", cams, err)
	}
	c := cams[0]
	if c.Endpoint != "urn:uuid:cam-1" || c.From != "192.168.1.20" || c.Name != "Front door" || c.Hardware != "DS-2CD2043" || c.Location != "city Chengdu" {
		t.Errorf("camera %+v", c)
	}
	if c.Address() != "http://192.168.1.20/onvif/device_service" || len(c.XAddrs) != 2 || c.Warning != "" {
		t.Errorf("the address on the answering host comes first, with no warning: %+v", c)
	}

	// Addresses elsewhere only: kept, with a warning.
	cams, _ = parseProbeMatches(probeMatch("urn:uuid:me", "http://10.0.0.9/onvif/device_service", ""), "urn:uuid:me", from)
	if w := cams[0].Warning; !strings.Contains(w, "gives its address as 10.0.0.9") {
		t.Errorf("warning %q", w)
	}
	// No address at all: the usual one on the answering host.
	cams, _ = parseProbeMatches(probeMatch("urn:uuid:me", "ftp://x nonsense", ""), "urn:uuid:me", from)
	if cams[0].Address() != "http://192.168.1.20:80/onvif/device_service" || cams[0].Warning == "" {
		t.Errorf("camera %+v", cams[0])
	}

	for name, data := range map[string][]byte{
		"another probe's answer": probeMatch("urn:uuid:other", "http://192.168.1.20/", ""),
		"garbage":                []byte("<html>oops"),
		"empty":                  nil,
		"no matches":             []byte(`<Envelope><Header><RelatesTo>urn:uuid:me</RelatesTo></Header><Body><ProbeMatches/></Body></Envelope>`),
	} {
		if cams, err := parseProbeMatches(data, "urn:uuid:me", from); err == nil {
			t.Errorf("%s: accepted as %v", name, cams)
		}
	}
}

func TestDigestAnswer(t *testing.T) {
	// RFC 2617 section 3.5.
	ch, ok := parseChallenge([]string{`Basic realm="x"`, `Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"`})
	if !ok {
		t.Fatal("challenge not read")
	}
	got := ch.answer("GET", "/dir/index.html", "Mufasa", "Circle Of Life", "0a4f113b")
	for _, want := range []string{`response="6629fae49393a05397450978507c4ef1"`, `nc=00000001`, `opaque="5ccc069c403ebaf9f0171e9517f40e41"`, `username="Mufasa"`} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %s", got, want)
		}
	}
	if got := ch.answer("GET", "/", "u", "p", "c"); !strings.Contains(got, "nc=00000002") {
		t.Errorf("the nonce count does not advance: %s", got)
	}
	for _, h := range []string{`Digest realm="x"`, `Digest nonce="n", qop="auth-int"`, `Digest nonce="n", algorithm=MD5-sess`, `Bearer x`} {
		if _, ok := parseChallenge([]string{h}); ok {
			t.Errorf("%s: accepted", h)
		}
	}
}

func TestAddresses(t *testing.T) {
	for in, want := range map[string]string{
		"192.168.1.20":                      "http://192.168.1.20/onvif/device_service",
		"192.168.1.20:8000":                 "http://192.168.1.20:8000/onvif/device_service",
		"http://cam.local/onvif/device_svc": "http://cam.local/onvif/device_svc",
		"https://cam.local":                 "https://cam.local/onvif/device_service",
	} {
		if got, err := DeviceURL(in); err != nil || got != want {
			t.Errorf("DeviceURL(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "rtsp://cam/x", "cam:99999", "http://admin:secret@cam/", "http://"} {
		if got, err := DeviceURL(in); err == nil {
			t.Errorf("DeviceURL(%q) = %q: accepted", in, got)
		} else if strings.Contains(err.Error(), "secret") {
			t.Errorf("DeviceURL(%q): %v shows the password", in, err)
		}
	}
	for in, want := range map[string]string{
		"10.0.0.5:3702":          "http://10.0.0.5/onvif/device_service",
		"10.0.0.5":               "http://10.0.0.5/onvif/device_service",
		"http://10.0.0.5:8080/x": "http://10.0.0.5:8080/x",
	} {
		if got := DirectURL(in); got != want {
			t.Errorf("DirectURL(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"rtsp://192.168.1.64:554/Streaming/Channels/101": "rtsp://10.1.2.3:554/Streaming/Channels/101",
		"rtsp://0.0.0.0/live":                            "rtsp://10.1.2.3/live",
		"rtsp://10.1.2.3:8554/live":                      "rtsp://10.1.2.3:8554/live",
		"rtsp://relay.example.com/live":                  "rtsp://relay.example.com/live",
	} {
		if got := sameHost(in, "http://10.1.2.3:8080/onvif/device_service"); got != want {
			t.Errorf("sameHost(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{"cam": "cam:0", "cam:8554": "cam:8554", "rtsp://cam:555/x": "cam:555", "http://cam:8080/": "cam:0", "[::1]:554": "::1:554"} {
		h, p, _, err := parseAddress(in, "rtsp", "rtsps")
		if got := h + ":" + strconv.Itoa(p); err != nil || got != want {
			t.Errorf("parseAddress(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "cam:0", "rtsp://u:secret@cam/", "cam/path", "a b", "1.2.3.4:1.2.3.4:5"} {
		if _, _, _, err := parseAddress(in, "rtsp", "rtsps"); err == nil {
			t.Errorf("parseAddress(%q): accepted", in)
		}
	}
}

func TestProfileRoles(t *testing.T) {
	d := Device{Profiles: []Profile{
		{Name: "jpeg", Codec: "JPEG", Width: 3840, Height: 2160, StreamURI: "rtsp://c/j"},
		{Name: "sub", Codec: "H264", Width: 640, Height: 360, StreamURI: "rtsp://c/s"},
		{Name: "main", Codec: "H264", Width: 1920, Height: 1080, StreamURI: "rtsp://c/m"},
		{Name: "broken", Codec: "H264", Width: 320, Height: 180, Problem: "no stream"},
	}}
	if d.Main() != 2 || d.Sub() != 1 {
		t.Errorf("main %d, sub %d; want 2, 1", d.Main(), d.Sub())
	}
	one := Device{Profiles: d.Profiles[2:3]}
	if one.Main() != 0 || one.Sub() != -1 {
		t.Errorf("one profile: main %d, sub %d", one.Main(), one.Sub())
	}
}

func TestFaultWording(t *testing.T) {
	f := parseFault([]byte(`<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope" xmlns:ter="http://www.onvif.org/ver10/error"><s:Body><s:Fault><s:Code><s:Value>s:Sender</s:Value><s:Subcode><s:Value>ter:NotAuthorized</s:Value></s:Subcode></s:Code><s:Reason><s:Text xml:lang="en">Sender not Authorized</s:Text></s:Reason></s:Fault></s:Body></s:Envelope>`))
	if f == nil || !f.notAuthorized() || f.String() != "Sender not Authorized (ter:NotAuthorized)" {
		t.Errorf("fault %+v: %q", f, f)
	}
	f = parseFault([]byte(`<Envelope><Body><Fault><faultcode>SOAP-ENV:Client</faultcode><faultstring>bad  request</faultstring></Fault></Body></Envelope>`))
	if f == nil || f.notAuthorized() || f.String() != "bad request (SOAP-ENV:Client)" {
		t.Errorf("SOAP 1.1 fault %+v: %q", f, f)
	}
	if parseFault([]byte(`<Envelope><Body><GetProfilesResponse/></Body></Envelope>`)) != nil {
		t.Error("an answer read as a fault")
	}
}

func TestUUID(t *testing.T) {
	u := uuid4()
	if len(u) != 36 || u[14] != '4' || !strings.ContainsRune("89ab", rune(u[19])) || u == uuid4() {
		t.Errorf("uuid %s", u)
	}
}
