package disruption

import (
	"context"
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"

	"rudder/internal/testenv"
)

func statusIs(env *testenv.Env, name string, healthy, desired, expected, allowed int32) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		p, err := env.Client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := p.Status
		return s.ObservedGeneration == p.Generation && s.CurrentHealthy == healthy && s.DesiredHealthy == desired &&
			s.ExpectedPods == expected && s.DisruptionsAllowed == allowed, nil
	}
}

func evict(env *testenv.Env, pod string) error {
	return env.Client.PolicyV1().Evictions("default").Evict(context.Background(), &policyv1.Eviction{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: pod}})
}

func TestBudgetFollowsReadinessAndGuardsEviction(t *testing.T) {
	env := testenv.Start(t, "disruption-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 2)
	ctx := context.Background()
	cs := env.Client.CoreV1()

	labels := map[string]string{"app": "db"}
	for i := 0; i < 3; i++ {
		name := fmt.Sprintf("db-%d", i)
		if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", name, "", labels), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		testenv.SetPodRunning(t, env.Client, "default", name, fmt.Sprintf("10.42.0.%d", 10+i), i < 2)
	}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "db"},
		Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: ptr.To(intstr.FromInt32(2)),
			Selector: &metav1.LabelSelector{MatchLabels: labels}}}
	if _, err := env.Client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Two of three ready, two needed: nothing may go.
	testenv.Eventually(t, 20*time.Second, "no disruption allowed", statusIs(env, "db", 2, 2, 3, 0))
	if err := evict(env, "db-0"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("eviction with no budget: want 429, got %v", err)
	}
	got, _ := env.Client.PolicyV1().PodDisruptionBudgets("default").Get(ctx, "db", metav1.GetOptions{})
	if c := findCondition(got, policyv1.DisruptionAllowedCondition); c == nil || c.Status != metav1.ConditionFalse || c.Reason != reasonInsufficient {
		t.Fatalf("condition %+v", c)
	}

	// The third pod becomes ready: one disruption allowed.
	testenv.SetPodRunning(t, env.Client, "default", "db-2", "10.42.0.12", true)
	testenv.Eventually(t, 20*time.Second, "one disruption allowed", statusIs(env, "db", 3, 2, 3, 1))
	if err := evict(env, "db-0"); err != nil {
		t.Fatalf("eviction within budget: %v", err)
	}
	// The budget is used up: the next eviction is refused, and stays
	// refused once the controller has recomputed.
	if err := evict(env, "db-1"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("second eviction: want 429, got %v", err)
	}
	testenv.Eventually(t, 20*time.Second, "budget after eviction", statusIs(env, "db", 2, 2, 2, 0))
	if err := evict(env, "db-1"); !apierrors.IsTooManyRequests(err) {
		t.Fatalf("eviction after recompute: want 429, got %v", err)
	}
	// A replacement becomes ready: the budget allows one more disruption
	// (kubectl drain's next eviction), and that one goes through.
	if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", "db-3", "", labels), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.SetPodRunning(t, env.Client, "default", "db-3", "10.42.0.13", true)
	testenv.Eventually(t, 20*time.Second, "one disruption allowed again", statusIs(env, "db", 3, 2, 3, 1))
	if err := evict(env, "db-1"); err != nil {
		t.Fatalf("eviction after the replacement became ready: %v", err)
	}
}

func TestMaxUnavailableUsesControllerScale(t *testing.T) {
	env := testenv.Start(t, "disruption-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 1)
	ctx := context.Background()

	labels := map[string]string{"app": "web"}
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To[int32](4), Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}
	rs, err := env.Client.AppsV1().ReplicaSets("default").Create(ctx, rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// Only three of the four wanted pods exist (no ReplicaSet controller runs).
	for i := 0; i < 3; i++ {
		p := testenv.Pod("default", fmt.Sprintf("web-%d", i), "", labels)
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: ptr.To(true)}}
		if _, err := env.Client.CoreV1().Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		testenv.SetPodRunning(t, env.Client, "default", p.Name, fmt.Sprintf("10.42.1.%d", i), true)
	}
	pdb := &policyv1.PodDisruptionBudget{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: policyv1.PodDisruptionBudgetSpec{MaxUnavailable: ptr.To(intstr.FromInt32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels}}}
	if _, err := env.Client.PolicyV1().PodDisruptionBudgets("default").Create(ctx, pdb, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// Expected 4 (the scale), desired 3, healthy 3: one pod already missing.
	testenv.Eventually(t, 20*time.Second, "budget from scale", statusIs(env, "web", 3, 3, 4, 0))
}

func findCondition(p *policyv1.PodDisruptionBudget, t string) *metav1.Condition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
