package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// BalancedAllocation prefers nodes whose cpu and memory would be used in
// similar proportions after placing the pod: score = (1 - std dev of the
// usage fractions) * 100.
type BalancedAllocation struct{}

// NewBalancedAllocation is the plugin factory.
func NewBalancedAllocation(fw.Handle) (fw.Plugin, error) { return &BalancedAllocation{}, nil }

// Name implements fw.Plugin.
func (*BalancedAllocation) Name() string { return BalancedAllocationName }

// Score implements fw.ScorePlugin.
func (*BalancedAllocation) Score(_ context.Context, state *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	req := podRequestsFromState(state, pod)
	fractions := []float64{
		fraction(ni.Requested.MilliCPU+req.MilliCPU, ni.Allocatable.MilliCPU),
		fraction(ni.Requested.Memory+req.Memory, ni.Allocatable.Memory),
	}
	var mean float64
	for _, f := range fractions {
		mean += f
	}
	mean /= float64(len(fractions))
	var variance float64
	for _, f := range fractions {
		variance += (f - mean) * (f - mean)
	}
	std := math.Sqrt(variance / float64(len(fractions)))
	return int64((1 - std) * float64(fw.MaxNodeScore)), nil
}

func fraction(requested, capacity int64) float64 {
	if capacity == 0 {
		return 1
	}
	return math.Min(float64(requested)/float64(capacity), 1)
}
