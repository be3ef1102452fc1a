package openapi

import (
	"crypto/sha512"
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"sort"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Build generates the OpenAPI v3 group documents, the v3 root and the v2
// document for resources, and serialises them once.
func Build(resources []Resource) (*Spec, error) {
	if err := validate(resources); err != nil {
		return nil, err
	}
	byGV, order := groupByGV(resources)

	v3gen := newGenerator(true)
	defineAll(v3gen, resources)
	v3defs, err := marshalDefs(v3gen.defs)
	if err != nil {
		return nil, err
	}
	spec := &Spec{groups: make(map[string]groupDoc, len(order))}
	root := v3Root{Paths: map[string]v3RootEntry{}}
	for _, gv := range order {
		doc, err := buildGroupDoc(v3gen, v3defs, gv, byGV[gv])
		if err != nil {
			return nil, err
		}
		path := gvPath(gv)
		spec.groups[path] = doc
		root.Paths[path] = v3RootEntry{ServerRelativeURL: hashedURL(path, doc.etag)}
	}
	if spec.v3Root, err = json.Marshal(root); err != nil {
		return nil, fmt.Errorf("openapi: marshal v3 root: %w", err)
	}
	if spec.v2, err = buildV2(resources, byGV, order); err != nil {
		return nil, err
	}
	spec.v2ETag = contentHash(spec.v2)
	return spec, nil
}

func validate(resources []Resource) error {
	seen := map[schema.GroupVersionResource]bool{}
	for i, r := range resources {
		if r.Object == nil || r.GVK.Kind == "" || r.GVK.Version == "" || r.Resource == "" {
			return fmt.Errorf("openapi: resource %d (%q): Object, GVK kind/version and Resource are required", i, r.Resource)
		}
		if r.List != nil && r.ListGVK.Kind == "" {
			return fmt.Errorf("openapi: resource %s: List given without ListGVK", r.Resource)
		}
		gvr := r.GVK.GroupVersion().WithResource(r.Resource)
		if seen[gvr] {
			return fmt.Errorf("openapi: resource %s listed twice", gvr)
		}
		seen[gvr] = true
	}
	return nil
}

// groupByGV groups resources by group version, core first then by path, so
// that documents are stable whatever the input order.
func groupByGV(resources []Resource) (map[schema.GroupVersion][]Resource, []schema.GroupVersion) {
	byGV := map[schema.GroupVersion][]Resource{}
	var order []schema.GroupVersion
	for _, r := range resources {
		gv := r.GVK.GroupVersion()
		if _, ok := byGV[gv]; !ok {
			order = append(order, gv)
		}
		byGV[gv] = append(byGV[gv], r)
	}
	sort.Slice(order, func(i, j int) bool { return gvPath(order[i]) < gvPath(order[j]) })
	return byGV, order
}

// commonRoots are defined for every document: the bodies of errors,
// deletes and patches, and the group's discovery list.
func commonRoots(g *generator) []string {
	return []string{
		g.defineRoot(&metav1.Status{}, schema.GroupVersionKind{Version: "v1", Kind: "Status"}),
		g.define(reflect.TypeOf(metav1.DeleteOptions{})),
		g.define(reflect.TypeOf(metav1.Patch{})),
		g.define(reflect.TypeOf(metav1.APIResourceList{})),
		g.define(reflect.TypeOf(metav1.WatchEvent{})),
	}
}

// defineAll defines every kind sent or received by resources, marking the
// top-level ones with their group-version-kind.
func defineAll(g *generator, resources []Resource) {
	commonRoots(g)
	for _, r := range resources {
		resourceRoots(g, r)
	}
}

func resourceRoots(g *generator, r Resource) []string {
	roots := []string{g.defineRoot(r.Object, r.GVK)}
	if r.List != nil {
		roots = append(roots, g.defineRoot(r.List, r.ListGVK))
	}
	for _, sub := range r.Subresources {
		if sub.Object == nil {
			continue
		}
		gvk := sub.GVK
		if gvk.Empty() {
			gvk = r.GVK
		}
		roots = append(roots, g.defineRoot(sub.Object, gvk))
	}
	return roots
}

func marshalDefs(defs map[string]*Schema) (map[string]json.RawMessage, error) {
	out := make(map[string]json.RawMessage, len(defs))
	for name, s := range defs {
		b, err := json.Marshal(s)
		if err != nil {
			return nil, fmt.Errorf("openapi: marshal schema %s: %w", name, err)
		}
		out[name] = b
	}
	return out, nil
}

func buildGroupDoc(g *generator, defs map[string]json.RawMessage, gv schema.GroupVersion, rs []Resource) (groupDoc, error) {
	tags := []string{tag(gv)}
	items := []pathItem{resourcesPath(gv)}
	roots := commonRoots(g) // already defined: returns names only
	for _, r := range rs {
		items = append(items, newResourcePaths(r).items()...)
		roots = append(roots, resourceRoots(g, r)...)
	}
	doc := v3Document{
		OpenAPI:    "3.0.0",
		Info:       docInfo{Title: "Kubernetes", Version: "unversioned"},
		Paths:      v3Paths(items, tags),
		Components: v3Components{Schemas: map[string]json.RawMessage{}},
	}
	for name := range g.closure(roots) {
		doc.Components.Schemas[name] = defs[name]
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return groupDoc{}, fmt.Errorf("openapi: marshal %s: %w", gvPath(gv), err)
	}
	return groupDoc{body: body, etag: contentHash(body)}, nil
}

func buildV2(resources []Resource, byGV map[schema.GroupVersion][]Resource, order []schema.GroupVersion) ([]byte, error) {
	g := newGenerator(false)
	defineAll(g, resources)
	defs, err := marshalDefs(g.defs)
	if err != nil {
		return nil, err
	}
	doc := v2Document{
		Swagger:     "2.0",
		Info:        docInfo{Title: "Kubernetes", Version: "v1.32.0"},
		Paths:       map[string]*v2PathItem{},
		Definitions: defs,
	}
	for _, gv := range order {
		tags := []string{tag(gv)}
		v2Paths([]pathItem{resourcesPath(gv)}, tags, doc.Paths)
		for _, r := range byGV[gv] {
			v2Paths(newResourcePaths(r).items(), tags, doc.Paths)
		}
	}
	body, err := json.Marshal(doc)
	if err != nil {
		return nil, fmt.Errorf("openapi: marshal v2: %w", err)
	}
	return body, nil
}

// contentHash is the ETag and URL hash of a document: upper-case hex SHA-512,
// the form kube-apiserver uses.
func contentHash(body []byte) string {
	return fmt.Sprintf("%X", sha512.Sum512(body))
}

func hashedURL(path, hash string) string {
	return "/openapi/v3/" + path + "?" + url.Values{"hash": {hash}}.Encode()
}
