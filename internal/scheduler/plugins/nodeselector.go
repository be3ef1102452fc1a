package plugins

import (
	"strconv"

	v1 "k8s.io/api/core/v1"
)

// matchNodeSelectorTerms implements required node affinity: the terms are
// ORed, the requirements inside a term ANDed; a term without requirements
// matches nothing.
func matchNodeSelectorTerms(node *v1.Node, terms []v1.NodeSelectorTerm) bool {
	for i := range terms {
		if matchNodeSelectorTerm(node, &terms[i]) {
			return true
		}
	}
	return false
}

func matchNodeSelectorTerm(node *v1.Node, t *v1.NodeSelectorTerm) bool {
	if len(t.MatchExpressions) == 0 && len(t.MatchFields) == 0 {
		return false
	}
	for i := range t.MatchExpressions {
		if !matchRequirement(node.Labels, &t.MatchExpressions[i]) {
			return false
		}
	}
	fields := map[string]string{"metadata.name": node.Name}
	for i := range t.MatchFields {
		r := &t.MatchFields[i]
		if r.Key != "metadata.name" || (r.Operator != v1.NodeSelectorOpIn && r.Operator != v1.NodeSelectorOpNotIn) {
			return false
		}
		if !matchRequirement(fields, r) {
			return false
		}
	}
	return true
}

func matchRequirement(lbls map[string]string, r *v1.NodeSelectorRequirement) bool {
	val, has := lbls[r.Key]
	switch r.Operator {
	case v1.NodeSelectorOpIn:
		return has && contains(r.Values, val)
	case v1.NodeSelectorOpNotIn:
		return !has || !contains(r.Values, val)
	case v1.NodeSelectorOpExists:
		return has
	case v1.NodeSelectorOpDoesNotExist:
		return !has
	case v1.NodeSelectorOpGt, v1.NodeSelectorOpLt:
		if !has || len(r.Values) != 1 {
			return false
		}
		got, err1 := strconv.ParseInt(val, 10, 64)
		want, err2 := strconv.ParseInt(r.Values[0], 10, 64)
		if err1 != nil || err2 != nil {
			return false
		}
		if r.Operator == v1.NodeSelectorOpGt {
			return got > want
		}
		return got < want
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// RequiredNodeAffinityMatches reports whether the node satisfies the pod's
// nodeSelector and required node affinity (PodTopologySpread reuses it for
// nodeAffinityPolicy: Honor).
func RequiredNodeAffinityMatches(pod *v1.Pod, node *v1.Node) bool {
	for k, v := range pod.Spec.NodeSelector {
		if got, ok := node.Labels[k]; !ok || got != v {
			return false
		}
	}
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil || aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return true
	}
	return matchNodeSelectorTerms(node, aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms)
}
