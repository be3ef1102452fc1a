package pki

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"path/filepath"
	"testing"
)

func TestEnsureServingReuseAndReissue(t *testing.T) {
	dir := t.TempDir()
	ca, err := EnsureCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	otherCA, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	first := mustServing(t, dir, ca, []string{"node1"})

	steps := []struct {
		name      string
		ca        *CA
		hosts     []string
		wantReuse bool
	}{
		{"same hosts", ca, []string{"node1"}, true},
		{"subset of hosts, differently cased", ca, []string{"NODE1", "localhost"}, true},
		{"new DNS name", ca, []string{"node1", "api.example.com"}, false},
		{"new IP", ca, []string{"node1", "192.0.2.7"}, false},
		{"another CA", otherCA, []string{"node1"}, false},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			// Start each step from the first certificate.
			mustWrite(t, filepath.Join(dir, "serving.crt"), first.certPEM)
			mustWrite(t, filepath.Join(dir, "serving.key"), first.keyPEM)
			got := mustServing(t, dir, s.ca, s.hosts)
			if reused := bytes.Equal(got.leaf.Raw, first.leaf.Raw); reused != s.wantReuse {
				t.Fatalf("reused=%v, want %v", reused, s.wantReuse)
			}
			assertServes(t, got.leaf, s.ca, append([]string{"node1"}, s.hosts...))
		})
	}
	assertMode(t, filepath.Join(dir, "serving.key"), 0o600)
	assertDirHolds(t, dir, "ca.crt", "ca.key", "serving.crt", "serving.key")
}

func TestIssueServingDefaultNames(t *testing.T) {
	ca, err := EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.IssueServing([]string{"10.0.0.5", "[::1]", " ", "my-host"})
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatalf("cert and key do not match: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	want := append([]string{"10.0.0.5", "::1", "my-host"}, defaultServingHosts...)
	assertServes(t, leaf, ca, want)
	if err := leaf.VerifyHostname("not-listed.example"); err == nil {
		t.Error("certificate claims a host it was not issued for")
	}
}

type servingFiles struct {
	certPEM, keyPEM []byte
	leaf            *x509.Certificate
}

func mustServing(t *testing.T, dir string, ca *CA, hosts []string) servingFiles {
	t.Helper()
	pair, err := EnsureServing(dir, ca, hosts)
	if err != nil {
		t.Fatalf("EnsureServing: %v", err)
	}
	leaf, err := x509.ParseCertificate(pair.Certificate[0])
	if err != nil {
		t.Fatal(err)
	}
	files := servingFiles{leaf: leaf}
	files.certPEM, _, _ = readIfExists(filepath.Join(dir, "serving.crt"))
	files.keyPEM, _, _ = readIfExists(filepath.Join(dir, "serving.key"))
	if !bytes.Equal(encodeCert(leaf.Raw), files.certPEM) {
		t.Fatal("returned certificate differs from the stored one")
	}
	return files
}

func assertServes(t *testing.T, leaf *x509.Certificate, ca *CA, hosts []string) {
	t.Helper()
	for _, h := range hosts {
		_, err := leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: ca.Pool()})
		if err != nil {
			t.Errorf("certificate does not serve %q for this CA: %v", h, err)
		}
	}
}
