package api

import (
	"fmt"
	"sort"

	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Registry holds every served kind, indexed by group/version/resource.
type Registry struct {
	byGVR   map[schema.GroupVersionResource]*Kind
	ordered []*Kind
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{byGVR: map[schema.GroupVersionResource]*Kind{}}
}

// Add registers k; registering the same resource twice is a programming error.
func (r *Registry) Add(k *Kind) {
	gvr := k.GVR()
	if _, dup := r.byGVR[gvr]; dup {
		panic(fmt.Sprintf("api: %s registered twice", gvr))
	}
	r.byGVR[gvr] = k
	r.ordered = append(r.ordered, k)
}

// Lookup finds the kind served at gvr.
func (r *Registry) Lookup(gvr schema.GroupVersionResource) (*Kind, bool) {
	k, ok := r.byGVR[gvr]
	return k, ok
}

// Kinds returns all kinds in registration order.
func (r *Registry) Kinds() []*Kind { return r.ordered }

// GroupVersions returns the served group versions, core first then sorted.
func (r *Registry) GroupVersions() []schema.GroupVersion {
	seen := map[schema.GroupVersion]bool{}
	var out []schema.GroupVersion
	for _, k := range r.ordered {
		gv := k.GVK.GroupVersion()
		if !seen[gv] {
			seen[gv] = true
			out = append(out, gv)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if (out[i].Group == "") != (out[j].Group == "") {
			return out[i].Group == ""
		}
		return false
	})
	return out
}
