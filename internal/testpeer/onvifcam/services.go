package onvifcam

// The HTTP server: the Device and Media services' operations, and the
// snapshot.

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// mux routes the device's HTTP requests. Other methods on these paths get
// 405, other paths 404.
func (d *Device) mux() http.Handler {
	m := http.NewServeMux()
	m.HandleFunc("POST "+DevicePath, d.serveSOAP)
	m.HandleFunc("POST "+MediaPath, d.serveSOAP)
	m.HandleFunc("GET "+SnapshotPath, d.serveSnapshot)
	return m
}

// operation answers one SOAP operation: the element put in the Body, or a
// fault.
type operation func(d *Device, req *soapRequest) (string, *fault)

// operations are the operations the device answers, by local name. Every
// one is served on both service paths.
var operations = map[string]operation{
	"GetSystemDateAndTime": (*Device).getSystemDateAndTime,
	"GetDeviceInformation": (*Device).getDeviceInformation,
	"GetCapabilities":      (*Device).getCapabilities,
	"GetServices":          (*Device).getServices,
	"GetProfiles":          (*Device).getProfiles,
	"GetStreamUri":         (*Device).getStreamURI,
	"GetSnapshotUri":       (*Device).getSnapshotURI,
}

// serveSOAP answers a SOAP request on either service path.
func (d *Device) serveSOAP(w http.ResponseWriter, r *http.Request) {
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		if _, big := errors.AsType[*http.MaxBytesError](err); big {
			writeFault(w, faultTooLarge)
		}
		return // the client is gone
	}
	req, err := parseEnvelope(data)
	if err != nil {
		writeFault(w, faultNotWellFormed(err))
		return
	}
	d.record(req.Op)
	if req.Op != "GetSystemDateAndTime" && !d.authorized(w, r, req) {
		return
	}
	switch {
	case req.Op == d.Hang:
		// Never answered: Close closes the connection, then ends this.
		select {
		case <-r.Context().Done():
		case <-d.done:
		}
		return
	case req.Op == d.Garbage:
		w.Header().Set("Content-Type", soapContentType)
		io.WriteString(w, "<html><body>oops, this is not SOAP")
		return
	case req.Op == d.Fault || (d.Fault == "*" && req.Op != "GetSystemDateAndTime"):
		writeFault(w, faultStandIn)
		return
	}
	op, ok := operations[req.Op]
	if !ok {
		writeFault(w, faultUnknownOp)
		return
	}
	body, f := op(d, req)
	if f != nil {
		writeFault(w, *f)
		return
	}
	writeSOAP(w, http.StatusOK, envelope("", body))
}

// authorized checks a SOAP request's credentials, as Auth says, and
// answers it when they do not pass.
func (d *Device) authorized(w http.ResponseWriter, r *http.Request, req *soapRequest) bool {
	if d.Password == "" {
		return true
	}
	if d.Auth == "digest" {
		return d.digestAuthorized(w, r)
	}
	var tok *usernameToken
	if s := req.Header.Security; s != nil {
		tok = s.UsernameToken
	}
	if !d.tokenValid(tok) {
		d.authFailures.Add(1)
		writeFault(w, faultNotAuthorized)
		return false
	}
	return true
}

// clock returns the device's clock.
func (d *Device) clock() time.Time { return time.Now().Add(d.ClockSkew) }

func (d *Device) getSystemDateAndTime(*soapRequest) (string, *fault) {
	now := d.clock().UTC()
	dateTime := func(name string) string {
		return "<tt:" + name + "><tt:Time>" + elInt("tt:Hour", now.Hour()) + elInt("tt:Minute", now.Minute()) + elInt("tt:Second", now.Second()) +
			"</tt:Time><tt:Date>" + elInt("tt:Year", now.Year()) + elInt("tt:Month", int(now.Month())) + elInt("tt:Day", now.Day()) +
			"</tt:Date></tt:" + name + ">"
	}
	return "<tds:GetSystemDateAndTimeResponse><tds:SystemDateAndTime>" +
		el("tt:DateTimeType", "Manual") + el("tt:DaylightSavings", "false") +
		"<tt:TimeZone>" + el("tt:TZ", "UTC0") + "</tt:TimeZone>" +
		dateTime("UTCDateTime") + dateTime("LocalDateTime") +
		"</tds:SystemDateAndTime></tds:GetSystemDateAndTimeResponse>", nil
}

func (d *Device) getDeviceInformation(*soapRequest) (string, *fault) {
	return "<tds:GetDeviceInformationResponse>" +
		el("tds:Manufacturer", d.Manufacturer) + el("tds:Model", d.Model) + el("tds:FirmwareVersion", d.Firmware) +
		el("tds:SerialNumber", d.Serial) + el("tds:HardwareId", d.HardwareID) +
		"</tds:GetDeviceInformationResponse>", nil
}

func (d *Device) getCapabilities(*soapRequest) (string, *fault) {
	return "<tds:GetCapabilitiesResponse><tds:Capabilities>" +
		"<tt:Device>" + el("tt:XAddr", d.XAddr()) + "</tt:Device>" +
		"<tt:Media>" + el("tt:XAddr", d.mediaXAddr()) +
		"<tt:StreamingCapabilities>" + el("tt:RTPMulticast", "false") + el("tt:RTP_TCP", "true") + el("tt:RTP_RTSP_TCP", "true") +
		"</tt:StreamingCapabilities></tt:Media>" +
		"</tds:Capabilities></tds:GetCapabilitiesResponse>", nil
}

func (d *Device) getServices(*soapRequest) (string, *fault) {
	service := func(ns, xaddr string) string {
		return "<tds:Service>" + el("tds:Namespace", ns) + el("tds:XAddr", xaddr) +
			"<tds:Version>" + elInt("tt:Major", 2) + elInt("tt:Minor", 60) + "</tds:Version></tds:Service>"
	}
	return "<tds:GetServicesResponse>" + service(nsTDS, d.XAddr()) + service(nsTRT, d.mediaXAddr()) +
		"</tds:GetServicesResponse>", nil
}

func (d *Device) getProfiles(*soapRequest) (string, *fault) {
	// One video source, as big as the largest profile, for every profile.
	var srcW, srcH int
	for _, p := range d.Profiles {
		srcW, srcH = max(srcW, p.Width), max(srcH, p.Height)
	}
	n := strconv.Itoa(len(d.Profiles))
	var b strings.Builder
	b.WriteString("<trt:GetProfilesResponse>")
	for i, p := range d.Profiles {
		b.WriteString(`<trt:Profiles token="` + xmlText(p.Token) + `" fixed="true">` + el("tt:Name", p.Name))
		b.WriteString(`<tt:VideoSourceConfiguration token="VideoSourceConfig_1">` +
			el("tt:Name", "VideoSourceConfig_1") + el("tt:UseCount", n) + el("tt:SourceToken", "VideoSource_1") +
			`<tt:Bounds x="0" y="0" width="` + strconv.Itoa(srcW) + `" height="` + strconv.Itoa(srcH) + `"></tt:Bounds>` +
			"</tt:VideoSourceConfiguration>")
		enc := "VideoEncoderConfig_" + strconv.Itoa(i+1)
		b.WriteString(`<tt:VideoEncoderConfiguration token="` + enc + `">` +
			el("tt:Name", enc) + elInt("tt:UseCount", 1) + el("tt:Encoding", p.Codec) +
			"<tt:Resolution>" + elInt("tt:Width", p.Width) + elInt("tt:Height", p.Height) + "</tt:Resolution>" +
			elInt("tt:Quality", 5) +
			"<tt:RateControl>" + elInt("tt:FrameRateLimit", p.FPS) + elInt("tt:EncodingInterval", 1) + elInt("tt:BitrateLimit", p.BitrateKbps) + "</tt:RateControl>")
		if p.Codec == "H264" {
			b.WriteString("<tt:H264>" + elInt("tt:GovLength", 60) + el("tt:H264Profile", "Main") + "</tt:H264>")
		}
		b.WriteString("<tt:Multicast><tt:Address>" + el("tt:Type", "IPv4") + el("tt:IPv4Address", "0.0.0.0") + "</tt:Address>" +
			elInt("tt:Port", 0) + elInt("tt:TTL", 1) + el("tt:AutoStart", "false") + "</tt:Multicast>" +
			el("tt:SessionTimeout", "PT60S") + "</tt:VideoEncoderConfiguration>")
		b.WriteString("</trt:Profiles>")
	}
	b.WriteString("</trt:GetProfilesResponse>")
	return b.String(), nil
}

// mediaURI returns a trt:...Response holding a tt:MediaUri.
func mediaURI(response, uri string) string {
	return "<trt:" + response + "><trt:MediaUri>" + el("tt:Uri", uri) +
		el("tt:InvalidAfterConnect", "false") + el("tt:InvalidAfterReboot", "false") + el("tt:Timeout", "PT0S") +
		"</trt:MediaUri></trt:" + response + ">"
}

// The stream set-ups GetStreamUri accepts.
var (
	streamTypes     = map[string]bool{"RTP-Unicast": true, "RTP-Multicast": true}
	streamProtocols = map[string]bool{"UDP": true, "TCP": true, "RTSP": true, "HTTP": true}
)

func (d *Device) getStreamURI(req *soapRequest) (string, *fault) {
	p, ok := d.profiles[req.Args.ProfileToken]
	if !ok {
		return "", &faultNoProfile
	}
	if s := req.Args.StreamSetup; s == nil || !streamTypes[s.Stream] || !streamProtocols[s.Transport.Protocol] {
		return "", &faultStreamSetup
	}
	if p.StreamURI == "" {
		return "", &faultNoStream
	}
	return mediaURI("GetStreamUriResponse", p.StreamURI), nil
}

func (d *Device) getSnapshotURI(req *soapRequest) (string, *fault) {
	p, ok := d.profiles[req.Args.ProfileToken]
	if !ok {
		return "", &faultNoProfile
	}
	uri := p.SnapshotURI
	if uri == "" {
		uri = d.base + SnapshotPath + "?profile=" + url.QueryEscape(p.Token)
	}
	return mediaURI("GetSnapshotUriResponse", uri), nil
}

// serveSnapshot answers GET /onvif/snapshot.jpg?profile=TOKEN with the
// JPEG, behind HTTP Digest whatever Auth says (none when Password is "").
func (d *Device) serveSnapshot(w http.ResponseWriter, r *http.Request) {
	if d.Password != "" && !d.digestAuthorized(w, r) {
		return
	}
	if _, ok := d.profiles[r.URL.Query().Get("profile")]; !ok {
		http.Error(w, "no such profile", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "image/jpeg")
	w.Header().Set("Content-Length", strconv.Itoa(len(d.snapshot)))
	w.Write(d.snapshot) // the client may be gone
}
