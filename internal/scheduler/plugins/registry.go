package plugins

import (
	"k8s.io/client-go/kubernetes"

	fw "rudder/internal/scheduler/framework"
)

// Deps are what the default profile needs from the running scheduler.
type Deps struct {
	Client          kubernetes.Interface
	Preemption      PreemptionDeps
	NamespaceLabels fw.NamespaceLabeler
	ScoringStrategy ScoringStrategy
}

// DefaultProfile is Kubernetes' default plugin set, in its order (the order
// decides which reason a node reports when several would fail) and with its
// score weights.
func DefaultProfile(d Deps) []fw.PluginFactory {
	return []fw.PluginFactory{
		{Name: NodeUnschedulableName, New: NewNodeUnschedulable},
		{Name: NodeNameName, New: NewNodeName},
		{Name: TaintTolerationName, Weight: 3, New: NewTaintToleration},
		{Name: NodeAffinityName, Weight: 2, New: NewNodeAffinity},
		{Name: NodePortsName, New: NewNodePorts},
		{Name: NodeResourcesFitName, Weight: 1, New: NewNodeResourcesFit(d.ScoringStrategy)},
		{Name: PodTopologySpreadName, Weight: 2, New: NewPodTopologySpread},
		{Name: InterPodAffinityName, Weight: 2, New: NewInterPodAffinity(d.NamespaceLabels)},
		{Name: DefaultPreemptionName, New: NewDefaultPreemption(d.Preemption)},
		{Name: BalancedAllocationName, Weight: 1, New: NewBalancedAllocation},
		{Name: DefaultBinderName, New: NewDefaultBinder(d.Client)},
	}
}
