package scheduler

import (
	"context"
	"errors"
	"math/rand/v2"
	"sync"
	"sync/atomic"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"

	fw "rudder/internal/scheduler/framework"
)

// Node sampling constants as documented for percentageOfNodesToScore.
const (
	minFeasibleNodesToFind           = 100
	minFeasibleNodesPercentageToFind = 5
	basePercentageOfNodesToScore     = 50
)

// errNoNodesAvailable is returned when the cluster has no nodes.
var errNoNodesAvailable = errors.New(fw.ErrNoNodesAvailable)

// algorithm is the pure decision: filter, score, pick. It touches no API
// and no informer, so it is table-tested on NodeInfo fixtures.
type algorithm struct {
	fw                       *fw.Framework
	nodes                    fw.NodeLister
	percentageOfNodesToScore int32
	// nextStartNodeIndex rotates where filtering starts, so that sampling
	// a subset of nodes does not always favour the same ones.
	nextStartNodeIndex int
	rand               *rand.Rand
}

type scheduleResult struct {
	host      string
	evaluated int
	feasible  int
}

// schedulePod returns the chosen node, a *fw.FitError when no node fits,
// or another error.
func (a *algorithm) schedulePod(ctx context.Context, state *fw.CycleState, pod *v1.Pod) (scheduleResult, error) {
	all := a.nodes.List()
	if len(all) == 0 {
		return scheduleResult{}, errNoNodesAvailable
	}
	feasible, diag, err := a.findNodesThatFit(ctx, state, pod, all)
	if err != nil {
		return scheduleResult{}, err
	}
	if len(feasible) == 0 {
		return scheduleResult{}, &fw.FitError{Pod: pod, NumAllNodes: len(all), Diagnosis: diag}
	}
	res := scheduleResult{evaluated: len(feasible) + len(diag.NodeToStatus), feasible: len(feasible)}
	if len(feasible) == 1 {
		res.host = feasible[0].Name()
		return res, nil
	}
	if st := a.fw.RunPreScorePlugins(ctx, state, pod, feasible, all); !st.IsSuccess() {
		return scheduleResult{}, statusErr(st)
	}
	scores, st := a.fw.RunScorePlugins(ctx, state, pod, feasible)
	if !st.IsSuccess() {
		return scheduleResult{}, statusErr(st)
	}
	res.host = a.selectHost(scores)
	return res, nil
}

func statusErr(st *fw.Status) error {
	if err := st.Err(); err != nil {
		return err
	}
	return errors.New(st.Message())
}

// selectHost picks the best score; ties are broken uniformly at random
// (reservoir sampling), so equal nodes share the load.
func (a *algorithm) selectHost(scores []fw.NodeScore) string {
	best, ties := scores[0], 1
	for _, s := range scores[1:] {
		switch {
		case s.Score > best.Score:
			best, ties = s, 1
		case s.Score == best.Score:
			ties++
			if a.rand.IntN(ties) == 0 {
				best = s
			}
		}
	}
	return best.Name
}

// findNodesThatFit runs PreFilter, then Filter over nodes in parallel until
// enough feasible nodes are found.
func (a *algorithm) findNodesThatFit(ctx context.Context, state *fw.CycleState, pod *v1.Pod, all []*fw.NodeInfo) ([]*fw.NodeInfo, fw.Diagnosis, error) {
	diag := fw.Diagnosis{NodeToStatus: fw.NodeToStatus{}, UnschedulablePlugins: sets.New[string]()}
	if st := a.fw.RunPreFilterPlugins(ctx, state, pod, all); !st.IsSuccess() {
		if !st.IsRejected() {
			return nil, diag, statusErr(st)
		}
		for _, ni := range all {
			diag.NodeToStatus[ni.Name()] = st
		}
		diag.PreFilterMsg = st.Message()
		diag.UnschedulablePlugins.Insert(st.Plugin())
		return nil, diag, nil
	}
	// A pod that preempted others tries its nominated node first.
	if nominated := pod.Status.NominatedNodeName; nominated != "" {
		if ni, ok := a.nodes.Get(nominated); ok {
			if st := a.fw.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni); st.IsSuccess() {
				return []*fw.NodeInfo{ni}, diag, nil
			}
		}
	}
	return a.filterNodes(ctx, state, pod, all, diag)
}

func (a *algorithm) filterNodes(ctx context.Context, state *fw.CycleState, pod *v1.Pod, all []*fw.NodeInfo, diag fw.Diagnosis) ([]*fw.NodeInfo, fw.Diagnosis, error) {
	n := len(all)
	want := numFeasibleNodesToFind(n, a.percentageOfNodesToScore)
	feasible := make([]*fw.NodeInfo, want)
	var found, processed atomic.Int32
	var mu sync.Mutex
	var firstErr error
	checkCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	start := a.nextStartNodeIndex % n
	fw.Parallelize(checkCtx, a.fw.Parallelism(), n, func(i int) {
		ni := all[(start+i)%n]
		st := a.fw.RunFilterPluginsWithNominatedPods(checkCtx, state, pod, ni)
		processed.Add(1)
		if st.IsSuccess() {
			if k := found.Add(1); k <= int32(want) {
				feasible[k-1] = ni
				if k == int32(want) {
					cancel()
				}
			}
			return
		}
		mu.Lock()
		defer mu.Unlock()
		if !st.IsRejected() {
			if firstErr == nil {
				firstErr = statusErr(st)
			}
			cancel()
			return
		}
		diag.NodeToStatus[ni.Name()] = st
		diag.UnschedulablePlugins.Insert(st.Plugin())
	})
	if firstErr != nil {
		return nil, diag, firstErr
	}
	a.nextStartNodeIndex = (start + int(processed.Load())) % n
	got := min(int(found.Load()), want)
	return feasible[:got], diag, nil
}

// numFeasibleNodesToFind implements percentageOfNodesToScore: all nodes in
// small clusters; otherwise a percentage (adaptive when unset: 50% minus 1%
// per 125 nodes, at least 5%), never fewer than 100 nodes.
func numFeasibleNodesToFind(numAll int, percentage int32) int {
	if numAll < minFeasibleNodesToFind || percentage >= 100 {
		return numAll
	}
	p := int(percentage)
	if p <= 0 {
		p = basePercentageOfNodesToScore - numAll/125
		if p < minFeasibleNodesPercentageToFind {
			p = minFeasibleNodesPercentageToFind
		}
	}
	num := numAll * p / 100
	if num < minFeasibleNodesToFind {
		return minFeasibleNodesToFind
	}
	return num
}
