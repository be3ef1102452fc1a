package cache

import (
	"fmt"
	"testing"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	testingclock "k8s.io/utils/clock/testing"
)

func mkNode(name string) *v1.Node {
	return &v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}, Status: v1.NodeStatus{Allocatable: v1.ResourceList{
		v1.ResourceCPU: resource.MustParse("1"), v1.ResourcePods: resource.MustParse("10")}}}
}

func mkPod(name, node string, milliCPU int64) *v1.Pod {
	return &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: v1.PodSpec{NodeName: node, Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{
			Requests: v1.ResourceList{v1.ResourceCPU: *resource.NewMilliQuantity(milliCPU, resource.DecimalSI)}}}}},
	}
}

func requestedCPU(t *testing.T, c *Cache, node string) int64 {
	t.Helper()
	ni, ok := c.NodeInfo(node)
	if !ok {
		return 0
	}
	return ni.Requested.MilliCPU
}

func TestAssumeConfirmForget(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Unix(0, 0))
	c := New(clk, 30*time.Second)
	c.AddNode(mkNode("n1"))
	c.AddNode(mkNode("n2"))

	a := mkPod("a", "n1", 300)
	if err := c.AssumePod(a); err != nil {
		t.Fatal(err)
	}
	if err := c.AssumePod(a); err == nil {
		t.Fatal("assuming twice succeeded")
	}
	if got := requestedCPU(t, c, "n1"); got != 300 {
		t.Fatalf("assumed pod not accounted: %d", got)
	}
	// The informer reports it on another node: accounting follows.
	c.AddPod(mkPod("a", "n2", 300))
	if requestedCPU(t, c, "n1") != 0 || requestedCPU(t, c, "n2") != 300 || c.IsAssumed(a) {
		t.Fatal("confirmation did not move the pod or clear assumed")
	}

	b := mkPod("b", "n1", 200)
	_ = c.AssumePod(b)
	c.ForgetPod(b)
	if requestedCPU(t, c, "n1") != 0 {
		t.Fatal("forgotten pod still accounted")
	}
}

func TestAssumedPodExpiresOnlyAfterBindingFinished(t *testing.T) {
	clk := testingclock.NewFakeClock(time.Unix(0, 0))
	c := New(clk, 30*time.Second)
	c.AddNode(mkNode("n1"))
	p := mkPod("p", "n1", 100)
	_ = c.AssumePod(p)
	clk.Step(time.Hour)
	c.CleanupExpiredAssumedPods()
	if !c.IsAssumed(p) {
		t.Fatal("expired while binding was still in progress")
	}
	c.FinishBinding(p)
	clk.Step(30 * time.Second)
	c.CleanupExpiredAssumedPods()
	if !c.IsAssumed(p) {
		t.Fatal("expired at exactly the TTL")
	}
	clk.Step(time.Second)
	c.CleanupExpiredAssumedPods()
	if c.IsAssumed(p) || requestedCPU(t, c, "n1") != 0 {
		t.Fatal("not expired after the TTL")
	}
}

func TestSnapshotCopiesChangesOnly(t *testing.T) {
	c := New(nil, 0)
	c.AddNode(mkNode("n2"))
	c.AddNode(mkNode("n1"))
	c.AddPod(mkPod("orphan", "gone", 100)) // node not known: not listed
	s := NewSnapshot()
	c.UpdateSnapshot(s)
	if len(s.List()) != 2 || s.List()[0].Name() != "n1" {
		t.Fatalf("snapshot list %v", s.List())
	}
	n2Before, _ := s.Get("n2")
	c.AddPod(mkPod("x", "n1", 500))
	c.UpdateSnapshot(s)
	n1, _ := s.Get("n1")
	n2After, _ := s.Get("n2")
	if n1.Requested.MilliCPU != 500 {
		t.Fatal("snapshot missed the new pod")
	}
	if n2Before != n2After {
		t.Fatal("unchanged node was copied again")
	}
	c.RemoveNode(mkNode("n2"))
	c.UpdateSnapshot(s)
	if _, ok := s.Get("n2"); ok || len(s.List()) != 1 {
		t.Fatal("removed node still in snapshot")
	}
}

// TestSnapshotFollowsMembership: nodes joining, losing their Node object
// while pods remain, and several snapshots at different generations all
// end up listing what the cache holds, in name order.
func TestSnapshotFollowsMembership(t *testing.T) {
	c := New(nil, 0)
	for _, n := range []string{"c", "a", "b"} {
		c.AddNode(mkNode(n))
	}
	early, late := NewSnapshot(), NewSnapshot()
	c.UpdateSnapshot(early)
	c.AddPod(mkPod("p1", "b", 100))
	c.AddNode(mkNode("d"))
	c.AddPod(mkPod("p2", "a", 200))
	c.UpdateSnapshot(late)
	c.AddPod(mkPod("p3", "d", 300))
	c.RemoveNode(mkNode("c"))          // no pods: gone
	c.RemoveNode(mkNode("b"))          // keeps a placeholder for p1: not listed
	c.AddPod(mkPod("p4", "later", 50)) // placeholder only
	c.AddNode(mkNode("later"))         // ...until its node arrives
	for name, s := range map[string]*Snapshot{"early": early, "late": late} {
		c.UpdateSnapshot(s)
		var names []string
		for _, ni := range s.List() {
			names = append(names, ni.Name())
			if got, ok := s.Get(ni.Name()); !ok || got != ni {
				t.Errorf("%s: Get(%s) disagrees with List", name, ni.Name())
			}
		}
		if fmt.Sprint(names) != "[a d later]" {
			t.Errorf("%s snapshot lists %v, want [a d later]", name, names)
		}
		for node, cpu := range map[string]int64{"a": 200, "d": 300, "later": 50} {
			if ni, _ := s.Get(node); ni == nil || ni.Requested.MilliCPU != cpu {
				t.Errorf("%s snapshot: node %s requested %+v, want %dm", name, node, ni, cpu)
			}
		}
	}
}
