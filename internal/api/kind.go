// Package api is the registry of resource kinds the API server serves.
// Each group package (api/core, api/apps, ...) describes its kinds with a Def
// and registers them; the generic REST code in apiserver knows nothing else
// about a kind than what its Kind entry says.
package api

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Kind is one resource as served at one group/version. All hooks are optional
// and untyped; Def builds them from typed functions.
type Kind struct {
	GVK        schema.GroupVersionKind
	Resource   string // plural, lower case: "deployments"
	Singular   string // "deployment"
	Namespaced bool
	ShortNames []string
	Categories []string // e.g. "all"
	// Subresources served besides the main resource: "status", "scale",
	// "binding", "eviction", "log", "exec", "attach", "portforward", "proxy".
	Subresources []string

	New     func() runtime.Object
	NewList func() runtime.Object

	// Default fills defaults in place, as Kubernetes' defaulting does. It runs
	// on every create and update before validation.
	Default func(obj runtime.Object)
	// Validate checks an object about to be created.
	Validate func(obj runtime.Object) field.ErrorList
	// ValidateUpdate checks an update (immutable fields etc.); when nil,
	// Validate is used on the new object.
	ValidateUpdate func(obj, old runtime.Object) field.ErrorList
	// PrepareForCreate adjusts a new object after the generic code reset its
	// status (e.g. a pod's phase Pending, qosClass).
	PrepareForCreate func(obj runtime.Object)
	// PrepareForUpdate adjusts an update of the main resource after the
	// generic code kept the old status.
	PrepareForUpdate func(obj, old runtime.Object)
	// KeepStatusOnCreate: status given at create is kept (nodes, events...).
	KeepStatusOnCreate bool

	// Columns and Row make the meta.k8s.io Table. Columns includes the
	// leading Name column; Row returns one cell per column (name first).
	// When nil the Table has NAME and AGE.
	Columns []metav1.TableColumnDefinition
	Row     func(obj runtime.Object) []any

	// StoredAs, when set, is the resource whose storage this kind shares
	// (events.k8s.io/v1 Event is stored as core/v1 Event; autoscaling/v1
	// HorizontalPodAutoscaler as autoscaling/v2). ToStored and FromStored
	// convert between the two Go types.
	StoredAs   *schema.GroupVersionResource
	ToStored   func(runtime.Object) (runtime.Object, error)
	FromStored func(runtime.Object) (runtime.Object, error)

	// Fields returns the kind-specific field-selector fields (beyond
	// metadata.name and metadata.namespace, which are always there).
	Fields func(obj runtime.Object) fields.Set
}

// GroupResource is the group and plural name, the kind's identity in storage.
func (k *Kind) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: k.GVK.Group, Resource: k.Resource}
}

// GVR is the group, version and plural name.
func (k *Kind) GVR() schema.GroupVersionResource {
	return k.GVK.GroupVersion().WithResource(k.Resource)
}

// HasSubresource says whether sub is served for this kind.
func (k *Kind) HasSubresource(sub string) bool {
	for _, s := range k.Subresources {
		if s == sub {
			return true
		}
	}
	return false
}
