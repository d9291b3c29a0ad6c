package discover

import (
	"encoding/xml"
	"net"
	"strings"
	"testing"
)

// The parsers of what cameras send: none may panic, hang or let
// camera-supplied text grow without bound.

func FuzzProbeMatches(f *testing.F) {
	f.Add(probeMatch("urn:uuid:me", "http://192.168.1.20/onvif/device_service", "onvif://www.onvif.org/name/Cam%20A"))
	f.Add(probeMatch("urn:uuid:me", "http://[::1]:80/x http://%zz", "onvif://www.onvif.org/location/%"))
	f.Add([]byte(`<Envelope><Header><RelatesTo>urn:uuid:me</RelatesTo></Header><Body><ProbeMatches><ProbeMatch/></ProbeMatches></Body></Envelope>`))
	f.Add([]byte("<a><b><c>"))
	f.Fuzz(func(t *testing.T, data []byte) {
		cams, err := parseProbeMatches(data, "urn:uuid:me", net.ParseIP("10.0.0.1"))
		if err != nil {
			return
		}
		for _, c := range cams {
			if c.Endpoint == "" || c.From != "10.0.0.1" || len(c.XAddrs) > 8 || len(c.Scopes) > 32 || len([]rune(c.Name)) > 81 {
				t.Fatalf("camera %+v", c)
			}
			if a := c.Address(); !strings.HasPrefix(a, "http") {
				t.Fatalf("address %q", a)
			}
		}
	})
}

func FuzzSOAPAnswer(f *testing.F) {
	f.Add([]byte(`<Envelope><Body><GetProfilesResponse><Profiles token="a"><Name>main</Name><VideoEncoderConfiguration><Encoding>H264</Encoding><Resolution><Width>1920</Width><Height>1080</Height></Resolution><RateControl><FrameRateLimit>25</FrameRateLimit><BitrateLimit>4096</BitrateLimit></RateControl></VideoEncoderConfiguration></Profiles><Profiles/></GetProfilesResponse></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><Fault><Code><Value>s:Sender</Value><Subcode><Value>ter:NotAuthorized</Value></Subcode></Code><Reason><Text>no</Text></Reason></Fault></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><GetStreamUriResponse><MediaUri><Uri>rtsp://u:p@10.0.0.1/x</Uri></MediaUri></GetStreamUriResponse></Body></Envelope>`))
	f.Add([]byte(`<Envelope><Body><GetSystemDateAndTimeResponse><SystemDateAndTime><UTCDateTime><Time><Hour>99</Hour></Time><Date><Year>99999</Year></Date></UTCDateTime></SystemDateAndTime></GetSystemDateAndTimeResponse></Body></Envelope>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		if ft := parseFault(data); ft != nil {
			_ = ft.notAuthorized()
			if s := ft.String(); len([]rune(s)) > 400 {
				t.Fatalf("fault text of %d runes", len([]rune(s)))
			}
		}
		var pa profilesAnswer
		if xml.Unmarshal(data, &pa) == nil && pa.R != nil {
			ps := pa.profiles()
			if len(ps) > maxProfiles {
				t.Fatalf("%d profiles", len(ps))
			}
			for _, p := range ps {
				if p.Width < 0 || p.Height < 0 || p.FPS < 0 || p.BitrateKbps < 0 || len([]rune(p.Name)) > 61 {
					t.Fatalf("profile %+v", p)
				}
			}
		}
		var ua uriAnswer
		if xml.Unmarshal(data, &ua) == nil {
			_, _ = ua.uri("GetStreamUri", true)
		}
		var ca clockAnswer
		if xml.Unmarshal(data, &ca) == nil {
			_, _ = ca.time()
		}
	})
}

func FuzzChallenge(f *testing.F) {
	f.Add(`Digest realm="a", nonce="b", qop="auth", opaque="c"`)
	f.Add(`Digest realm="a\"b", nonce=x,qop=auth`)
	f.Add(`Digest ,,,=`)
	f.Fuzz(func(t *testing.T, h string) {
		if ch, ok := parseChallenge([]string{h}); ok {
			if ch.nonce == "" {
				t.Fatal("a challenge without a nonce")
			}
			_ = ch.authorization("POST", "/onvif/device_service", "admin", "pw")
		}
	})
}
