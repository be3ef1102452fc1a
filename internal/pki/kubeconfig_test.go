package pki

import (
	"bytes"
	"crypto/tls"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/apimachinery/pkg/version"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

func TestKubeconfigTalksTLSToServer(t *testing.T) {
	dir := t.TempDir()
	ca, err := EnsureCA(dir)
	if err != nil {
		t.Fatal(err)
	}
	serving, err := EnsureServing(dir, ca, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The server answers /version only to a client presenting a certificate
	// of our CA, and echoes the client's name so we see who it was.
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/version" || len(r.TLS.PeerCertificates) == 0 {
			http.Error(w, "unexpected", http.StatusBadRequest)
			return
		}
		json.NewEncoder(w).Encode(version.Info{GitVersion: "v1.32.0+" + r.TLS.PeerCertificates[0].Subject.CommonName})
	}))
	srv.TLS = &tls.Config{
		Certificates: []tls.Certificate{serving},
		ClientAuth:   tls.RequireAndVerifyClientCert,
		ClientCAs:    ca.Pool(),
	}
	srv.StartTLS()
	defer srv.Close()

	certPEM, keyPEM, err := ca.IssueClient("admin", []string{"system:masters"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, "admin.kubeconfig")
	if err := WriteKubeconfig(path, srv.URL, ca.CertPEM, certPEM, keyPEM, "admin"); err != nil {
		t.Fatalf("WriteKubeconfig: %v", err)
	}
	assertMode(t, path, 0o600)

	cfg, err := clientcmd.LoadFromFile(path)
	if err != nil {
		t.Fatalf("loading kubeconfig: %v", err)
	}
	ctx := cfg.Contexts[cfg.CurrentContext]
	if cfg.CurrentContext != "rudder" || ctx == nil || ctx.Cluster != "rudder" || ctx.AuthInfo != "admin" {
		t.Fatalf("current context %q = %+v, want rudder → cluster rudder, user admin", cfg.CurrentContext, ctx)
	}
	if c := cfg.Clusters["rudder"]; c == nil || c.Server != srv.URL || !bytes.Equal(c.CertificateAuthorityData, ca.CertPEM) || c.CertificateAuthority != "" {
		t.Fatalf("cluster entry %+v does not embed the CA for %s", c, srv.URL)
	}
	if u := cfg.AuthInfos["admin"]; u == nil || !bytes.Equal(u.ClientKeyData, keyPEM) || u.ClientKey != "" {
		t.Fatalf("user entry does not embed the key")
	}

	restCfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	client, err := kubernetes.NewForConfig(restCfg)
	if err != nil {
		t.Fatal(err)
	}
	info, err := client.Discovery().ServerVersion()
	if err != nil {
		t.Fatalf("client from kubeconfig could not talk to the server: %v", err)
	}
	if info.GitVersion != "v1.32.0+admin" {
		t.Errorf("server saw %q, want the admin identity", info.GitVersion)
	}
}

func TestKubeconfigRejectsMissingFields(t *testing.T) {
	if _, err := Kubeconfig("", nil, nil, nil, "admin"); err == nil {
		t.Error("kubeconfig without a server URL accepted")
	}
	if _, err := Kubeconfig("https://127.0.0.1:6443", nil, nil, nil, ""); err == nil {
		t.Error("kubeconfig without a user accepted")
	}
}
