package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// ErrReasonNodeName is the NodeName rejection reason.
const ErrReasonNodeName = "node(s) didn't match the requested node name"

// NodeName keeps a pod that names its node (spec.nodeName set by the user
// but not yet bound) off every other node.
type NodeName struct{}

// NewNodeName is the plugin factory.
func NewNodeName(fw.Handle) (fw.Plugin, error) { return &NodeName{}, nil }

// Name implements fw.Plugin.
func (*NodeName) Name() string { return NodeNameName }

// Filter implements fw.FilterPlugin.
func (*NodeName) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	if pod.Spec.NodeName != "" && pod.Spec.NodeName != ni.Name() {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeName)
	}
	return nil
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*NodeName) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd}
}
