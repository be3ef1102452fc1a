package apiserver

import (
	"reflect"
	"rudder/internal/api"
	apicore "rudder/internal/api/core"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/managedfields"
	"k8s.io/client-go/applyconfigurations"
)

type noDefaults struct{}

func (noDefaults) Default(runtime.Object) {}

// TestTypeConverterMatchesClientGo runs the same writes through field
// managers built on client-go's converter and on ours: the managed fields
// must come out the same.
func TestTypeConverterMatchesClientGo(t *testing.T) {
	scheme := newScheme()
	gvk := corev1.SchemeGroupVersion.WithKind("Pod")
	build := func(tc managedfields.TypeConverter, conv runtime.ObjectConvertor, sub string) *managedfields.FieldManager {
		fm, err := managedfields.NewDefaultFieldManager(tc, conv, noDefaults{}, scheme, gvk, gvk.GroupVersion(), sub, nil)
		if err != nil {
			t.Fatal(err)
		}
		return fm
	}
	ours := newTypeConverter(scheme)
	theirs := applyconfigurations.NewTypeConverter(scheme)
	managers := map[string][2]*managedfields.FieldManager{
		"":       {build(theirs, scheme, ""), build(ours, objectConvertor{runtime.UnsafeObjectConvertor(scheme)}, "")},
		"status": {build(theirs, scheme, "status"), build(ours, objectConvertor{runtime.UnsafeObjectConvertor(scheme)}, "status")},
	}
	base := &corev1.Pod{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"},
		ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
	}
	steps := []struct {
		sub, manager string
		edit         func(*corev1.Pod)
	}{
		{"", "creator", func(p *corev1.Pod) { p.Labels = map[string]string{"a": "1"} }},
		{"", "labeler", func(p *corev1.Pod) { p.Labels["b"] = "2"; p.Annotations = map[string]string{"x": "y"} }},
		{"status", "kubelet", func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		}},
		{"", "creator", func(p *corev1.Pod) { delete(p.Labels, "b"); p.Spec.Containers[0].Image = "busybox:2" }},
		{"status", "kubelet", func(p *corev1.Pod) { p.Status.PodIP = "10.0.0.1" }},
	}
	cur := [2]runtime.Object{base.DeepCopy(), base.DeepCopy()}
	for i, st := range steps {
		for side := range 2 {
			next := cur[side].DeepCopyObject().(*corev1.Pod)
			st.edit(next)
			out, err := managers[st.sub][side].Update(cur[side], next, st.manager)
			if err != nil {
				t.Fatalf("step %d side %d: %v", i, side, err)
			}
			cur[side] = out
		}
		a, b := cur[0].(*corev1.Pod).ManagedFields, cur[1].(*corev1.Pod).ManagedFields
		for j := range b {
			if j < len(a) {
				b[j].Time = a[j].Time
			}
		}
		if !apiequality.Semantic.DeepEqual(a, b) {
			t.Fatalf("step %d: managed fields differ\nclient-go: %+v\nours:      %+v", i, a, b)
		}
	}
	if n := len(cur[1].(*corev1.Pod).ManagedFields); n != 3 {
		t.Errorf("got %d managers, want creator, labeler and kubelet", n)
	}
	// Server-side apply goes through the converter's lazy objects.
	applied := &unstructured.Unstructured{Object: map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": "p", "namespace": "ns", "labels": map[string]any{"c": "3"}},
	}}
	for side := range 2 {
		out, err := managers[""][side].Apply(cur[side], applied.DeepCopy(), "applier", false)
		if err != nil {
			t.Fatalf("apply side %d: %v", side, err)
		}
		cur[side] = out
	}
	p0, p1 := cur[0].(*corev1.Pod), cur[1].(*corev1.Pod)
	if p1.Labels["c"] != "3" || p1.Labels["a"] != "1" {
		t.Errorf("labels after apply = %v, want a=1 and c=3", p1.Labels)
	}
	for j := range p1.ManagedFields {
		if j < len(p0.ManagedFields) {
			p1.ManagedFields[j].Time = p0.ManagedFields[j].Time
		}
	}
	if !apiequality.Semantic.DeepEqual(p0, p1) {
		t.Errorf("after apply the pods differ\nclient-go: %+v\nours:      %+v", p0, p1)
	}
}

func TestOpenAPIName(t *testing.T) {
	for obj, want := range map[runtime.Object]string{
		&corev1.Pod{}:           "io.k8s.api.core.v1.Pod",
		&metav1.Status{}:        "io.k8s.apimachinery.pkg.apis.meta.v1.Status",
		&corev1.ConfigMapList{}: "io.k8s.api.core.v1.ConfigMapList",
	} {
		if got := openAPIName(reflectElem(obj)); got != want {
			t.Errorf("openAPIName(%T) = %q, want %q", obj, got, want)
		}
	}
}

func reflectElem(obj runtime.Object) reflect.Type { return reflect.TypeOf(obj).Elem() }

// TestStatusViewTracking: tracking a status write on views of identity,
// managed fields and status gives the managed fields that tracking the
// whole objects gives.
func TestStatusViewTracking(t *testing.T) {
	scheme := newScheme()
	reg := api.NewRegistry()
	apicore.Register(reg)
	k, ok := reg.Lookup(corev1.SchemeGroupVersion.WithResource("pods"))
	if !ok {
		t.Fatal("no pods kind")
	}
	fm, err := managedfields.NewDefaultFieldManager(newTypeConverter(scheme), objectConvertor{runtime.UnsafeObjectConvertor(scheme)},
		noDefaults{}, scheme, k.GVK, k.GVK.GroupVersion(), "status", nil)
	if err != nil {
		t.Fatal(err)
	}
	main, err := managedfields.NewDefaultFieldManager(newTypeConverter(scheme), objectConvertor{runtime.UnsafeObjectConvertor(scheme)},
		noDefaults{}, scheme, k.GVK, k.GVK.GroupVersion(), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	res := &resource{kind: k, hasStatus: true}
	empty := &corev1.Pod{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Pod"}, ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns"}}
	created := empty.DeepCopy()
	created.Labels = map[string]string{"app": "x"}
	created.Spec.Containers = []corev1.Container{{Name: "c", Image: "busybox"}}
	created.Status.Phase = corev1.PodPending
	base := main.UpdateNoErrors(empty, created, "creator").(*corev1.Pod)
	full, viewed := base.DeepCopy(), base.DeepCopy()
	for i, edit := range []func(*corev1.PodStatus){
		func(s *corev1.PodStatus) {
			s.Phase = corev1.PodRunning
			s.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		},
		func(s *corev1.PodStatus) { s.PodIP = "10.0.0.1"; s.Conditions = nil },
	} {
		nextFull, nextViewed := full.DeepCopy(), viewed.DeepCopy()
		edit(&nextFull.Status)
		edit(&nextViewed.Status)
		full = fm.UpdateNoErrors(full, nextFull, "kubelet").(*corev1.Pod)
		viewed = trackStatusUpdate(fm, res, viewed, nextViewed, "kubelet").(*corev1.Pod)
		for j := range viewed.ManagedFields {
			if j < len(full.ManagedFields) {
				viewed.ManagedFields[j].Time = full.ManagedFields[j].Time
			}
		}
		if !apiequality.Semantic.DeepEqual(full.ManagedFields, viewed.ManagedFields) {
			t.Fatalf("step %d: managed fields differ\nwhole objects: %+v\nviews:         %+v", i, full.ManagedFields, viewed.ManagedFields)
		}
		if viewed.Status.PodIP != full.Status.PodIP || viewed.Labels["app"] != "x" || len(viewed.Spec.Containers) != 1 {
			t.Fatalf("step %d: tracking changed the object: %+v", i, viewed)
		}
	}
	if len(viewed.ManagedFields) != 2 {
		t.Errorf("managers %+v, want creator and kubelet", viewed.ManagedFields)
	}
}
