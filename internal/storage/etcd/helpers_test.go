package etcd

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/scheme"

	"rudder/internal/storage"
)

var configMaps = schema.GroupResource{Resource: "configmaps"}

func startEtcd(t *testing.T) *Embedded {
	t.Helper()
	e, err := StartEmbedded(context.Background(), t.TempDir())
	if err != nil {
		t.Fatalf("StartEmbedded: %v", err)
	}
	t.Cleanup(func() { _ = e.Close() })
	return e
}

func newCMStore(t *testing.T, e *Embedded) *Store {
	t.Helper()
	return New(Config{
		Client:        e.Client(),
		GroupResource: configMaps,
		Codec:         Codec(scheme.Scheme, corev1.SchemeGroupVersion),
		NewFunc:       func() runtime.Object { return &corev1.ConfigMap{} },
	}).(*Store)
}

func cm(name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Data: data}
}

func cmKey(name string) string { return "/registry/configmaps/default/" + name }

func testCtx(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func mustCreate(t *testing.T, s storage.Store, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	out, err := s.Create(testCtx(t), cmKey(name), cm(name, data))
	if err != nil {
		t.Fatalf("create %s: %v", name, err)
	}
	return out.(*corev1.ConfigMap)
}

func rvOf(t *testing.T, obj runtime.Object) string {
	t.Helper()
	return obj.(metav1.Object).GetResourceVersion()
}

func names(items []runtime.Object) []string {
	out := make([]string, 0, len(items))
	for _, it := range items {
		out = append(out, it.(metav1.Object).GetName())
	}
	return out
}
