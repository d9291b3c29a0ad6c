// Package discover finds IP cameras and their stream addresses: ONVIF
// WS-Discovery on the local networks (or to one address), the ONVIF Device
// and Media services of a camera, and the RTSP paths of the common brands
// for cameras with ONVIF off.
//
// It is a small client of our own rather than an ONVIF library: the studio
// needs eight operations, a probe that is bounded, cancellable, sent from
// every interface and to one address, and errors it can show a person;
// the libraries served here multicast from one socket for a fixed second
// and bring four modules for XML mapping the standard library does.
package discover

import (
	"cmp"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"golang.org/x/net/ipv4"
)

// WS-Discovery's well-known group and port.
const (
	MulticastAddr       = "239.255.255.250:3702"
	discoveryPort       = 3702
	DefaultProbeTimeout = 3 * time.Second
	maxDatagram         = 64 << 10
	probeRepeat         = 300 * time.Millisecond // UDP is lossy: the probe goes out twice
	nsDiscovery         = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	nsAddressing        = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsNetwork           = "http://www.onvif.org/ver10/network/wsdl"
	actionProbe         = nsDiscovery + "/Probe"
	toDiscovery         = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
)

// Camera is a device that answered a probe.
type Camera struct {
	// Endpoint is the device's stable identity (urn:uuid:...); answers
	// are de-duplicated by it.
	Endpoint string `json:"endpoint"`
	// From is the IP address the answer came from.
	From string `json:"from"`
	// XAddrs are the device service URLs it gave, those on From first.
	XAddrs   []string `json:"xaddrs"`
	Name     string   `json:"name,omitempty"`
	Hardware string   `json:"hardware,omitempty"`
	Location string   `json:"location,omitempty"`
	Scopes   []string `json:"scopes,omitempty"`
	// Warning says what is odd about the answer (its addresses point at
	// another host, it gave none), "" when nothing is.
	Warning string `json:"warning,omitempty"`
}

// Address is the device service URL to Query.
func (c Camera) Address() string {
	if len(c.XAddrs) > 0 {
		return c.XAddrs[0]
	}
	return "http://" + net.JoinHostPort(c.From, "80") + "/onvif/device_service"
}

// ProbeConfig says where to look, and for how long.
type ProbeConfig struct {
	// Timeout is how long answers are collected (DefaultProbeTimeout when
	// 0). Probe returns after it, or when the context ends.
	Timeout time.Duration
	// Address, when set, is the one host[:port] to probe by unicast
	// (port 3702 by default), for a camera on another subnet. Empty:
	// multicast from every up, multicast-capable IPv4 interface.
	Address string
	// Found, when set, is called with each new camera as it answers, one
	// call at a time, before Probe returns; it must not block for long.
	Found func(Camera)
	// Logger receives debug lines (interfaces used, answers ignored).
	Logger *slog.Logger
}

// Probe sends a WS-Discovery Probe for dn:NetworkVideoTransmitter and
// collects the ProbeMatches until the timeout, sorted by address. It fails
// only when no probe could be sent at all.
func Probe(ctx context.Context, cfg ProbeConfig) ([]Camera, error) {
	timeout := cmp.Or(cfg.Timeout, DefaultProbeTimeout)
	if timeout < 0 {
		return nil, errors.New("probe timeout must be positive")
	}
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	id := "urn:uuid:" + uuid4()
	msg := probeMessage(id)

	var conns []*net.UDPConn
	var target *net.UDPAddr
	if cfg.Address != "" {
		addr, err := unicastTarget(ctx, cfg.Address)
		if err != nil {
			return nil, err
		}
		target = addr
		c, err := net.ListenUDP("udp", nil)
		if err != nil {
			return nil, fmt.Errorf("cannot open a UDP socket to probe %s: %w", cfg.Address, err)
		}
		conns = append(conns, c)
	} else {
		target = net.UDPAddrFromAddrPort(netip.MustParseAddrPort(MulticastAddr))
		var err error
		conns, err = multicastSockets(log)
		if err != nil {
			return nil, err
		}
	}

	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	stop := context.AfterFunc(ctx, func() {
		for _, c := range conns {
			c.Close()
		}
	})
	defer func() {
		if stop() {
			for _, c := range conns {
				c.Close()
			}
		}
	}()

	sent := 0
	var sendErr error
	for _, c := range conns {
		if _, err := c.WriteToUDP(msg, target); err != nil {
			sendErr = err
			log.Debug("ws-discovery: probe not sent", "from", c.LocalAddr().String(), "err", err)
			continue
		}
		sent++
	}
	if sent == 0 {
		if cfg.Address != "" {
			return nil, fmt.Errorf("cannot send a probe to %s: %v", cfg.Address, sendErr)
		}
		return nil, fmt.Errorf("cannot send a probe from any network interface: %v", sendErr)
	}

	var (
		mu    sync.Mutex
		seen  = map[string]bool{}
		found []Camera
		wg    sync.WaitGroup
	)
	for _, c := range conns {
		wg.Add(2)
		go func() { // the second probe, in case the first was lost
			defer wg.Done()
			t := time.NewTimer(probeRepeat)
			defer t.Stop()
			select {
			case <-t.C:
				_, _ = c.WriteToUDP(msg, target)
			case <-ctx.Done():
			}
		}()
		go func() {
			defer wg.Done()
			buf := make([]byte, maxDatagram)
			for {
				n, from, err := c.ReadFromUDP(buf)
				if err != nil {
					return // closed at the timeout
				}
				cams, err := parseProbeMatches(buf[:n], id, from.IP)
				if err != nil {
					log.Debug("ws-discovery: answer ignored", "from", from.IP.String(), "err", err)
					continue
				}
				for _, cam := range cams {
					mu.Lock()
					if !seen[cam.Endpoint] {
						seen[cam.Endpoint] = true
						found = append(found, cam)
						if cfg.Found != nil {
							cfg.Found(cam) // under mu: one call at a time
						}
					}
					mu.Unlock()
				}
			}
		}()
	}
	wg.Wait()
	slices.SortFunc(found, func(a, b Camera) int {
		return cmp.Or(compareIP(a.From, b.From), strings.Compare(a.Endpoint, b.Endpoint))
	})
	return found, nil
}

func compareIP(a, b string) int {
	x, errx := netip.ParseAddr(a)
	y, erry := netip.ParseAddr(b)
	if errx != nil || erry != nil {
		return strings.Compare(a, b)
	}
	return x.Compare(y)
}

// unicastTarget resolves host[:port] for a unicast probe.
func unicastTarget(ctx context.Context, address string) (*net.UDPAddr, error) {
	// A URL's port is the web one: the probe goes to 3702.
	host, port, _, err := parseAddress(address)
	if err != nil {
		return nil, err
	}
	ap, err := net.DefaultResolver.LookupNetIP(ctx, "ip4", host)
	if err != nil || len(ap) == 0 {
		return nil, fmt.Errorf("address %q: host not found", clip(address, 80))
	}
	return &net.UDPAddr{IP: ap[0].AsSlice(), Port: cmp.Or(port, discoveryPort)}, nil
}

// Direct is the camera at an address given for a unicast probe, when the
// probe got no answer: WS-Discovery may be off while ONVIF answers. Its
// address is DirectURL's; From is "" when the address is not valid.
func Direct(address string) Camera {
	host, _, _, _ := parseAddress(address)
	u := DirectURL(address)
	return Camera{Endpoint: u, From: host, XAddrs: []string{u},
		Warning: "it did not answer the discovery probe; its ONVIF address is asked directly"}
}

// multicastSockets opens one socket per up, multicast-capable IPv4
// interface, bound to its address and sending on it.
func multicastSockets(log *slog.Logger) ([]*net.UDPConn, error) {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil, fmt.Errorf("cannot list the network interfaces: %w", err)
	}
	var conns []*net.UDPConn
	for _, ifi := range ifaces {
		if ifi.Flags&net.FlagUp == 0 || ifi.Flags&net.FlagMulticast == 0 {
			continue
		}
		addrs, err := ifi.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			ipn, ok := a.(*net.IPNet)
			if !ok || ipn.IP.To4() == nil {
				continue
			}
			c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: ipn.IP})
			if err != nil {
				log.Debug("ws-discovery: interface skipped", "interface", ifi.Name, "err", err)
				continue
			}
			pc := ipv4.NewPacketConn(c)
			_ = pc.SetMulticastTTL(1) // the local network only
			_ = pc.SetMulticastLoopback(true)
			if err := pc.SetMulticastInterface(&ifi); err != nil {
				log.Debug("ws-discovery: interface skipped", "interface", ifi.Name, "err", err)
				c.Close()
				continue
			}
			log.Debug("ws-discovery: probing", "interface", ifi.Name, "address", ipn.IP.String())
			conns = append(conns, c)
			break // one address per interface is enough
		}
	}
	if len(conns) == 0 {
		return nil, errors.New("no network interface can send multicast: connect to the cameras' network, or give a camera's address")
	}
	return conns, nil
}

func probeMessage(id string) []byte {
	return []byte(`<?xml version="1.0" encoding="UTF-8"?>` +
		`<s:Envelope xmlns:s="` + nsEnvelope + `" xmlns:a="` + nsAddressing + `" xmlns:d="` + nsDiscovery + `" xmlns:dn="` + nsNetwork + `">` +
		`<s:Header><a:MessageID>` + id + `</a:MessageID><a:To s:mustUnderstand="1">` + toDiscovery + `</a:To>` +
		`<a:Action s:mustUnderstand="1">` + actionProbe + `</a:Action></s:Header>` +
		`<s:Body><d:Probe><d:Types>dn:NetworkVideoTransmitter</d:Types></d:Probe></s:Body></s:Envelope>`)
}

// probeMatches is the part of a ProbeMatches message read here.
type probeMatches struct {
	RelatesTo string `xml:"Header>RelatesTo"`
	Matches   []struct {
		Address string `xml:"EndpointReference>Address"`
		Types   string `xml:"Types"`
		Scopes  string `xml:"Scopes"`
		XAddrs  string `xml:"XAddrs"`
	} `xml:"Body>ProbeMatches>ProbeMatch"`
}

// parseProbeMatches reads one answer to the probe id, received from from.
func parseProbeMatches(data []byte, id string, from net.IP) ([]Camera, error) {
	var pm probeMatches
	if err := xml.Unmarshal(data, &pm); err != nil {
		return nil, errors.New("not a WS-Discovery message")
	}
	if strings.TrimSpace(pm.RelatesTo) != id {
		return nil, errors.New("an answer to another probe")
	}
	if len(pm.Matches) == 0 {
		return nil, errors.New("no ProbeMatch in it")
	}
	var out []Camera
	for _, m := range pm.Matches {
		cam := Camera{Endpoint: clip(strings.TrimSpace(m.Address), 200), From: from.String()}
		if cam.Endpoint == "" {
			cam.Endpoint = "from " + cam.From
		}
		var other []string
		for _, x := range strings.Fields(m.XAddrs) {
			u, err := url.Parse(x)
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
				continue
			}
			if len(cam.XAddrs)+len(other) >= 8 {
				break
			}
			if u.Hostname() == cam.From {
				cam.XAddrs = append(cam.XAddrs, u.String())
			} else {
				other = append(other, u.String())
			}
		}
		switch {
		case len(cam.XAddrs) == 0 && len(other) > 0:
			cam.Warning = fmt.Sprintf("it answered from %s but gives its address as %s: it may not be reachable from here", cam.From, hostOf(other[0]))
		case len(cam.XAddrs) == 0:
			cam.Warning = "it gave no ONVIF address; trying " + cam.Address()
		}
		cam.XAddrs = append(cam.XAddrs, other...)
		for _, s := range strings.Fields(m.Scopes) {
			if len(cam.Scopes) >= 32 {
				break
			}
			cam.Scopes = append(cam.Scopes, clip(s, 200))
			switch {
			case cam.Name == "" && scopeIs(s, "name"):
				cam.Name = scopeValue(s, "name")
			case cam.Hardware == "" && scopeIs(s, "hardware"):
				cam.Hardware = scopeValue(s, "hardware")
			case cam.Location == "" && scopeIs(s, "location"):
				cam.Location = scopeValue(s, "location")
			}
		}
		out = append(out, cam)
	}
	return out, nil
}

const scopePrefix = "onvif://www.onvif.org/"

func scopeIs(s, kind string) bool { return strings.HasPrefix(s, scopePrefix+kind+"/") }

// scopeValue is the unescaped rest of onvif://www.onvif.org/KIND/VALUE
// (location scopes may nest: city/Paris is shown as "city Paris").
func scopeValue(s, kind string) string {
	v := strings.TrimPrefix(s, scopePrefix+kind+"/")
	if u, err := url.PathUnescape(v); err == nil {
		v = u
	}
	return clip(strings.ReplaceAll(v, "/", " "), 80)
}

// uuid4 is a random RFC 4122 UUID.
func uuid4() string {
	b := []byte(randomHex(16))
	h := string(b)
	// version 4, variant 10
	return h[0:8] + "-" + h[8:12] + "-4" + h[13:16] + "-" + string("89ab"[h[16]%4]) + h[17:20] + "-" + h[20:32]
}
