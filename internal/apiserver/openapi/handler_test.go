package openapi

import (
	"io"

	openapi_v2 "github.com/google/gnostic-models/openapiv2"
	"google.golang.org/protobuf/proto"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func get(t *testing.T, srv *httptest.Server, path string, header map[string]string) (*http.Response, string) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, srv.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, string(body)
}

func TestHandler(t *testing.T) {
	spec := builtSpec(t)
	srv := httptest.NewServer(spec.Handler())
	defer srv.Close()
	appsBody, appsHash, _ := spec.V3Group("apis/apps/v1")
	hashed := "/openapi/v3/apis/apps/v1?hash=" + appsHash

	cases := []struct {
		name, path   string
		header       map[string]string
		code         int
		body         string // expected exact body, if set
		cacheControl string
		location     string
	}{
		{name: "root", path: "/openapi/v3", code: 200, body: string(spec.V3Root())},
		{name: "group without hash", path: "/openapi/v3/apis/apps/v1", code: 200, body: string(appsBody)},
		{name: "group with current hash", path: hashed, code: 200, body: string(appsBody),
			cacheControl: "public, immutable"},
		{name: "group with old hash", path: "/openapi/v3/apis/apps/v1?hash=ABC", code: 301, location: hashed},
		{name: "unknown group", path: "/openapi/v3/apis/nope/v1", code: 404},
		{name: "not modified", path: hashed, header: map[string]string{"If-None-Match": strconv.Quote(appsHash)}, code: 304,
			cacheControl: "public, immutable"},
		{name: "v2 json", path: "/openapi/v2", header: map[string]string{"Accept": "application/json"}, code: 200,
			body: string(spec.V2())},
		{name: "v2 yaml only", path: "/openapi/v2", header: map[string]string{"Accept": "application/yaml"}, code: 406},
		{name: "v3 protobuf only", path: hashed,
			header: map[string]string{"Accept": "application/com.github.proto-openapi.spec.v3@v1.0+protobuf"}, code: 406},
		{name: "json before protobuf", path: "/openapi/v2",
			header: map[string]string{"Accept": "application/json, " + v2ProtoDeprecated},
			code:   200, body: string(spec.V2())},
		{name: "other path", path: "/openapi/v4", code: 404},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, body := get(t, srv, c.path, c.header)
			if resp.StatusCode != c.code {
				t.Fatalf("status = %d, want %d (%s)", resp.StatusCode, c.code, body)
			}
			if c.body != "" && body != c.body {
				t.Errorf("body differs (%d bytes, want %d)", len(body), len(c.body))
			}
			if c.body != "" && resp.Header.Get("Content-Type") != "application/json" {
				t.Errorf("Content-Type = %q", resp.Header.Get("Content-Type"))
			}
			if got := resp.Header.Get("Cache-Control"); got != c.cacheControl {
				t.Errorf("Cache-Control = %q, want %q", got, c.cacheControl)
			}
			if got := resp.Header.Get("Location"); got != c.location {
				t.Errorf("Location = %q, want %q", got, c.location)
			}
		})
	}
}

func TestHandlerEtagAndMethods(t *testing.T) {
	spec := builtSpec(t)
	srv := httptest.NewServer(spec.Handler())
	defer srv.Close()
	_, hash, _ := spec.V3Group("api/v1")
	resp, _ := get(t, srv, "/openapi/v3/api/v1", nil)
	if got := resp.Header.Get("Etag"); got != strconv.Quote(hash) {
		t.Errorf("Etag = %s, want %q", got, hash)
	}
	post, err := http.Post(srv.URL+"/openapi/v3", "application/json", strings.NewReader("{}"))
	if err != nil {
		t.Fatal(err)
	}
	post.Body.Close()
	if post.StatusCode != http.StatusMethodNotAllowed {
		t.Errorf("POST status = %d", post.StatusCode)
	}
}

// The root must point at every group document with the hash of its body.
func TestV3RootHashes(t *testing.T) {
	spec := builtSpec(t)
	root := decode(t, spec.V3Root())
	paths := at(t, root, "paths").(obj)
	if len(paths) != len(spec.groups) || len(paths) < 15 {
		t.Fatalf("root lists %d groups, spec has %d", len(paths), len(spec.groups))
	}
	for path := range paths {
		body, etag, ok := spec.V3Group(path)
		if !ok {
			t.Fatalf("root lists %s which is not served", path)
		}
		if etag != contentHash(body) {
			t.Errorf("%s: etag is not the content hash", path)
		}
		if got, want := str(t, paths, path, "serverRelativeURL"), "/openapi/v3/"+path+"?hash="+etag; got != want {
			t.Errorf("%s: url %s, want %s", path, got, want)
		}
	}
	for _, want := range []string{"api/v1", "apis/apps/v1", "apis/rbac.authorization.k8s.io/v1", "apis/autoscaling/v2"} {
		if _, ok := paths[want]; !ok {
			t.Errorf("root lacks %s", want)
		}
	}
}

// client-go asks /openapi/v2 for protobuf only; the answer must decode into
// the gnostic document it uses, with the definitions of the JSON form.
func TestV2Protobuf(t *testing.T) {
	spec := builtSpec(t)
	srv := httptest.NewServer(spec.Handler())
	defer srv.Close()
	for _, accept := range []string{v2ProtoType, v2ProtoDeprecated, v2ProtoType + ", application/json"} {
		resp, body := get(t, srv, "/openapi/v2", map[string]string{"Accept": accept})
		if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != v2ProtoType {
			t.Fatalf("Accept %s: status %d, type %s", accept, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		var doc openapi_v2.Document
		if err := proto.Unmarshal([]byte(body), &doc); err != nil {
			t.Fatalf("decode: %v", err)
		}
		found := false
		for _, d := range doc.GetDefinitions().GetAdditionalProperties() {
			if d.GetName() == "io.k8s.api.apps.v1.Deployment" {
				found = true
			}
		}
		if !found || doc.GetSwagger() != "2.0" {
			t.Errorf("Accept %s: protobuf document lacks Deployment (swagger %q)", accept, doc.GetSwagger())
		}
	}
}
