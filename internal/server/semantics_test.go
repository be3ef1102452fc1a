package server

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestDryRunAndGenerateName(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")
	got, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "dry"}}, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	if err != nil || got.Name != "dry" {
		t.Fatalf("dry-run create: %v", err)
	}
	if _, err := cms.Get(ctx, "dry", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("dry-run create was stored: %v", err)
	}
	gen, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{GenerateName: "web-"}}, metav1.CreateOptions{})
	if err != nil || len(gen.Name) != len("web-")+5 || gen.Name[:4] != "web-" {
		t.Fatalf("generateName: %v %q", err, gen.Name)
	}
	gen.Data = map[string]string{"a": "b"}
	if _, err := cms.Update(ctx, gen, metav1.UpdateOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run update: %v", err)
	}
	if cur, _ := cms.Get(ctx, gen.Name, metav1.GetOptions{}); len(cur.Data) != 0 {
		t.Fatal("dry-run update was stored")
	}
	if err := cms.Delete(ctx, gen.Name, metav1.DeleteOptions{DryRun: []string{metav1.DryRunAll}}); err != nil {
		t.Fatalf("dry-run delete: %v", err)
	}
	if _, err := cms.Get(ctx, gen.Name, metav1.GetOptions{}); err != nil {
		t.Fatalf("dry-run delete removed the object: %v", err)
	}
}

func TestFinalizersAndDeleteCollection(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")
	held, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "held", Finalizers: []string{"example.com/hold"}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cms.Delete(ctx, "held", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	cur, err := cms.Get(ctx, "held", metav1.GetOptions{})
	if err != nil || cur.DeletionTimestamp == nil {
		t.Fatalf("object with finalizer must stay with deletionTimestamp: %v %+v", err, cur)
	}
	if err := cms.Delete(ctx, "held", metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: ptr.To(held.UID + "x")}}); !apierrors.IsConflict(err) {
		t.Fatalf("uid precondition: got %v, want Conflict", err)
	}
	cur.Finalizers = nil
	if _, err := cms.Update(ctx, cur, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := cms.Get(ctx, "held", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("removing the last finalizer must delete: %v", err)
	}
	for _, n := range []string{"a", "b", "c"} {
		l := map[string]string{"sel": "yes"}
		if n == "c" {
			l = nil
		}
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: n, Labels: l}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if err := cms.DeleteCollection(ctx, metav1.DeleteOptions{}, metav1.ListOptions{LabelSelector: "sel=yes"}); err != nil {
		t.Fatal(err)
	}
	left, _ := cms.List(ctx, metav1.ListOptions{})
	if len(left.Items) != 1 || left.Items[0].Name != "c" {
		t.Fatalf("deletecollection left %+v", left.Items)
	}
}

// TestPodBindingEvictionAndGrace covers pods/binding, graceful deletion of
// bound pods and pods/eviction against a PodDisruptionBudget.
func TestPodBindingEvictionAndGrace(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx := context.Background()
	pods := c.CoreV1().Pods("default")
	mk := func(name string) *corev1.Pod {
		p, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "x"}},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	p := mk("p1")
	if p.Status.Phase != corev1.PodPending || p.Spec.ServiceAccountName != "default" || p.Spec.Priority == nil || len(p.Spec.Tolerations) != 2 {
		t.Fatalf("pod defaults/admission: phase %q sa %q priority %v tolerations %v", p.Status.Phase, p.Spec.ServiceAccountName, p.Spec.Priority, p.Spec.Tolerations)
	}
	bind := &corev1.Binding{ObjectMeta: metav1.ObjectMeta{Name: "p1"}, Target: corev1.ObjectReference{Kind: "Node", Name: "n1"}}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); err != nil {
		t.Fatalf("bind: %v", err)
	}
	if err := pods.Bind(ctx, bind, metav1.CreateOptions{}); !apierrors.IsConflict(err) {
		t.Fatalf("second bind: got %v, want Conflict", err)
	}
	got, _ := pods.Get(ctx, "p1", metav1.GetOptions{})
	if got.Spec.NodeName != "n1" {
		t.Fatalf("nodeName %q", got.Spec.NodeName)
	}
	// A bound pod is deleted gracefully: it stays until grace 0.
	if err := pods.Delete(ctx, "p1", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](30)}); err != nil {
		t.Fatal(err)
	}
	got, err := pods.Get(ctx, "p1", metav1.GetOptions{})
	if err != nil || got.DeletionTimestamp == nil || *got.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("graceful delete: %v %+v", err, got.ObjectMeta)
	}
	if err := pods.Delete(ctx, "p1", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](0)}); err != nil {
		t.Fatal(err)
	}
	if _, err := pods.Get(ctx, "p1", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("grace 0 delete must remove the pod: %v", err)
	}
	// Eviction honours a PDB with no allowed disruptions.
	mk("p2")
	pdb, err := c.PolicyV1().PodDisruptionBudgets("default").Create(ctx, &policyv1.PodDisruptionBudget{
		ObjectMeta: metav1.ObjectMeta{Name: "pdb"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "x"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ev := &policyv1.Eviction{ObjectMeta: metav1.ObjectMeta{Name: "p2"}}
	if err := pods.EvictV1(ctx, ev); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("eviction against a PDB without disruptions: got %v, want 429", err)
	}
	pdb.Status = policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 1, ObservedGeneration: pdb.Generation}
	if _, err := c.PolicyV1().PodDisruptionBudgets("default").UpdateStatus(ctx, pdb, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := pods.EvictV1(ctx, ev); err != nil {
		t.Fatalf("allowed eviction: %v", err)
	}
	if _, err := pods.Get(ctx, "p2", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("evicted unbound pod must be gone: %v", err)
	}
	after, _ := c.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "pdb", metav1.GetOptions{})
	if after.Status.DisruptionsAllowed != 0 {
		t.Fatalf("eviction must consume the allowed disruption, have %d", after.Status.DisruptionsAllowed)
	}
}

func TestWatchBookmarksAndTooOld(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cm, err := c.CoreV1().ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "w"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w, err := c.CoreV1().ConfigMaps("default").Watch(ctx, metav1.ListOptions{ResourceVersion: cm.ResourceVersion, AllowWatchBookmarks: true})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	for ev := range w.ResultChan() {
		if ev.Type == "BOOKMARK" {
			if m, err := metaAccessor(ev.Object); err != nil || m == "" {
				t.Fatalf("bookmark without resourceVersion: %v", err)
			}
			return
		}
	}
	t.Fatal("watch ended without a bookmark")
}

func metaAccessor(obj any) (string, error) {
	cm, ok := obj.(*corev1.ConfigMap)
	if !ok {
		return "", apierrors.NewBadRequest("bookmark of wrong type")
	}
	return cm.ResourceVersion, nil
}
