package openapi

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBuildTime(t *testing.T) {
	resources := testResources(t)
	start := time.Now()
	if _, err := Build(resources); err != nil {
		t.Fatal(err)
	}
	// Logged, never asserted: timing depends on the machine.
	t.Logf("Build of %d resources took %v", len(resources), time.Since(start))
}

func TestDeploymentStrategySchema(t *testing.T) {
	doc := groupDocument(t, "apis/apps/v1")
	dep := v3Def(t, doc, "io.k8s.api.apps.v1.Deployment")
	gvks := at(t, dep, "x-kubernetes-group-version-kind").([]any)
	if len(gvks) != 1 || str(t, gvks[0], "kind") != "Deployment" || str(t, gvks[0], "group") != "apps" ||
		str(t, gvks[0], "version") != "v1" {
		t.Errorf("Deployment GVK = %v", gvks)
	}
	if got := refOf(t, at(t, dep, "properties", "spec")); got != "#/components/schemas/io.k8s.api.apps.v1.DeploymentSpec" {
		t.Fatalf("spec ref = %s", got)
	}
	spec := v3Def(t, doc, "io.k8s.api.apps.v1.DeploymentSpec")
	strategy := at(t, spec, "properties", "strategy")
	if want := (appsv1.DeploymentSpec{}).SwaggerDoc()["strategy"]; want == "" || str(t, strategy, "description") != want {
		t.Errorf("strategy description = %q, want %q", str(t, strategy, "description"), want)
	}
	if got := str(t, strategy, "x-kubernetes-patch-strategy"); got != "retainKeys" {
		t.Errorf("strategy patch strategy = %q", got)
	}
	target := strings.TrimPrefix(refOf(t, strategy), v3RefPrefix)
	ds := v3Def(t, doc, target)
	if !strings.Contains(str(t, ds, "description"), "how to replace existing pods") {
		t.Errorf("DeploymentStrategy description = %q", str(t, ds, "description"))
	}
	ru := refOf(t, at(t, ds, "properties", "rollingUpdate"))
	maxSurge := at(t, v3Def(t, doc, strings.TrimPrefix(ru, v3RefPrefix)), "properties", "maxSurge")
	if got := refOf(t, maxSurge); got != v3RefPrefix+"io.k8s.apimachinery.pkg.util.intstr.IntOrString" {
		t.Errorf("maxSurge ref = %s", got)
	}
	if slices.Contains(toStrings(dep["required"]), "metadata") {
		t.Errorf("metadata must not be required")
	}
	if !slices.Contains(toStrings(at(t, spec, "required")), "template") {
		t.Errorf("DeploymentSpec.template should be required: %v", spec["required"])
	}
}

// Deployment has no required fields at the top level when metadata is
// exempt; its JSON has no "required" key then. toStrings tolerates that.
func toStrings(v any) []string {
	list, _ := v.([]any)
	out := make([]string, 0, len(list))
	for _, e := range list {
		s, _ := e.(string)
		out = append(out, s)
	}
	return out
}

func TestSpecialTypes(t *testing.T) {
	doc := groupDocument(t, "api/v1")
	cases := []struct {
		name, typ, format string
		oneOf             []string
		intOrString       bool
	}{
		{"io.k8s.apimachinery.pkg.util.intstr.IntOrString", "", "int-or-string", []string{"integer", "string"}, true},
		{"io.k8s.apimachinery.pkg.api.resource.Quantity", "", "", []string{"string", "number"}, false},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.Time", "string", "date-time", nil, false},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.MicroTime", "string", "date-time", nil, false},
		{"io.k8s.apimachinery.pkg.runtime.RawExtension", "object", "", nil, false},
		{"io.k8s.apimachinery.pkg.apis.meta.v1.FieldsV1", "object", "", nil, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			def := v3Def(t, doc, c.name)
			typ, _ := def["type"].(string)
			format, _ := def["format"].(string)
			if typ != c.typ || format != c.format {
				t.Errorf("type/format = %q/%q, want %q/%q", typ, format, c.typ, c.format)
			}
			var oneOf []string
			list, _ := def["oneOf"].([]any)
			for _, e := range list {
				oneOf = append(oneOf, str(t, e, "type"))
			}
			if !slices.Equal(oneOf, c.oneOf) {
				t.Errorf("oneOf = %v, want %v", oneOf, c.oneOf)
			}
			if got, _ := def["x-kubernetes-int-or-string"].(bool); got != c.intOrString {
				t.Errorf("x-kubernetes-int-or-string = %v", def["x-kubernetes-int-or-string"])
			}
			if def["description"] == "" || def["properties"] != nil {
				t.Errorf("want a described scalar schema, got %v", def)
			}
		})
	}
	// OpenAPI v2 has no oneOf: a single type there.
	v2 := decode(t, builtSpec(t).V2())
	ios := at(t, v2, "definitions", "io.k8s.apimachinery.pkg.util.intstr.IntOrString")
	if str(t, ios, "type") != "string" || str(t, ios, "format") != "int-or-string" {
		t.Errorf("v2 IntOrString = %v", ios)
	}
	limits := at(t, v3Def(t, doc, "io.k8s.api.core.v1.ResourceRequirements"), "properties", "limits")
	if got := str(t, limits, "additionalProperties", "$ref"); got != v3RefPrefix+"io.k8s.apimachinery.pkg.api.resource.Quantity" {
		t.Errorf("limits values ref = %s", got)
	}
	if !strings.Contains(str(t, v3Def(t, doc, "io.k8s.apimachinery.pkg.api.resource.Quantity"), "description"), "Mi") {
		t.Errorf("Quantity description should explain suffixes")
	}
	created := at(t, v3Def(t, doc, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"), "properties", "creationTimestamp")
	if got := refOf(t, created); got != v3RefPrefix+"io.k8s.apimachinery.pkg.apis.meta.v1.Time" {
		t.Errorf("creationTimestamp ref = %s", got)
	}
	data := at(t, v3Def(t, doc, "io.k8s.api.core.v1.Secret"), "properties", "data", "additionalProperties")
	if str(t, data, "type") != "string" || str(t, data, "format") != "byte" {
		t.Errorf("Secret.data values = %v", data)
	}
}

func TestContainersPatchStrategy(t *testing.T) {
	doc := groupDocument(t, "api/v1")
	podSpec := v3Def(t, doc, "io.k8s.api.core.v1.PodSpec")
	containers := at(t, podSpec, "properties", "containers")
	for key, want := range map[string]string{
		"type": "array", "x-kubernetes-patch-strategy": "merge", "x-kubernetes-patch-merge-key": "name",
		"description": (corev1.PodSpec{}).SwaggerDoc()["containers"],
	} {
		if got := str(t, containers, key); got != want {
			t.Errorf("containers %s = %q, want %q", key, got, want)
		}
	}
	if got := refOf(t, at(t, containers, "items")); got != v3RefPrefix+"io.k8s.api.core.v1.Container" {
		t.Errorf("containers items = %s", got)
	}
	ports := at(t, v3Def(t, doc, "io.k8s.api.core.v1.Container"), "properties", "ports")
	if str(t, ports, "x-kubernetes-patch-merge-key") != "containerPort" {
		t.Errorf("ports merge key = %v", ports)
	}
	if !slices.Contains(toStrings(at(t, v3Def(t, doc, "io.k8s.api.core.v1.Container"), "required")), "name") {
		t.Errorf("Container.name should be required")
	}
}

// Every reference in every document must resolve inside that document:
// clients such as kubectl load one group document at a time.
func TestReferencesResolve(t *testing.T) {
	spec := builtSpec(t)
	for path := range spec.groups {
		doc := groupDocument(t, path)
		found := map[string]bool{}
		refs(doc, found)
		schemas := at(t, doc, "components", "schemas").(obj)
		for ref := range found {
			if _, ok := schemas[strings.TrimPrefix(ref, v3RefPrefix)]; !ok || !strings.HasPrefix(ref, v3RefPrefix) {
				t.Errorf("%s: unresolved %s", path, ref)
			}
		}
	}
	v2 := decode(t, spec.V2())
	found := map[string]bool{}
	refs(v2, found)
	defs := at(t, v2, "definitions").(obj)
	for ref := range found {
		if _, ok := defs[strings.TrimPrefix(ref, v2RefPrefix)]; !ok || !strings.HasPrefix(ref, v2RefPrefix) {
			t.Errorf("v2: unresolved %s", ref)
		}
	}
	if len(found) < 100 {
		t.Errorf("v2 has only %d distinct references", len(found))
	}
}

func TestV2DescribedRefsAreSiblings(t *testing.T) {
	v2 := decode(t, builtSpec(t).V2())
	strategy := at(t, v2, "definitions", "io.k8s.api.apps.v1.DeploymentSpec", "properties", "strategy")
	if str(t, strategy, "$ref") != v2RefPrefix+"io.k8s.api.apps.v1.DeploymentStrategy" || str(t, strategy, "description") == "" {
		t.Errorf("v2 strategy = %v", strategy)
	}
	gvks := at(t, v2, "definitions", "io.k8s.api.core.v1.PodList", "x-kubernetes-group-version-kind").([]any)
	if str(t, gvks[0], "kind") != "PodList" {
		t.Errorf("PodList GVK = %v", gvks)
	}
	op := at(t, v2, "paths", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "patch")
	if str(t, op, "operationId") != "patchAppsV1NamespacedDeployment" {
		t.Errorf("v2 patch op = %v", op)
	}
	var names []string
	for _, p := range at(t, op, "parameters").([]any) {
		names = append(names, str(t, p, "name"))
	}
	for _, want := range []string{"body", "fieldValidation", "force"} {
		if !slices.Contains(names, want) {
			t.Errorf("v2 patch parameters %v lack %s", names, want)
		}
	}
}

func TestJSONFields(t *testing.T) {
	type inner struct {
		A string `json:"a"`
	}
	type sample struct {
		metav1.TypeMeta `json:",inline"`
		inner
		Skipped  string            `json:"-"`
		Ptr      *int32            `json:"ptr,omitempty"`
		Bytes    []byte            `json:"bytes"`
		Labels   map[string]string `json:"labels"`
		Any      interface{}       `json:"any"`
		Untagged bool
		hidden   int
	}
	_ = sample{}.hidden
	var got []string
	for _, f := range jsonFields(reflect.TypeOf(sample{})) {
		got = append(got, f.name)
	}
	want := []string{"kind", "apiVersion", "a", "ptr", "bytes", "labels", "any", "Untagged"}
	if !slices.Equal(got, want) {
		t.Fatalf("fields = %v, want %v", got, want)
	}

	g := newGenerator(true)
	s := g.defs[g.define(reflect.TypeOf(sample{}))]
	checks := map[string][2]string{ // property -> type, format
		"ptr": {"integer", "int32"}, "bytes": {"string", "byte"}, "labels": {"object", ""},
		"any": {"object", ""}, "Untagged": {"boolean", ""}, "kind": {"string", ""},
	}
	for name, tf := range checks {
		p := s.Properties[name]
		if p == nil || p.Type != tf[0] || p.Format != tf[1] {
			t.Errorf("%s = %+v, want %v", name, p, tf)
		}
	}
	if s.Properties["labels"].AdditionalProperties.Type != "string" {
		t.Errorf("labels values = %+v", s.Properties["labels"].AdditionalProperties)
	}
	if want := []string{"Untagged", "a"}; !slices.Equal(s.Required, want) {
		// kind/apiVersion are omitempty; ptr, bytes, labels, any can be absent.
		t.Errorf("required = %v, want %v", s.Required, want)
	}
}

func TestDefinitionName(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{appsv1.Deployment{}, "io.k8s.api.apps.v1.Deployment"},
		{metav1.ObjectMeta{}, "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"},
		{corev1.PodTemplate{}, "io.k8s.api.core.v1.PodTemplate"},
		{metav1.Time{}, "io.k8s.apimachinery.pkg.apis.meta.v1.Time"},
	}
	for _, c := range cases {
		if got := definitionName(reflect.TypeOf(c.v)); got != c.want {
			t.Errorf("definitionName(%T) = %s, want %s", c.v, got, c.want)
		}
	}
}

func TestBuildRejectsBadInput(t *testing.T) {
	good := res(t, "deployments", true, &appsv1.Deployment{}, &appsv1.DeploymentList{})
	noObject := good
	noObject.Object = nil
	noListGVK := good
	noListGVK.ListGVK.Kind = ""
	cases := map[string][]Resource{
		"no object":    {noObject},
		"no resource":  {{GVK: good.GVK, Object: good.Object}},
		"no list kind": {noListGVK},
		"duplicate":    {good, good},
	}
	for name, in := range cases {
		if _, err := Build(in); err == nil {
			t.Errorf("%s: Build succeeded", name)
		}
	}
	if _, err := Build([]Resource{good}); err != nil {
		t.Errorf("valid input: %v", err)
	}
}
