package testx

import (
	"crypto/x509"
	"testing"
)

func TestCertificates(t *testing.T) {
	leaf, pool := Certificates(t)
	for _, name := range []string{"localhost", "127.0.0.1", "::1"} {
		if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: pool, DNSName: name}); err != nil {
			t.Errorf("leaf for %s: %v", name, err)
		}
	}
	if _, err := leaf.Leaf.Verify(x509.VerifyOptions{Roots: x509.NewCertPool(), DNSName: "localhost"}); err == nil {
		t.Error("the leaf verifies without its CA")
	}
}
