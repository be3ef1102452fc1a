package bench

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestStartupTrackerMilestones checks that each milestone is recorded at
// the first event showing it, and that allReady closes at the wanted count.
func TestStartupTrackerMilestones(t *testing.T) {
	t0 := time.Unix(1000, 0)
	pending := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", UID: "u"}}
	bound := pending.DeepCopy()
	bound.Spec.NodeName = "n"
	bound.Spec.Containers = []corev1.Container{{Name: "c"}}
	running := bound.DeepCopy()
	running.Status.Phase = corev1.PodRunning
	running.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c",
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}}}
	ready := running.DeepCopy()
	ready.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}

	tr := newStartupTracker(1)
	for i, p := range []*corev1.Pod{pending, bound, bound, running, ready, ready} {
		tr.observe(p, t0.Add(time.Duration(i)*time.Second))
	}
	m := tr.snapshot()["a"]
	cases := []struct {
		name string
		got  time.Time
		want time.Time
	}{
		{"bound", m.bound, t0.Add(1 * time.Second)},
		{"running", m.running, t0.Add(3 * time.Second)},
		{"ready", m.ready, t0.Add(4 * time.Second)},
		{"startedAt", m.started, t0},
	}
	for _, c := range cases {
		if !c.got.Equal(c.want) {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.want)
		}
	}
	select {
	case <-tr.allReady:
	default:
		t.Fatal("allReady not closed after the one wanted pod became Ready")
	}
}

// TestStartupRunningNeedsEveryContainer checks the Running milestone waits
// for all containers, not only the phase.
func TestStartupRunningNeedsEveryContainer(t *testing.T) {
	p := &corev1.Pod{Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}}}
	p.Status.Phase = corev1.PodRunning
	p.Status.ContainerStatuses = []corev1.ContainerStatus{
		{Name: "a", State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}},
		{Name: "b", State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{}}},
	}
	if startupRunning(p) {
		t.Fatal("Running with one container still waiting")
	}
	p.Status.ContainerStatuses[1].State = corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	if !startupRunning(p) {
		t.Fatal("not Running with every container running")
	}
}
