package daemonset

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func node(name string, labels map[string]string, taints ...corev1.Taint) *corev1.Node {
	return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels}, Spec: corev1.NodeSpec{Taints: taints}}
}

func taint(key string, effect corev1.TaintEffect) corev1.Taint {
	return corev1.Taint{Key: key, Value: "x", Effect: effect}
}

func affinity(terms ...corev1.NodeSelectorTerm) *corev1.Affinity {
	return &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: terms},
	}}
}

func expr(key string, op corev1.NodeSelectorOperator, vals ...string) corev1.NodeSelectorTerm {
	return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: key, Operator: op, Values: vals}}}
}

func TestEligibility(t *testing.T) {
	ssd := map[string]string{"disk": "ssd", "cores": "8"}
	cases := []struct {
		name      string
		node      *corev1.Node
		spec      corev1.PodSpec
		run, keep bool
	}{
		{"plain node", node("n", nil), corev1.PodSpec{}, true, true},
		{"nodeSelector matches", node("n", ssd), corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}, true, true},
		{"nodeSelector does not match", node("n", nil), corev1.PodSpec{NodeSelector: map[string]string{"disk": "ssd"}}, false, false},
		{"affinity In", node("n", ssd), corev1.PodSpec{Affinity: affinity(expr("disk", corev1.NodeSelectorOpIn, "ssd", "nvme"))}, true, true},
		{"affinity NotIn", node("n", ssd), corev1.PodSpec{Affinity: affinity(expr("disk", corev1.NodeSelectorOpNotIn, "ssd"))}, false, false},
		{"affinity terms are ORed", node("n", ssd), corev1.PodSpec{Affinity: affinity(
			expr("gpu", corev1.NodeSelectorOpExists), expr("cores", corev1.NodeSelectorOpGt, "4"))}, true, true},
		{"affinity Lt fails", node("n", ssd), corev1.PodSpec{Affinity: affinity(expr("cores", corev1.NodeSelectorOpLt, "4"))}, false, false},
		{"affinity DoesNotExist", node("n", ssd), corev1.PodSpec{Affinity: affinity(expr("gpu", corev1.NodeSelectorOpDoesNotExist))}, true, true},
		{"matchFields node name", node("n2", nil), corev1.PodSpec{Affinity: affinity(corev1.NodeSelectorTerm{
			MatchFields: []corev1.NodeSelectorRequirement{{Key: "metadata.name", Operator: corev1.NodeSelectorOpIn, Values: []string{"n1"}}}})}, false, false},
		{"untolerated NoSchedule: no new pod, existing stays", node("n", nil, taint("dedicated", corev1.TaintEffectNoSchedule)), corev1.PodSpec{}, false, true},
		{"untolerated NoExecute: neither", node("n", nil, taint("dedicated", corev1.TaintEffectNoExecute)), corev1.PodSpec{}, false, false},
		{"PreferNoSchedule is ignored", node("n", nil, taint("dedicated", corev1.TaintEffectPreferNoSchedule)), corev1.PodSpec{}, true, true},
		{"tolerated NoSchedule", node("n", nil, taint("dedicated", corev1.TaintEffectNoSchedule)), corev1.PodSpec{Tolerations: []corev1.Toleration{
			{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "x", Effect: corev1.TaintEffectNoSchedule}}}, true, true},
		{"toleration with the wrong value", node("n", nil, taint("dedicated", corev1.TaintEffectNoSchedule)), corev1.PodSpec{Tolerations: []corev1.Toleration{
			{Key: "dedicated", Operator: corev1.TolerationOpEqual, Value: "y", Effect: corev1.TaintEffectNoSchedule}}}, false, true},
		{"default: unschedulable tolerated", node("n", nil, taint(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)), corev1.PodSpec{}, true, true},
		{"default: not-ready tolerated", node("n", nil, taint(corev1.TaintNodeNotReady, corev1.TaintEffectNoExecute)), corev1.PodSpec{}, true, true},
		{"default: disk pressure tolerated", node("n", nil, taint(corev1.TaintNodeDiskPressure, corev1.TaintEffectNoSchedule)), corev1.PodSpec{}, true, true},
		{"network-unavailable needs hostNetwork", node("n", nil, taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)), corev1.PodSpec{}, false, true},
		{"network-unavailable with hostNetwork", node("n", nil, taint(corev1.TaintNodeNetworkUnavailable, corev1.TaintEffectNoSchedule)), corev1.PodSpec{HostNetwork: true}, true, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			run, keep := eligibility(tc.node, &tc.spec)
			if run != tc.run || keep != tc.keep {
				t.Errorf("eligibility = run %v keep %v, want run %v keep %v", run, keep, tc.run, tc.keep)
			}
		})
	}
}

func TestPinToNodeAndTargetNode(t *testing.T) {
	spec := corev1.PodSpec{Affinity: affinity(expr("disk", corev1.NodeSelectorOpIn, "ssd"))}
	pinToNode(&spec, "n7")
	p := &corev1.Pod{Spec: spec}
	if got := targetNode(p); got != "n7" {
		t.Fatalf("targetNode = %q, want n7", got)
	}
	if !matchesNode(node("n7", nil), &spec) || matchesNode(node("n8", nil), &spec) {
		t.Error("pinned spec must match n7 only")
	}
	p.Spec.NodeName = "n9"
	if got := targetNode(p); got != "n9" {
		t.Errorf("bound pod: targetNode = %q, want n9", got)
	}
}
