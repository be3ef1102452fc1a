package api

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Def is the typed description of a kind: T is the object pointer type
// (*appsv1.Deployment), L its list pointer type. Build turns it into a Kind.
type Def[T runtime.Object, L runtime.Object] struct {
	Group, Version, Kind string
	Resource, Singular   string
	Namespaced           bool
	ShortNames           []string
	Categories           []string
	Subresources         []string
	KeepStatusOnCreate   bool

	New     func() T
	NewList func() L

	Default          func(T)
	Validate         func(T) field.ErrorList
	ValidateUpdate   func(obj, old T) field.ErrorList
	PrepareForCreate func(T)
	PrepareForUpdate func(obj, old T)

	Columns []metav1.TableColumnDefinition
	Row     func(T) []any
	Fields  func(T) fields.Set

	// StoredAs/ToStored/FromStored: see Kind. S is not typed here because
	// it is another kind's type.
	StoredAs   *schema.GroupVersionResource
	ToStored   func(T) (runtime.Object, error)
	FromStored func(runtime.Object) (T, error)
}

// Build erases the types of d's hooks.
func (d Def[T, L]) Build() *Kind {
	k := &Kind{
		GVK:                schema.GroupVersionKind{Group: d.Group, Version: d.Version, Kind: d.Kind},
		Resource:           d.Resource,
		Singular:           d.Singular,
		Namespaced:         d.Namespaced,
		ShortNames:         d.ShortNames,
		Categories:         d.Categories,
		Subresources:       d.Subresources,
		KeepStatusOnCreate: d.KeepStatusOnCreate,
		New:                func() runtime.Object { return d.New() },
		NewList:            func() runtime.Object { return d.NewList() },
		Default:            erase1(d.Default),
		Validate:           eraseRet(d.Validate),
		ValidateUpdate:     erase2Ret(d.ValidateUpdate),
		PrepareForCreate:   erase1(d.PrepareForCreate),
		PrepareForUpdate:   erase2(d.PrepareForUpdate),
		Columns:            d.Columns,
		Fields:             eraseRet(d.Fields),
		StoredAs:           d.StoredAs,
	}
	if d.ToStored != nil {
		k.ToStored = func(o runtime.Object) (runtime.Object, error) { return d.ToStored(o.(T)) }
	}
	if d.FromStored != nil {
		k.FromStored = func(o runtime.Object) (runtime.Object, error) { return d.FromStored(o) }
	}
	if d.Row != nil {
		k.Row = func(o runtime.Object) []any { return d.Row(o.(T)) }
	}
	return k
}

func erase1[T runtime.Object](f func(T)) func(runtime.Object) {
	if f == nil {
		return nil
	}
	return func(o runtime.Object) { f(o.(T)) }
}

func erase2[T runtime.Object](f func(T, T)) func(runtime.Object, runtime.Object) {
	if f == nil {
		return nil
	}
	return func(o, old runtime.Object) { f(o.(T), old.(T)) }
}

func eraseRet[T runtime.Object, R any](f func(T) R) func(runtime.Object) R {
	if f == nil {
		return nil
	}
	return func(o runtime.Object) R { return f(o.(T)) }
}

func erase2Ret[T runtime.Object, R any](f func(T, T) R) func(runtime.Object, runtime.Object) R {
	if f == nil {
		return nil
	}
	return func(o, old runtime.Object) R { return f(o.(T), old.(T)) }
}
