package openapi

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const kubectlPath = "/usr/bin/kubectl"

// fakeAPIServer serves what kubectl needs besides OpenAPI: version,
// unaggregated discovery for core/v1 and apps/v1, and a deployments
// collection that accepts creates (so `kubectl create` can be observed).
type fakeAPIServer struct {
	openapi http.Handler
	mu      sync.Mutex
	created []string // request URIs of accepted creates
	stored  []byte   // the last created deployment, served back by GET
	patches []string // content type and body of each PATCH
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}

func (f *fakeAPIServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	verbs := metav1.Verbs{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}
	switch {
	case strings.HasPrefix(r.URL.Path, "/openapi/"):
		f.openapi.ServeHTTP(w, r)
	case r.URL.Path == "/version":
		writeJSON(w, 200, map[string]string{"major": "1", "minor": "32", "gitVersion": "v1.32.0+rudder",
			"platform": "linux/amd64", "goVersion": "go1.26"})
	case r.URL.Path == "/api":
		// Plain JSON whatever the Accept header: client-go then falls back
		// from aggregated to per-group discovery.
		writeJSON(w, 200, metav1.APIVersions{TypeMeta: metav1.TypeMeta{Kind: "APIVersions"}, Versions: []string{"v1"}})
	case r.URL.Path == "/apis":
		gv := metav1.GroupVersionForDiscovery{GroupVersion: "apps/v1", Version: "v1"}
		writeJSON(w, 200, metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
			Groups: []metav1.APIGroup{{Name: "apps", Versions: []metav1.GroupVersionForDiscovery{gv}, PreferredVersion: gv}}})
	case r.URL.Path == "/api/v1":
		writeJSON(w, 200, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "v1", APIResources: []metav1.APIResource{
				{Name: "pods", SingularName: "pod", Namespaced: true, Kind: "Pod", Verbs: verbs, ShortNames: []string{"po"}}}})
	case r.URL.Path == "/apis/apps/v1":
		writeJSON(w, 200, metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
			GroupVersion: "apps/v1", APIResources: []metav1.APIResource{
				{Name: "deployments", SingularName: "deployment", Namespaced: true, Kind: "Deployment", Verbs: verbs,
					ShortNames: []string{"deploy"}}}})
	case r.Method == http.MethodPost && r.URL.Path == "/apis/apps/v1/namespaces/default/deployments":
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.created = append(f.created, r.URL.RequestURI())
		f.stored = body
		f.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(body)
	case r.URL.Path == "/apis/apps/v1/namespaces/default/deployments/web" && f.storedDeployment() != nil:
		f.serveStored(w, r)
	default:
		writeJSON(w, 404, metav1.Status{TypeMeta: metav1.TypeMeta{Kind: "Status", APIVersion: "v1"},
			Status: metav1.StatusFailure, Reason: metav1.StatusReasonNotFound, Code: 404, Message: "not found"})
	}
}

func (f *fakeAPIServer) storedDeployment() []byte {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.stored
}

// serveStored answers GET with the stored object and PATCH by recording the
// patch and answering with the object unchanged (applying it is not what
// this package tests).
func (f *fakeAPIServer) serveStored(w http.ResponseWriter, r *http.Request) {
	if r.Method == http.MethodPatch {
		body, _ := io.ReadAll(r.Body)
		f.mu.Lock()
		f.patches = append(f.patches, r.Header.Get("Content-Type")+" "+string(body))
		f.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(f.storedDeployment())
}

func runKubectl(t *testing.T, server string, args ...string) string {
	t.Helper()
	out, _ := runKubectlStderr(t, server, args...)
	return out
}

func runKubectlStderr(t *testing.T, server string, args ...string) (string, string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	all := append([]string{"--server=" + server, "--cache-dir=" + t.TempDir(), "--kubeconfig=/dev/null"}, args...)
	cmd := exec.CommandContext(ctx, kubectlPath, all...)
	cmd.Env = append(os.Environ(), "HOME="+t.TempDir())
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("kubectl %s: %v\nstdout:\n%s\nstderr:\n%s", strings.Join(args, " "), err, out, stderr.String())
	}
	return string(out), stderr.String()
}

func startFakeAPIServer(t *testing.T) (*fakeAPIServer, string) {
	t.Helper()
	if _, err := os.Stat(kubectlPath); err != nil {
		t.Skipf("kubectl not installed: %v", err)
	}
	f := &fakeAPIServer{openapi: builtSpec(t).Handler()}
	srv := httptest.NewServer(f)
	t.Cleanup(srv.Close)
	return f, srv.URL
}

func TestKubectlExplain(t *testing.T) {
	_, server := startFakeAPIServer(t)
	cases := []struct {
		path string
		want []string
	}{
		{"deployment.spec.strategy", []string{
			"The deployment strategy to use to replace existing pods with new ones.",
			"rollingUpdate", "<RollingUpdateDeployment>"}},
		{"pods.spec.containers.ports", []string{
			"List of ports to expose from the container.", "containerPort", "-required-", "<[]ContainerPort>"}},
		{"deployment.spec.strategy.rollingUpdate", []string{"maxSurge\t<IntOrString>", "maximum number of pods"}},
		{"deployment.metadata.creationTimestamp", []string{"<string>", "RFC 3339"}},
	}
	for _, c := range cases {
		t.Run(c.path, func(t *testing.T) {
			assertContains(t, runKubectl(t, server, "explain", c.path), c.want...)
		})
	}
	// The v2 renderer reads the protobuf /openapi/v2 document instead.
	t.Run("openapiv2", func(t *testing.T) {
		out := runKubectl(t, server, "explain", "deployment.spec.strategy", "--output=plaintext-openapiv2")
		assertContains(t, out, "The deployment strategy to use to replace existing pods with new ones.", "rollingUpdate")
	})
}

func assertContains(t *testing.T, out string, want ...string) {
	t.Helper()
	for _, w := range want {
		if !strings.Contains(out, w) {
			t.Errorf("output lacks %q:\n%s", w, out)
		}
	}
}

// kubectl create validates strictly by default: it reads the OpenAPI v3
// root and the group document, checks that PATCH accepts fieldValidation,
// then sends fieldValidation=Strict. Without usable OpenAPI it fails
// before sending anything.
func TestKubectlCreateValidates(t *testing.T) {
	f, server := startFakeAPIServer(t)
	manifest := filepath.Join(t.TempDir(), "d.yaml")
	writeDeployment(t, manifest, "nginx")
	out := runKubectl(t, server, "create", "-f", manifest)
	if !strings.Contains(out, "deployment.apps/web created") {
		t.Errorf("output = %q", out)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.created) != 1 || !strings.Contains(f.created[0], "fieldValidation=Strict") {
		t.Errorf("creates = %v, want one with fieldValidation=Strict", f.created)
	}
}

func writeDeployment(t *testing.T, path, image string) {
	t.Helper()
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: default}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: web, image: IMAGE}, {name: sidecar, image: busybox}]}
`
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(manifest, "IMAGE", image)), 0o644); err != nil {
		t.Fatal(err)
	}
}

// A second kubectl apply computes a strategic merge patch. kubectl 1.32
// takes the patch metadata (merge keys) from the OpenAPI v3 document when
// the PATCH operation of the kind accepts strategic merge patches; at -v=5
// it logs when the v3 document cannot be used and it falls back.
func TestKubectlApplyPatchFromV3(t *testing.T) {
	f, server := startFakeAPIServer(t)
	manifest := filepath.Join(t.TempDir(), "d.yaml")
	writeDeployment(t, manifest, "nginx:1")
	runKubectl(t, server, "apply", "-f", manifest)
	writeDeployment(t, manifest, "nginx:2")
	_, stderr := runKubectlStderr(t, server, "apply", "-f", manifest, "-v=5")
	if strings.Contains(stderr, "OpenAPI V3") || strings.Contains(stderr, "openapi v3") {
		t.Errorf("kubectl did not use the v3 document:\n%s", stderr)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if len(f.patches) != 1 {
		t.Fatalf("patches = %v", f.patches)
	}
	// Merged by name: only the changed container, plus the order of all.
	assertContains(t, f.patches[0], "application/strategic-merge-patch+json",
		`"$setElementOrder/containers":[{"name":"web"},{"name":"sidecar"}],"containers":[{"image":"nginx:2","name":"web"}]`)
}
