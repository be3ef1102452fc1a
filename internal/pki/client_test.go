package pki

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"slices"
	"testing"
	"time"
)

func TestIssueClientIdentity(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.IssueClient("admin", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf := mustClientLeaf(t, ca, certPEM, keyPEM)
	if leaf.Subject.CommonName != "admin" || !slices.Equal(leaf.Subject.Organization, []string{"system:masters"}) {
		t.Errorf("subject %v, want CN=admin O=system:masters", leaf.Subject)
	}
	if left := time.Until(leaf.NotAfter); left > time.Hour || left < 50*time.Minute {
		t.Errorf("certificate valid for %s more, want about 1h", left)
	}
}

func TestIssueClientValidityCappedAtCA(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, _, err := ca.IssueClient("long", nil, 100*365*24*time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	leaf, err := parseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if leaf.NotAfter.After(ca.Cert.NotAfter) {
		t.Errorf("client certificate outlives its CA: %s > %s", leaf.NotAfter, ca.Cert.NotAfter)
	}
}

func TestIssueClientRejectsBadInput(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		cn       string
		validity time.Duration
	}{
		{"empty name", "", time.Hour},
		{"zero validity", "bob", 0},
		{"negative validity", "bob", -time.Hour},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, err := ca.IssueClient(tt.cn, nil, tt.validity); err == nil {
				t.Fatal("IssueClient succeeded, want an error")
			}
		})
	}
}

func TestSignCSRServerDecidesIdentity(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	csrPEM, keyPEM, err := NewCSR("system:admin-please")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.SignCSR(csrPEM, "system:node:n1", []string{"system:nodes"}, time.Hour)
	if err != nil {
		t.Fatalf("SignCSR: %v", err)
	}
	// X509KeyPair inside mustClientLeaf proves the certificate is for the
	// requester's own key.
	leaf := mustClientLeaf(t, ca, certPEM, keyPEM)
	if leaf.Subject.CommonName != "system:node:n1" || !slices.Equal(leaf.Subject.Organization, []string{"system:nodes"}) {
		t.Errorf("subject %v, want the identity the server chose", leaf.Subject)
	}
}

func TestSignCSRRejectsBadRequests(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	csrPEM, _, err := NewCSR("n1")
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(csrPEM)
	tampered := slices.Clone(block.Bytes)
	tampered[len(tampered)-1] ^= 0xff // breaks the signature
	tests := []struct {
		name string
		csr  []byte
	}{
		{"not PEM", []byte("hello")},
		{"wrong PEM type", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: block.Bytes})},
		{"garbage DER", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: []byte{1, 2, 3}})},
		{"bad signature", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE REQUEST", Bytes: tampered})},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := ca.SignCSR(tt.csr, "n1", nil, time.Hour); err == nil {
				t.Fatal("SignCSR succeeded, want an error")
			}
		})
	}
}

// mustClientLeaf checks that cert and key form a pair and that the
// certificate is a client certificate of ca, and returns it parsed.
func mustClientLeaf(t *testing.T, ca *CA, certPEM, keyPEM []byte) *x509.Certificate {
	t.Helper()
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("cert and key do not match: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	_, err = leaf.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}})
	if err != nil {
		t.Fatalf("not a client certificate of the CA: %v", err)
	}
	return leaf
}
