package ctrlutil

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var rankNow = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

type podOpt func(*corev1.Pod)

func mkPod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{
		Name: name, UID: types.UID(name),
		CreationTimestamp: metav1.NewTime(rankNow.Add(-time.Hour)),
	}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func onNode(n string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = n } }
func phase(ph corev1.PodPhase) podOpt {
	return func(p *corev1.Pod) { p.Status.Phase = ph }
}
func readyFor(d time.Duration) podOpt {
	return func(p *corev1.Pod) {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(rankNow.Add(-d))}}
	}
}
func cost(v string) podOpt {
	return func(p *corev1.Pod) { p.Annotations = map[string]string{PodDeletionCostAnnotation: v} }
}
func restarts(n int32) podOpt {
	return func(p *corev1.Pod) { p.Status.ContainerStatuses = []corev1.ContainerStatus{{RestartCount: n}} }
}
func age(d time.Duration) podOpt {
	return func(p *corev1.Pod) { p.CreationTimestamp = metav1.NewTime(rankNow.Add(-d)) }
}

// TestDeleteBefore checks each ranking criterion on a pair where it alone
// decides, in both argument orders.
func TestDeleteBefore(t *testing.T) {
	ready := readyFor(time.Hour)
	cases := []struct {
		name          string
		first, second *corev1.Pod
		related       []*corev1.Pod
	}{
		{"unscheduled before scheduled", mkPod("a", ready), mkPod("b", onNode("n1"), ready), nil},
		{"pending before running", mkPod("a", onNode("n"), phase(corev1.PodPending)), mkPod("b", onNode("n")), nil},
		{"pending before unknown", mkPod("a", onNode("n"), phase(corev1.PodPending)), mkPod("b", onNode("n"), phase(corev1.PodUnknown)), nil},
		{"unknown before running", mkPod("a", onNode("n"), phase(corev1.PodUnknown)), mkPod("b", onNode("n")), nil},
		{"not ready before ready", mkPod("a", onNode("n")), mkPod("b", onNode("n"), ready), nil},
		{"lower deletion cost first", mkPod("a", onNode("n"), ready, cost("-5")), mkPod("b", onNode("n"), ready), nil},
		{"deletion cost beats restarts", mkPod("a", onNode("n"), ready, cost("1")), mkPod("b", onNode("n"), ready, cost("2"), restarts(9)), nil},
		{"crowded node first", mkPod("a", onNode("n1"), ready), mkPod("b", onNode("n2"), ready),
			[]*corev1.Pod{mkPod("x", onNode("n1")), mkPod("y", onNode("n1")), mkPod("z", onNode("n2"))}},
		{"ready for less time first", mkPod("a", onNode("n"), readyFor(10*time.Second)), mkPod("b", onNode("n"), readyFor(2*time.Hour)), nil},
		{"more restarts first", mkPod("a", onNode("n"), ready, restarts(3)), mkPod("b", onNode("n"), ready, restarts(1)), nil},
		{"newer first", mkPod("a", onNode("n"), ready, age(time.Minute)), mkPod("b", onNode("n"), ready, age(48*time.Hour)), nil},
		{"newer first within a log bucket", mkPod("a", onNode("n"), ready, age(100*time.Second)), mkPod("b", onNode("n"), ready, age(101*time.Second)), nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := RankForDeletion([]*corev1.Pod{tc.second, tc.first}, tc.related, rankNow)
			if got[0].Name != tc.first.Name {
				t.Errorf("ranked %s first, want %s", got[0].Name, tc.first.Name)
			}
			got = RankForDeletion([]*corev1.Pod{tc.first, tc.second}, tc.related, rankNow)
			if got[0].Name != tc.first.Name {
				t.Errorf("(other order) ranked %s first, want %s", got[0].Name, tc.first.Name)
			}
		})
	}
}

func TestPodsToDelete(t *testing.T) {
	pods := []*corev1.Pod{
		mkPod("ready-old", onNode("n"), readyFor(time.Hour)),
		mkPod("pending", phase(corev1.PodPending)),
		mkPod("notready", onNode("n")),
		mkPod("ready-cheap", onNode("n"), readyFor(time.Hour), cost("-1")),
	}
	got := PodsToDelete(pods, pods, 3, rankNow)
	want := []string{"pending", "notready", "ready-cheap"}
	if len(got) != len(want) {
		t.Fatalf("got %d pods, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Name != want[i] {
			t.Errorf("position %d: %s, want %s", i, got[i].Name, want[i])
		}
	}
	if n := len(PodsToDelete(pods, nil, 10, rankNow)); n != len(pods) {
		t.Errorf("asking for more than exist gave %d", n)
	}
	if PodsToDelete(pods, nil, 0, rankNow) != nil {
		t.Error("asking for none gave some")
	}
}

func TestIsPodAvailable(t *testing.T) {
	cases := []struct {
		name     string
		pod      *corev1.Pod
		minReady int32
		want     bool
	}{
		{"not ready", mkPod("a"), 0, false},
		{"ready, no minReady", mkPod("a", readyFor(0)), 0, true},
		{"ready too briefly", mkPod("a", readyFor(5*time.Second)), 10, false},
		{"ready long enough", mkPod("a", readyFor(10*time.Second)), 10, true},
	}
	for _, tc := range cases {
		if got := IsPodAvailable(tc.pod, tc.minReady, rankNow); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
