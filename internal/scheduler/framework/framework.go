package framework

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// PluginFactory builds one plugin; Weight applies to its Score.
type PluginFactory struct {
	Name   string
	Weight int64
	New    func(h Handle) (Plugin, error)
}

// Options configure a Framework.
type Options struct {
	// Snapshot is the node view plugins read; the scheduler refreshes it
	// in place before every cycle.
	Snapshot    NodeLister
	Nominator   PodNominator // may be nil
	Parallelism int          // workers for Filter/Score; default 16
}

type weightedScore struct {
	ScorePlugin
	weight int64
}

// Framework runs a profile's plugins at each extension point, in
// registration order.
type Framework struct {
	opts       Options
	plugins    []Plugin
	preFilter  []PreFilterPlugin
	filter     []FilterPlugin
	postFilter []PostFilterPlugin
	preScore   []PreScorePlugin
	score      []weightedScore
	reserve    []ReservePlugin
	bind       []BindPlugin
}

var _ Handle = (*Framework)(nil)

// New constructs the plugins and sorts them into extension points.
func New(factories []PluginFactory, opts Options) (*Framework, error) {
	if opts.Parallelism <= 0 {
		opts.Parallelism = 16
	}
	f := &Framework{opts: opts}
	for _, pf := range factories {
		p, err := pf.New(f)
		if err != nil {
			return nil, fmt.Errorf("plugin %s: %w", pf.Name, err)
		}
		f.add(p, pf.Weight)
	}
	return f, nil
}

func (f *Framework) add(p Plugin, weight int64) {
	f.plugins = append(f.plugins, p)
	if x, ok := p.(PreFilterPlugin); ok {
		f.preFilter = append(f.preFilter, x)
	}
	if x, ok := p.(FilterPlugin); ok {
		f.filter = append(f.filter, x)
	}
	if x, ok := p.(PostFilterPlugin); ok {
		f.postFilter = append(f.postFilter, x)
	}
	if x, ok := p.(PreScorePlugin); ok {
		f.preScore = append(f.preScore, x)
	}
	if x, ok := p.(ScorePlugin); ok {
		if weight <= 0 {
			weight = 1
		}
		f.score = append(f.score, weightedScore{x, weight})
	}
	if x, ok := p.(ReservePlugin); ok {
		f.reserve = append(f.reserve, x)
	}
	if x, ok := p.(BindPlugin); ok {
		f.bind = append(f.bind, x)
	}
}

// Plugins lists the constructed plugins.
func (f *Framework) Plugins() []Plugin { return f.plugins }

// Snapshot implements Handle.
func (f *Framework) Snapshot() NodeLister { return f.opts.Snapshot }

// Parallelism implements Handle.
func (f *Framework) Parallelism() int { return f.opts.Parallelism }

// HasPostFilterPlugins reports whether anything can react to a failure.
func (f *Framework) HasPostFilterPlugins() bool { return len(f.postFilter) > 0 }

// skipKey stores the Filter/Score plugins a PreFilter/PreScore skipped.
const skipKey = "framework/skipped"

type skipped struct{ filter, score sets.Set[string] }

func (s *skipped) Clone() StateData {
	return &skipped{filter: s.filter.Clone(), score: s.score.Clone()}
}

func skipSet(state *CycleState) *skipped {
	if d, ok := state.Read(skipKey); ok {
		return d.(*skipped)
	}
	s := &skipped{filter: sets.New[string](), score: sets.New[string]()}
	state.Write(skipKey, s)
	return s
}

// RunPreFilterPlugins runs PreFilter; the first rejection ends it.
func (f *Framework) RunPreFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) *Status {
	skip := skipSet(state)
	skip.filter = sets.New[string]()
	for _, p := range f.preFilter {
		st := p.PreFilter(ctx, state, pod, nodes)
		switch {
		case st.IsSkip():
			skip.filter.Insert(p.Name())
		case !st.IsSuccess():
			return st.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunFilterPlugins runs every Filter on one node; the first rejection wins.
func (f *Framework) RunFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status {
	skip := skipSet(state)
	for _, p := range f.filter {
		if skip.filter.Has(p.Name()) {
			continue
		}
		if st := p.Filter(ctx, state, pod, node); !st.IsSuccess() {
			return st.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunFilterPluginsWithNominatedPods also counts pods of equal or higher
// priority that were nominated to this node by preemption, so room freed for
// them is not taken by others. The pod must fit both with and without them
// (their presence can only hurt resources, but could help affinity).
func (f *Framework) RunFilterPluginsWithNominatedPods(ctx context.Context, state *CycleState, pod *v1.Pod, node *NodeInfo) *Status {
	withNominated, added := f.addNominatedPods(pod, node)
	if added {
		if st := f.RunFilterPlugins(ctx, state, pod, withNominated); !st.IsSuccess() {
			return st
		}
	}
	return f.RunFilterPlugins(ctx, state, pod, node)
}

func (f *Framework) addNominatedPods(pod *v1.Pod, node *NodeInfo) (*NodeInfo, bool) {
	if f.opts.Nominator == nil || node.Node() == nil {
		return node, false
	}
	nominated := f.opts.Nominator.NominatedPodsForNode(node.Name())
	if len(nominated) == 0 {
		return node, false
	}
	out := node.Clone()
	added := false
	prio := PodPriority(pod)
	for _, pi := range nominated {
		if pi.Pod.UID != pod.UID && PodPriority(pi.Pod) >= prio {
			out.AddPodInfo(pi)
			added = true
		}
	}
	return out, added
}

// RunPostFilterPlugins runs PostFilter until one succeeds.
func (f *Framework) RunPostFilterPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, statuses NodeToStatus) (*PostFilterResult, *Status) {
	var last *Status = NewStatus(Unschedulable)
	for _, p := range f.postFilter {
		res, st := p.PostFilter(ctx, state, pod, statuses)
		if st.IsSuccess() {
			return res, st
		}
		if st.Code() == Error {
			return nil, st.WithPlugin(p.Name())
		}
		last = st.WithPlugin(p.Name())
	}
	return nil, last
}

// RunPreScorePlugins runs PreScore.
func (f *Framework) RunPreScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, filtered, all []*NodeInfo) *Status {
	skip := skipSet(state)
	skip.score = sets.New[string]()
	for _, p := range f.preScore {
		st := p.PreScore(ctx, state, pod, filtered, all)
		switch {
		case st.IsSkip():
			skip.score.Insert(p.Name())
		case !st.IsSuccess():
			return st.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunScorePlugins scores each node with each plugin in parallel, normalizes
// per plugin, applies weights and sums.
func (f *Framework) RunScorePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodes []*NodeInfo) ([]NodeScore, *Status) {
	skip := skipSet(state)
	active := make([]weightedScore, 0, len(f.score))
	for _, p := range f.score {
		if !skip.score.Has(p.Name()) {
			active = append(active, p)
		}
	}
	perPlugin := make([][]NodeScore, len(active))
	for i := range perPlugin {
		perPlugin[i] = make([]NodeScore, len(nodes))
	}
	errs := make([]*Status, len(nodes))
	Parallelize(ctx, f.opts.Parallelism, len(nodes), func(n int) {
		for i, p := range active {
			s, st := p.Score(ctx, state, pod, nodes[n])
			if !st.IsSuccess() {
				errs[n] = st.WithPlugin(p.Name())
				return
			}
			perPlugin[i][n] = NodeScore{Name: nodes[n].Name(), Score: s}
		}
	})
	for _, st := range errs {
		if !st.IsSuccess() {
			return nil, st
		}
	}
	total := make([]NodeScore, len(nodes))
	for n := range nodes {
		total[n].Name = nodes[n].Name()
	}
	for i, p := range active {
		if norm, ok := p.ScorePlugin.(ScoreNormalizer); ok {
			if st := norm.NormalizeScore(ctx, state, pod, perPlugin[i]); !st.IsSuccess() {
				return nil, st.WithPlugin(p.Name())
			}
		}
		for n := range nodes {
			total[n].Score += perPlugin[i][n].Score * p.weight
		}
	}
	return total, nil
}

// RunReservePlugins reserves; on failure it unreserves what it reserved.
func (f *Framework) RunReservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status {
	for i, p := range f.reserve {
		if st := p.Reserve(ctx, state, pod, nodeName); !st.IsSuccess() {
			for j := i; j >= 0; j-- {
				f.reserve[j].Unreserve(ctx, state, pod, nodeName)
			}
			return st.WithPlugin(p.Name())
		}
	}
	return nil
}

// RunUnreservePlugins undoes Reserve in reverse order.
func (f *Framework) RunUnreservePlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) {
	for i := len(f.reserve) - 1; i >= 0; i-- {
		f.reserve[i].Unreserve(ctx, state, pod, nodeName)
	}
}

// RunBindPlugins binds with the first bind plugin that does not skip.
func (f *Framework) RunBindPlugins(ctx context.Context, state *CycleState, pod *v1.Pod, nodeName string) *Status {
	for _, p := range f.bind {
		st := p.Bind(ctx, state, pod, nodeName)
		if st.IsSkip() {
			continue
		}
		return st.WithPlugin(p.Name())
	}
	return AsStatus(fmt.Errorf("no bind plugin bound pod %s/%s", pod.Namespace, pod.Name))
}

// EventsToRegister maps each cluster event to the plugins that care.
func (f *Framework) EventsToRegister() map[ClusterEvent]sets.Set[string] {
	out := map[ClusterEvent]sets.Set[string]{}
	for _, p := range f.plugins {
		ext, ok := p.(EnqueueExtensions)
		if !ok {
			continue
		}
		for _, ev := range ext.EventsToRegister() {
			if out[ev] == nil {
				out[ev] = sets.New[string]()
			}
			out[ev].Insert(p.Name())
		}
	}
	return out
}

// PodPriority is spec.priority, 0 when unset (the API server's admission
// fills it from the PriorityClass).
func PodPriority(pod *v1.Pod) int32 {
	if pod.Spec.Priority != nil {
		return *pod.Spec.Priority
	}
	return 0
}
