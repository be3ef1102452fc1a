package registry

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/random"
	"github.com/google/go-containerregistry/pkg/v1/remote"
)

// testRegistry is a Registry on a temp dir served by an httptest.Server.
type testRegistry struct {
	reg  *Registry
	srv  *httptest.Server
	host string
	dir  string
}

func newTestRegistry(t *testing.T, dir string) *testRegistry {
	t.Helper()
	if dir == "" {
		dir = t.TempDir()
	}
	reg, err := New(dir)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	u, _ := url.Parse(srv.URL)
	return &testRegistry{reg: reg, srv: srv, host: u.Host, dir: dir}
}

func (tr *testRegistry) ref(t *testing.T, s string) name.Reference {
	t.Helper()
	ref, err := name.ParseReference(tr.host+"/"+s, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	return ref
}

func (tr *testRegistry) push(t *testing.T, s string, img v1.Image) {
	t.Helper()
	if err := remote.Write(tr.ref(t, s), img); err != nil {
		t.Fatalf("push %s: %v", s, err)
	}
}

func (tr *testRegistry) do(t *testing.T, method, path string, body string, hdr map[string]string) *http.Response {
	t.Helper()
	req, err := http.NewRequest(method, tr.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

func randomImage(t *testing.T) v1.Image {
	t.Helper()
	img, err := random.Image(2048, 2)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

func digestOf(t *testing.T, d interface{ Digest() (v1.Hash, error) }) v1.Hash {
	t.Helper()
	h, err := d.Digest()
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// errorCode decodes an OCI error body and returns its first code.
func errorCode(t *testing.T, resp *http.Response) string {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	var body struct {
		Errors []struct {
			Code    string `json:"code"`
			Message string `json:"message"`
		} `json:"errors"`
	}
	if err := json.Unmarshal(b, &body); err != nil || len(body.Errors) == 0 {
		t.Fatalf("status %d: body %q is not an OCI error", resp.StatusCode, b)
	}
	return body.Errors[0].Code
}
