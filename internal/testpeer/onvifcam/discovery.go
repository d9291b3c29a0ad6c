package onvifcam

// WS-Discovery (2005/04, SOAP 1.2 over UDP): the device answers Probes for
// network video transmitters with a ProbeMatch, by unicast to the sender.

import (
	"encoding/xml"
	"fmt"
	"net"
	"strings"
)

// Discovery's addressing constants.
const (
	discoveryURN       = "urn:schemas-xmlsoap-org:ws:2005:04:discovery"
	actionProbe        = "http://schemas.xmlsoap.org/ws/2005/04/discovery/Probe"
	actionProbeMatches = "http://schemas.xmlsoap.org/ws/2005/04/discovery/ProbeMatches"
	anonymous          = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// listenDiscovery opens the responder's socket and returns it with the
// address probes are sent to.
func (d *Device) listenDiscovery() (*net.UDPConn, string, error) {
	if d.Discovery != "multicast" {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			return nil, "", fmt.Errorf("onvifcam: discovery: %w", err)
		}
		return c, c.LocalAddr().String(), nil
	}
	ifi, err := net.InterfaceByName(d.DiscoveryInterface)
	if err != nil {
		return nil, "", fmt.Errorf("onvifcam: discovery interface: %w", err)
	}
	group := &net.UDPAddr{IP: net.ParseIP(DiscoveryGroup), Port: DiscoveryPort}
	// Bound to 0.0.0.0:3702 with the group joined on ifi: unicast probes to
	// that port are read too.
	c, err := net.ListenMulticastUDP("udp4", ifi, group)
	if err != nil {
		return nil, "", fmt.Errorf("onvifcam: discovery: %w", err)
	}
	return c, group.String(), nil
}

// discoveryLoop answers probes until the socket is closed.
func (d *Device) discoveryLoop() {
	buf := make([]byte, 64<<10)
	for {
		n, from, err := d.udp.ReadFromUDP(buf)
		if err != nil {
			return // closed by Close (a UDP socket has no other read error worth going on after)
		}
		if reply := d.probeMatches(buf[:n]); reply != nil {
			d.udp.WriteToUDP(reply, from) // a lost answer is a lost datagram
		}
	}
}

// probe is what the device reads from a Probe. Elements are matched on
// their local names, the envelope on its namespace too.
type probe struct {
	XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
	Header  struct {
		MessageID string `xml:"MessageID"`
		Action    string `xml:"Action"`
	} `xml:"Header"`
	Body struct {
		Probe *struct {
			Types string `xml:"Types"`
		} `xml:"Probe"`
	} `xml:"Body"`
}

// probeMatches returns the answer to a datagram, or nil when it is not a
// Probe (with a MessageID and the Probe action) that asks for a device
// like this one. The Scopes of a probe are not matched.
func (d *Device) probeMatches(packet []byte) []byte {
	var p probe
	if err := xml.Unmarshal(packet, &p); err != nil || p.Body.Probe == nil {
		return nil
	}
	id := strings.TrimSpace(p.Header.MessageID)
	if id == "" || strings.TrimSpace(p.Header.Action) != actionProbe || !wantsUs(p.Body.Probe.Types) {
		return nil
	}
	relatesTo := id
	if d.WrongRelatesTo {
		relatesTo = "urn:uuid:" + newUUID()
	}
	xaddr := d.XAddrInProbe
	if xaddr == "" {
		xaddr = d.XAddr()
	}
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<env:Envelope xmlns:env="` + nsEnv + `" xmlns:wsa="` + nsWSA + `" xmlns:d="` + nsD +
		`" xmlns:dn="` + nsDN + `" xmlns:tds="` + nsTDS + `">`)
	b.WriteString("<env:Header>" + el("wsa:MessageID", "urn:uuid:"+newUUID()) + el("wsa:RelatesTo", relatesTo) +
		el("wsa:To", anonymous) + el("wsa:Action", actionProbeMatches) + "</env:Header>")
	b.WriteString("<env:Body><d:ProbeMatches><d:ProbeMatch>" +
		"<wsa:EndpointReference>" + el("wsa:Address", d.Endpoint()) + "</wsa:EndpointReference>" +
		el("d:Types", "dn:NetworkVideoTransmitter tds:Device") + el("d:Scopes", d.scopes()) +
		el("d:XAddrs", xaddr) + el("d:MetadataVersion", "1") +
		"</d:ProbeMatch></d:ProbeMatches></env:Body></env:Envelope>\n")
	return []byte(b.String())
}

// wantsUs reports whether a probe's Types (QNames, space separated) asks
// for any device, or for a NetworkVideoTransmitter or a Device (matched on
// the local part).
func wantsUs(types string) bool {
	fields := strings.Fields(types)
	if len(fields) == 0 {
		return true
	}
	for _, qn := range fields {
		local := qn[strings.LastIndexByte(qn, ':')+1:]
		if local == "NetworkVideoTransmitter" || local == "Device" {
			return true
		}
	}
	return false
}
