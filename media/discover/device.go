package discover

// The ONVIF Device and Media services: who the camera is, its clock, its
// media profiles and the RTSP and snapshot address of each.

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Timeouts of Query.
const (
	DefaultQueryTimeout   = 15 * time.Second
	DefaultRequestTimeout = 5 * time.Second
)

// QueryConfig says which camera to ask, and as whom.
type QueryConfig struct {
	// Address is the camera's device service URL (an XAddr from Probe),
	// or host[:port], which means http://host[:port]/onvif/device_service.
	Address string
	// User and Password are the camera's ONVIF account ("" for none).
	User, Password string
	// Timeout bounds the whole query (DefaultQueryTimeout when 0);
	// RequestTimeout each request (DefaultRequestTimeout when 0).
	Timeout, RequestTimeout time.Duration
	// Logger receives debug lines; it defaults to discarding. Nothing
	// logged contains the password.
	Logger *slog.Logger
}

// Device is what a camera said about itself.
type Device struct {
	Address      string `json:"address"` // the device service URL
	Manufacturer string `json:"manufacturer,omitempty"`
	Model        string `json:"model,omitempty"`
	Firmware     string `json:"firmware,omitempty"`
	Serial       string `json:"serial,omitempty"`
	HardwareID   string `json:"hardware_id,omitempty"`
	// ClockOffset is the camera's clock minus ours (0 when it did not
	// say). The login digests are made with the camera's clock.
	ClockOffset time.Duration `json:"clock_offset_ns"`
	// Profiles, in the camera's order; see Main and Sub.
	Profiles []Profile `json:"profiles"`
}

// Profile is one ONVIF media profile: an encoder setting and where to read it.
type Profile struct {
	Token       string  `json:"token"`
	Name        string  `json:"name"`
	Codec       string  `json:"codec,omitempty"` // "H264", "H265", "JPEG", "MPEG4" as the camera says
	Width       int     `json:"width,omitempty"`
	Height      int     `json:"height,omitempty"`
	FPS         float64 `json:"fps,omitempty"`
	BitrateKbps int     `json:"bitrate_kbps,omitempty"`
	// StreamURI is the RTSP address, without credentials; "" when the
	// camera gave none, and then Problem says why.
	StreamURI   string `json:"stream_uri,omitempty"`
	SnapshotURI string `json:"snapshot_uri,omitempty"`
	Problem     string `json:"problem,omitempty"`
}

// Streamable: the profile has an RTSP address in a codec the studio reads.
func (p Profile) Streamable() bool {
	return p.StreamURI != "" && (p.Codec == "H264" || p.Codec == "H265" || p.Codec == "")
}

// Main is the index of the profile to stream by default: the largest
// streamable picture (the camera's first on a tie); -1 if none.
func (d Device) Main() int {
	best := -1
	for i, p := range d.Profiles {
		if p.Streamable() && (best < 0 || p.Width*p.Height > d.Profiles[best].Width*d.Profiles[best].Height) {
			best = i
		}
	}
	return best
}

// Sub is the index of the light profile: the smallest streamable picture
// other than Main; -1 if there is only one.
func (d Device) Sub() int {
	main, best := d.Main(), -1
	for i, p := range d.Profiles {
		if i == main || !p.Streamable() || (main >= 0 && p.StreamURI == d.Profiles[main].StreamURI) {
			continue
		}
		if best < 0 || p.Width*p.Height < d.Profiles[best].Width*d.Profiles[best].Height {
			best = i
		}
	}
	return best
}

// DeviceURL turns what a person typed (host, host:port, or a URL) into a
// device service URL.
func DeviceURL(address string) (string, error) {
	a := strings.TrimSpace(address)
	if a == "" {
		return "", errors.New("camera address is empty: want host[:port] or http://host/onvif/device_service")
	}
	if !strings.Contains(a, "://") {
		a = "http://" + a + "/onvif/device_service"
	}
	u, err := url.Parse(a)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("camera address %q is not valid: want host[:port] or http://host/onvif/device_service", clip(address, 80))
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("camera address %q: ONVIF speaks http or https, not %s", clip(address, 80), u.Scheme)
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return "", fmt.Errorf("camera address %q: port must be a number between 1 and 65535", clip(address, 80))
		}
	}
	if u.User != nil {
		return "", errors.New("camera address must not hold a user or password: give them separately")
	}
	if u.Path == "" || u.Path == "/" {
		u.Path = "/onvif/device_service"
	}
	return u.String(), nil
}

// DirectURL is the device service to ask at an address given for a
// unicast probe (host[:port], where the port is the probe's), when the
// probe got no answer: the address itself when it is a URL, else
// http://host/onvif/device_service.
func DirectURL(address string) string {
	host, _, u, err := parseAddress(address)
	if u != nil && err == nil {
		if d, err := DeviceURL(address); err == nil {
			return d
		}
	}
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	return "http://" + host + "/onvif/device_service"
}

// Query asks the camera at cfg.Address who it is and what it streams:
// GetSystemDateAndTime (for the clock), GetDeviceInformation,
// GetCapabilities (or GetServices) for the media service, GetProfiles,
// then GetStreamUri (RTP unicast over RTSP) and GetSnapshotUri of each
// profile. A profile the camera gives no stream for keeps a Problem; a
// failure of the whole query is an *Error.
func Query(ctx context.Context, cfg QueryConfig) (Device, error) {
	addr, err := DeviceURL(cfg.Address)
	if err != nil {
		return Device{}, err
	}
	timeout := cmp.Or(cfg.Timeout, DefaultQueryTimeout)
	reqTimeout := cmp.Or(cfg.RequestTimeout, DefaultRequestTimeout)
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	log := cfg.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	transport := &http.Transport{
		Proxy:                 nil, // cameras are on the LAN
		DialContext:           (&net.Dialer{Timeout: reqTimeout}).DialContext,
		ResponseHeaderTimeout: reqTimeout,
		TLSHandshakeTimeout:   reqTimeout,
		MaxIdleConnsPerHost:   2,
	}
	defer transport.CloseIdleConnections()
	c := &soapClient{
		http:    &http.Client{Transport: transport, Timeout: reqTimeout, CheckRedirect: noRedirect},
		camera:  hostOf(addr),
		user:    cfg.User,
		pass:    cfg.Password,
		timeout: reqTimeout,
		log:     log,
	}
	d := Device{Address: addr}

	// The clock first, without credentials: cameras refuse a login digest
	// made more than a few seconds off their clock.
	if off, err := c.clock(ctx, addr); err != nil {
		if errors.Is(err, ErrUnreachable) || ctx.Err() != nil {
			return d, err
		}
		log.Debug("onvif: no clock from the camera; using ours", "camera", c.camera, "err", err)
	} else {
		d.ClockOffset = off
		c.mu.Lock()
		c.offset = off
		c.mu.Unlock()
		if off.Abs() > 5*time.Second {
			log.Debug("onvif: camera clock is off", "camera", c.camera, "offset", off.Round(time.Second))
		}
	}

	var info struct {
		R *struct {
			Manufacturer, Model, FirmwareVersion, SerialNumber, HardwareId string
		} `xml:"Body>GetDeviceInformationResponse"`
	}
	if err := c.call(ctx, addr, "GetDeviceInformation", `<tds:GetDeviceInformation/>`, false, &info); err != nil {
		return d, err
	}
	if info.R == nil {
		return d, missing(c.camera, "GetDeviceInformation", "GetDeviceInformationResponse")
	}
	d.Manufacturer, d.Model = clip(info.R.Manufacturer, 80), clip(info.R.Model, 80)
	d.Firmware, d.Serial, d.HardwareID = clip(info.R.FirmwareVersion, 80), clip(info.R.SerialNumber, 80), clip(info.R.HardwareId, 80)

	media := c.mediaService(ctx, addr)
	if ctx.Err() != nil {
		return d, netError(c.camera, "GetCapabilities", ctx.Err(), timeout.String())
	}

	var profiles profilesAnswer
	if err := c.call(ctx, media, "GetProfiles", `<trt:GetProfiles/>`, false, &profiles); err != nil {
		return d, err
	}
	if profiles.R == nil {
		return d, missing(c.camera, "GetProfiles", "GetProfilesResponse")
	}
	for _, pr := range profiles.profiles() {
		if pr.Problem != "" {
			d.Profiles = append(d.Profiles, pr)
			continue
		}
		uri, err := c.uri(ctx, media, "GetStreamUri", pr.Token, true)
		switch {
		case err != nil && (errors.Is(err, ErrUnauthorized) || errors.Is(err, ErrUnreachable)):
			return d, err
		case err != nil:
			pr.Problem = "no stream address: " + strings.TrimPrefix(err.Error(), "camera "+c.camera+": ")
		default:
			pr.StreamURI = sameHost(uri, addr)
		}
		if snap, err := c.uri(ctx, media, "GetSnapshotUri", pr.Token, false); err == nil {
			pr.SnapshotURI = sameHost(snap, addr)
		} else if errors.Is(err, ErrUnreachable) {
			return d, err
		}
		d.Profiles = append(d.Profiles, pr)
	}
	if len(d.Profiles) == 0 {
		return d, &Error{Camera: c.camera, Op: "GetProfiles", kind: ErrBadAnswer, msg: "has no media profiles: set one up in the camera's web page"}
	}
	return d, nil
}

// profilesAnswer is a GetProfilesResponse as read here.
type profilesAnswer struct {
	R *struct {
		Profiles []struct {
			Token string `xml:"token,attr"`
			Name  string `xml:"Name"`
			Enc   *struct {
				Encoding string  `xml:"Encoding"`
				Width    int     `xml:"Resolution>Width"`
				Height   int     `xml:"Resolution>Height"`
				FPS      float64 `xml:"RateControl>FrameRateLimit"`
				Bitrate  int     `xml:"RateControl>BitrateLimit"`
			} `xml:"VideoEncoderConfiguration"`
		} `xml:"Profiles"`
	} `xml:"Body>GetProfilesResponse"`
}

// profiles are the answer's profiles, without their addresses yet; a
// profile that cannot be streamed has its Problem set.
func (a profilesAnswer) profiles() []Profile {
	var out []Profile
	for _, p := range a.R.Profiles {
		if len(out) >= maxProfiles {
			break
		}
		pr := Profile{Token: clip(p.Token, 64), Name: clip(p.Name, 60)}
		if pr.Name == "" {
			pr.Name = pr.Token
		}
		switch {
		case p.Enc == nil:
			pr.Problem = "this profile has no video"
		case pr.Token == "":
			pr.Problem = "the camera gave this profile no token"
		}
		if p.Enc != nil {
			pr.Codec = strings.ToUpper(clip(p.Enc.Encoding, 16))
			pr.Width, pr.Height = min(max(p.Enc.Width, 0), 16384), min(max(p.Enc.Height, 0), 16384)
			pr.BitrateKbps = min(max(p.Enc.Bitrate, 0), 1<<20)
			if p.Enc.FPS > 0 && p.Enc.FPS < 1000 {
				pr.FPS = p.Enc.FPS
			}
		}
		out = append(out, pr)
	}
	return out
}

// maxProfiles bounds the profiles read from one camera (each costs two
// requests).
const maxProfiles = 16

func noRedirect(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

func missing(camera, op, elem string) error {
	return &Error{Camera: camera, Op: op, kind: ErrBadAnswer, msg: "answered " + op + " without " + elem + ": is this the camera's ONVIF address?"}
}

// clock asks GetSystemDateAndTime and returns the camera's clock minus ours.
func (c *soapClient) clock(ctx context.Context, addr string) (time.Duration, error) {
	var ans clockAnswer
	sent := time.Now()
	if err := c.call(ctx, addr, "GetSystemDateAndTime", `<tds:GetSystemDateAndTime/>`, true, &ans); err != nil {
		return 0, err
	}
	cam, ok := ans.time()
	if !ok {
		return 0, missing(c.camera, "GetSystemDateAndTime", "a valid UTCDateTime")
	}
	// The answer was made somewhere between sending and now.
	mid := sent.Add(time.Since(sent) / 2)
	return cam.Sub(mid).Round(time.Second), nil
}

// clockAnswer is a GetSystemDateAndTimeResponse as read here.
type clockAnswer struct {
	R *struct {
		UTC *struct {
			Hour   int `xml:"Time>Hour"`
			Minute int `xml:"Time>Minute"`
			Second int `xml:"Time>Second"`
			Year   int `xml:"Date>Year"`
			Month  int `xml:"Date>Month"`
			Day    int `xml:"Date>Day"`
		} `xml:"SystemDateAndTime>UTCDateTime"`
	} `xml:"Body>GetSystemDateAndTimeResponse"`
}

// time is the camera's UTC clock; ok is false when the answer has none
// that makes sense.
func (a clockAnswer) time() (time.Time, bool) {
	if a.R == nil || a.R.UTC == nil {
		return time.Time{}, false
	}
	u := a.R.UTC
	if u.Year < 1970 || u.Year > 9999 || u.Month < 1 || u.Month > 12 || u.Day < 1 || u.Day > 31 ||
		u.Hour < 0 || u.Hour > 23 || u.Minute < 0 || u.Minute > 59 || u.Second < 0 || u.Second > 60 {
		return time.Time{}, false
	}
	return time.Date(u.Year, time.Month(u.Month), u.Day, u.Hour, u.Minute, u.Second, 0, time.UTC), true
}

// mediaService is the media service's address: from GetCapabilities,
// else GetServices, else the device service itself (many cameras answer
// every service there).
func (c *soapClient) mediaService(ctx context.Context, addr string) string {
	var caps struct {
		R *struct {
			Media string `xml:"Capabilities>Media>XAddr"`
		} `xml:"Body>GetCapabilitiesResponse"`
	}
	err := c.call(ctx, addr, "GetCapabilities", `<tds:GetCapabilities><tds:Category>Media</tds:Category></tds:GetCapabilities>`, false, &caps)
	if err == nil && caps.R != nil && strings.TrimSpace(caps.R.Media) != "" {
		return sameHost(strings.TrimSpace(caps.R.Media), addr)
	}
	c.log.Debug("onvif: no media service from GetCapabilities", "camera", c.camera, "err", err)
	var svcs struct {
		R *struct {
			Services []struct {
				Namespace string `xml:"Namespace"`
				XAddr     string `xml:"XAddr"`
			} `xml:"Service"`
		} `xml:"Body>GetServicesResponse"`
	}
	err = c.call(ctx, addr, "GetServices", `<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>`, false, &svcs)
	if err == nil && svcs.R != nil {
		for _, s := range svcs.R.Services {
			if strings.TrimSpace(s.Namespace) == nsMedia && strings.TrimSpace(s.XAddr) != "" {
				return sameHost(strings.TrimSpace(s.XAddr), addr)
			}
		}
	}
	c.log.Debug("onvif: no media service from GetServices; using the device service", "camera", c.camera, "err", err)
	return addr
}

// uri asks GetStreamUri (stream) or GetSnapshotUri for a profile.
func (c *soapClient) uri(ctx context.Context, media, op, token string, stream bool) (string, error) {
	body := `<trt:` + op + `>`
	if stream {
		body += `<trt:StreamSetup><tt:Stream>RTP-Unicast</tt:Stream><tt:Transport><tt:Protocol>RTSP</tt:Protocol></tt:Transport></trt:StreamSetup>`
	}
	body += `<trt:ProfileToken>` + escape(token) + `</trt:ProfileToken></trt:` + op + `>`
	var ans uriAnswer
	if err := c.call(ctx, media, op, body, false, &ans); err != nil {
		return "", err
	}
	u, msg := ans.uri(op, stream)
	if msg != "" {
		return "", &Error{Camera: c.camera, Op: op, kind: ErrBadAnswer, msg: msg}
	}
	return u, nil
}

// uriAnswer is a GetStreamUriResponse or GetSnapshotUriResponse (the
// element is named after the operation) as read here.
type uriAnswer struct {
	Body struct {
		Answers []struct {
			URI string `xml:"MediaUri>Uri"`
		} `xml:",any"`
	} `xml:"Body"`
}

// uri is the address in the answer, without user info, or what is wrong
// with it.
func (a uriAnswer) uri(op string, stream bool) (string, string) {
	for _, in := range a.Body.Answers {
		u := strings.TrimSpace(in.URI)
		if u == "" {
			continue
		}
		pu, err := url.Parse(u)
		if err != nil || pu.Host == "" {
			return "", "answered " + op + " with an address that is not a URL"
		}
		if stream && pu.Scheme != "rtsp" && pu.Scheme != "rtsps" {
			return "", "gave a stream address that is not rtsp:// (" + clip(pu.Scheme, 16) + ")"
		}
		pu.User = nil // the person's credentials go in separately
		return pu.String(), ""
	}
	return "", "answered " + op + " without an address"
}

// sameHost points a camera-given URL at the host we reached the camera on,
// when it names another: cameras often report an address they do not have
// any more (a factory default, or the inside of a NAT). The port stays.
func sameHost(raw, device string) string {
	u, err := url.Parse(raw)
	d, derr := url.Parse(device)
	if err != nil || derr != nil || u.Hostname() == d.Hostname() {
		return raw
	}
	if ip := net.ParseIP(u.Hostname()); ip == nil || !(ip.IsUnspecified() || ip.IsPrivate() || ip.IsLoopback() || ip.IsLinkLocalUnicast()) {
		return raw // a public name: the camera means it
	}
	host := d.Hostname()
	if strings.Contains(host, ":") {
		host = "[" + host + "]"
	}
	if p := u.Port(); p != "" {
		host += ":" + p
	}
	u.Host = host
	return u.String()
}
