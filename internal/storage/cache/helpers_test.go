package cache

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes/scheme"

	"rudder/internal/storage"
	"rudder/internal/storage/etcd"
)

const prefix = "/registry/configmaps/"

type env struct {
	etcd  *etcd.Embedded
	under storage.Store
	cache *Cache
	codec runtime.Codec
}

func newCM() runtime.Object { return &corev1.ConfigMap{} }

func setup(t *testing.T, opts ...Option) *env {
	t.Helper()
	e, err := etcd.StartEmbedded(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = e.Close() })
	codec := etcd.Codec(scheme.Scheme, corev1.SchemeGroupVersion)
	under := etcd.New(etcd.Config{Client: e.Client(), GroupResource: schema.GroupResource{Resource: "configmaps"}, Codec: codec, NewFunc: newCM})
	return &env{etcd: e, under: under, codec: codec, cache: startCache(t, e, under, codec, opts...)}
}

func startCache(t *testing.T, e *etcd.Embedded, under storage.Store, codec runtime.Codec, opts ...Option) *Cache {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	s, err := New(ctx, under, e.Client(), prefix, codec, newCM, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return s.(*Cache)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func key(ns, name string) string { return prefix + ns + "/" + name }

func cm(ns, name string, data map[string]string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns}, Data: data}
}

func create(t *testing.T, s storage.Store, ns, name string, data map[string]string) *corev1.ConfigMap {
	t.Helper()
	out, err := s.Create(ctxT(t), key(ns, name), cm(ns, name, data))
	if err != nil {
		t.Fatalf("create %s/%s: %v", ns, name, err)
	}
	return out.(*corev1.ConfigMap)
}

func setData(k, v string) storage.UpdateFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*corev1.ConfigMap).DeepCopy()
		if c.Data == nil {
			c.Data = map[string]string{}
		}
		c.Data[k] = v
		return c, nil
	}
}

func update(t *testing.T, s storage.Store, ns, name, k, v string) *corev1.ConfigMap {
	t.Helper()
	out, err := s.GuaranteedUpdate(ctxT(t), key(ns, name), setData(k, v))
	if err != nil {
		t.Fatalf("update %s/%s: %v", ns, name, err)
	}
	return out.(*corev1.ConfigMap)
}

func rvInt(t *testing.T, obj runtime.Object) int64 {
	t.Helper()
	n, err := strconv.ParseInt(obj.(metav1.Object).GetResourceVersion(), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func names(items []runtime.Object) []string {
	out := []string{}
	for _, it := range items {
		m := it.(metav1.Object)
		out = append(out, m.GetNamespace()+"/"+m.GetName())
	}
	return out
}

func next(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no event within 10s")
	}
	return watch.Event{}
}

// describe is "TYPE ns/name" (or "BOOKMARK rv" for bookmarks).
func describe(ev watch.Event) string {
	m, ok := ev.Object.(metav1.Object)
	if !ok {
		return fmt.Sprintf("%s %T", ev.Type, ev.Object)
	}
	if ev.Type == watch.Bookmark {
		return "BOOKMARK"
	}
	return fmt.Sprintf("%s %s/%s", ev.Type, m.GetNamespace(), m.GetName())
}

func expect(t *testing.T, w watch.Interface, want ...string) {
	t.Helper()
	for i, wantEv := range want {
		if got := describe(next(t, w)); got != wantEv {
			t.Fatalf("event %d: %q, want %q", i, got, wantEv)
		}
	}
}

func watchT(t *testing.T, s storage.Store, p string, opts storage.WatchOptions) watch.Interface {
	t.Helper()
	w, err := s.Watch(ctxT(t), p, opts)
	if err != nil {
		t.Fatalf("watch %s %+v: %v", p, opts, err)
	}
	t.Cleanup(w.Stop)
	return w
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func schemeForTest() *k8sruntime.Scheme { return scheme.Scheme }
