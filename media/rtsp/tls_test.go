package rtsp

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/relaystudio/relaystudio/media/testpeer/fakecam"
)

// selfSigned returns a certificate for 127.0.0.1 and a pool trusting it.
func selfSigned(t *testing.T) (tls.Certificate, *x509.CertPool) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: "fake camera"},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(cert)
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, pool
}

func TestRTSPS(t *testing.T) {
	cert, pool := selfSigned(t)
	cl := clip(t, fakecam.ClipConfig{})

	t.Run("trusted", func(t *testing.T) {
		checkLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
		if !strings.HasPrefix(cam.URL(), "rtsps://") {
			t.Fatalf("URL = %s", cam.URL())
		}
		cfg := &tls.Config{RootCAs: pool}
		sink := newRecSink()
		src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: sink, TLSConfig: cfg})
		sink.waitFor(t, src, 15*time.Second, "10 video units", atLeast(10, 0))
		closePromptly(t, src)
		if cfg.ServerName != "" {
			t.Error("the caller's TLS config was modified")
		}
	})

	t.Run("untrusted", func(t *testing.T) {
		checkLeaks(t)
		cam := startCamera(t, cl, &fakecam.Camera{ParamsInSDP: true,
			TLSConfig: &tls.Config{Certificates: []tls.Certificate{cert}}})
		src := startSource(t, &Source{URL: cam.URL(), Transport: "tcp", Sink: newRecSink()})
		err := waitErr(t, src, 15*time.Second)
		t.Log(err)
		if err == nil || !strings.Contains(err.Error(), "TLS certificate not accepted") {
			t.Fatalf("err = %v, want the certificate refused", err)
		}
	})
}
