package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

func TestNodeName(t *testing.T) {
	nodes := []*fw.NodeInfo{nodeInfo(node("a", 1000, 1024, 10)), nodeInfo(node("b", 1000, 1024, 10))}
	cases := []struct {
		name string
		pod  *v1.Pod
		want map[string]string
	}{
		{"no node name fits everywhere", pod("p", 0, 0), map[string]string{"a": "", "b": ""}},
		{"node name restricts", pod("p", 0, 0, onNode("b")), map[string]string{"a": ErrReasonNodeName, "b": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewNodeName, tc.pod, nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}

func TestNodeUnschedulable(t *testing.T) {
	cordoned := node("cordoned", 1000, 1024, 10)
	cordoned.Spec.Unschedulable = true
	nodes := []*fw.NodeInfo{nodeInfo(cordoned), nodeInfo(node("open", 1000, 1024, 10))}
	tolerating := pod("ds", 0, 0, func(p *v1.Pod) {
		p.Spec.Tolerations = []v1.Toleration{{Key: v1.TaintNodeUnschedulable, Operator: v1.TolerationOpExists, Effect: v1.TaintEffectNoSchedule}}
	})
	cases := []struct {
		name     string
		pod      *v1.Pod
		want     map[string]string
		wantCode fw.Code
	}{
		{"plain pod avoids cordoned node", pod("p", 0, 0), map[string]string{"cordoned": ErrReasonUnschedulable, "open": ""}, fw.UnschedulableAndUnresolvable},
		{"toleration allows cordoned node", tolerating, map[string]string{"cordoned": "", "open": ""}, fw.Success},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, codes := filterAll(t, NewNodeUnschedulable, tc.pod, nodes...)
			assertMsgs(t, got, tc.want)
			if codes["cordoned"] != tc.wantCode {
				t.Errorf("code %v, want %v", codes["cordoned"], tc.wantCode)
			}
		})
	}
}

func TestTaintTolerationFilter(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("cp", 1000, 1024, 10, withTaint("node-role.kubernetes.io/control-plane", "", v1.TaintEffectNoSchedule))),
		nodeInfo(node("gpu", 1000, 1024, 10, withTaint("gpu", "true", v1.TaintEffectNoExecute))),
		nodeInfo(node("soft", 1000, 1024, 10, withTaint("soft", "x", v1.TaintEffectPreferNoSchedule))),
	}
	tol := func(tt ...v1.Toleration) func(*v1.Pod) { return func(p *v1.Pod) { p.Spec.Tolerations = tt } }
	cases := []struct {
		name string
		pod  *v1.Pod
		want map[string]string
	}{
		{"no tolerations", pod("p", 0, 0), map[string]string{
			"cp":   "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }",
			"gpu":  "node(s) had untolerated taint {gpu: true}",
			"soft": "",
		}},
		{"equal toleration", pod("p", 0, 0, tol(v1.Toleration{Key: "gpu", Operator: v1.TolerationOpEqual, Value: "true", Effect: v1.TaintEffectNoExecute})),
			map[string]string{"gpu": "", "cp": "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"}},
		{"wrong value", pod("p", 0, 0, tol(v1.Toleration{Key: "gpu", Operator: v1.TolerationOpEqual, Value: "false"})),
			map[string]string{"gpu": "node(s) had untolerated taint {gpu: true}"}},
		{"exists with empty key tolerates all", pod("p", 0, 0, tol(v1.Toleration{Operator: v1.TolerationOpExists})),
			map[string]string{"gpu": "", "cp": "", "soft": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewTaintToleration, tc.pod, nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}

func TestTaintTolerationScore(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("clean", 1000, 1024, 10)),
		nodeInfo(node("one", 1000, 1024, 10, withTaint("a", "", v1.TaintEffectPreferNoSchedule))),
		nodeInfo(node("two", 1000, 1024, 10, withTaint("a", "", v1.TaintEffectPreferNoSchedule), withTaint("b", "", v1.TaintEffectPreferNoSchedule))),
	}
	got := scoreAll(t, NewTaintToleration, pod("p", 0, 0), nodes...)
	want := map[string]int64{"clean": 100, "one": 50, "two": 0}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: score %d, want %d", k, got[k], w)
		}
	}
	tolerant := pod("p", 0, 0, func(p *v1.Pod) {
		p.Spec.Tolerations = []v1.Toleration{{Key: "a", Operator: v1.TolerationOpExists, Effect: v1.TaintEffectPreferNoSchedule}}
	})
	got = scoreAll(t, NewTaintToleration, tolerant, nodes...)
	if got["one"] != 100 || got["two"] != 0 {
		t.Errorf("tolerating a: got %v, want one=100 two=0", got)
	}
}

func TestNodeAffinityFilter(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("z1", 1000, 1024, 10, withLabels("zone", "z1", "cores", "8"))),
		nodeInfo(node("z2", 1000, 1024, 10, withLabels("zone", "z2", "cores", "2"))),
		nodeInfo(node("bare", 1000, 1024, 10)),
	}
	required := func(terms ...v1.NodeSelectorTerm) func(*v1.Pod) {
		return func(p *v1.Pod) {
			p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{
				RequiredDuringSchedulingIgnoredDuringExecution: &v1.NodeSelector{NodeSelectorTerms: terms}}}
		}
	}
	expr := func(key string, op v1.NodeSelectorOperator, vals ...string) v1.NodeSelectorTerm {
		return v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: key, Operator: op, Values: vals}}}
	}
	R := ErrReasonNodeAffinity
	cases := []struct {
		name string
		pod  *v1.Pod
		want map[string]string
	}{
		{"nodeSelector", pod("p", 0, 0, func(p *v1.Pod) { p.Spec.NodeSelector = map[string]string{"zone": "z1"} }),
			map[string]string{"z1": "", "z2": R, "bare": R}},
		{"In", pod("p", 0, 0, required(expr("zone", v1.NodeSelectorOpIn, "z2", "z3"))), map[string]string{"z1": R, "z2": "", "bare": R}},
		{"NotIn matches missing label", pod("p", 0, 0, required(expr("zone", v1.NodeSelectorOpNotIn, "z1"))), map[string]string{"z1": R, "z2": "", "bare": ""}},
		{"Exists", pod("p", 0, 0, required(expr("zone", v1.NodeSelectorOpExists))), map[string]string{"z1": "", "z2": "", "bare": R}},
		{"DoesNotExist", pod("p", 0, 0, required(expr("zone", v1.NodeSelectorOpDoesNotExist))), map[string]string{"z1": R, "bare": ""}},
		{"Gt", pod("p", 0, 0, required(expr("cores", v1.NodeSelectorOpGt, "4"))), map[string]string{"z1": "", "z2": R, "bare": R}},
		{"terms are ORed", pod("p", 0, 0, required(expr("zone", v1.NodeSelectorOpIn, "z1"), expr("zone", v1.NodeSelectorOpIn, "z2"))),
			map[string]string{"z1": "", "z2": "", "bare": R}},
		{"matchFields by name", pod("p", 0, 0, required(v1.NodeSelectorTerm{MatchFields: []v1.NodeSelectorRequirement{{Key: "metadata.name", Operator: v1.NodeSelectorOpIn, Values: []string{"bare"}}}})),
			map[string]string{"z1": R, "bare": ""}},
		{"empty term matches nothing", pod("p", 0, 0, required(v1.NodeSelectorTerm{})), map[string]string{"z1": R, "bare": R}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewNodeAffinity, tc.pod, nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}

func TestNodeAffinityScore(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("ssd-z1", 1000, 1024, 10, withLabels("disk", "ssd", "zone", "z1"))),
		nodeInfo(node("ssd", 1000, 1024, 10, withLabels("disk", "ssd"))),
		nodeInfo(node("none", 1000, 1024, 10)),
	}
	p := pod("p", 0, 0, func(p *v1.Pod) {
		term := func(k, v string) v1.NodeSelectorTerm {
			return v1.NodeSelectorTerm{MatchExpressions: []v1.NodeSelectorRequirement{{Key: k, Operator: v1.NodeSelectorOpIn, Values: []string{v}}}}
		}
		p.Spec.Affinity = &v1.Affinity{NodeAffinity: &v1.NodeAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.PreferredSchedulingTerm{
			{Weight: 3, Preference: term("disk", "ssd")}, {Weight: 1, Preference: term("zone", "z1")}}}}
	})
	got := scoreAll(t, NewNodeAffinity, p, nodes...)
	want := map[string]int64{"ssd-z1": 100, "ssd": 75, "none": 0}
	for k, w := range want {
		if got[k] != w {
			t.Errorf("%s: %d, want %d", k, got[k], w)
		}
	}
}

func TestNodePorts(t *testing.T) {
	withPort := func(ip string, port int32, proto v1.Protocol) func(*v1.Pod) {
		return func(p *v1.Pod) {
			p.Spec.Containers[0].Ports = append(p.Spec.Containers[0].Ports, v1.ContainerPort{HostIP: ip, HostPort: port, ContainerPort: 80, Protocol: proto})
		}
	}
	nodes := []*fw.NodeInfo{
		nodeInfo(node("wild", 1000, 1024, 10), pod("x", 0, 0, withPort("", 8080, v1.ProtocolTCP))),
		nodeInfo(node("specific", 1000, 1024, 10), pod("y", 0, 0, withPort("10.0.0.1", 8080, v1.ProtocolTCP))),
		nodeInfo(node("free", 1000, 1024, 10)),
	}
	R := ErrReasonNodePorts
	cases := []struct {
		name string
		pod  *v1.Pod
		want map[string]string
	}{
		{"wildcard conflicts with any address", pod("p", 0, 0, withPort("", 8080, v1.ProtocolTCP)), map[string]string{"wild": R, "specific": R, "free": ""}},
		{"other address is free", pod("p", 0, 0, withPort("10.0.0.2", 8080, v1.ProtocolTCP)), map[string]string{"wild": R, "specific": "", "free": ""}},
		{"other protocol is free", pod("p", 0, 0, withPort("", 8080, v1.ProtocolUDP)), map[string]string{"wild": "", "specific": ""}},
		{"no host port", pod("p", 0, 0), map[string]string{"wild": "", "specific": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewNodePorts, tc.pod, nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}
