package plugins

import (
	"context"
	"math"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
)

// invalidScore marks nodes lacking a constraint's topology key; they get 0.
const invalidScore = -1

type spreadScoreState struct {
	*spreadState
	weights []float64
}

func (s *spreadScoreState) Clone() fw.StateData { return s }

// PreScore implements fw.PreScorePlugin. Each constraint is weighted by
// log(domains+2) so that constraints over many small domains (hostname) and
// few large ones (zone) weigh comparably.
func (*PodTopologySpread) PreScore(_ context.Context, state *fw.CycleState, pod *v1.Pod, filtered, all []*fw.NodeInfo) *fw.Status {
	cs, err := compileConstraints(pod, v1.ScheduleAnyway)
	if err != nil {
		return fw.AsStatus(err)
	}
	if len(cs) == 0 {
		return fw.NewStatus(fw.Skip)
	}
	s := &spreadScoreState{spreadState: countDomains(pod, cs, all), weights: make([]float64, len(cs))}
	for i, c := range cs {
		domains := map[string]bool{}
		for _, ni := range filtered {
			if v, ok := ni.Node().Labels[c.topologyKey]; ok {
				domains[v] = true
			}
		}
		s.weights[i] = math.Log(float64(len(domains) + 2))
	}
	state.Write(spreadScoreKey, s)
	return nil
}

// Score implements fw.ScorePlugin: more matching pods in the domain means a
// higher raw score (reversed in NormalizeScore).
func (*PodTopologySpread) Score(_ context.Context, state *fw.CycleState, _ *v1.Pod, ni *fw.NodeInfo) (int64, *fw.Status) {
	d, ok := state.Read(spreadScoreKey)
	if !ok {
		return 0, nil
	}
	s := d.(*spreadScoreState)
	if !hasAllKeys(ni.Node(), s.constraints) {
		return invalidScore, nil
	}
	var score float64
	for i, c := range s.constraints {
		cnt := s.counts[i][ni.Node().Labels[c.topologyKey]]
		score += float64(cnt)*s.weights[i] + float64(c.maxSkew-1)
	}
	return int64(math.Round(score)), nil
}

// NormalizeScore implements fw.ScoreNormalizer.
func (*PodTopologySpread) NormalizeScore(_ context.Context, state *fw.CycleState, _ *v1.Pod, scores []fw.NodeScore) *fw.Status {
	if _, ok := state.Read(spreadScoreKey); !ok {
		return nil
	}
	lo, hi := int64(math.MaxInt64), int64(0)
	for _, s := range scores {
		if s.Score != invalidScore {
			lo, hi = min(lo, s.Score), max(hi, s.Score)
		}
	}
	for i := range scores {
		switch {
		case scores[i].Score == invalidScore:
			scores[i].Score = 0
		case hi == 0:
			scores[i].Score = fw.MaxNodeScore
		default:
			scores[i].Score = fw.MaxNodeScore * (hi + lo - scores[i].Score) / hi
		}
	}
	return nil
}
