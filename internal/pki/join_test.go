package pki

import (
	"strings"
	"testing"
	"time"
)

func TestParseJoinToken(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	hash := CAHash(ca)
	cases := []struct {
		token, wantHash, wantSecret string
		wantErr                     bool
	}{
		{FullJoinToken(ca, "rudder-abc"), hash, "rudder-abc", false},
		{"rudder-abc", "", "rudder-abc", false},
		{"  rudder-abc\n", "", "rudder-abc", false},
		{"", "", "", true},
		{"rudder-1234::secret", "", "", true},                        // hash too short
		{"K10" + hash + "::secret", "", "", true},                    // wrong prefix
		{"rudder-" + strings.Repeat("zz", 32) + "::s", "", "", true}, // not hex
		{"rudder-" + hash + "::", "", "", true},                      // no secret
	}
	for _, tc := range cases {
		h, s, err := ParseJoinToken(tc.token)
		if (err != nil) != tc.wantErr || h != tc.wantHash || s != tc.wantSecret {
			t.Errorf("ParseJoinToken(%q) = %q, %q, %v", tc.token, h, s, err)
		}
	}
	if err := VerifyCAHash(ca.Cert.Raw, hash); err != nil {
		t.Errorf("own hash refused: %v", err)
	}
	other, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := VerifyCAHash(other.Cert.Raw, hash); err == nil {
		t.Error("another CA passed the hash check")
	}
}

func TestKubeletServing(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	csr, _, err := NewCSR("ignored")
	if err != nil {
		t.Fatal(err)
	}
	certPEM, err := ca.SignKubeletServingCSR(csr, "node-a", []string{"10.0.0.5", "node-a.example"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		t.Fatal(err)
	}
	if cert.Subject.CommonName != NodeUserPrefix+"node-a" || len(cert.IPAddresses) != 1 || len(cert.DNSNames) != 2 {
		t.Errorf("CN %q IPs %v DNS %v", cert.Subject.CommonName, cert.IPAddresses, cert.DNSNames)
	}
	if _, err := ca.SignKubeletServingCSR(csr, "", nil, time.Hour); err == nil {
		t.Error("signed a serving certificate without a node name")
	}
}
