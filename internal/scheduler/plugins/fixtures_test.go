package plugins

import (
	"context"
	"testing"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "rudder/internal/scheduler/framework"
)

// node builds a node with cpu (millicores), memory (MiB) and pod capacity.
func node(name string, milliCPU, memMiB, pods int64, opts ...func(*v1.Node)) *v1.Node {
	n := &v1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{v1.LabelHostname: name}},
		Status: v1.NodeStatus{Allocatable: v1.ResourceList{
			v1.ResourceCPU:    *resource.NewMilliQuantity(milliCPU, resource.DecimalSI),
			v1.ResourceMemory: *resource.NewQuantity(memMiB<<20, resource.BinarySI),
			v1.ResourcePods:   *resource.NewQuantity(pods, resource.DecimalSI),
		}},
	}
	for _, o := range opts {
		o(n)
	}
	return n
}

func withLabels(kv ...string) func(*v1.Node) {
	return func(n *v1.Node) {
		for i := 0; i+1 < len(kv); i += 2 {
			n.Labels[kv[i]] = kv[i+1]
		}
	}
}

func withTaint(key, value string, effect v1.TaintEffect) func(*v1.Node) {
	return func(n *v1.Node) {
		n.Spec.Taints = append(n.Spec.Taints, v1.Taint{Key: key, Value: value, Effect: effect})
	}
}

func withAllocatable(name v1.ResourceName, q string) func(*v1.Node) {
	return func(n *v1.Node) { n.Status.Allocatable[name] = resource.MustParse(q) }
}

// pod builds a pod with one container requesting cpu (millicores) and
// memory (MiB); zero means no request.
func pod(name string, milliCPU, memMiB int64, opts ...func(*v1.Pod)) *v1.Pod {
	req := v1.ResourceList{}
	if milliCPU > 0 {
		req[v1.ResourceCPU] = *resource.NewMilliQuantity(milliCPU, resource.DecimalSI)
	}
	if memMiB > 0 {
		req[v1.ResourceMemory] = *resource.NewQuantity(memMiB<<20, resource.BinarySI)
	}
	p := &v1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name), Labels: map[string]string{}},
		Spec:       v1.PodSpec{Containers: []v1.Container{{Name: "c", Resources: v1.ResourceRequirements{Requests: req}}}},
	}
	for _, o := range opts {
		o(p)
	}
	return p
}

func podLabels(kv ...string) func(*v1.Pod) {
	return func(p *v1.Pod) {
		for i := 0; i+1 < len(kv); i += 2 {
			p.Labels[kv[i]] = kv[i+1]
		}
	}
}

func priority(v int32) func(*v1.Pod) { return func(p *v1.Pod) { p.Spec.Priority = &v } }

func onNode(n string) func(*v1.Pod) { return func(p *v1.Pod) { p.Spec.NodeName = n } }

// nodeInfo builds a NodeInfo of a node and the pods on it.
func nodeInfo(n *v1.Node, pods ...*v1.Pod) *fw.NodeInfo {
	ni := fw.NewNodeInfo()
	ni.SetNode(n)
	for _, p := range pods {
		p = p.DeepCopy()
		p.Spec.NodeName = n.Name
		ni.AddPod(p)
	}
	return ni
}

// newFramework runs the given plugins over a fixed snapshot.
func newFramework(t *testing.T, nodes []*fw.NodeInfo, factories ...fw.PluginFactory) *fw.Framework {
	t.Helper()
	f, err := fw.New(factories, fw.Options{Snapshot: fw.ListLister(nodes), Parallelism: 2})
	if err != nil {
		t.Fatalf("framework: %v", err)
	}
	return f
}

// filterAll runs PreFilter then Filter on every node and returns each
// node's status message ("" when it fits) and code.
func filterAll(t *testing.T, factory func(fw.Handle) (fw.Plugin, error), p *v1.Pod, nodes ...*fw.NodeInfo) (map[string]string, map[string]fw.Code) {
	t.Helper()
	f := newFramework(t, nodes, fw.PluginFactory{Name: "under-test", New: factory})
	ctx := context.Background()
	state := fw.NewCycleState()
	msgs, codes := map[string]string{}, map[string]fw.Code{}
	if st := f.RunPreFilterPlugins(ctx, state, p, nodes); !st.IsSuccess() {
		for _, n := range nodes {
			msgs[n.Name()], codes[n.Name()] = st.Message(), st.Code()
		}
		return msgs, codes
	}
	for _, n := range nodes {
		st := f.RunFilterPlugins(ctx, state, p, n)
		msgs[n.Name()], codes[n.Name()] = st.Message(), st.Code()
	}
	return msgs, codes
}

// scoreAll runs PreScore, Score and NormalizeScore with weight 1.
func scoreAll(t *testing.T, factory func(fw.Handle) (fw.Plugin, error), p *v1.Pod, nodes ...*fw.NodeInfo) map[string]int64 {
	t.Helper()
	f := newFramework(t, nodes, fw.PluginFactory{Name: "under-test", Weight: 1, New: factory})
	ctx := context.Background()
	state := fw.NewCycleState()
	if st := f.RunPreFilterPlugins(ctx, state, p, nodes); !st.IsSuccess() {
		t.Fatalf("prefilter: %v", st.Message())
	}
	if st := f.RunPreScorePlugins(ctx, state, p, nodes, nodes); !st.IsSuccess() {
		t.Fatalf("prescore: %v", st.Message())
	}
	scores, st := f.RunScorePlugins(ctx, state, p, nodes)
	if !st.IsSuccess() {
		t.Fatalf("score: %v", st.Message())
	}
	out := map[string]int64{}
	for _, s := range scores {
		out[s.Name] = s.Score
	}
	return out
}

func assertMsgs(t *testing.T, got, want map[string]string) {
	t.Helper()
	for k, w := range want {
		if got[k] != w {
			t.Errorf("node %s: got %q, want %q", k, got[k], w)
		}
	}
}
