package openapi

import (
	"encoding/json"
	"strings"
	"sync"
	"testing"
)

var (
	sharedOnce sync.Once
	sharedSpec *Spec
	sharedErr  error
)

// builtSpec builds the fixture once per test binary; Build is deterministic
// and the Spec is read-only, so tests may share it.
func builtSpec(t *testing.T) *Spec {
	t.Helper()
	resources := testResources(t)
	sharedOnce.Do(func() { sharedSpec, sharedErr = Build(resources) })
	if sharedErr != nil {
		t.Fatalf("Build: %v", sharedErr)
	}
	return sharedSpec
}

type obj = map[string]any

func decode(t *testing.T, body []byte) obj {
	t.Helper()
	var out obj
	if err := json.Unmarshal(body, &out); err != nil {
		t.Fatalf("decode: %v", err)
	}
	return out
}

func groupDocument(t *testing.T, path string) obj {
	t.Helper()
	body, _, ok := builtSpec(t).V3Group(path)
	if !ok {
		t.Fatalf("no v3 document for %s", path)
	}
	return decode(t, body)
}

// at walks a decoded document along keys; it fails the test on a missing
// step so that assertions further down cannot pass vacuously.
func at(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for i, k := range keys {
		m, ok := v.(obj)
		if !ok {
			t.Fatalf("%s is not an object", strings.Join(keys[:i], "."))
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("missing %s", strings.Join(keys[:i+1], "."))
		}
	}
	return v
}

func str(t *testing.T, v any, keys ...string) string {
	t.Helper()
	s, ok := at(t, v, keys...).(string)
	if !ok {
		t.Fatalf("%s is not a string", strings.Join(keys, "."))
	}
	return s
}

// v3Def returns a component schema of a v3 document.
func v3Def(t *testing.T, doc obj, name string) obj {
	t.Helper()
	return at(t, doc, "components", "schemas", name).(obj)
}

// refOf returns the reference of a property written as $ref or as a
// single-element allOf.
func refOf(t *testing.T, prop any) string {
	t.Helper()
	m := prop.(obj)
	if r, ok := m["$ref"].(string); ok {
		return r
	}
	all, ok := m["allOf"].([]any)
	if !ok || len(all) != 1 {
		t.Fatalf("property %v has no reference", m)
	}
	return str(t, all[0], "$ref")
}

// refs collects every $ref in a decoded document.
func refs(v any, out map[string]bool) {
	switch x := v.(type) {
	case obj:
		for k, e := range x {
			if s, ok := e.(string); ok && k == "$ref" {
				out[s] = true
			}
			refs(e, out)
		}
	case []any:
		for _, e := range x {
			refs(e, out)
		}
	}
}
