package queue

import (
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	testingclock "k8s.io/utils/clock/testing"

	fw "rudder/internal/scheduler/framework"
)

func mkPod(name string, prio int32) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec:       v1.PodSpec{Priority: &prio},
	}
}

func newQueue() (*PriorityQueue, *testingclock.FakeClock) {
	clk := testingclock.NewFakeClock(time.Unix(1000, 0))
	q := New(Options{Clock: clk, EventPlugins: map[fw.ClusterEvent]sets.Set[string]{
		fw.EventNodeAdd:           sets.New("NodeResourcesFit", "TaintToleration"),
		fw.EventAssignedPodDelete: sets.New("NodeResourcesFit"),
	}})
	return q, clk
}

func mustPop(t *testing.T, q *PriorityQueue) *QueuedPodInfo {
	t.Helper()
	if a, _, _ := q.Pending(); a == 0 {
		t.Fatal("activeQ is empty; Pop would block")
	}
	pi, err := q.Pop()
	if err != nil {
		t.Fatal(err)
	}
	return pi
}

func TestActiveQOrdersByPriorityThenAge(t *testing.T) {
	q, clk := newQueue()
	q.Add(mkPod("low-old", 1))
	clk.Step(time.Second)
	q.Add(mkPod("high", 10))
	clk.Step(time.Second)
	q.Add(mkPod("low-new", 1))
	clk.Step(time.Second)
	q.Add(mkPod("high-new", 10))
	var got []string
	for range 4 {
		got = append(got, mustPop(t, q).Pod.Name)
	}
	want := []string{"high", "high-new", "low-old", "low-new"}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("order %v, want %v", got, want)
		}
	}
}

func TestBackoffGrowsExponentiallyAndCaps(t *testing.T) {
	q, _ := newQueue()
	cases := []struct {
		attempts int
		want     time.Duration
	}{{1, time.Second}, {2, 2 * time.Second}, {3, 4 * time.Second}, {4, 8 * time.Second}, {5, 10 * time.Second}, {20, 10 * time.Second}}
	for _, tc := range cases {
		if got := q.BackoffDuration(tc.attempts); got != tc.want {
			t.Errorf("attempts %d: %v, want %v", tc.attempts, got, tc.want)
		}
	}
}

func TestErrorGoesThroughBackoff(t *testing.T) {
	q, clk := newQueue()
	q.Add(mkPod("p", 0))
	for attempt, wait := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second} {
		pi := mustPop(t, q)
		q.AddUnschedulable(pi, false, q.SchedulingCycle())
		clk.Step(wait - time.Millisecond)
		q.FlushBackoffCompleted()
		if a, b, _ := q.Pending(); a != 0 || b != 1 {
			t.Fatalf("attempt %d: before backoff expiry active=%d backoff=%d, want 0/1", attempt+1, a, b)
		}
		clk.Step(time.Millisecond)
		q.FlushBackoffCompleted()
		if a, b, _ := q.Pending(); a != 1 || b != 0 {
			t.Fatalf("attempt %d: after backoff expiry active=%d backoff=%d, want 1/0", attempt+1, a, b)
		}
	}
}

func TestUnschedulableMovesOnlyOnRelevantEvents(t *testing.T) {
	q, clk := newQueue()
	q.Add(mkPod("p", 0))
	pi := mustPop(t, q)
	pi.UnschedulablePlugins = sets.New("TaintToleration")
	q.AddUnschedulable(pi, true, q.SchedulingCycle())
	if _, _, u := q.Pending(); u != 1 {
		t.Fatalf("unschedulable=%d, want 1", u)
	}
	q.MoveAllToActiveOrBackoff(fw.EventAssignedPodDelete)
	if _, _, u := q.Pending(); u != 1 {
		t.Fatal("pod deletion cannot help a taint rejection, but the pod moved")
	}
	// Still inside its 1s backoff: the event moves it to backoffQ.
	q.MoveAllToActiveOrBackoff(fw.EventNodeAdd)
	if a, b, u := q.Pending(); a != 0 || b != 1 || u != 0 {
		t.Fatalf("after NodeAdd within backoff: %d/%d/%d, want 0/1/0", a, b, u)
	}
	clk.Step(time.Second)
	q.FlushBackoffCompleted()
	pi = mustPop(t, q)
	pi.UnschedulablePlugins = sets.New("TaintToleration")
	q.AddUnschedulable(pi, true, q.SchedulingCycle())
	clk.Step(time.Minute)
	q.MoveAllToActiveOrBackoff(fw.EventNodeAdd)
	if a, _, _ := q.Pending(); a != 1 {
		t.Fatal("after backoff, NodeAdd should move the pod straight to activeQ")
	}
}

func TestMoveDuringCycleSendsFailureToBackoff(t *testing.T) {
	q, _ := newQueue()
	q.Add(mkPod("p", 0))
	pi := mustPop(t, q)
	cycle := q.SchedulingCycle()
	q.MoveAllToActiveOrBackoff(fw.EventNodeAdd) // a node arrived while p was being scheduled
	pi.UnschedulablePlugins = sets.New("NodeResourcesFit")
	q.AddUnschedulable(pi, true, cycle)
	if _, b, u := q.Pending(); b != 1 || u != 0 {
		t.Fatalf("backoff=%d unschedulable=%d, want 1/0", b, u)
	}
}

func TestUnschedulableLeftoverFlushedAfterFiveMinutes(t *testing.T) {
	q, clk := newQueue()
	q.Add(mkPod("p", 0))
	pi := mustPop(t, q)
	q.AddUnschedulable(pi, true, q.SchedulingCycle())
	clk.Step(5 * time.Minute)
	q.FlushUnschedulableLeftover()
	if _, _, u := q.Pending(); u != 1 {
		t.Fatal("flushed at exactly 5 minutes")
	}
	clk.Step(time.Second)
	q.FlushUnschedulableLeftover()
	if a, _, u := q.Pending(); a != 1 || u != 0 {
		t.Fatalf("active=%d unschedulable=%d after 5m1s, want 1/0", a, u)
	}
}

func TestUpdateRequeuesOnlyOnSpecChange(t *testing.T) {
	q, clk := newQueue()
	p := mkPod("p", 0)
	q.Add(p)
	pi := mustPop(t, q)
	q.AddUnschedulable(pi, true, q.SchedulingCycle())
	clk.Step(time.Minute)

	statusOnly := p.DeepCopy()
	statusOnly.Status.Conditions = []v1.PodCondition{{Type: v1.PodScheduled, Status: v1.ConditionFalse}}
	statusOnly.ResourceVersion = "7"
	q.Update(p, statusOnly)
	if _, _, u := q.Pending(); u != 1 {
		t.Fatal("a status-only update requeued the pod")
	}
	relabeled := statusOnly.DeepCopy()
	relabeled.Spec.Tolerations = []v1.Toleration{{Operator: v1.TolerationOpExists}}
	q.Update(statusOnly, relabeled)
	if a, _, u := q.Pending(); a != 1 || u != 0 {
		t.Fatalf("spec change: active=%d unschedulable=%d, want 1/0", a, u)
	}
	if got := mustPop(t, q); len(got.Pod.Spec.Tolerations) != 1 {
		t.Fatal("queue kept the old pod version")
	}
}

func TestDeletedWhileInFlightIsDropped(t *testing.T) {
	q, _ := newQueue()
	p := mkPod("p", 0)
	q.Add(p)
	pi := mustPop(t, q)
	q.Delete(p)
	q.AddUnschedulable(pi, false, q.SchedulingCycle())
	if a, b, u := q.Pending(); a+b+u != 0 {
		t.Fatalf("deleted pod still queued: %d/%d/%d", a, b, u)
	}
}

func TestPopBlocksUntilAddAndCloseUnblocks(t *testing.T) {
	q, _ := newQueue()
	got := make(chan string)
	go func() {
		pi, err := q.Pop()
		if err != nil {
			got <- err.Error()
			return
		}
		got <- pi.Pod.Name
	}()
	q.Add(mkPod("p", 0))
	if name := <-got; name != "p" {
		t.Fatalf("popped %q", name)
	}
	go func() {
		_, err := q.Pop()
		got <- err.Error()
	}()
	q.Close()
	if msg := <-got; msg != ErrClosed.Error() {
		t.Fatalf("Pop after Close: %q", msg)
	}
}

func TestNominator(t *testing.T) {
	q, _ := newQueue()
	p := mkPod("p", 5)
	q.AddNominatedPod(fw.NewPodInfo(p), "n1")
	if got := q.NominatedPodsForNode("n1"); len(got) != 1 || got[0].Pod.Name != "p" {
		t.Fatalf("nominated on n1: %v", got)
	}
	q.AddNominatedPod(fw.NewPodInfo(p), "n2")
	if len(q.NominatedPodsForNode("n1")) != 0 || len(q.NominatedPodsForNode("n2")) != 1 {
		t.Fatal("re-nomination did not move the pod")
	}
	q.Delete(p)
	if len(q.NominatedPodsForNode("n2")) != 0 {
		t.Fatal("deleted pod still nominated")
	}
}
