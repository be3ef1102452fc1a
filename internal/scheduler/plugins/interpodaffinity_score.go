package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

const interPodAffinityScoreKey = "PreScore" + InterPodAffinityName

type affinityScoreState struct{ scores topologyCounts }

func (s *affinityScoreState) Clone() fw.StateData { return s }

// PreScore implements fw.PreScorePlugin: sum, per topology domain, the
// weights of preferred terms in both directions (the incoming pod's terms
// over existing pods, existing pods' terms over the incoming pod).
func (p *InterPodAffinity) PreScore(_ context.Context, state *fw.CycleState, pod *v1.Pod, _, all []*fw.NodeInfo) *fw.Status {
	pi := fw.NewPodInfo(pod)
	hasPreferred := len(pi.PreferredAffinityTerms)+len(pi.PreferredAntiAffinityTerms) > 0
	scores := topologyCounts{}
	for _, ni := range all {
		node := ni.Node()
		if node == nil {
			continue
		}
		existingPods := ni.PodsWithAffinity
		if hasPreferred {
			existingPods = ni.Pods
		}
		for _, existing := range existingPods {
			p.scoreIncoming(scores, pi, existing.Pod, node)
			p.scoreExisting(scores, existing, pod, node)
		}
	}
	if len(scores) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	state.Write(interPodAffinityScoreKey, &affinityScoreState{scores: scores})
	return nil
}

func (p *InterPodAffinity) scoreIncoming(scores topologyCounts, pi *fw.PodInfo, existing *v1.Pod, node *v1.Node) {
	for _, t := range pi.PreferredAffinityTerms {
		if t.Matches(existing, p.nsLabels) {
			scores.add(node, t.TopologyKey, int64(t.Weight))
		}
	}
	for _, t := range pi.PreferredAntiAffinityTerms {
		if t.Matches(existing, p.nsLabels) {
			scores.add(node, t.TopologyKey, -int64(t.Weight))
		}
	}
}

func (p *InterPodAffinity) scoreExisting(scores topologyCounts, existing *fw.PodInfo, pod *v1.Pod, node *v1.Node) {
	for _, t := range existing.RequiredAffinityTerms {
		if t.Matches(pod, p.nsLabels) {
			scores.add(node, t.TopologyKey, hardPodAffinityWeight)
		}
	}
	for _, t := range existing.PreferredAffinityTerms {
		if t.Matches(pod, p.nsLabels) {
			scores.add(node, t.TopologyKey, int64(t.Weight))
		}
	}
	for _, t := range existing.PreferredAntiAffinityTerms {
		if t.Matches(pod, p.nsLabels) {
			scores.add(node, t.TopologyKey, -int64(t.Weight))
		}
	}
}

// Score implements fw.ScorePlugin.
func (p *InterPodAffinity) Score(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	d, ok := state.Read(interPodAffinityScoreKey)
	if !ok {
		return 0, nil
	}
	var sum int64
	for tp, w := range d.(*affinityScoreState).scores {
		if v, ok := ni.Node().Labels[tp.key]; ok && v == tp.value {
			sum += w
		}
	}
	return sum, nil
}

// NormalizeScore implements fw.ScoreNormalizer: min-max scaling, since raw
// scores can be negative.
func (p *InterPodAffinity) NormalizeScore(_ context.Context, _ *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	lo, hi := int64(math.MaxInt64), int64(math.MinInt64)
	for _, s := range scores {
		lo, hi = min(lo, s.Score), max(hi, s.Score)
	}
	for i := range scores {
		if hi > lo {
			scores[i].Score = fw.MaxNodeScore * (scores[i].Score - lo) / (hi - lo)
		} else {
			scores[i].Score = 0
		}
	}
	return nil
}
