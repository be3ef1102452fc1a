package server_test

import (
	"context"
	"crypto/tls"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"k8s.io/client-go/rest"

	"rudder/internal/kubelet/runtime/fake"
	"rudder/internal/kubelet/server"
	"rudder/internal/kubelet/server/streamtest"
	"rudder/internal/pki"
)

// fixture is a node agent server on a fake runtime with a fake streaming
// backend, reached over real TLS.
type fixture struct {
	ca   *pki.CA
	rt   *streamtest.Streamer
	logs string
	url  string
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	ca, err := pki.EnsureCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	certPEM, keyPEM, err := ca.IssueKubeletServing("node-a", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := fake.New("10.88.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	rt := streamtest.New(fr)
	t.Cleanup(rt.Close)
	s, err := server.New(server.Config{Runtime: rt, ServingCert: pair, ClientCAs: ca.Pool(),
		FollowPoll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(s.Handler())
	hs.TLS = s.TLSConfig()
	hs.StartTLS()
	t.Cleanup(hs.Close)
	return &fixture{ca: ca, rt: rt, logs: t.TempDir(), url: hs.URL}
}

// identity returns client certificate PEMs for cn and groups.
func (f *fixture) identity(t *testing.T, cn string, groups ...string) ([]byte, []byte) {
	t.Helper()
	cert, key, err := f.ca.IssueClient(cn, groups, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return cert, key
}

func (f *fixture) client(t *testing.T, cn string, groups ...string) *http.Client {
	t.Helper()
	certPEM, keyPEM := f.identity(t, cn, groups...)
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{
		Certificates: []tls.Certificate{pair}, RootCAs: f.ca.Pool()}}}
}

// restConfig is the API server's identity, for client-go's stream clients.
func (f *fixture) restConfig(t *testing.T) *rest.Config {
	certPEM, keyPEM := f.identity(t, "system:apiserver")
	return &rest.Config{Host: f.url, TLSClientConfig: rest.TLSClientConfig{
		CertData: certPEM, KeyData: keyPEM, CAData: f.ca.CertPEM}}
}

// container starts attempt of a container in pod (creating the pod's
// sandbox on first use) and returns its ID and log path.
func (f *fixture) container(t *testing.T, pod, ctr string, attempt uint32) (string, string) {
	t.Helper()
	ctx := context.Background()
	sb, dir, err := f.sandbox(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	id, path, err := streamtest.StartContainer(ctx, f.rt, sb, dir, "default", pod, ctr, attempt)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	return id, path
}

func (f *fixture) sandbox(ctx context.Context, pod string) (string, string, error) {
	if id, err := f.readySandbox(ctx, pod); err == nil && id != "" {
		return id, filepath.Join(f.logs, "default_"+pod), nil
	}
	return streamtest.RunPod(ctx, f.rt, f.logs, "default", pod)
}

func (f *fixture) readySandbox(ctx context.Context, pod string) (string, error) {
	resp, err := f.rt.ListPodSandbox(ctx, nil)
	if err != nil {
		return "", err
	}
	for _, s := range resp.Items {
		if s.Labels["io.kubernetes.pod.name"] == pod {
			return s.Id, nil
		}
	}
	return "", nil
}

func appendFile(t *testing.T, path, data string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(data); err != nil {
		t.Fatal(err)
	}
}
