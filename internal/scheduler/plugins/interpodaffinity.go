package plugins

import (
	"context"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// InterPodAffinity rejection reasons.
const (
	ErrReasonAffinityRulesNotMatch             = "node(s) didn't match pod affinity rules"
	ErrReasonAntiAffinityRulesNotMatch         = "node(s) didn't match pod anti-affinity rules"
	ErrReasonExistingAntiAffinityRulesNotMatch = "node(s) didn't satisfy existing pods anti-affinity rules"
)

// hardPodAffinityWeight is how much an existing pod's required affinity to
// the incoming pod counts in scoring (Kubernetes' default).
const hardPodAffinityWeight = 1

const interPodAffinityStateKey = "PreFilter" + InterPodAffinityName

type topologyPair struct{ key, value string }

type topologyCounts map[topologyPair]int64

func (c topologyCounts) add(node *v1.Node, key string, delta int64) {
	if v, ok := node.Labels[key]; ok {
		c[topologyPair{key, v}] += delta
	}
}

type affinityState struct {
	pod *fw.PodInfo
	// existingAnti counts domains where an existing pod's required
	// anti-affinity rejects the incoming pod.
	existingAnti topologyCounts
	// affinity counts, per term domain, pods that match all the incoming
	// pod's required affinity terms.
	affinity topologyCounts
	// anti counts, per term domain, pods the incoming pod must avoid.
	anti topologyCounts
}

func (s *affinityState) Clone() fw.StateData { return s }

// InterPodAffinity implements required and preferred pod affinity and
// anti-affinity, including the anti-affinity of pods already running.
type InterPodAffinity struct {
	nsLabels fw.NamespaceLabeler
}

// NewInterPodAffinity returns a factory; nsLabels resolves namespaceSelector
// (nil: namespaces have no labels).
func NewInterPodAffinity(nsLabels fw.NamespaceLabeler) func(fw.Handle) (fw.Plugin, error) {
	return func(fw.Handle) (fw.Plugin, error) { return &InterPodAffinity{nsLabels: nsLabels}, nil }
}

// Name implements fw.Plugin.
func (*InterPodAffinity) Name() string { return InterPodAffinityName }

// PreFilter implements fw.PreFilterPlugin: count, per topology domain, the
// pods that attract or repel the incoming one.
func (p *InterPodAffinity) PreFilter(_ context.Context, state *fw.CycleState, pod *v1.Pod, nodes []*fw.NodeInfo) *fw.Status {
	pi := fw.NewPodInfo(pod)
	if pi.ParseErr != nil {
		return fw.AsStatus(pi.ParseErr)
	}
	s := &affinityState{pod: pi, existingAnti: topologyCounts{}, affinity: topologyCounts{}, anti: topologyCounts{}}
	for _, ni := range nodes {
		node := ni.Node()
		if node == nil {
			continue
		}
		for _, existing := range ni.PodsWithRequiredAntiAffinity {
			for i := range existing.RequiredAntiAffinityTerms {
				t := &existing.RequiredAntiAffinityTerms[i]
				if t.Matches(pod, p.nsLabels) {
					s.existingAnti.add(node, t.TopologyKey, 1)
				}
			}
		}
		if len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms) == 0 {
			continue
		}
		for _, existing := range ni.Pods {
			if p.matchesAll(pi.RequiredAffinityTerms, existing.Pod) {
				for _, t := range pi.RequiredAffinityTerms {
					s.affinity.add(node, t.TopologyKey, 1)
				}
			}
			for i := range pi.RequiredAntiAffinityTerms {
				t := &pi.RequiredAntiAffinityTerms[i]
				if t.Matches(existing.Pod, p.nsLabels) {
					s.anti.add(node, t.TopologyKey, 1)
				}
			}
		}
	}
	if len(s.existingAnti) == 0 && len(pi.RequiredAffinityTerms)+len(pi.RequiredAntiAffinityTerms) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	state.Write(interPodAffinityStateKey, s)
	return nil
}

func (p *InterPodAffinity) matchesAll(terms []fw.AffinityTerm, pod *v1.Pod) bool {
	if len(terms) == 0 {
		return false
	}
	for i := range terms {
		if !terms[i].Matches(pod, p.nsLabels) {
			return false
		}
	}
	return true
}

// Filter implements fw.FilterPlugin.
func (p *InterPodAffinity) Filter(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) *fw.Status {
	d, ok := state.Read(interPodAffinityStateKey)
	if !ok {
		return nil
	}
	s := d.(*affinityState)
	node := ni.Node()
	if !p.satisfiesAffinity(s, node) {
		return fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonAffinityRulesNotMatch)
	}
	for _, t := range s.pod.RequiredAntiAffinityTerms {
		if v, ok := node.Labels[t.TopologyKey]; ok && s.anti[topologyPair{t.TopologyKey, v}] > 0 {
			return fw.NewStatus(fw.Unschedulable, ErrReasonAntiAffinityRulesNotMatch)
		}
	}
	for k, v := range node.Labels {
		if s.existingAnti[topologyPair{k, v}] > 0 {
			return fw.NewStatus(fw.Unschedulable, ErrReasonExistingAntiAffinityRulesNotMatch)
		}
	}
	return nil
}

// satisfiesAffinity requires a matching pod in the node's domain for every
// term. The first pod of a group whose affinity selects itself may go
// anywhere that has the topology labels, or it could never start.
func (p *InterPodAffinity) satisfiesAffinity(s *affinityState, node *v1.Node) bool {
	found := true
	for _, t := range s.pod.RequiredAffinityTerms {
		v, ok := node.Labels[t.TopologyKey]
		if !ok {
			return false
		}
		if s.affinity[topologyPair{t.TopologyKey, v}] <= 0 {
			found = false
		}
	}
	if found {
		return true
	}
	return len(s.affinity) == 0 && p.matchesAll(s.pod.RequiredAffinityTerms, s.pod.Pod)
}

// EventsToRegister implements fw.EnqueueExtensions.
func (*InterPodAffinity) EventsToRegister() []fw.ClusterEvent {
	return []fw.ClusterEvent{fw.EventAssignedPodAdd, fw.EventAssignedPodUpdate, fw.EventAssignedPodDelete,
		fw.EventNodeAdd, fw.EventNodeUpdate, fw.EventNamespaceChange}
}
