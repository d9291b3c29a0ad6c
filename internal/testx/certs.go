package testx

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"testing"
	"time"
)

// Certificates makes a throw-away certificate authority and a server
// certificate it signed for 127.0.0.1, ::1 and localhost, valid for a day.
// Serve leaf (a TLS camera, a TLS RTMP server, ingest's StartTLSProxy) and
// trust pool on the client side; a client using the system roots instead
// must reject it, and one expecting another name gets a hostname error.
// The CA's own certificate is the last of leaf.Certificate.
func Certificates(tb testing.TB) (leaf tls.Certificate, pool *x509.CertPool) {
	tb.Helper()
	fail := func(err error) {
		tb.Fatalf("testx: test certificates: %v", err)
	}
	now := time.Now()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail(err)
	}
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Relay Studio test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		fail(err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		fail(err)
	}

	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		fail(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "localhost"},
		NotBefore:    now.Add(-time.Hour),
		NotAfter:     now.Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:     []string{"localhost"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		fail(err)
	}
	leafCert, err := x509.ParseCertificate(der)
	if err != nil {
		fail(err)
	}
	pool = x509.NewCertPool()
	pool.AddCert(caCert)
	// The chain ends with the CA, as servers often send it: a test can write
	// leaf.Certificate[1] to a PEM file for SSL_CERT_FILE.
	return tls.Certificate{Certificate: [][]byte{der, caDER}, PrivateKey: key, Leaf: leafCert}, pool
}
