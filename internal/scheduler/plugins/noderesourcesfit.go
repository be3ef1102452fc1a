package plugins

import (
	"context"
	"fmt"
	"sort"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// ScoringStrategy picks how NodeResourcesFit ranks nodes.
type ScoringStrategy string

// The documented strategies: spread (LeastAllocated, default) or bin-pack
// (MostAllocated).
const (
	LeastAllocated ScoringStrategy = "LeastAllocated"
	MostAllocated  ScoringStrategy = "MostAllocated"
)

const fitStateKey = "PreFilter" + NodeResourcesFitName

type fitState struct{ req *fw.Resource }

func (s *fitState) Clone() fw.StateData { return s }

// NodeResourcesFit rejects nodes without room for the pod's requests and
// scores by allocation after placing the pod.
type NodeResourcesFit struct {
	strategy ScoringStrategy
}

// NewNodeResourcesFit returns a factory for the given strategy ("" means
// LeastAllocated).
func NewNodeResourcesFit(strategy ScoringStrategy) func(fw.Handle) (fw.Plugin, error) {
	return func(fw.Handle) (fw.Plugin, error) {
		switch strategy {
		case "":
			strategy = LeastAllocated
		case LeastAllocated, MostAllocated:
		default:
			return nil, fmt.Errorf("unknown scoring strategy %q", strategy)
		}
		return &NodeResourcesFit{strategy: strategy}, nil
	}
}

// Name implements fw.Plugin.
func (*NodeResourcesFit) Name() string { return NodeResourcesFitName }

// PreFilter implements fw.PreFilterPlugin: compute the pod's requests once.
func (*NodeResourcesFit) PreFilter(_ context.Context, state *fw.CycleState, pod *v1.Pod, _ []*fw.NodeInfo) *fw.Status {
	state.Write(fitStateKey, &fitState{req: fw.PodRequests(pod)})
	return nil
}

func podRequestsFromState(state *fw.CycleState, pod *v1.Pod) *fw.Resource {
	if d, ok := state.Read(fitStateKey); ok {
		return d.(*fitState).req
	}
	return fw.PodRequests(pod)
}

// Filter implements fw.FilterPlugin. Every shortage is reported. A request
// larger than the node's whole allocatable cannot be fixed by preemption,
// so it is UnschedulableAndUnresolvable.
func (*NodeResourcesFit) Filter(_ context.Context, state *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	reasons, unresolvable := insufficient(podRequestsFromState(state, pod), ni)
	if len(reasons) == 0 {
		return nil
	}
	code := fw.Unschedulable
	if unresolvable {
		code = fw.UnschedulableAndUnresolvable
	}
	return fw.NewStatus(code, reasons...)
}

func insufficient(req *fw.Resource, ni *fw.NodeInfo) (reasons []string, unresolvable bool) {
	alloc, used := ni.Allocatable, ni.Requested
	if int64(len(ni.Pods))+1 > alloc.AllowedPodNumber {
		reasons = append(reasons, "Too many pods")
	}
	check := func(name string, want, have, inUse int64) {
		if want > 0 && want > have-inUse {
			reasons = append(reasons, "Insufficient "+name)
			unresolvable = unresolvable || want > have
		}
	}
	check(string(v1.ResourceCPU), req.MilliCPU, alloc.MilliCPU, used.MilliCPU)
	check(string(v1.ResourceMemory), req.Memory, alloc.Memory, used.Memory)
	check(string(v1.ResourceEphemeralStorage), req.EphemeralStorage, alloc.EphemeralStorage, used.EphemeralStorage)
	names := make([]string, 0, len(req.Scalar))
	for name := range req.Scalar {
		names = append(names, string(name))
	}
	sort.Strings(names)
	for _, name := range names {
		rn := v1.ResourceName(name)
		check(name, req.Scalar[rn], alloc.Scalar[rn], used.Scalar[rn])
	}
	return reasons, unresolvable
}

// Score implements fw.ScorePlugin over cpu and memory (weight 1 each),
// counting pods without requests at the scoring defaults.
func (f *NodeResourcesFit) Score(_ context.Context, _ *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	cpu, mem := fw.NonZeroRequests(pod)
	scoreOf := leastRequestedScore
	if f.strategy == MostAllocated {
		scoreOf = mostRequestedScore
	}
	s := scoreOf(ni.NonZeroRequested.MilliCPU+cpu, ni.Allocatable.MilliCPU) +
		scoreOf(ni.NonZeroRequested.Memory+mem, ni.Allocatable.Memory)
	return s / 2, nil
}

func leastRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * fw.MaxNodeScore / capacity
}

func mostRequestedScore(requested, capacity int64) int64 {
	if capacity == 0 {
		return 0
	}
	return min(requested, capacity) * fw.MaxNodeScore / capacity
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*NodeResourcesFit) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventNodeAdd, fw.EventNodeUpdate, fw.EventAssignedPodDelete, fw.EventAssignedPodUpdate}
}
