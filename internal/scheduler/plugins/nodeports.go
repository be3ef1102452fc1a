package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// ErrReasonNodePorts is the NodePorts rejection reason.
const ErrReasonNodePorts = "node(s) didn't have free ports for the requested pod ports"

// NodePorts rejects nodes where a requested hostPort (per IP and protocol)
// is already taken.
type NodePorts struct{}

// NewNodePorts is the plugin factory.
func NewNodePorts(fw.Handle) (fw.Plugin, error) { return &NodePorts{}, nil }

// Name implements fw.Plugin.
func (*NodePorts) Name() string { return NodePortsName }

// PreFilter implements fw.PreFilterPlugin: pods without host ports skip.
func (*NodePorts) PreFilter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	if len(hostPorts(pod)) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	return nil
}

func hostPorts(pod *v1.Pod) []v1.ContainerPort {
	var out []v1.ContainerPort
	for _, c := range pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort > 0 {
				out = append(out, p)
			}
		}
	}
	return out
}

// Filter implements fw.FilterPlugin.
func (*NodePorts) Filter(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	for _, p := range hostPorts(pod) {
		if ni.UsedPorts.CheckConflict(p.HostIP, string(p.Protocol), p.HostPort) {
			return fw.NewStatus(fw.Unschedulable, ErrReasonNodePorts)
		}
	}
	return nil
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*NodePorts) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd, fw.EventAssignedPodDelete}
}
