package apiserver

import (
	"reflect"
	"slices"
	"strings"
	"sync"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/applyconfigurations"
	"k8s.io/client-go/testing"
	"sigs.k8s.io/structured-merge-diff/v4/typed"
	"sigs.k8s.io/structured-merge-diff/v4/value"
)

// typeConverter turns objects into structured-merge-diff values for the
// field managers, like client-go's converter but cheaper on the path every
// write takes (tracking an update's managed fields):
//   - objects the server has already validated are not validated again
//     against the schema (the field manager asks for that with
//     AllowDuplicates; apply configurations, which come from clients, are
//     still validated);
//   - TypedToObject defers the conversion to an unstructured map until
//     something needs the content: the field manager converts every
//     manager's view of the live object back to an object only to read its
//     apiVersion, and that map was a tenth of the server's CPU at scale.
type typeConverter struct {
	base  *testing.TypeConverter
	types sync.Map // reflect.Type -> typed.ParseableType
}

func newTypeConverter(scheme *runtime.Scheme) *typeConverter {
	return &typeConverter{base: applyconfigurations.NewTypeConverter(scheme)}
}

func (c *typeConverter) ObjectToTyped(obj runtime.Object, opts ...typed.ValidationOptions) (*typed.TypedValue, error) {
	if _, ok := obj.(*unstructured.Unstructured); ok || !slices.Contains(opts, typed.AllowDuplicates) {
		return c.base.ObjectToTyped(obj, opts...)
	}
	t, ok := c.parseable(obj)
	if !ok {
		return c.base.ObjectToTyped(obj, opts...)
	}
	v, err := value.NewValueReflect(obj)
	if err != nil {
		return c.base.ObjectToTyped(obj, opts...)
	}
	return typed.AsTypedUnvalidated(v, t.Schema, t.TypeRef), nil
}

func (c *typeConverter) TypedToObject(tv *typed.TypedValue) (runtime.Object, error) {
	o := &typedObject{tv: tv}
	if m := tv.AsValue(); m.IsMap() {
		mp := m.AsMap()
		if v, ok := mp.Get("apiVersion"); ok && v.IsString() {
			o.gvk = schema.FromAPIVersionAndKind(v.AsString(), "")
		}
		if v, ok := mp.Get("kind"); ok && v.IsString() {
			o.gvk.Kind = v.AsString()
		}
	}
	return o, nil
}

// parseable finds the schema type of a Go API type by its OpenAPI name
// (k8s.io/api/core/v1.Pod is io.k8s.api.core.v1.Pod).
func (c *typeConverter) parseable(obj runtime.Object) (typed.ParseableType, bool) {
	rt := reflect.TypeOf(obj)
	if rt.Kind() != reflect.Pointer {
		return typed.ParseableType{}, false
	}
	if t, ok := c.types.Load(rt); ok {
		return t.(typed.ParseableType), true
	}
	t := c.base.TypeResolver.Type(openAPIName(rt.Elem()))
	if !t.IsValid() {
		return typed.ParseableType{}, false
	}
	c.types.Store(rt, t)
	return t, true
}

func openAPIName(t reflect.Type) string {
	parts := strings.Split(t.PkgPath(), "/")
	domain := strings.Split(parts[0], ".")
	slices.Reverse(domain)
	parts[0] = strings.Join(domain, ".")
	return strings.Join(append(parts, t.Name()), ".")
}

// typedObject is what TypedToObject returns: it answers its kind at once
// and becomes an unstructured object (what client-go's converter returns)
// when it is converted or copied.
type typedObject struct {
	tv  *typed.TypedValue
	gvk schema.GroupVersionKind
}

func (o *typedObject) GetObjectKind() schema.ObjectKind              { return o }
func (o *typedObject) GroupVersionKind() schema.GroupVersionKind     { return o.gvk }
func (o *typedObject) SetGroupVersionKind(g schema.GroupVersionKind) { o.gvk = g }
func (o *typedObject) DeepCopyObject() runtime.Object                { return o.unstructured() }

func (o *typedObject) unstructured() runtime.Object {
	m, _ := o.tv.AsValue().Unstructured().(map[string]any)
	u := &unstructured.Unstructured{Object: m}
	if !o.gvk.Empty() {
		u.SetGroupVersionKind(o.gvk)
	}
	return u
}

// objectConvertor is the scheme's converter, turning a typedObject into
// its unstructured form first.
type objectConvertor struct{ runtime.ObjectConvertor }

func (c objectConvertor) Convert(in, out any, ctx any) error {
	if o, ok := in.(*typedObject); ok {
		in = o.unstructured()
	}
	return c.ObjectConvertor.Convert(in, out, ctx)
}

func (c objectConvertor) ConvertToVersion(in runtime.Object, gv runtime.GroupVersioner) (runtime.Object, error) {
	if o, ok := in.(*typedObject); ok {
		in = o.unstructured()
	}
	return c.ObjectConvertor.ConvertToVersion(in, gv)
}
