package podgc

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func finished(name string, age time.Duration, phase corev1.PodPhase) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0.Add(-age))},
		Status: corev1.PodStatus{Phase: phase}}
}

func TestTerminatedOverThreshold(t *testing.T) {
	pods := []*corev1.Pod{
		finished("new", time.Minute, corev1.PodSucceeded),
		finished("old", time.Hour, corev1.PodFailed),
		finished("running", 2*time.Hour, corev1.PodRunning),
		finished("mid", 10*time.Minute, corev1.PodSucceeded),
	}
	cases := []struct {
		threshold int
		want      []string
	}{
		{0, nil}, {-1, nil}, {3, nil}, {2, []string{"old"}}, {1, []string{"old", "mid"}},
	}
	for _, tc := range cases {
		got := TerminatedOverThreshold(pods, tc.threshold)
		if len(got) != len(tc.want) {
			t.Fatalf("threshold %d: got %d pods, want %v", tc.threshold, len(got), tc.want)
		}
		for i := range got {
			if got[i].Name != tc.want[i] {
				t.Fatalf("threshold %d: got %s at %d, want %v", tc.threshold, got[i].Name, i, tc.want)
			}
		}
	}
}

func TestStuckTerminating(t *testing.T) {
	deleting := func(at time.Time) *corev1.Pod {
		ts := metav1.NewTime(at)
		return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", DeletionTimestamp: &ts}}
	}
	mkNode := func(ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
		return &corev1.Node{Spec: corev1.NodeSpec{Taints: taints},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	}
	oos := corev1.Taint{Key: TaintOutOfService, Effect: corev1.TaintEffectNoExecute}
	cases := []struct {
		name string
		pod  *corev1.Pod
		node *corev1.Node
		want bool
	}{
		{"not terminating", &corev1.Pod{}, mkNode(corev1.ConditionFalse), false},
		{"ready node finishes it itself", deleting(t0.Add(-time.Hour)), mkNode(corev1.ConditionTrue), false},
		{"not ready node, grace over", deleting(t0.Add(-time.Second)), mkNode(corev1.ConditionUnknown), true},
		{"not ready node, grace running", deleting(t0.Add(time.Minute)), mkNode(corev1.ConditionFalse), false},
		{"out of service node: at once", deleting(t0.Add(time.Minute)), mkNode(corev1.ConditionFalse, oos), true},
		{"missing node is the orphan path", deleting(t0.Add(-time.Hour)), nil, false},
	}
	for _, tc := range cases {
		if got := StuckTerminating(tc.pod, tc.node, t0); got != tc.want {
			t.Errorf("%s: got %v", tc.name, got)
		}
	}
}
