// Package onvifcam runs a stand-in ONVIF IP camera for tests: the Device and
// Media services of ONVIF Profile S over SOAP 1.2 on a loopback HTTP server,
// a JPEG snapshot behind HTTP Digest, and a WS-Discovery responder on UDP.
// It speaks the wire format real cameras speak, and can be told to
// misbehave like they do: a wrong clock, SOAP faults, answers that are not
// XML, requests that are never answered, probe answers that point elsewhere.
//
// It is a test helper under internal/testpeer/ (plain .go files so that tests
// of other packages can import it); nothing in the product uses it, and
// `make lint` fails if a product package imports it.
//
//	d := &onvifcam.Device{User: "admin", Password: "secret"}
//	if err := d.Start(); err != nil {
//		t.Fatal(err)
//	}
//	defer d.Close()
//	// ask d.XAddr(), probe d.DiscoveryAddr()
package onvifcam

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Paths the HTTP server answers on.
const (
	DevicePath   = "/onvif/device_service"
	MediaPath    = "/onvif/media_service"
	SnapshotPath = "/onvif/snapshot.jpg"
)

// Realm is the HTTP Digest realm of the device.
const Realm = "RelayTest ONVIF"

// The multicast group and port of WS-Discovery.
const (
	DiscoveryGroup = "239.255.255.250"
	DiscoveryPort  = 3702
)

// Profile is one media profile the device offers.
type Profile struct {
	// Token identifies the profile in GetStreamUri and GetSnapshotUri; it is
	// required. Name defaults to Token.
	Token, Name string
	// Codec is "H264" (the default when empty) or "H265", written as
	// tt:Encoding.
	Codec string
	// Width and Height are the encoder's resolution.
	Width, Height int
	// FPS is the FrameRateLimit.
	FPS int
	// BitrateKbps is the BitrateLimit.
	BitrateKbps int
	// StreamURI is answered by GetStreamUri. "" answers GetStreamUri for
	// this profile with a SOAP fault (ter:InvalidArgVal, "no stream for this
	// profile").
	StreamURI string
	// SnapshotURI is answered by GetSnapshotUri. "" answers the device's own
	// snapshot, http://127.0.0.1:PORT/onvif/snapshot.jpg?profile=TOKEN.
	SnapshotURI string
}

// DefaultProfiles returns the profiles of a Device whose Profiles is empty:
// token "Profile_1" named "MainStream", 1920x1080 H264 30 fps 4096 kb/s at
// rtsp://127.0.0.1:554/main, and token "Profile_2" named "SubStream",
// 640x360 H264 15 fps 512 kb/s at rtsp://127.0.0.1:554/sub.
func DefaultProfiles() []Profile {
	return []Profile{
		{Token: "Profile_1", Name: "MainStream", Codec: "H264", Width: 1920, Height: 1080, FPS: 30, BitrateKbps: 4096, StreamURI: "rtsp://127.0.0.1:554/main"},
		{Token: "Profile_2", Name: "SubStream", Codec: "H264", Width: 640, Height: 360, FPS: 15, BitrateKbps: 512, StreamURI: "rtsp://127.0.0.1:554/sub"},
	}
}

// Device is a stand-in ONVIF camera. Fill the fields, Start, use XAddr and
// DiscoveryAddr, Close. Start fills the empty fields that have a default
// (Manufacturer, Profiles, EndpointUUID ...) so that a test can read what
// the device answers; no field may be changed after Start.
type Device struct {
	// User and Password are the credentials every operation except
	// GetSystemDateAndTime requires. Password "" means no authentication at
	// all (any token or Authorization header is ignored).
	User, Password string
	// Auth is "wsse" (the default when empty): a WS-UsernameToken in the
	// SOAP header (PasswordDigest, or PasswordText). Or "digest": the
	// device ignores WS-Security and demands HTTP Digest (RFC 7616, MD5,
	// qop=auth), like some cameras do.
	Auth string

	// Answered by GetDeviceInformation. Defaults: "RelayTest", "RT-100",
	// "1.0.0", "RT100-0001", "RT-100-HW".
	Manufacturer, Model, Firmware, Serial, HardwareID string
	// Name, Location and Hardware go in the WS-Discovery scopes
	// (onvif://www.onvif.org/name/<Name>, .../location/<Location>,
	// .../hardware/<Hardware>, each path-escaped: spaces as %20). Defaults:
	// "RelayTest Camera", "lab", and the Model.
	Name, Location, Hardware string

	// Profiles are the media profiles (DefaultProfiles when empty).
	Profiles []Profile

	// ClockSkew sets the device's clock to time.Now().Add(ClockSkew).
	// GetSystemDateAndTime reports that clock (UTC), and a UsernameToken
	// whose Created is more than 5 s away from it is refused.
	ClockSkew time.Duration

	// Fault names an operation (e.g. "GetProfiles"), or "*" for all but
	// GetSystemDateAndTime, that answers HTTP 500 with a SOAP 1.2 Fault:
	// Code env:Receiver, Subcode ter:ActionNotSupported, Reason
	// "stand-in fault".
	Fault string
	// Garbage names an operation that answers HTTP 200 with a body that is
	// not XML.
	Garbage string
	// Hang names an operation whose requests are read and never answered;
	// the connection is closed by Close (or when the client gives up).
	// Fault, Garbage and Hang act once the request has passed
	// authentication.
	Hang string

	// Discovery is "" to answer WS-Discovery probes on a unicast UDP socket
	// on 127.0.0.1:0 (see DiscoveryAddr), or "multicast" to join
	// 239.255.255.250 on UDP port 3702 on DiscoveryInterface and answer the
	// probes sent to the group, and the unicast ones sent to that port. The
	// multicast mode is for a private network namespace where the
	// interface is up with multicast on and a 224.0.0.0/4 route.
	Discovery string
	// DiscoveryInterface is the interface the multicast mode joins the
	// group on (default "lo").
	DiscoveryInterface string
	// XAddrInProbe, when set, replaces the device-service address put in
	// the ProbeMatches (a ProbeMatch that points elsewhere).
	XAddrInProbe string
	// WrongRelatesTo makes the ProbeMatches relate to a message that is not
	// the probe.
	WrongRelatesTo bool
	// EndpointUUID is the device's endpoint reference, "urn:uuid:..."; a
	// random one is made at Start when empty.
	EndpointUUID string

	mu       sync.Mutex // guards requests and the state below it
	requests []string
	started  bool
	closed   bool

	authFailures atomic.Int64

	srv       *http.Server
	udp       *net.UDPConn
	discAddr  string
	base      string // http://127.0.0.1:PORT
	snapshot  []byte // the JPEG served at SnapshotPath
	profiles  map[string]*Profile
	digest    digestNonces
	done      chan struct{} // closed by Close: unblocks hung requests
	loops     sync.WaitGroup
	conns     sync.WaitGroup // the HTTP server's connections
	serveDone chan struct{}
}

// Start validates the configuration, fills the defaults, and starts the
// HTTP server on 127.0.0.1:0 and the discovery responder.
func (d *Device) Start() error {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.started {
		return errors.New("onvifcam: already started")
	}
	if err := d.setDefaults(); err != nil {
		return err
	}
	snap, err := makeSnapshot()
	if err != nil {
		return fmt.Errorf("onvifcam: snapshot: %w", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("onvifcam: %w", err)
	}
	udp, discAddr, err := d.listenDiscovery()
	if err != nil {
		ln.Close()
		return err
	}
	d.started = true
	d.snapshot = snap
	d.base = "http://" + ln.Addr().String()
	d.udp, d.discAddr = udp, discAddr
	d.done = make(chan struct{})
	d.serveDone = make(chan struct{})
	d.srv = &http.Server{
		Handler:           d.mux(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          log.New(io.Discard, "", 0),
		ConnState: func(_ net.Conn, s http.ConnState) {
			// StateNew is reported by the Serve goroutine before the
			// connection's goroutine starts, StateClosed at its very end.
			switch s {
			case http.StateNew:
				d.conns.Add(1)
			case http.StateClosed, http.StateHijacked:
				d.conns.Done()
			}
		},
	}
	go func() {
		defer close(d.serveDone)
		d.srv.Serve(ln) // http.ErrServerClosed once Close is called
	}()
	d.loops.Add(1)
	go func() {
		defer d.loops.Done()
		d.discoveryLoop()
	}()
	return nil
}

// setDefaults validates the configuration and fills the empty fields.
func (d *Device) setDefaults() error {
	switch d.Auth {
	case "":
		d.Auth = "wsse"
	case "wsse", "digest":
	default:
		return fmt.Errorf("onvifcam: Auth %q: want wsse, digest or empty", d.Auth)
	}
	switch d.Discovery {
	case "", "multicast":
	default:
		return fmt.Errorf("onvifcam: Discovery %q: want multicast or empty", d.Discovery)
	}
	def := func(s *string, v string) {
		if *s == "" {
			*s = v
		}
	}
	def(&d.Manufacturer, "RelayTest")
	def(&d.Model, "RT-100")
	def(&d.Firmware, "1.0.0")
	def(&d.Serial, "RT100-0001")
	def(&d.HardwareID, "RT-100-HW")
	def(&d.Name, "RelayTest Camera")
	def(&d.Location, "lab")
	def(&d.Hardware, d.Model)
	def(&d.DiscoveryInterface, "lo")
	if d.EndpointUUID == "" {
		d.EndpointUUID = "urn:uuid:" + newUUID()
	}
	if len(d.Profiles) == 0 {
		d.Profiles = DefaultProfiles()
	} else {
		// A copy: the caller's slice is left as it was.
		d.Profiles = append([]Profile(nil), d.Profiles...)
	}
	d.profiles = make(map[string]*Profile, len(d.Profiles))
	for i := range d.Profiles {
		p := &d.Profiles[i]
		if p.Token == "" {
			return fmt.Errorf("onvifcam: profile %d has no Token", i)
		}
		if _, dup := d.profiles[p.Token]; dup {
			return fmt.Errorf("onvifcam: two profiles have the token %q", p.Token)
		}
		def(&p.Name, p.Token)
		def(&p.Codec, "H264")
		if p.Codec != "H264" && p.Codec != "H265" {
			return fmt.Errorf("onvifcam: profile %q: Codec %q: want H264 or H265", p.Token, p.Codec)
		}
		d.profiles[p.Token] = p
	}
	return nil
}

// XAddr returns the device service's address,
// "http://127.0.0.1:PORT/onvif/device_service". Valid after Start.
func (d *Device) XAddr() string { return d.base + DevicePath }

// mediaXAddr returns the media service's address.
func (d *Device) mediaXAddr() string { return d.base + MediaPath }

// DiscoveryAddr returns where probes are answered: "127.0.0.1:PORT" of the
// unicast responder, or "239.255.255.250:3702" in multicast mode. Valid
// after Start.
func (d *Device) DiscoveryAddr() string { return d.discAddr }

// Endpoint returns the device's endpoint reference, "urn:uuid:...". Valid
// after Start.
func (d *Device) Endpoint() string { return d.EndpointUUID }

// Requests returns the names of the SOAP operations received so far, in
// order, whatever their answer was (refused, faulted, hung ...). A body that
// is not a SOAP envelope names no operation and is not listed.
func (d *Device) Requests() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.requests...)
}

// AuthFailures returns how many requests were refused for authentication:
// WS-Security refusals, and requests whose Digest answer was wrong (a
// request without an Authorization header, which gets the challenge, or
// with a stale nonce, is not counted).
func (d *Device) AuthFailures() int { return int(d.authFailures.Load()) }

// record adds an operation to Requests.
func (d *Device) record(op string) {
	d.mu.Lock()
	d.requests = append(d.requests, op)
	d.mu.Unlock()
}

// Close stops the HTTP server and the discovery responder, ends the hung
// requests, and waits for every goroutine the device started. It may be
// called more than once, and before Start.
func (d *Device) Close() {
	d.mu.Lock()
	if !d.started || d.closed {
		d.mu.Unlock()
		return
	}
	d.closed = true
	d.mu.Unlock()
	// The server's connections are closed before the hung handlers are
	// released, so that their clients see the connection drop rather than
	// an empty answer.
	d.srv.Close()
	close(d.done)
	d.udp.Close() // ends discoveryLoop
	<-d.serveDone
	d.conns.Wait()
	d.loops.Wait()
}

// newUUID returns a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	rand.Read(b[:]) // never fails (crypto/rand)
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// scopes returns the WS-Discovery scopes, space separated.
func (d *Device) scopes() string {
	const p = "onvif://www.onvif.org/"
	return strings.Join([]string{
		p + "type/video_encoder",
		p + "Profile/Streaming",
		p + "name/" + scopeEscape(d.Name),
		p + "location/" + scopeEscape(d.Location),
		p + "hardware/" + scopeEscape(d.Hardware),
	}, " ")
}

// scopeEscape escapes a scope's last path segment (spaces as %20).
func scopeEscape(s string) string { return url.PathEscape(s) }
