package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// TaintToleration rejects nodes with NoSchedule/NoExecute taints the pod
// does not tolerate and prefers nodes with fewer untolerated
// PreferNoSchedule taints.
type TaintToleration struct{}

// NewTaintToleration is the plugin factory.
func NewTaintToleration(fw.Handle) (fw.Plugin, error) { return &TaintToleration{}, nil }

// Name implements fw.Plugin.
func (*TaintToleration) Name() string { return TaintTolerationName }

// Filter implements fw.FilterPlugin. The reason names the first untolerated
// taint, as Kubernetes' message does.
func (*TaintToleration) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	node := ni.Node()
	if node == nil {
		return fw.AsStatus(fmt.Errorf("node not found"))
	}
	for i := range node.Spec.Taints {
		t := &node.Spec.Taints[i]
		if t.Effect != v1.TaintEffectNoSchedule && t.Effect != v1.TaintEffectNoExecute {
			continue
		}
		if !tolerated(t, pod.Spec.Tolerations) {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable,
				fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value))
		}
	}
	return nil
}

func tolerated(t *v1.Taint, tolerations []v1.Toleration) bool {
	for i := range tolerations {
		if tolerations[i].ToleratesTaint(t) {
			return true
		}
	}
	return false
}

// Score implements fw.ScorePlugin: the number of untolerated
// PreferNoSchedule taints (reversed in NormalizeScore). Only tolerations
// with an empty or PreferNoSchedule effect count here.
func (*TaintToleration) Score(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	var prefer []v1.Toleration
	for _, tol := range pod.Spec.Tolerations {
		if tol.Effect == "" || tol.Effect == v1.TaintEffectPreferNoSchedule {
			prefer = append(prefer, tol)
		}
	}
	var n int64
	for i := range ni.Node().Spec.Taints {
		t := &ni.Node().Spec.Taints[i]
		if t.Effect == v1.TaintEffectPreferNoSchedule && !tolerated(t, prefer) {
			n++
		}
	}
	return n, nil
}

// NormalizeScore implements fw.ScoreNormalizer: fewer taints score higher.
func (*TaintToleration) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	defaultNormalize(scores, true)
	return nil
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*TaintToleration) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd, fw.EventNodeUpdate}
}
