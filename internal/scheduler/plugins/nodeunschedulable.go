package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// ErrReasonUnschedulable is the NodeUnschedulable rejection reason.
const ErrReasonUnschedulable = "node(s) were unschedulable"

// NodeUnschedulable keeps pods off cordoned nodes (spec.unschedulable)
// unless they tolerate node.kubernetes.io/unschedulable:NoSchedule, as
// DaemonSet pods do.
type NodeUnschedulable struct{}

// NewNodeUnschedulable is the plugin factory.
func NewNodeUnschedulable(fw.Handle) (fw.Plugin, error) { return &NodeUnschedulable{}, nil }

// Name implements fw.Plugin.
func (*NodeUnschedulable) Name() string { return NodeUnschedulableName }

// Filter implements fw.FilterPlugin.
func (*NodeUnschedulable) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	node := ni.Node()
	if node == nil || !node.Spec.Unschedulable {
		return nil
	}
	taint := &v1.Taint{Key: v1.TaintNodeUnschedulable, Effect: v1.TaintEffectNoSchedule}
	for i := range pod.Spec.Tolerations {
		if pod.Spec.Tolerations[i].ToleratesTaint(taint) {
			return nil
		}
	}
	return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonUnschedulable)
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*NodeUnschedulable) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd, fw.EventNodeUpdate}
}
