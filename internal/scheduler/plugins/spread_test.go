package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	fw "rudder/internal/scheduler/framework"
)

func spread(key string, maxSkew int32, when v1.UnsatisfiableConstraintAction, opts ...func(*v1.TopologySpreadConstraint)) func(*v1.Pod) {
	return func(p *v1.Pod) {
		c := v1.TopologySpreadConstraint{MaxSkew: maxSkew, TopologyKey: key, WhenUnsatisfiable: when,
			LabelSelector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}}}
		for _, o := range opts {
			o(&c)
		}
		p.Spec.TopologySpreadConstraints = append(p.Spec.TopologySpreadConstraints, c)
	}
}

func TestPodTopologySpreadFilter(t *testing.T) {
	web := podLabels("app", "web")
	// Zone a holds two web pods, zone b one, zone c none.
	cluster := func(extra ...func(*v1.Node)) []*fw.NodeInfo {
		return []*fw.NodeInfo{
			nodeInfo(node("a1", 1000, 1024, 10, withLabels("zone", "a")), pod("w1", 0, 0, web), pod("w2", 0, 0, web)),
			nodeInfo(node("b1", 1000, 1024, 10, withLabels("zone", "b")), pod("w3", 0, 0, web), pod("other", 0, 0)),
			nodeInfo(node("c1", 1000, 1024, 10, append([]func(*v1.Node){withLabels("zone", "c")}, extra...)...)),
			nodeInfo(node("nozone", 1000, 1024, 10)),
		}
	}
	R, L := ErrReasonConstraintsNotMatch, ErrReasonNodeLabelNotMatch
	minDomains := func(n int32) func(*v1.TopologySpreadConstraint) {
		return func(c *v1.TopologySpreadConstraint) { c.MinDomains = &n }
	}
	honorTaints := func(c *v1.TopologySpreadConstraint) { h := v1.NodeInclusionPolicyHonor; c.NodeTaintsPolicy = &h }
	cases := []struct {
		name  string
		pod   *v1.Pod
		nodes []*fw.NodeInfo
		want  map[string]string
	}{
		{"maxSkew 1 sends the pod to the emptiest zone", pod("p", 0, 0, web, spread("zone", 1, v1.DoNotSchedule)), cluster(),
			map[string]string{"a1": R, "b1": R, "c1": "", "nozone": L}},
		{"maxSkew 2 allows the middle zone", pod("p", 0, 0, web, spread("zone", 2, v1.DoNotSchedule)), cluster(),
			map[string]string{"a1": R, "b1": "", "c1": ""}},
		{"pod not matching its own selector does not add itself", pod("p", 0, 0, spread("zone", 2, v1.DoNotSchedule)), cluster(),
			map[string]string{"a1": "", "b1": "", "c1": ""}},
		{"ScheduleAnyway never filters", pod("p", 0, 0, web, spread("zone", 1, v1.ScheduleAnyway)), cluster(),
			map[string]string{"a1": "", "nozone": ""}},
		{"minDomains above the domain count treats the minimum as zero", pod("p", 0, 0, web, spread("zone", 2, v1.DoNotSchedule, minDomains(4))), cluster(),
			map[string]string{"a1": R, "b1": "", "c1": ""}},
		{"tainted zone ignored by default still counts as empty domain", pod("p", 0, 0, web, spread("zone", 1, v1.DoNotSchedule)),
			cluster(withTaint("k", "v", v1.TaintEffectNoSchedule)),
			map[string]string{"b1": R, "c1": ""}},
		{"nodeTaintsPolicy Honor drops the tainted zone", pod("p", 0, 0, web, spread("zone", 1, v1.DoNotSchedule, honorTaints)),
			cluster(withTaint("k", "v", v1.TaintEffectNoSchedule)),
			map[string]string{"a1": R, "b1": ""}},
		{"nodeAffinityPolicy Honor ignores zones the pod cannot use", pod("p", 0, 0, web, spread("zone", 1, v1.DoNotSchedule),
			func(p *v1.Pod) { p.Spec.NodeSelector = map[string]string{"zone": "a"} }), cluster(),
			map[string]string{"a1": ""}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewPodTopologySpread, tc.pod, tc.nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}

func TestPodTopologySpreadScore(t *testing.T) {
	web := podLabels("app", "web")
	nodes := []*fw.NodeInfo{
		nodeInfo(node("n1", 1000, 1024, 10), pod("w1", 0, 0, web), pod("w2", 0, 0, web)),
		nodeInfo(node("n2", 1000, 1024, 10), pod("w3", 0, 0, web)),
		nodeInfo(node("n3", 1000, 1024, 10)),
	}
	got := scoreAll(t, NewPodTopologySpread, pod("p", 0, 0, web, spread(v1.LabelHostname, 1, v1.ScheduleAnyway)), nodes...)
	if !(got["n3"] > got["n2"] && got["n2"] > got["n1"]) || got["n3"] != 100 {
		t.Errorf("scores %v, want n3(100) > n2 > n1", got)
	}
}
