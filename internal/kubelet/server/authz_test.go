package server_test

import (
	"crypto/tls"
	"net/http"
	"testing"
	"time"

	"rudder/internal/pki"
)

func TestOnlyTheAPIServerIsServed(t *testing.T) {
	f := newFixture(t)
	cases := []struct {
		name     string
		client   *http.Client
		path     string
		wantCode int
	}{
		{"api server", f.client(t, "system:apiserver"), "/pods", 200},
		{"cluster admin", f.client(t, "admin", "system:masters"), "/pods", 200},
		{"a node", f.client(t, "system:node:other", "system:nodes"), "/pods", 403},
		{"a user", f.client(t, "bob"), "/containerLogs/default/web/app", 403},
		{"health for anyone with a cluster cert", f.client(t, "bob"), "/healthz", 200},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if code, body := get(t, tc.client, f.url+tc.path); code != tc.wantCode {
				t.Errorf("status %d (%s), want %d", code, body, tc.wantCode)
			}
		})
	}
}

func TestClientsWithoutClusterCertificateAreRefused(t *testing.T) {
	f := newFixture(t)
	other, err := pki.EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := other.IssueClient("system:apiserver", nil, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]*tls.Config{
		"foreign CA":     {Certificates: []tls.Certificate{pair}, RootCAs: f.ca.Pool()},
		"no certificate": {RootCAs: f.ca.Pool()},
	} {
		c := &http.Client{Transport: &http.Transport{TLSClientConfig: cfg}}
		if resp, err := c.Get(f.url + "/healthz"); err == nil {
			resp.Body.Close()
			t.Errorf("%s: got %s, want the TLS handshake to fail", name, resp.Status)
		}
	}
}
