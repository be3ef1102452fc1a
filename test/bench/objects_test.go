package bench

import (
	"context"
	"fmt"
	"sync/atomic"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// ghostNode is a node that never exists: pods bound to it need no scheduler
// or kubelet, so pod figures measure the API server alone.
const ghostNode = "bench-ghost-node"

var nsSeq atomic.Int64

// newNamespace creates a uniquely named namespace, so repeated benchmark
// rounds on one server never collide on object names.
func newNamespace(tb testing.TB, cs kubernetes.Interface, prefix string) string {
	tb.Helper()
	name := fmt.Sprintf("%s-%d", prefix, nsSeq.Add(1))
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		tb.Fatalf("creating namespace %s: %v", name, err)
	}
	return name
}

// configMap is a small ConfigMap (one short key), the cheapest real write.
func configMap(name string) *corev1.ConfigMap {
	return &corev1.ConfigMap{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bench": "rudder"}},
		Data:       map[string]string{"key": "value"},
	}
}

// pod is a small one-container pod bound to nodeName (empty: unbound).
// Pods are heavier than ConfigMaps: defaulting, validation and admission.
func pod(name, nodeName string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"bench": "rudder"}},
		Spec: corev1.PodSpec{
			NodeName:   nodeName,
			Containers: []corev1.Container{{Name: "c", Image: "registry.k8s.io/pause:3.10"}},
		},
	}
}

func createConfigMapOp(ns string) func(context.Context, *kubernetes.Clientset, int) error {
	return func(ctx context.Context, cs *kubernetes.Clientset, i int) error {
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, configMap(fmt.Sprintf("cm-%06d", i)), metav1.CreateOptions{})
		return err
	}
}

func createPodOp(ns string) func(context.Context, *kubernetes.Clientset, int) error {
	return func(ctx context.Context, cs *kubernetes.Clientset, i int) error {
		_, err := cs.CoreV1().Pods(ns).Create(ctx, pod(fmt.Sprintf("pod-%06d", i), ghostNode), metav1.CreateOptions{})
		return err
	}
}

// seedConfigMaps creates n ConfigMaps cm-000000… in ns from 16 clients.
func seedConfigMaps(tb testing.TB, s *server, ns string, n int) {
	tb.Helper()
	seed(tb, s, n, createConfigMapOp(ns), "configmaps in "+ns)
}

// seedPods creates n pods pod-000000… bound to ghostNode in ns.
func seedPods(tb testing.TB, s *server, ns string, n int) {
	tb.Helper()
	seed(tb, s, n, createPodOp(ns), "pods in "+ns)
}

func seed(tb testing.TB, s *server, n int, op func(context.Context, *kubernetes.Clientset, int) error, what string) {
	tb.Helper()
	_, wall, err := runParallel(context.Background(), s.clientsets(tb, 16), n, op)
	if err != nil {
		tb.Fatalf("seeding %d %s: %v", n, what, err)
	}
	tb.Logf("seeded %d %s in %s (%.0f/s, load %s)", n, what, wall.Round(1e6), float64(n)/wall.Seconds(), loadAvg())
}

// warm opens every client's connection (TLS handshake, HTTP/2 setup)
// before timing starts.
func warm(tb testing.TB, clients []*kubernetes.Clientset) {
	tb.Helper()
	for _, cs := range clients {
		if _, err := cs.Discovery().ServerVersion(); err != nil {
			tb.Fatalf("warming a client: %v", err)
		}
	}
}
