package openapi

import (
	"reflect"
	"sort"
	"strings"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// generator turns Go types into named schema definitions by reflection. One
// generator produces the definitions of one document format.
type generator struct {
	refPrefix string
	// allOfRefs wraps a reference that carries a description or extensions
	// in allOf, as OpenAPI v3 ignores siblings of $ref (v2 documents put them
	// next to $ref, as Kubernetes does).
	allOfRefs bool
	// oneOf describes multi-type scalars (IntOrString, Quantity) with oneOf,
	// which only OpenAPI v3 has.
	oneOf bool
	defs  map[string]*Schema
	deps  map[string]map[string]bool // definition -> definitions it references
}

// newGenerator returns a generator for OpenAPI v3 when v3 is set, else v2.
func newGenerator(v3 bool) *generator {
	refPrefix := v2RefPrefix
	if v3 {
		refPrefix = v3RefPrefix
	}
	return &generator{
		refPrefix: refPrefix,
		allOfRefs: v3,
		oneOf:     v3,
		defs:      map[string]*Schema{},
		deps:      map[string]map[string]bool{},
	}
}

// define makes sure t (a struct or special named type) has a definition and
// returns its name.
func (g *generator) define(t reflect.Type) string {
	t = deref(t)
	name := definitionName(t)
	if _, done := g.defs[name]; done {
		return name
	}
	s := &Schema{}
	g.defs[name] = s // registered before filling, so recursive types terminate
	g.deps[name] = map[string]bool{}
	if special, ok := specialSchema(t, g.oneOf); ok {
		*s = special
		return name
	}
	g.fillStruct(s, t, name)
	return name
}

// defineRoot defines the type of obj and records gvk on it, as Kubernetes
// does for kinds that are sent and received at the top level.
func (g *generator) defineRoot(obj any, gvk schema.GroupVersionKind) string {
	name := g.define(reflect.TypeOf(obj))
	ext := gvkExt{Group: gvk.Group, Version: gvk.Version, Kind: gvk.Kind}
	s := g.defs[name]
	for _, have := range s.GVK {
		if have == ext {
			return name
		}
	}
	s.GVK = append(s.GVK, ext)
	sort.Slice(s.GVK, func(i, j int) bool { return gvkLess(s.GVK[i], s.GVK[j]) })
	return name
}

func gvkLess(a, b gvkExt) bool {
	if a.Group != b.Group {
		return a.Group < b.Group
	}
	if a.Version != b.Version {
		return a.Version < b.Version
	}
	return a.Kind < b.Kind
}

func (g *generator) fillStruct(s *Schema, t reflect.Type, owner string) {
	s.Type = "object"
	s.Description = swaggerDoc(t)[""]
	for _, f := range jsonFields(t) {
		prop := g.decorate(g.typeSchema(f.typ, owner), f)
		if s.Properties == nil {
			s.Properties = map[string]*Schema{}
		}
		s.Properties[f.name] = prop
		if f.required() {
			s.Required = append(s.Required, f.name)
		}
	}
	sort.Strings(s.Required)
}

// decorate adds a field's description and patch extensions to its schema.
func (g *generator) decorate(s *Schema, f field) *Schema {
	strategy := f.tag.Get("patchStrategy")
	mergeKey := f.tag.Get("patchMergeKey")
	if f.doc == "" && strategy == "" && mergeKey == "" {
		return s
	}
	if s.Ref != "" && g.allOfRefs {
		s = &Schema{AllOf: []*Schema{s}}
	}
	s.Description = f.doc
	s.PatchStrategy = strategy
	s.PatchMergeKey = mergeKey
	return s
}

// typeSchema is the schema of a value of type t used inside definition owner.
func (g *generator) typeSchema(t reflect.Type, owner string) *Schema {
	t = deref(t)
	if _, ok := baseSpecialSchema(t); ok || (t.Kind() == reflect.Struct && t.Name() != "") {
		return g.ref(owner, g.define(t))
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 {
			return &Schema{Type: "string", Format: "byte"} // encoding/json writes []byte as base64
		}
		return &Schema{Type: "array", Items: g.typeSchema(t.Elem(), owner)}
	case reflect.Map:
		return &Schema{Type: "object", AdditionalProperties: g.typeSchema(t.Elem(), owner)}
	case reflect.Struct: // anonymous struct: described in place
		s := &Schema{}
		g.fillStruct(s, t, owner)
		return s
	case reflect.Interface:
		return &Schema{Type: "object"}
	}
	return primitiveSchema(t.Kind())
}

func (g *generator) ref(owner, name string) *Schema {
	g.deps[owner][name] = true
	return &Schema{Ref: g.refPrefix + name}
}

func primitiveSchema(k reflect.Kind) *Schema {
	switch k {
	case reflect.Bool:
		return &Schema{Type: "boolean"}
	case reflect.Int32, reflect.Uint32, reflect.Int16, reflect.Uint16, reflect.Int8, reflect.Uint8:
		return &Schema{Type: "integer", Format: "int32"}
	case reflect.Int, reflect.Int64, reflect.Uint, reflect.Uint64:
		return &Schema{Type: "integer", Format: "int64"}
	case reflect.Float32:
		return &Schema{Type: "number", Format: "float"}
	case reflect.Float64:
		return &Schema{Type: "number", Format: "double"}
	}
	return &Schema{Type: "string"}
}

func deref(t reflect.Type) reflect.Type {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	return t
}

// closure returns the definitions reachable from roots, roots included.
func (g *generator) closure(roots []string) map[string]*Schema {
	out := map[string]*Schema{}
	stack := append([]string(nil), roots...)
	for len(stack) > 0 {
		name := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if _, seen := out[name]; seen {
			continue
		}
		out[name] = g.defs[name]
		for dep := range g.deps[name] {
			stack = append(stack, dep)
		}
	}
	return out
}

// definitionName names a type as Kubernetes does: the Go package path with
// its domain reversed, dots between elements, then the type name
// (k8s.io/api/apps/v1.Deployment -> io.k8s.api.apps.v1.Deployment).
func definitionName(t reflect.Type) string {
	parts := strings.Split(t.PkgPath(), "/")
	domain := strings.Split(parts[0], ".")
	for i, j := 0, len(domain)-1; i < j; i, j = i+1, j-1 {
		domain[i], domain[j] = domain[j], domain[i]
	}
	parts[0] = strings.Join(domain, ".")
	return strings.ReplaceAll(strings.Join(parts, "."), "-", "_") + "." + t.Name()
}
