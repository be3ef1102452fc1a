package shallow

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

func TestCopyKeepsOriginalMetadata(t *testing.T) {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p", ResourceVersion: "7", Labels: map[string]string{"a": "b"}},
		Spec:       corev1.PodSpec{NodeName: "n1"},
	}
	unstr := &unstructured.Unstructured{}
	unstr.SetName("u")
	unstr.SetResourceVersion("7")
	for _, obj := range []runtime.Object{pod, unstr} {
		c := Copy(obj)
		if c == obj {
			t.Fatalf("%T: Copy returned the same pointer", obj)
		}
		c.GetObjectKind().SetGroupVersionKind(schema.GroupVersionKind{Version: "v1", Kind: "X"})
		c.(metav1.Object).SetResourceVersion("")
		if got := obj.(metav1.Object).GetResourceVersion(); got != "7" {
			t.Errorf("%T: original resourceVersion = %q after changing the copy, want 7", obj, got)
		}
		if got := obj.GetObjectKind().GroupVersionKind().Kind; got != "" {
			t.Errorf("%T: original kind = %q after changing the copy, want none", obj, got)
		}
	}
}

func TestCopySharesTheRestOfATypedObject(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}}}
	c := Copy(pod).(*corev1.Pod)
	c.Labels["a"] = "changed"
	if pod.Labels["a"] != "changed" {
		t.Fatal("labels map was copied: Copy is not shallow for typed objects")
	}
}

func TestEmbedsObjectMeta(t *testing.T) {
	cases := []struct {
		name string
		obj  runtime.Object
		want bool
	}{
		{"pod", &corev1.Pod{}, true},
		{"list", &corev1.PodList{}, false},
		{"unstructured", &unstructured.Unstructured{}, false},
		{"partial metadata", &metav1.PartialObjectMetadata{}, true},
		{"nil pod", (*corev1.Pod)(nil), false},
	}
	for _, c := range cases {
		if got := embedsObjectMeta(reflect.ValueOf(c.obj)); got != c.want {
			t.Errorf("%s: embedsObjectMeta = %v, want %v", c.name, got, c.want)
		}
	}
}
