package scheduler

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "rudder/internal/scheduler/framework"
	"rudder/internal/scheduler/plugins"
)

func TestNumFeasibleNodesToFind(t *testing.T) {
	cases := []struct {
		nodes      int
		percentage int32
		want       int
	}{
		{10, 0, 10},
		{99, 0, 99},
		{100, 0, 50 * 100 / 100},
		{300, 0, 300 * 48 / 100},
		{1000, 0, 1000 * 42 / 100},
		{6000, 0, 6000 * 5 / 100},
		{1000, 30, 300},
		{1000, 5, 100},
		{1000, 100, 1000},
	}
	for _, tc := range cases {
		got := numFeasibleNodesToFind(tc.nodes, tc.percentage)
		want := max(tc.want, min(tc.nodes, minFeasibleNodesToFind))
		if got != want {
			t.Errorf("%d nodes at %d%%: %d, want %d", tc.nodes, tc.percentage, got, want)
		}
	}
}

func fixtureNode(name string, milliCPU int64, pods ...*v1.Pod) *fw.NodeInfo {
	ni := fw.NewNodeInfo()
	ni.SetNode(&v1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelHostname: name}},
		Status: v1.NodeStatus{Allocatable: v1.ResourceList{
			v1.ResourceCPU:    *resource.NewMilliQuantity(milliCPU, resource.DecimalSI),
			v1.ResourceMemory: resource.MustParse("8Gi"),
			v1.ResourcePods:   resource.MustParse("110"),
		}}})
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

func fixturePod(name string, milliCPU int64) *v1.Pod {
	return &v1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: v1.PodSpec{Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{
			Requests: v1.ResourceList{v1.ResourceCPU: *resource.NewMilliQuantity(milliCPU, resource.DecimalSI)}}}}}}
}

func newAlgorithm(t *testing.T, nodes []*fw.NodeInfo, percentage int32) *algorithm {
	t.Helper()
	f, err := fw.New(plugins.DefaultProfile(plugins.Deps{}), fw.Options{Snapshot: fw.ListLister(nodes), Parallelism: 4})
	if err != nil {
		t.Fatal(err)
	}
	return &algorithm{fw: f, nodes: fw.ListLister(nodes), percentageOfNodesToScore: percentage, rand: rand.New(rand.NewPCG(1, 2))}
}

func TestSchedulePodPrefersLeastAllocated(t *testing.T) {
	nodes := []*fw.NodeInfo{
		fixtureNode("busy", 4000, fixturePod("x", 3000)),
		fixtureNode("idle", 4000),
		fixtureNode("tiny", 500),
	}
	a := newAlgorithm(t, nodes, 0)
	res, err := a.schedulePod(context.Background(), fw.NewCycleState(), fixturePod("p", 1000))
	if err != nil {
		t.Fatal(err)
	}
	if res.host != "idle" || res.feasible != 2 {
		t.Fatalf("host %s feasible %d, want idle/2", res.host, res.feasible)
	}
}

func TestSchedulePodFitError(t *testing.T) {
	nodes := []*fw.NodeInfo{fixtureNode("a", 1000, fixturePod("x", 600)), fixtureNode("b", 1000, fixturePod("y", 800))}
	a := newAlgorithm(t, nodes, 0)
	_, err := a.schedulePod(context.Background(), fw.NewCycleState(), fixturePod("p", 500))
	var fe *fw.FitError
	if !errors.As(err, &fe) {
		t.Fatalf("want FitError, got %v", err)
	}
	if got := fe.Error(); got != "0/2 nodes are available: 2 Insufficient cpu." {
		t.Fatalf("message %q", got)
	}
	if !fe.Diagnosis.UnschedulablePlugins.Has(plugins.NodeResourcesFitName) || fe.Diagnosis.UnschedulablePlugins.Len() != 1 {
		t.Fatalf("unschedulable plugins %v", fe.Diagnosis.UnschedulablePlugins)
	}
}

func TestSchedulePodNoNodes(t *testing.T) {
	a := newAlgorithm(t, nil, 0)
	_, err := a.schedulePod(context.Background(), fw.NewCycleState(), fixturePod("p", 1))
	if !errors.Is(err, errNoNodesAvailable) || err.Error() != "no nodes available to schedule pods" {
		t.Fatalf("got %v", err)
	}
}

func TestSamplingRotatesStartNode(t *testing.T) {
	var nodes []*fw.NodeInfo
	for i := range 300 {
		nodes = append(nodes, fixtureNode(fmt.Sprintf("n%03d", i), 4000))
	}
	a := newAlgorithm(t, nodes, 0)
	state := fw.NewCycleState()
	p := fixturePod("p", 100)
	res, err := a.schedulePod(context.Background(), state, p)
	if err != nil {
		t.Fatal(err)
	}
	want := numFeasibleNodesToFind(300, 0)
	if res.feasible != want {
		t.Fatalf("feasible %d, want the sample size %d", res.feasible, want)
	}
	if a.nextStartNodeIndex == 0 {
		t.Fatal("next cycle would start at the same node")
	}
}

func TestSelectHostBreaksTiesRandomly(t *testing.T) {
	a := &algorithm{rand: rand.New(rand.NewPCG(7, 7))}
	scores := []fw.NodeScore{{Name: "a", Score: 90}, {Name: "b", Score: 90}, {Name: "c", Score: 10}}
	seen := map[string]int{}
	for range 200 {
		seen[a.selectHost(scores)]++
	}
	if seen["a"] == 0 || seen["b"] == 0 || seen["c"] != 0 {
		t.Fatalf("picks %v: want both top nodes and never the worse one", seen)
	}
}
