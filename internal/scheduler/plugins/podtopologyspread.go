package plugins

import (
	"context"
	"fmt"
	"math"

	v1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"

	fw "rudder/internal/scheduler/framework"
)

// PodTopologySpread rejection reasons.
const (
	ErrReasonConstraintsNotMatch = "node(s) didn't match pod topology spread constraints"
	ErrReasonNodeLabelNotMatch   = ErrReasonConstraintsNotMatch + " (missing required label)"
)

const spreadFilterKey = "PreFilter" + PodTopologySpreadName
const spreadScoreKey = "PreScore" + PodTopologySpreadName

// constraint is a compiled topologySpreadConstraint with the documented
// defaults applied: minDomains 1, nodeAffinityPolicy Honor,
// nodeTaintsPolicy Ignore.
type constraint struct {
	maxSkew       int32
	topologyKey   string
	selector      labels.Selector
	minDomains    int32
	honorAffinity bool
	honorTaints   bool
}

func compileConstraints(pod *v1.Pod, action v1.UnsatisfiableConstraintAction) ([]constraint, error) {
	var out []constraint
	for _, c := range pod.Spec.TopologySpreadConstraints {
		if c.WhenUnsatisfiable != action {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(c.LabelSelector)
		if err != nil {
			return nil, fmt.Errorf("topology spread labelSelector: %w", err)
		}
		if c.LabelSelector == nil {
			sel = labels.Nothing()
		}
		// matchLabelKeys narrows the selector to pods carrying the same
		// values as this pod (for example the same pod-template-hash).
		for _, k := range c.MatchLabelKeys {
			if v, ok := pod.Labels[k]; ok {
				r, err := labels.NewRequirement(k, selection.In, []string{v})
				if err != nil {
					return nil, fmt.Errorf("topology spread matchLabelKeys: %w", err)
				}
				sel = sel.Add(*r)
			}
		}
		out = append(out, constraint{
			maxSkew:       c.MaxSkew,
			topologyKey:   c.TopologyKey,
			selector:      sel,
			minDomains:    ptrOr(c.MinDomains, 1),
			honorAffinity: c.NodeAffinityPolicy == nil || *c.NodeAffinityPolicy == v1.NodeInclusionPolicyHonor,
			honorTaints:   c.NodeTaintsPolicy != nil && *c.NodeTaintsPolicy == v1.NodeInclusionPolicyHonor,
		})
	}
	return out, nil
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}

// nodeCounts decides whether a node's pods count for the constraint.
func (c *constraint) nodeCounts(pod *v1.Pod, node *v1.Node) bool {
	if _, ok := node.Labels[c.topologyKey]; !ok {
		return false
	}
	if c.honorAffinity && !RequiredNodeAffinityMatches(pod, node) {
		return false
	}
	if c.honorTaints {
		for i := range node.Spec.Taints {
			t := &node.Spec.Taints[i]
			if (t.Effect == v1.TaintEffectNoSchedule || t.Effect == v1.TaintEffectNoExecute) && !tolerated(t, pod.Spec.Tolerations) {
				return false
			}
		}
	}
	return true
}

// matchingPods counts the node's pods selected by the constraint; pods being
// deleted do not count.
func (c *constraint) matchingPods(pod *v1.Pod, ni *fw.NodeInfo) int64 {
	var n int64
	for _, pi := range ni.Pods {
		p := pi.Pod
		if p.DeletionTimestamp != nil || p.Namespace != pod.Namespace {
			continue
		}
		if c.selector.Matches(labels.Set(p.Labels)) {
			n++
		}
	}
	return n
}

func hasAllKeys(node *v1.Node, cs []constraint) bool {
	for _, c := range cs {
		if _, ok := node.Labels[c.topologyKey]; !ok {
			return false
		}
	}
	return true
}

// spreadState holds, per constraint, the matching-pod count of each domain.
type spreadState struct {
	constraints []constraint
	counts      []map[string]int64
}

func (s *spreadState) Clone() fw.StateData { return s }

func countDomains(pod *v1.Pod, cs []constraint, nodes []*fw.NodeInfo) *spreadState {
	s := &spreadState{constraints: cs, counts: make([]map[string]int64, len(cs))}
	for i := range cs {
		s.counts[i] = map[string]int64{}
	}
	for _, ni := range nodes {
		node := ni.Node()
		if node == nil || !hasAllKeys(node, cs) {
			continue
		}
		for i := range cs {
			if cs[i].nodeCounts(pod, node) {
				s.counts[i][node.Labels[cs[i].topologyKey]] += cs[i].matchingPods(pod, ni)
			}
		}
	}
	return s
}

// PodTopologySpread spreads matching pods over topology domains: a hard
// maxSkew for DoNotSchedule constraints, a preference for ScheduleAnyway.
type PodTopologySpread struct{}

// NewPodTopologySpread is the plugin factory.
func NewPodTopologySpread(fw.Handle) (fw.Plugin, error) { return &PodTopologySpread{}, nil }

// Name implements fw.Plugin.
func (*PodTopologySpread) Name() string { return PodTopologySpreadName }

// PreFilter implements fw.PreFilterPlugin.
func (*PodTopologySpread) PreFilter(_ context.Context, state *fw.CycleState, pod *v1.Pod, nodes []*fw.NodeInfo) *fw.Status {
	cs, err := compileConstraints(pod, v1.DoNotSchedule)
	if err != nil {
		return fw.AsStatus(err)
	}
	if len(cs) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	state.Write(spreadFilterKey, countDomains(pod, cs, nodes))
	return nil
}

// Filter implements fw.FilterPlugin: skew = pods in this node's domain
// (plus the pod itself if it matches) minus the least-loaded domain; with
// fewer domains than minDomains the minimum counts as 0.
func (*PodTopologySpread) Filter(_ context.Context, state *fw.CycleState, pod *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	d, ok := state.Read(spreadFilterKey)
	if !ok {
		return nil
	}
	s := d.(*spreadState)
	node := ni.Node()
	for i, c := range s.constraints {
		value, ok := node.Labels[c.topologyKey]
		if !ok {
			return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNodeLabelNotMatch)
		}
		minMatch := int64(math.MaxInt64)
		for _, n := range s.counts[i] {
			minMatch = min(minMatch, n)
		}
		if len(s.counts[i]) < int(c.minDomains) || minMatch == math.MaxInt64 {
			minMatch = 0
		}
		var self int64
		if c.selector.Matches(labels.Set(pod.Labels)) {
			self = 1
		}
		if s.counts[i][value]+self-minMatch > int64(c.maxSkew) {
			return fw.NewStatus(fw.Unschedulable, ErrReasonConstraintsNotMatch)
		}
	}
	return nil
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*PodTopologySpread) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventAssignedPodAdd, fw.EventAssignedPodUpdate, fw.EventAssignedPodDelete,
		fw.EventNodeAdd, fw.EventNodeUpdate}
}
