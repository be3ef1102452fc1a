package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	fw "rudder/internal/scheduler/framework"
)

func TestNodeResourcesFitFilter(t *testing.T) {
	always := v1.ContainerRestartPolicyAlways
	initC := func(milliCPU int64, sidecar bool) func(*v1.Pod) {
		return func(p *v1.Pod) {
			c := v1.Container{Name: "init", Resources: v1.ResourceRequirements{Requests: v1.ResourceList{
				v1.ResourceCPU: *resource.NewMilliQuantity(milliCPU, resource.DecimalSI)}}}
			if sidecar {
				c.RestartPolicy = &always
			}
			p.Spec.InitContainers = append(p.Spec.InitContainers, c)
		}
	}
	gpu := func(n string) func(*v1.Pod) {
		return func(p *v1.Pod) { p.Spec.Containers[0].Resources.Requests["example.com/gpu"] = resource.MustParse(n) }
	}
	// The node has 1000m/1024Mi/3 pods; 600m and 512Mi are already used.
	busy := func() *fw.NodeInfo {
		return nodeInfo(node("n", 1000, 1024, 3, withAllocatable("example.com/gpu", "2")), pod("used", 600, 512))
	}
	cases := []struct {
		name     string
		pod      *v1.Pod
		ni       *fw.NodeInfo
		want     string
		wantCode fw.Code
	}{
		{"fits", pod("p", 400, 512), busy(), "", fw.Success},
		{"insufficient cpu", pod("p", 500, 0), busy(), "Insufficient cpu", fw.Unschedulable},
		{"both shortages reported", pod("p", 500, 600), busy(), "Insufficient cpu, Insufficient memory", fw.Unschedulable},
		{"larger than the node cannot be fixed by preemption", pod("p", 2000, 0), busy(), "Insufficient cpu", fw.UnschedulableAndUnresolvable},
		{"too many pods", pod("p", 0, 0), nodeInfo(node("n", 1000, 1024, 1), pod("used", 0, 0)), "Too many pods", fw.Unschedulable},
		{"best effort pod fits a full node", pod("p", 0, 0), nodeInfo(node("n", 1000, 1024, 5), pod("used", 1000, 1024)), "", fw.Success},
		{"extended resource fits", pod("p", 0, 0, gpu("2")), busy(), "", fw.Success},
		{"extended resource short", pod("p", 0, 0, gpu("3")), busy(), "Insufficient example.com/gpu", fw.UnschedulableAndUnresolvable},
		{"extended resource absent on node", pod("p", 0, 0, gpu("1")), nodeInfo(node("n", 1000, 1024, 3)), "Insufficient example.com/gpu", fw.UnschedulableAndUnresolvable},
		{"init container max rule: big init counts alone", pod("p", 100, 0, initC(450, false)), busy(), "Insufficient cpu", fw.Unschedulable},
		{"init container max rule: small init hidden by app", pod("p", 400, 0, initC(300, false)), busy(), "", fw.Success},
		{"sidecar adds to app containers", pod("p", 300, 0, initC(150, true)), busy(), "Insufficient cpu", fw.Unschedulable},
		{"overhead counts", pod("p", 350, 0, func(p *v1.Pod) {
			p.Spec.Overhead = v1.ResourceList{v1.ResourceCPU: resource.MustParse("100m")}
		}), busy(), "Insufficient cpu", fw.Unschedulable},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, codes := filterAll(t, NewNodeResourcesFit(""), tc.pod, tc.ni)
			if got["n"] != tc.want || codes["n"] != tc.wantCode {
				t.Errorf("got %q (code %v), want %q (code %v)", got["n"], codes["n"], tc.want, tc.wantCode)
			}
		})
	}
}

func TestNodeResourcesFitScore(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("empty", 4000, 4096, 10)),
		nodeInfo(node("half", 4000, 4096, 10), pod("x", 2000, 2048)),
	}
	p := pod("p", 1000, 1024)
	least := scoreAll(t, NewNodeResourcesFit(LeastAllocated), p, nodes...)
	if least["empty"] != 75 || least["half"] != 25 {
		t.Errorf("LeastAllocated: %v, want empty=75 half=25", least)
	}
	most := scoreAll(t, NewNodeResourcesFit(MostAllocated), p, nodes...)
	if most["empty"] != 25 || most["half"] != 75 {
		t.Errorf("MostAllocated: %v, want empty=25 half=75", most)
	}
	if _, err := NewNodeResourcesFit("Bogus")(nil); err == nil {
		t.Error("unknown strategy accepted")
	}
}

func TestBalancedAllocation(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("balanced", 4000, 4096, 10), pod("x", 1000, 1024)),
		nodeInfo(node("cpu-heavy", 4000, 4096, 10), pod("x", 3000, 0)),
	}
	got := scoreAll(t, NewBalancedAllocation, pod("p", 1000, 1024), nodes...)
	if got["balanced"] != 100 {
		t.Errorf("balanced node: %d, want 100", got["balanced"])
	}
	// cpu 100%, memory 25%: std dev 0.375 -> 62.
	if got["cpu-heavy"] != 62 {
		t.Errorf("cpu-heavy node: %d, want 62", got["cpu-heavy"])
	}
}
