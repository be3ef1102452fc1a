package disruption

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func budget(minAvail, maxUnavail *intstr.IntOrString) *policyv1.PodDisruptionBudget {
	return &policyv1.PodDisruptionBudget{Spec: policyv1.PodDisruptionBudgetSpec{MinAvailable: minAvail, MaxUnavailable: maxUnavail}}
}

func is(v intstr.IntOrString) *intstr.IntOrString { return &v }

func TestExpected(t *testing.T) {
	cases := []struct {
		name                string
		pdb                 *policyv1.PodDisruptionBudget
		pods                int
		scale               int32
		needsScale          bool
		expected, desired   int32
		current, allowedNow int32
	}{
		{"minAvailable 2 of 3 pods", budget(is(intstr.FromInt32(2)), nil), 3, 0, false, 3, 2, 3, 1},
		{"minAvailable 2, one unhealthy", budget(is(intstr.FromInt32(2)), nil), 3, 0, false, 3, 2, 2, 0},
		{"minAvailable 50% of 5 rounds up", budget(is(intstr.FromString("50%")), nil), 5, 5, true, 5, 3, 5, 2},
		{"maxUnavailable 1 of scale 4", budget(nil, is(intstr.FromInt32(1))), 4, 4, true, 4, 3, 4, 1},
		{"maxUnavailable 30% of 4 rounds up to 2", budget(nil, is(intstr.FromString("30%"))), 4, 4, true, 4, 2, 3, 1},
		{"maxUnavailable uses the scale, not the pod count", budget(nil, is(intstr.FromInt32(1))), 2, 5, true, 5, 4, 2, 0},
		{"maxUnavailable 0 allows nothing", budget(nil, is(intstr.FromInt32(0))), 3, 3, true, 3, 3, 3, 0},
		{"minAvailable above expected", budget(is(intstr.FromInt32(5)), nil), 3, 0, false, 3, 5, 3, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if NeedsScale(tc.pdb) != tc.needsScale {
				t.Fatalf("NeedsScale = %v", !tc.needsScale)
			}
			exp, des, err := Expected(tc.pdb, tc.pods, tc.scale)
			if err != nil || exp != tc.expected || des != tc.desired {
				t.Fatalf("expected=%d desired=%d err=%v; want %d %d", exp, des, err, tc.expected, tc.desired)
			}
			if got := Allowed(tc.current, des, exp); got != tc.allowedNow {
				t.Fatalf("allowed %d, want %d", got, tc.allowedNow)
			}
		})
	}
}

func pod(name string, ready bool) *corev1.Pod {
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, UID: types.UID(name)},
		Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
}

func TestDisruptedPodsBookkeeping(t *testing.T) {
	deleting := pod("c", true)
	deleting.DeletionTimestamp = &metav1.Time{Time: t0}
	pods := []*corev1.Pod{pod("a", true), pod("b", true), deleting, pod("d", false)}
	recorded := map[string]time.Time{
		"a":    t0.Add(-time.Minute),     // fresh: a counts as disrupted
		"b":    t0.Add(-3 * time.Minute), // expired
		"c":    t0.Add(-time.Second),     // being deleted: done
		"gone": t0.Add(-time.Second),     // pod gone: done
	}
	kept, next := PruneDisrupted(recorded, pods, t0)
	if len(kept) != 1 || kept["a"].IsZero() || !next.Equal(t0.Add(time.Minute)) {
		t.Fatalf("kept %v next %v", kept, next)
	}
	h := Healthy(pods, kept)
	if len(h) != 1 || !h["b"] {
		t.Fatalf("healthy %v", h)
	}
}
