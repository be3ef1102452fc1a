// Package shallow copies API objects cheaply for code that only changes
// their type or object metadata scalars (kind, resourceVersion) and reads
// the rest: encoding a shared cached object for a client or for storage.
package shallow

import (
	"reflect"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

var objectMetaType = reflect.TypeFor[metav1.ObjectMeta]()

// Copy returns a copy of obj whose TypeMeta and ObjectMeta are its own,
// sharing everything else (maps, slices, nested structs) with obj.
// Typed API objects embed both by value, so copying the top-level struct
// is enough; anything else (Unstructured keeps its metadata in a shared
// map) is deep-copied. Setting the kind or a metadata scalar such as the
// resourceVersion on the result never changes obj; changing anything
// below it (labels, spec, status) would.
func Copy(obj runtime.Object) runtime.Object {
	v := reflect.ValueOf(obj)
	if !embedsObjectMeta(v) {
		return obj.DeepCopyObject()
	}
	c := reflect.New(v.Elem().Type())
	c.Elem().Set(v.Elem())
	return c.Interface().(runtime.Object)
}

// embedsObjectMeta reports whether v points to a struct embedding
// metav1.ObjectMeta by value (TypeMeta is always a value in such types).
func embedsObjectMeta(v reflect.Value) bool {
	if v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		return false
	}
	f, ok := v.Elem().Type().FieldByName("ObjectMeta")
	return ok && f.Anonymous && f.Type == objectMetaType && len(f.Index) == 1
}
