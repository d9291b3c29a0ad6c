package onvifcam

// SOAP 1.2 over HTTP: reading a request envelope, writing answers and
// faults.

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// XML namespaces.
const (
	nsEnv  = "http://www.w3.org/2003/05/soap-envelope"
	nsTDS  = "http://www.onvif.org/ver10/device/wsdl"
	nsTRT  = "http://www.onvif.org/ver10/media/wsdl"
	nsTT   = "http://www.onvif.org/ver10/schema"
	nsTER  = "http://www.onvif.org/ver10/error"
	nsWSSE = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-secext-1.0.xsd"
	nsWSU  = "http://docs.oasis-open.org/wss/2004/01/oasis-200401-wss-wssecurity-utility-1.0.xsd"
	nsD    = "http://schemas.xmlsoap.org/ws/2005/04/discovery"
	nsWSA  = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsDN   = "http://www.onvif.org/ver10/network/wsdl"
)

// maxBody bounds a request body.
const maxBody = 64 << 10

// soapContentType is the Content-Type of every SOAP answer.
const soapContentType = "application/soap+xml; charset=utf-8"

// soapRequest is what the device reads from a request envelope. Elements
// are matched on their local names: clients use different prefixes, and
// the device is no stricter about namespaces than most cameras.
type soapRequest struct {
	// Op is the local name of the Body's first child element.
	Op     string
	Header soapHeader
	Args   opArgs
}

type soapHeader struct {
	Security *struct {
		UsernameToken *usernameToken `xml:"UsernameToken"`
	} `xml:"Security"`
}

// usernameToken is a WS-Security UsernameToken.
type usernameToken struct {
	Username string `xml:"Username"`
	Password struct {
		Type  string `xml:"Type,attr"`
		Value string `xml:",chardata"`
	} `xml:"Password"`
	Nonce struct {
		EncodingType string `xml:"EncodingType,attr"`
		Value        string `xml:",chardata"`
	} `xml:"Nonce"`
	Created string `xml:"Created"`
}

// opArgs are the arguments of the operations that take some.
type opArgs struct {
	ProfileToken string `xml:"ProfileToken"`
	StreamSetup  *struct {
		Stream    string `xml:"Stream"`
		Transport struct {
			Protocol string `xml:"Protocol"`
		} `xml:"Transport"`
	} `xml:"StreamSetup"`
}

var (
	errNotEnvelope = errors.New("not a SOAP 1.2 envelope")
	errEmptyBody   = errors.New("the SOAP Body has no operation")
)

// parseEnvelope reads a SOAP 1.2 envelope: the whole document must be
// well-formed XML whose root is env:Envelope, with an env:Body holding an
// element.
func parseEnvelope(data []byte) (*soapRequest, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	root, err := rootElement(dec)
	if err != nil {
		return nil, err
	}
	if root.Name.Space != nsEnv || root.Name.Local != "Envelope" {
		return nil, errNotEnvelope
	}
	req := new(soapRequest)
	body := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		if _, end := tok.(xml.EndElement); end {
			break // </env:Envelope>: the decoder checks that the tags match
		}
		start, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch {
		case start.Name.Space == nsEnv && start.Name.Local == "Header":
			err = dec.DecodeElement(&req.Header, &start)
		case start.Name.Space == nsEnv && start.Name.Local == "Body" && !body:
			body = true
			err = parseBody(dec, req)
		default:
			err = dec.Skip()
		}
		if err != nil {
			return nil, err
		}
	}
	if !body {
		return nil, errNotEnvelope
	}
	if req.Op == "" {
		return nil, errEmptyBody
	}
	// Nothing but comments and white space may follow the envelope.
	if _, err := rootElement(dec); err != io.EOF {
		return nil, errNotEnvelope
	}
	return req, nil
}

// rootElement returns the next start element, skipping the XML declaration,
// comments and white space; anything else is an error. At the end of the
// document it returns io.EOF.
func rootElement(dec *xml.Decoder) (xml.StartElement, error) {
	for {
		tok, err := dec.Token()
		if err != nil {
			return xml.StartElement{}, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, errNotEnvelope
			}
		case xml.ProcInst, xml.Comment:
		default:
			return xml.StartElement{}, errNotEnvelope
		}
	}
}

// parseBody reads the env:Body's children up to its end tag: the first
// element names the operation and holds its arguments.
func parseBody(dec *xml.Decoder, req *soapRequest) error {
	for {
		tok, err := dec.Token()
		if err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.EndElement:
			return nil
		case xml.StartElement:
			if req.Op != "" {
				if err := dec.Skip(); err != nil {
					return err
				}
				continue
			}
			req.Op = t.Name.Local
			if err := dec.DecodeElement(&req.Args, &t); err != nil {
				return err
			}
		}
	}
}

// xmlText returns s escaped for XML text and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	xml.EscapeText(&b, []byte(s)) // a strings.Builder never fails
	return b.String()
}

// el returns <name>text</name>, text escaped.
func el(name, text string) string {
	return "<" + name + ">" + xmlText(text) + "</" + name + ">"
}

// elInt returns <name>n</name>.
func elInt(name string, n int) string { return el(name, strconv.Itoa(n)) }

// envelope wraps body in a SOAP 1.2 envelope that declares the namespaces
// of the answers.
func envelope(header, body string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	b.WriteString(`<env:Envelope xmlns:env="` + nsEnv + `" xmlns:tds="` + nsTDS + `" xmlns:trt="` + nsTRT +
		`" xmlns:tt="` + nsTT + `" xmlns:ter="` + nsTER + `">`)
	if header != "" {
		b.WriteString("<env:Header>" + header + "</env:Header>")
	}
	b.WriteString("<env:Body>" + body + "</env:Body></env:Envelope>\n")
	return []byte(b.String())
}

// fault is a SOAP 1.2 Fault and the HTTP status it is sent with.
type fault struct {
	status int
	code   string   // "env:Sender" or "env:Receiver"
	sub    []string // nested Subcode values, e.g. "ter:InvalidArgVal", "ter:NoProfile"
	reason string
}

// element returns the env:Fault element.
func (f fault) element() string {
	var b strings.Builder
	b.WriteString("<env:Fault><env:Code><env:Value>" + f.code + "</env:Value>")
	for _, s := range f.sub {
		b.WriteString("<env:Subcode><env:Value>" + s + "</env:Value>")
	}
	for range f.sub {
		b.WriteString("</env:Subcode>")
	}
	b.WriteString(`</env:Code><env:Reason><env:Text xml:lang="en">` + xmlText(f.reason) + "</env:Text></env:Reason></env:Fault>")
	return b.String()
}

// The faults the device answers.
var (
	faultNotAuthorized = fault{http.StatusUnauthorized, "env:Sender", []string{"ter:NotAuthorized"}, "Sender not Authorized"}
	faultStandIn       = fault{http.StatusInternalServerError, "env:Receiver", []string{"ter:ActionNotSupported"}, "stand-in fault"}
	faultUnknownOp     = fault{http.StatusInternalServerError, "env:Receiver", []string{"ter:ActionNotSupported"}, "the operation is not supported"}
	faultNoProfile     = fault{http.StatusInternalServerError, "env:Sender", []string{"ter:InvalidArgVal", "ter:NoProfile"}, "no such profile"}
	faultNoStream      = fault{http.StatusInternalServerError, "env:Sender", []string{"ter:InvalidArgVal"}, "no stream for this profile"}
	faultStreamSetup   = fault{http.StatusInternalServerError, "env:Sender", []string{"ter:InvalidArgVal"}, "StreamSetup is missing or not supported"}
	faultTooLarge      = fault{http.StatusRequestEntityTooLarge, "env:Sender", []string{"ter:InvalidArgs"}, "the request is too large"}
)

// faultNotWellFormed answers a body that is not a SOAP envelope.
func faultNotWellFormed(err error) fault {
	return fault{http.StatusBadRequest, "env:Sender", []string{"ter:WellFormed"}, "not a SOAP 1.2 envelope: " + err.Error()}
}

// writeSOAP sends a SOAP answer.
func writeSOAP(w http.ResponseWriter, status int, body []byte) {
	h := w.Header()
	h.Set("Content-Type", soapContentType)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	w.WriteHeader(status)
	w.Write(body) // the client may be gone; nothing to do about it
}

// writeFault sends f as a SOAP answer.
func writeFault(w http.ResponseWriter, f fault) {
	writeSOAP(w, f.status, envelope("", f.element()))
}
