package core

import (
	"reflect"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"rudder/internal/api"
)

func registry(t *testing.T) *api.Registry {
	t.Helper()
	r := api.NewRegistry()
	Register(r)
	return r
}

func kindOf(t *testing.T, resource string) *api.Kind {
	t.Helper()
	k, ok := registry(t).Lookup(schema.GroupVersionResource{Version: "v1", Resource: resource})
	if !ok {
		t.Fatalf("%s not registered", resource)
	}
	return k
}

func TestRegister(t *testing.T) {
	want := map[string]struct {
		kind       string
		namespaced bool
		short      string
	}{
		"namespaces":             {"Namespace", false, "ns"},
		"pods":                   {"Pod", true, "po"},
		"services":               {"Service", true, "svc"},
		"endpoints":              {"Endpoints", true, "ep"},
		"configmaps":             {"ConfigMap", true, "cm"},
		"secrets":                {"Secret", true, ""},
		"nodes":                  {"Node", false, "no"},
		"events":                 {"Event", true, "ev"},
		"serviceaccounts":        {"ServiceAccount", true, "sa"},
		"persistentvolumes":      {"PersistentVolume", false, "pv"},
		"persistentvolumeclaims": {"PersistentVolumeClaim", true, "pvc"},
		"resourcequotas":         {"ResourceQuota", true, "quota"},
		"limitranges":            {"LimitRange", true, "limits"},
		"replicationcontrollers": {"ReplicationController", true, "rc"},
		"podtemplates":           {"PodTemplate", true, ""},
	}
	r := registry(t)
	if got := len(r.Kinds()); got != len(want) {
		t.Errorf("registered %d kinds, want %d", got, len(want))
	}
	for _, k := range r.Kinds() {
		w, ok := want[k.Resource]
		if !ok {
			t.Errorf("unexpected resource %s", k.Resource)
			continue
		}
		if k.GVK != (schema.GroupVersionKind{Version: "v1", Kind: w.kind}) || k.Namespaced != w.namespaced {
			t.Errorf("%s: gvk %v namespaced %v", k.Resource, k.GVK, k.Namespaced)
		}
		if w.short != "" && (len(k.ShortNames) != 1 || k.ShortNames[0] != w.short) {
			t.Errorf("%s: short names %v, want %s", k.Resource, k.ShortNames, w.short)
		}
		if k.Singular != strings.ToLower(w.kind) {
			t.Errorf("%s: singular %q", k.Resource, k.Singular)
		}
		checkTypes(t, k)
	}
}

// checkTypes compares New/NewList with the types client-go's scheme knows
// for the kind, so the wire format matches.
func checkTypes(t *testing.T, k *api.Kind) {
	t.Helper()
	obj, err := scheme.Scheme.New(k.GVK)
	if err != nil {
		t.Fatalf("%s: %v", k.GVK, err)
	}
	if reflect.TypeOf(k.New()) != reflect.TypeOf(obj) {
		t.Errorf("%s: New gives %T, want %T", k.Resource, k.New(), obj)
	}
	list, err := scheme.Scheme.New(k.GVK.GroupVersion().WithKind(k.GVK.Kind + "List"))
	if err != nil {
		t.Fatalf("%s list: %v", k.GVK, err)
	}
	if reflect.TypeOf(k.NewList()) != reflect.TypeOf(list) {
		t.Errorf("%s: NewList gives %T, want %T", k.Resource, k.NewList(), list)
	}
}

func TestSubresourcesAndCategories(t *testing.T) {
	cases := []struct {
		resource string
		subs     []string
		all      bool
	}{
		{"pods", []string{"status", "binding", "eviction", "log", "exec", "attach", "portforward", "proxy", "ephemeralcontainers"}, true},
		{"namespaces", []string{"status", "finalize"}, false},
		{"services", []string{"status", "proxy"}, true},
		{"nodes", []string{"status", "proxy"}, false},
		{"serviceaccounts", []string{"token"}, false},
		{"replicationcontrollers", []string{"status", "scale"}, true},
		{"persistentvolumeclaims", []string{"status"}, false},
	}
	for _, c := range cases {
		k := kindOf(t, c.resource)
		for _, s := range c.subs {
			if !k.HasSubresource(s) {
				t.Errorf("%s lacks subresource %s", c.resource, s)
			}
		}
		if inAll := len(k.Categories) == 1 && k.Categories[0] == "all"; inAll != c.all {
			t.Errorf("%s: categories %v", c.resource, k.Categories)
		}
	}
	if !kindOf(t, "nodes").KeepStatusOnCreate || !kindOf(t, "events").KeepStatusOnCreate {
		t.Error("nodes and events must keep status on create")
	}
}

// TestRowsMatchColumns runs every kind's Row on an empty object and on a
// filled one: both must give one cell per column and never panic.
func TestRowsMatchColumns(t *testing.T) {
	full := fullObjects()
	for _, k := range registry(t).Kinds() {
		if k.Row == nil || len(k.Columns) == 0 {
			t.Errorf("%s has no table", k.Resource)
			continue
		}
		objs := []runtime.Object{k.New()}
		if f, ok := full[k.Resource]; ok {
			objs = append(objs, f)
		} else {
			t.Errorf("no full object for %s", k.Resource)
		}
		for _, o := range objs {
			if cells := k.Row(o); len(cells) != len(k.Columns) {
				t.Errorf("%s: %d cells for %d columns", k.Resource, len(cells), len(k.Columns))
			}
		}
	}
}

func fullObjects() map[string]runtime.Object {
	meta := metav1.ObjectMeta{Name: "x", Namespace: "default", CreationTimestamp: metav1.Now(),
		Labels: map[string]string{"app": "x"}, DeletionTimestamp: &metav1.Time{}}
	claim := "fast"
	return map[string]runtime.Object{
		"namespaces": &corev1.Namespace{ObjectMeta: meta, Status: corev1.NamespaceStatus{Phase: "Active"}},
		"pods":       runningPod(),
		"services":   loadBalancer(),
		"endpoints": &corev1.Endpoints{ObjectMeta: meta, Subsets: []corev1.EndpointSubset{{
			Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}}, Ports: []corev1.EndpointPort{{Port: 80}}}}},
		"configmaps":      &corev1.ConfigMap{ObjectMeta: meta, Data: map[string]string{"a": "b"}},
		"secrets":         &corev1.Secret{ObjectMeta: meta, Type: "Opaque", Data: map[string][]byte{"a": nil}},
		"nodes":           readyNode(),
		"events":          &corev1.Event{ObjectMeta: meta, InvolvedObject: corev1.ObjectReference{Kind: "Pod", Name: "p"}, Count: 3, Series: &corev1.EventSeries{Count: 4}},
		"serviceaccounts": &corev1.ServiceAccount{ObjectMeta: meta, Secrets: []corev1.ObjectReference{{Name: "s"}}},
		"persistentvolumes": &corev1.PersistentVolume{ObjectMeta: meta, Spec: corev1.PersistentVolumeSpec{
			ClaimRef: &corev1.ObjectReference{Namespace: "default", Name: "c"}, VolumeAttributesClassName: &claim}},
		"persistentvolumeclaims": &corev1.PersistentVolumeClaim{ObjectMeta: meta, Spec: corev1.PersistentVolumeClaimSpec{
			VolumeName: "pv1", StorageClassName: &claim}},
		"resourcequotas": &corev1.ResourceQuota{ObjectMeta: meta, Status: corev1.ResourceQuotaStatus{Hard: corev1.ResourceList{"pods": mustQ("10")}}},
		"limitranges":    &corev1.LimitRange{ObjectMeta: meta},
		"replicationcontrollers": &corev1.ReplicationController{ObjectMeta: meta, Spec: corev1.ReplicationControllerSpec{
			Replicas: ptr(int32(2)), Selector: meta.Labels, Template: &corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}}},
		"podtemplates": &corev1.PodTemplate{ObjectMeta: meta, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}},
	}
}
