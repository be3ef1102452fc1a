package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// ErrReasonNodeAffinity is the NodeAffinity rejection reason.
const ErrReasonNodeAffinity = "node(s) didn't match Pod's node affinity/selector"

// NodeAffinity enforces nodeSelector and required node affinity, and scores
// preferred node affinity by the sum of matching terms' weights.
type NodeAffinity struct{}

// NewNodeAffinity is the plugin factory.
func NewNodeAffinity(fw.Handle) (fw.Plugin, error) { return &NodeAffinity{}, nil }

// Name implements fw.Plugin.
func (*NodeAffinity) Name() string { return NodeAffinityName }

// PreFilter implements fw.PreFilterPlugin: nothing to check means Skip.
func (*NodeAffinity) PreFilter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	aff := pod.Spec.Affinity
	hasRequired := aff != nil && aff.NodeAffinity != nil && aff.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution != nil
	if len(pod.Spec.NodeSelector) == 0 && !hasRequired {
		return fw.NewStatus(fw.Skip)
	}
	return nil
}

// Filter implements fw.FilterPlugin.
func (*NodeAffinity) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	if ni.Node() == nil || !RequiredNodeAffinityMatches(pod, ni.Node()) {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeAffinity)
	}
	return nil
}

// PreScore implements fw.PreScorePlugin.
func (*NodeAffinity) PreScore(_ context.Context, _ *fw.CycleState, pod *v1.Pod, _, _ []*fw.NodeInfo) *fw.Status {
	if len(preferredNodeTerms(pod)) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	return nil
}

func preferredNodeTerms(pod *v1.Pod) []v1.PreferredSchedulingTerm {
	aff := pod.Spec.Affinity
	if aff == nil || aff.NodeAffinity == nil {
		return nil
	}
	return aff.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution
}

// Score implements fw.ScorePlugin.
func (*NodeAffinity) Score(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	var sum int64
	for _, t := range preferredNodeTerms(pod) {
		if t.Weight != 0 && matchNodeSelectorTerm(ni.Node(), &t.Preference) {
			sum += int64(t.Weight)
		}
	}
	return sum, nil
}

// NormalizeScore implements fw.ScoreNormalizer.
func (*NodeAffinity) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	defaultNormalize(scores, false)
	return nil
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*NodeAffinity) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd, fw.EventNodeUpdate}
}
