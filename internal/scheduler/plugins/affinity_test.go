package plugins

import (
	"testing"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	fw "rudder/internal/scheduler/framework"
)

func term(key string, sel map[string]string) v1.PodAffinityTerm {
	return v1.PodAffinityTerm{TopologyKey: key, LabelSelector: &metav1.LabelSelector{MatchLabels: sel}}
}

func antiAffinity(terms ...v1.PodAffinityTerm) func(*v1.Pod) {
	return func(p *v1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &v1.Affinity{}
		}
		p.Spec.Affinity.PodAntiAffinity = &v1.PodAntiAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func affinity(terms ...v1.PodAffinityTerm) func(*v1.Pod) {
	return func(p *v1.Pod) {
		if p.Spec.Affinity == nil {
			p.Spec.Affinity = &v1.Affinity{}
		}
		p.Spec.Affinity.PodAffinity = &v1.PodAffinity{RequiredDuringSchedulingIgnoredDuringExecution: terms}
	}
}

func TestInterPodAffinityFilter(t *testing.T) {
	zones := func(existing ...*v1.Pod) []*fw.NodeInfo {
		var byNode = map[string][]*v1.Pod{}
		for _, p := range existing {
			byNode[p.Spec.NodeName] = append(byNode[p.Spec.NodeName], p)
		}
		return []*fw.NodeInfo{
			nodeInfo(node("a1", 1000, 1024, 10, withLabels("zone", "a")), byNode["a1"]...),
			nodeInfo(node("a2", 1000, 1024, 10, withLabels("zone", "a")), byNode["a2"]...),
			nodeInfo(node("b1", 1000, 1024, 10, withLabels("zone", "b")), byNode["b1"]...),
			nodeInfo(node("nozone", 1000, 1024, 10), byNode["nozone"]...),
		}
	}
	web := podLabels("app", "web")
	db := podLabels("app", "db")
	cases := []struct {
		name  string
		pod   *v1.Pod
		nodes []*fw.NodeInfo
		want  map[string]string
	}{
		{"anti-affinity by hostname spreads replicas",
			pod("p", 0, 0, web, antiAffinity(term(v1.LabelHostname, map[string]string{"app": "web"}))),
			zones(pod("w1", 0, 0, web, onNode("a1"))),
			map[string]string{"a1": ErrReasonAntiAffinityRulesNotMatch, "a2": "", "b1": "", "nozone": ""}},
		{"anti-affinity by zone blocks the whole zone",
			pod("p", 0, 0, web, antiAffinity(term("zone", map[string]string{"app": "web"}))),
			zones(pod("w1", 0, 0, web, onNode("a1"))),
			map[string]string{"a1": ErrReasonAntiAffinityRulesNotMatch, "a2": ErrReasonAntiAffinityRulesNotMatch, "b1": "", "nozone": ""}},
		{"anti-affinity ignores other namespaces",
			pod("p", 0, 0, web, antiAffinity(term(v1.LabelHostname, map[string]string{"app": "web"}))),
			zones(pod("w1", 0, 0, web, onNode("a1"), func(p *v1.Pod) { p.Namespace = "other" })),
			map[string]string{"a1": ""}},
		{"existing pod's anti-affinity repels the incoming pod",
			pod("p", 0, 0, web),
			zones(pod("d1", 0, 0, db, onNode("b1"), antiAffinity(term("zone", map[string]string{"app": "web"})))),
			map[string]string{"a1": "", "b1": ErrReasonExistingAntiAffinityRulesNotMatch, "nozone": ""}},
		{"affinity requires a matching pod in the zone",
			pod("p", 0, 0, web, affinity(term("zone", map[string]string{"app": "db"}))),
			zones(pod("d1", 0, 0, db, onNode("a1"))),
			map[string]string{"a1": "", "a2": "", "b1": ErrReasonAffinityRulesNotMatch, "nozone": ErrReasonAffinityRulesNotMatch}},
		{"affinity with nothing matching fails",
			pod("p", 0, 0, web, affinity(term("zone", map[string]string{"app": "db"}))),
			zones(),
			map[string]string{"a1": ErrReasonAffinityRulesNotMatch, "b1": ErrReasonAffinityRulesNotMatch}},
		{"first pod of a self-affine group may go anywhere with the label",
			pod("p", 0, 0, web, affinity(term("zone", map[string]string{"app": "web"}))),
			zones(),
			map[string]string{"a1": "", "b1": "", "nozone": ErrReasonAffinityRulesNotMatch}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, _ := filterAll(t, NewInterPodAffinity(nil), tc.pod, tc.nodes...)
			assertMsgs(t, got, tc.want)
		})
	}
}

func TestInterPodAffinityNamespaceSelector(t *testing.T) {
	nsLabels := func(ns string) labels.Set {
		if ns == "team-a" {
			return labels.Set{"team": "a"}
		}
		return nil
	}
	existing := pod("w1", 0, 0, podLabels("app", "web"), onNode("n1"), func(p *v1.Pod) { p.Namespace = "team-a" })
	nodes := []*fw.NodeInfo{nodeInfo(node("n1", 1000, 1024, 10), existing), nodeInfo(node("n2", 1000, 1024, 10))}
	tm := term(v1.LabelHostname, map[string]string{"app": "web"})
	tm.NamespaceSelector = &metav1.LabelSelector{MatchLabels: map[string]string{"team": "a"}}
	got, _ := filterAll(t, NewInterPodAffinity(nsLabels), pod("p", 0, 0, antiAffinity(tm)), nodes...)
	assertMsgs(t, got, map[string]string{"n1": ErrReasonAntiAffinityRulesNotMatch, "n2": ""})
}

func TestInterPodAffinityScore(t *testing.T) {
	nodes := []*fw.NodeInfo{
		nodeInfo(node("with-db", 1000, 1024, 10), pod("d", 0, 0, podLabels("app", "db"))),
		nodeInfo(node("with-web", 1000, 1024, 10), pod("w", 0, 0, podLabels("app", "web"))),
		nodeInfo(node("empty", 1000, 1024, 10)),
	}
	p := pod("p", 0, 0, func(p *v1.Pod) {
		p.Spec.Affinity = &v1.Affinity{
			PodAffinity: &v1.PodAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{
				{Weight: 10, PodAffinityTerm: term(v1.LabelHostname, map[string]string{"app": "db"})}}},
			PodAntiAffinity: &v1.PodAntiAffinity{PreferredDuringSchedulingIgnoredDuringExecution: []v1.WeightedPodAffinityTerm{
				{Weight: 10, PodAffinityTerm: term(v1.LabelHostname, map[string]string{"app": "web"})}}},
		}
	})
	got := scoreAll(t, NewInterPodAffinity(nil), p, nodes...)
	if got["with-db"] != 100 || got["empty"] != 50 || got["with-web"] != 0 {
		t.Errorf("scores %v, want with-db=100 empty=50 with-web=0", got)
	}
}
