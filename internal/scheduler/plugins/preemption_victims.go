package plugins

import (
	"context"
	"math"
	"sort"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"

	fw "rudder/internal/scheduler/framework"
)

// candidate is a node with the smallest set of pods whose eviction lets the
// preemptor fit there.
type candidate struct {
	node          string
	victims       []*v1.Pod // highest priority first
	pdbViolations int
}

// bestCandidate dry-runs preemption on every potential node and picks one.
// outcome collects why nodes were not candidates.
func (p *DefaultPreemption) bestCandidate(ctx context.Context, pod *v1.Pod, all, potential []*fw.NodeInfo,
	pdbs []*policyv1.PodDisruptionBudget, outcome fw.NodeToStatus) (*candidate, *fw.Status) {
	var cands []*candidate
	for _, ni := range potential {
		victims, violations, st := p.selectVictims(ctx, pod, ni, all, pdbs)
		if st.Code() == fw.Error {
			return nil, st
		}
		if !st.IsSuccess() {
			outcome[ni.Name()] = st
			continue
		}
		cands = append(cands, &candidate{node: ni.Name(), victims: victims, pdbViolations: violations})
	}
	if len(cands) == 0 {
		return nil, nil
	}
	return pickCandidate(cands), nil
}

// selectVictims removes every lower-priority pod from a copy of the node;
// if the preemptor then fits, it puts pods back, most important first (those
// protected by a PodDisruptionBudget before the others), keeping each one
// that still leaves room. What cannot be put back are the victims.
func (p *DefaultPreemption) selectVictims(ctx context.Context, pod *v1.Pod, orig *fw.NodeInfo, all []*fw.NodeInfo,
	pdbs []*policyv1.PodDisruptionBudget) ([]*v1.Pod, int, *fw.Status) {
	ni := orig.Clone()
	prio := fw.PodPriority(pod)
	var lower []*v1.Pod
	for _, pi := range orig.Pods {
		if fw.PodPriority(pi.Pod) < prio {
			lower = append(lower, pi.Pod)
			ni.RemovePod(pi.Pod)
		}
	}
	if len(lower) == 0 {
		return nil, 0, fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNoVictims)
	}
	nodes := replaceNode(all, ni)
	if st := p.fits(ctx, pod, ni, nodes); !st.IsSuccess() {
		return nil, 0, st
	}
	sort.SliceStable(lower, func(i, j int) bool { return moreImportant(lower[i], lower[j]) })
	violating, nonViolating := splitByPDB(lower, pdbs)
	var victims []*v1.Pod
	violations := 0
	reprieve := func(v *v1.Pod, protected bool) *fw.Status {
		ni.AddPod(v)
		st := p.fits(ctx, pod, ni, nodes)
		if st.Code() == fw.Error {
			return st
		}
		if !st.IsSuccess() {
			ni.RemovePod(v)
			victims = append(victims, v)
			if protected {
				violations++
			}
		}
		return nil
	}
	for _, v := range violating {
		if st := reprieve(v, true); st != nil {
			return nil, 0, st
		}
	}
	for _, v := range nonViolating {
		if st := reprieve(v, false); st != nil {
			return nil, 0, st
		}
	}
	sort.SliceStable(victims, func(i, j int) bool { return moreImportant(victims[i], victims[j]) })
	return victims, violations, nil
}

func (p *DefaultPreemption) fits(ctx context.Context, pod *v1.Pod, ni *fw.NodeInfo, nodes []*fw.NodeInfo) *fw.Status {
	state := fw.NewCycleState()
	if st := p.h.RunPreFilterPlugins(ctx, state, pod, nodes); !st.IsSuccess() {
		return st
	}
	return p.h.RunFilterPluginsWithNominatedPods(ctx, state, pod, ni)
}

func replaceNode(all []*fw.NodeInfo, ni *fw.NodeInfo) []*fw.NodeInfo {
	out := make([]*fw.NodeInfo, len(all))
	for i, n := range all {
		out[i] = n
		if n.Name() == ni.Name() {
			out[i] = ni
		}
	}
	return out
}

// moreImportant orders by priority, then the longest running first.
func moreImportant(a, b *v1.Pod) bool {
	pa, pb := fw.PodPriority(a), fw.PodPriority(b)
	if pa != pb {
		return pa > pb
	}
	return startTime(a).Before(startTime(b))
}

func startTime(p *v1.Pod) *metav1.Time {
	if p.Status.StartTime != nil {
		return p.Status.StartTime
	}
	return &p.CreationTimestamp
}

// splitByPDB separates pods whose eviction would exceed a budget's
// disruptionsAllowed, counting the budget down as pods are considered.
func splitByPDB(pods []*v1.Pod, pdbs []*policyv1.PodDisruptionBudget) (violating, nonViolating []*v1.Pod) {
	allowed := make([]int32, len(pdbs))
	for i, pdb := range pdbs {
		allowed[i] = pdb.Status.DisruptionsAllowed
	}
	for _, pod := range pods {
		violates := false
		for i, pdb := range pdbs {
			if pdb.Namespace != pod.Namespace || !pdbSelects(pdb, pod) {
				continue
			}
			if _, disrupted := pdb.Status.DisruptedPods[pod.Name]; disrupted {
				continue
			}
			allowed[i]--
			if allowed[i] < 0 {
				violates = true
			}
		}
		if violates {
			violating = append(violating, pod)
		} else {
			nonViolating = append(nonViolating, pod)
		}
	}
	return violating, nonViolating
}

func pdbSelects(pdb *policyv1.PodDisruptionBudget, pod *v1.Pod) bool {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil || sel.Empty() {
		return false
	}
	return sel.Matches(labels.Set(pod.Labels))
}

// pickCandidate applies the documented tie-breakers in order: fewest
// budget violations, lowest highest-priority victim, smallest priority sum,
// fewest victims, latest start of the most important victim, first found.
func pickCandidate(cands []*candidate) *candidate {
	best := cands[0]
	for _, c := range cands[1:] {
		if better(c, best) {
			best = c
		}
	}
	return best
}

func better(a, b *candidate) bool {
	if a.pdbViolations != b.pdbViolations {
		return a.pdbViolations < b.pdbViolations
	}
	ha, hb := fw.PodPriority(a.victims[0]), fw.PodPriority(b.victims[0])
	if ha != hb {
		return ha < hb
	}
	if sa, sb := prioritySum(a.victims), prioritySum(b.victims); sa != sb {
		return sa < sb
	}
	if len(a.victims) != len(b.victims) {
		return len(a.victims) < len(b.victims)
	}
	ta, tb := earliestStart(a.victims), earliestStart(b.victims)
	return tb.Before(ta)
}

// prioritySum offsets priorities so that negative ones still add up to a
// comparable positive number.
func prioritySum(pods []*v1.Pod) int64 {
	var s int64
	for _, p := range pods {
		s += int64(fw.PodPriority(p)) + math.MaxInt32 + 1
	}
	return s
}

// earliestStart is the earliest start among the highest-priority victims.
func earliestStart(victims []*v1.Pod) *metav1.Time {
	top := fw.PodPriority(victims[0])
	earliest := startTime(victims[0])
	for _, v := range victims[1:] {
		if fw.PodPriority(v) == top && startTime(v).Before(earliest) {
			earliest = startTime(v)
		}
	}
	return earliest
}
