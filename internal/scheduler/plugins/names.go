// Package plugins holds the default scheduling plugins, one file each.
package plugins

import (
	fw "rudder/internal/scheduler/framework"
)

// Plugin names as Kubernetes calls them (they appear in metrics and logs).
const (
	NodeNameName           = "NodeName"
	NodeUnschedulableName  = "NodeUnschedulable"
	NodeAffinityName       = "NodeAffinity"
	TaintTolerationName    = "TaintToleration"
	NodeResourcesFitName   = "NodeResourcesFit"
	BalancedAllocationName = "NodeResourcesBalancedAllocation"
	NodePortsName          = "NodePorts"
	InterPodAffinityName   = "InterPodAffinity"
	PodTopologySpreadName  = "PodTopologySpread"
	DefaultPreemptionName  = "DefaultPreemption"
	DefaultBinderName      = "DefaultBinder"
)

// defaultNormalize scales scores to [0, MaxNodeScore] by the maximum;
// reverse makes the lowest raw score the best.
func defaultNormalize(scores []fw.NodeScore, reverse bool) {
	var maxScore int64
	for _, s := range scores {
		maxScore = max(maxScore, s.Score)
	}
	for i := range scores {
		switch {
		case maxScore == 0 && reverse:
			scores[i].Score = fw.MaxNodeScore
		case maxScore == 0:
			scores[i].Score = 0
		default:
			s := fw.MaxNodeScore * scores[i].Score / maxScore
			if reverse {
				s = fw.MaxNodeScore - s
			}
			scores[i].Score = s
		}
	}
}
