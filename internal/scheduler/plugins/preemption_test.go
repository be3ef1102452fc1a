package plugins

import (
	"context"
	"sort"
	"testing"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	fw "rudder/internal/scheduler/framework"
)

// preempt runs Filter over the nodes, then DefaultPreemption, against a
// fake clientset holding the existing pods; it returns the nominated node,
// the status message and the names of the pods deleted.
func preempt(t *testing.T, p *v1.Pod, pdbs []*policyv1.PodDisruptionBudget, nodes ...*fw.NodeInfo) (string, string, []string) {
	t.Helper()
	client := fake.NewSimpleClientset()
	for _, n := range nodes {
		for _, pi := range n.Pods {
			if _, err := client.CoreV1().Pods(pi.Pod.Namespace).Create(context.Background(), pi.Pod, metav1.CreateOptions{}); err != nil {
				t.Fatal(err)
			}
		}
	}
	deps := PreemptionDeps{Client: client, PDBs: func() ([]*policyv1.PodDisruptionBudget, error) { return pdbs, nil }}
	f := newFramework(t, nodes,
		fw.PluginFactory{Name: TaintTolerationName, New: NewTaintToleration},
		fw.PluginFactory{Name: NodeResourcesFitName, New: NewNodeResourcesFit("")},
		fw.PluginFactory{Name: DefaultPreemptionName, New: NewDefaultPreemption(deps)})
	ctx := context.Background()
	state := fw.NewCycleState()
	if st := f.RunPreFilterPlugins(ctx, state, p, nodes); !st.IsSuccess() {
		t.Fatal(st.Message())
	}
	statuses := fw.NodeToStatus{}
	for _, n := range nodes {
		if st := f.RunFilterPlugins(ctx, state, p, n); !st.IsSuccess() {
			statuses[n.Name()] = st
		}
	}
	res, st := f.RunPostFilterPlugins(ctx, state, p, statuses)
	var deleted []string
	for _, a := range client.Actions() {
		if a.GetVerb() == "delete" {
			deleted = append(deleted, a.(interface{ GetName() string }).GetName())
		}
	}
	sort.Strings(deleted)
	nominated := ""
	if res != nil {
		nominated = res.NominatedNodeName
	}
	return nominated, st.Message(), deleted
}

func TestDefaultPreemption(t *testing.T) {
	never := v1.PreemptNever
	cases := []struct {
		name        string
		pod         *v1.Pod
		pdbs        []*policyv1.PodDisruptionBudget
		nodes       []*fw.NodeInfo
		wantNode    string
		wantMsg     string
		wantDeleted []string
	}{
		{
			name: "evicts only what is needed, on the node with the cheapest victims",
			pod:  pod("hi", 600, 0, priority(100)),
			nodes: []*fw.NodeInfo{
				nodeInfo(node("n1", 1000, 1024, 10), pod("mid", 500, 0, priority(50)), pod("small", 200, 0, priority(1))),
				nodeInfo(node("n2", 1000, 1024, 10), pod("low-a", 400, 0, priority(1)), pod("low-b", 400, 0, priority(1))),
			},
			wantNode:    "n2",
			wantDeleted: []string{"low-b"},
		},
		{
			name: "avoids pods protected by a PodDisruptionBudget",
			pod:  pod("hi", 600, 0, priority(100)),
			pdbs: []*policyv1.PodDisruptionBudget{{
				ObjectMeta: metav1.ObjectMeta{Name: "guard", Namespace: "default"},
				Spec:       policyv1.PodDisruptionBudgetSpec{Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"guarded": "yes"}}},
				Status:     policyv1.PodDisruptionBudgetStatus{DisruptionsAllowed: 0},
			}},
			nodes: []*fw.NodeInfo{
				nodeInfo(node("n1", 1000, 1024, 10), pod("guarded", 800, 0, priority(1), podLabels("guarded", "yes"))),
				nodeInfo(node("n2", 1000, 1024, 10), pod("free", 800, 0, priority(5))),
			},
			wantNode:    "n2",
			wantDeleted: []string{"free"},
		},
		{
			name:    "preemptionPolicy Never",
			pod:     pod("hi", 600, 0, priority(100), func(p *v1.Pod) { p.Spec.PreemptionPolicy = &never }),
			nodes:   []*fw.NodeInfo{nodeInfo(node("n1", 1000, 1024, 10), pod("low", 800, 0, priority(1)))},
			wantMsg: "preemption: not eligible due to preemptionPolicy=Never.",
		},
		{
			name: "no lower-priority pods",
			pod:  pod("hi", 600, 0, priority(100)),
			nodes: []*fw.NodeInfo{
				nodeInfo(node("n1", 1000, 1024, 10), pod("same", 800, 0, priority(100))),
				nodeInfo(node("n2", 1000, 1024, 10, withTaint("dedicated", "x", v1.TaintEffectNoSchedule))),
			},
			wantMsg: "preemption: 0/2 nodes are available: 1 No preemption victims found for incoming pod, 1 Preemption is not helpful for scheduling.",
		},
		{
			name: "evicting everything is still not enough",
			pod:  pod("hi", 900, 0, priority(100)),
			nodes: []*fw.NodeInfo{
				nodeInfo(node("n1", 1000, 1024, 10), pod("same", 500, 0, priority(100)), pod("low", 100, 0, priority(1))),
			},
			wantMsg: "preemption: 0/1 nodes are available: 1 Insufficient cpu.",
		},
		{
			name:    "pod larger than any node",
			pod:     pod("hi", 5000, 0, priority(100)),
			nodes:   []*fw.NodeInfo{nodeInfo(node("n1", 1000, 1024, 10), pod("low", 500, 0, priority(1)))},
			wantMsg: "preemption: 0/1 nodes are available: 1 Preemption is not helpful for scheduling.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gotNode, gotMsg, deleted := preempt(t, tc.pod, tc.pdbs, tc.nodes...)
			if gotNode != tc.wantNode || gotMsg != tc.wantMsg {
				t.Errorf("got node %q msg %q, want node %q msg %q", gotNode, gotMsg, tc.wantNode, tc.wantMsg)
			}
			if len(deleted) != len(tc.wantDeleted) {
				t.Fatalf("deleted %v, want %v", deleted, tc.wantDeleted)
			}
			for i := range deleted {
				if deleted[i] != tc.wantDeleted[i] {
					t.Errorf("deleted %v, want %v", deleted, tc.wantDeleted)
				}
			}
		})
	}
}
