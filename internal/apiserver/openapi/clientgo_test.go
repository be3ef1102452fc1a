package openapi

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// kubectl apply computes its strategic merge patch from the OpenAPI v3
// document through client-go and apimachinery; this test takes the same
// route, so a schema those libraries cannot read or that lacks patch
// metadata fails here.
func TestClientGoStrategicMergeFromV3(t *testing.T) {
	srv := httptest.NewServer(builtSpec(t).Handler())
	defer srv.Close()
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: srv.URL})
	if err != nil {
		t.Fatal(err)
	}
	root := openapi3.NewRoot(dc.OpenAPIV3())
	gvs, err := root.GroupVersions()
	if err != nil || len(gvs) < 15 {
		t.Fatalf("GroupVersions = %v, %v", gvs, err)
	}
	doc, err := root.GVSpec(schema.GroupVersion{Group: "apps", Version: "v1"})
	if err != nil {
		t.Fatalf("GVSpec(apps/v1): %v", err)
	}
	dep := findByGVK(doc.Components.Schemas, "apps", "v1", "Deployment")
	if dep == nil {
		t.Fatal("no schema carries the Deployment GVK")
	}
	patchOp := doc.Paths.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"].Patch
	if patchOp == nil || patchOp.RequestBody.Content["application/strategic-merge-patch+json"] == nil {
		t.Fatal("PATCH does not accept strategic merge patches")
	}

	original := `{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}}}`
	modified := `{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:2"},{"name":"b","image":"b:1"}]}}}}`
	meta := strategicpatch.PatchMetaFromOpenAPIV3{SchemaList: doc.Components.Schemas, Schema: dep}
	patch, err := strategicpatch.CreateThreeWayMergePatch([]byte(original), []byte(modified), []byte(original), meta, false)
	if err != nil {
		t.Fatalf("three-way merge: %v", err)
	}
	// With merge semantics keyed by name the patch names only container a
	// and lists the element order; a schema without patch metadata would
	// replace the whole list instead.
	if !strings.Contains(string(patch), `"$setElementOrder/containers"`) || strings.Contains(string(patch), `"b:1"`) {
		t.Errorf("patch = %s", patch)
	}
	// The patch must also apply with the same metadata.
	merged, err := strategicpatch.StrategicMergePatchUsingLookupPatchMeta([]byte(original), patch, meta)
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(merged, &got); err != nil {
		t.Fatal(err)
	}
	want := map[string]any{}
	_ = json.Unmarshal([]byte(modified), &want)
	if mustJSON(t, got) != mustJSON(t, want) {
		t.Errorf("merged = %s, want %s", merged, modified)
	}
}

func findByGVK(schemas map[string]*spec.Schema, group, version, kind string) *spec.Schema {
	for _, s := range schemas {
		list, _ := s.Extensions["x-kubernetes-group-version-kind"].([]any)
		for _, e := range list {
			m, _ := e.(map[string]any)
			if m["group"] == group && m["version"] == version && m["kind"] == kind {
				return s
			}
		}
	}
	return nil
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
