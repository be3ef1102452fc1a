package nodelifecycle

import (
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	testclock "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

func noExec(key string, added time.Time) corev1.Taint {
	at := metav1.NewTime(added)
	return corev1.Taint{Key: key, Effect: corev1.TaintEffectNoExecute, TimeAdded: &at}
}

func tol(key string, seconds *int64) corev1.Toleration {
	return corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute, TolerationSeconds: seconds}
}

func TestEvictionDeadline(t *testing.T) {
	unreachable := noExec(corev1.TaintNodeUnreachable, t0)
	custom := noExec("example.com/maintenance", t0)
	cases := []struct {
		name   string
		tols   []corev1.Toleration
		taints []corev1.Taint
		want   time.Duration // after t0
		never  bool
	}{
		{"no NoExecute taint", nil, []corev1.Taint{{Key: "x", Effect: corev1.TaintEffectNoSchedule}}, 0, true},
		{"untolerated custom taint evicts at once", nil, []corev1.Taint{custom}, 0, false},
		{"no toleration for unreachable gets the default", nil, []corev1.Taint{unreachable}, 300 * time.Second, false},
		{"explicit tolerationSeconds", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, ptr.To[int64](30))}, []corev1.Taint{unreachable}, 30 * time.Second, false},
		{"toleration without seconds stays forever", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, nil)}, []corev1.Taint{unreachable}, 0, true},
		{"shortest of matching tolerations wins", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, nil), tol("", ptr.To[int64](10))}, []corev1.Taint{unreachable}, 10 * time.Second, false},
		{"earliest taint deadline wins", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, ptr.To[int64](60))}, []corev1.Taint{unreachable, custom}, 0, false},
		{"counted from the taint's TimeAdded", nil, []corev1.Taint{noExec(corev1.TaintNodeNotReady, t0.Add(time.Minute))}, time.Minute + 300*time.Second, false},
		{"negative seconds mean now", []corev1.Toleration{tol(corev1.TaintNodeUnreachable, ptr.To[int64](-5))}, []corev1.Taint{unreachable}, 0, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: corev1.PodSpec{Tolerations: tc.tols}}
			at, ok := EvictionDeadline(pod, tc.taints, 300*time.Second, t0.Add(time.Hour))
			if ok == tc.never {
				t.Fatalf("ok=%v, never=%v", ok, tc.never)
			}
			if ok && !at.Equal(t0.Add(tc.want)) {
				t.Fatalf("deadline %v, want t0+%v", at.Sub(t0), tc.want)
			}
		})
	}
}

func node(ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}, Spec: corev1.NodeSpec{Taints: taints}}
	if ready != "" {
		n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}
	}
	return n
}

func keys(ts []corev1.Taint) map[string]bool {
	out := map[string]bool{}
	for _, t := range ts {
		out[t.Key+":"+string(t.Effect)] = true
	}
	return out
}

func TestWantedAndMergedTaints(t *testing.T) {
	foreign := corev1.Taint{Key: "dedicated", Value: "gpu", Effect: corev1.TaintEffectNoSchedule}
	old := noExec(corev1.TaintNodeUnreachable, t0)
	cases := []struct {
		name    string
		node    *corev1.Node
		want    []string
		changed bool
	}{
		{"ready node has none", node(corev1.ConditionTrue), nil, false},
		{"not ready", node(corev1.ConditionFalse), []string{"node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"}, true},
		{"unknown", node(corev1.ConditionUnknown), []string{"node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"}, true},
		{"recovery removes managed taints, keeps foreign", node(corev1.ConditionTrue, foreign, old), []string{"dedicated:NoSchedule"}, true},
		{"never reported: nothing yet", node(""), nil, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, changed := MergeTaints(tc.node.Spec.Taints, WantedTaints(tc.node), t0)
			k := keys(got)
			if changed != tc.changed || len(k) != len(tc.want) {
				t.Fatalf("got %v changed=%v", k, changed)
			}
			for _, w := range tc.want {
				if !k[w] {
					t.Fatalf("missing %s in %v", w, k)
				}
			}
		})
	}
	// A taint that stays keeps its TimeAdded (eviction deadlines count from it).
	got, changed := MergeTaints([]corev1.Taint{old}, []corev1.Taint{unreachableNoExecute}, t0.Add(time.Hour))
	if changed || !got[0].TimeAdded.Time.Equal(t0) {
		t.Fatalf("taint re-added: %+v changed=%v", got, changed)
	}
}

func TestHealthTrackerUsesOwnClock(t *testing.T) {
	clk := testclock.NewFakeClock(t0)
	h := newHealthTracker()
	n := node(corev1.ConditionTrue)
	lease := &coordinationv1.Lease{Spec: coordinationv1.LeaseSpec{RenewTime: &metav1.MicroTime{Time: t0.Add(-time.Hour)}}}
	// Even an old renewTime counts as fresh when first seen: the kubelet's
	// clock may differ from ours.
	if p := h.observe(n, lease, clk.Now()); !p.Equal(t0) {
		t.Fatalf("first probe %v", p)
	}
	clk.Step(30 * time.Second)
	if p := h.observe(n, lease, clk.Now()); !p.Equal(t0) {
		t.Fatalf("unchanged lease moved the probe to %v", p)
	}
	lease.Spec.RenewTime = &metav1.MicroTime{Time: t0}
	if p := h.observe(n, lease, clk.Now()); !p.Equal(t0.Add(30 * time.Second)) {
		t.Fatalf("renewal not noticed: %v", p)
	}
}

func TestMarkUnknown(t *testing.T) {
	n := node(corev1.ConditionTrue)
	if !MarkUnknown(n, t0) {
		t.Fatal("no change")
	}
	c := condition(n, corev1.NodeReady)
	if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
		t.Fatalf("ready %+v", c)
	}
	if condition(n, corev1.NodeMemoryPressure).Reason != "NodeStatusNeverUpdated" {
		t.Fatal("missing conditions not added")
	}
	if MarkUnknown(n, t0) {
		t.Fatal("second call changed again")
	}
}
