package plugins

import (
	"context"
	"fmt"

	v1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"

	fw "rudder/internal/scheduler/framework"
)

// Preemption messages as users see them after "preemption: ".
const (
	msgPreemptionNever        = "not eligible due to preemptionPolicy=Never."
	msgTerminatingOnNominated = "not eligible due to a terminating pod on the nominated node."
	ErrReasonNotHelpful       = "Preemption is not helpful for scheduling"
	ErrReasonNoVictims        = "No preemption victims found for incoming pod"
)

// PreemptionDeps are DefaultPreemption's ties to the cluster; each may be
// nil in tests.
type PreemptionDeps struct {
	Client   kubernetes.Interface
	Recorder record.EventRecorder
	// PDBs lists the PodDisruptionBudgets of all namespaces.
	PDBs func() ([]*policyv1.PodDisruptionBudget, error)
}

// DefaultPreemption evicts lower-priority pods from one node so that a pod
// that fits nowhere can run there.
type DefaultPreemption struct {
	h    fw.Handle
	deps PreemptionDeps
}

// NewDefaultPreemption returns a factory.
func NewDefaultPreemption(deps PreemptionDeps) func(fw.Handle) (fw.Plugin, error) {
	return func(h fw.Handle) (fw.Plugin, error) { return &DefaultPreemption{h: h, deps: deps}, nil }
}

// Name implements fw.Plugin.
func (*DefaultPreemption) Name() string { return DefaultPreemptionName }

// PostFilter implements fw.PostFilterPlugin. A nil result leaves the pod's
// nomination alone; a result with an empty node clears it.
func (p *DefaultPreemption) PostFilter(ctx context.Context, _ *fw.CycleState, pod *v1.Pod, statuses fw.NodeToStatus) (*fw.PostFilterResult, *fw.Status) {
	if msg, ok := p.eligible(pod, statuses); !ok {
		return nil, fw.NewStatus(fw.Unschedulable, "preemption: "+msg)
	}
	all := p.h.Snapshot().List()
	potential, outcome := p.potentialNodes(all, statuses)
	if len(potential) == 0 {
		return &fw.PostFilterResult{}, p.fitError(pod, len(all), outcome)
	}
	pdbs, err := p.listPDBs()
	if err != nil {
		return nil, fw.AsStatus(err)
	}
	best, status := p.bestCandidate(ctx, pod, all, potential, pdbs, outcome)
	if !status.IsSuccess() {
		return nil, status
	}
	if best == nil {
		return nil, p.fitError(pod, len(all), outcome)
	}
	if err := p.evict(ctx, pod, best); err != nil {
		return nil, fw.AsStatus(err)
	}
	return &fw.PostFilterResult{NominatedNodeName: best.node}, nil
}

func (p *DefaultPreemption) fitError(pod *v1.Pod, numNodes int, outcome fw.NodeToStatus) *fw.Status {
	fe := &fw.FitError{Pod: pod, NumAllNodes: numNodes, Diagnosis: fw.Diagnosis{NodeToStatus: outcome}}
	return fw.NewStatus(fw.Unschedulable, "preemption: "+fe.Error())
}

// eligible follows the documented rules: preemptionPolicy Never opts out,
// and a pod that already preempted waits while its victims terminate.
func (p *DefaultPreemption) eligible(pod *v1.Pod, statuses fw.NodeToStatus) (string, bool) {
	if pod.Spec.PreemptionPolicy != nil && *pod.Spec.PreemptionPolicy == v1.PreemptNever {
		return msgPreemptionNever, false
	}
	nominated := pod.Status.NominatedNodeName
	if nominated == "" || statuses[nominated].Code() == fw.UnschedulableAndUnresolvable {
		return "", true
	}
	ni, ok := p.h.Snapshot().Get(nominated)
	if !ok {
		return "", true
	}
	prio := fw.PodPriority(pod)
	for _, pi := range ni.Pods {
		if pi.Pod.DeletionTimestamp != nil && fw.PodPriority(pi.Pod) < prio {
			return msgTerminatingOnNominated, false
		}
	}
	return "", true
}

// potentialNodes drops nodes that failed for reasons eviction cannot fix.
func (p *DefaultPreemption) potentialNodes(all []*fw.NodeInfo, statuses fw.NodeToStatus) ([]*fw.NodeInfo, fw.NodeToStatus) {
	outcome := fw.NodeToStatus{}
	var out []*fw.NodeInfo
	for _, ni := range all {
		if statuses[ni.Name()].Code() == fw.UnschedulableAndUnresolvable {
			outcome[ni.Name()] = fw.NewStatus(fw.UnschedulableAndUnresolvable, ErrReasonNotHelpful)
			continue
		}
		out = append(out, ni)
	}
	return out, outcome
}

func (p *DefaultPreemption) listPDBs() ([]*policyv1.PodDisruptionBudget, error) {
	if p.deps.PDBs == nil {
		return nil, nil
	}
	pdbs, err := p.deps.PDBs()
	if err != nil {
		return nil, fmt.Errorf("listing PodDisruptionBudgets: %w", err)
	}
	return pdbs, nil
}

// evict marks and deletes the victims. A victim already gone is fine.
func (p *DefaultPreemption) evict(ctx context.Context, pod *v1.Pod, c *candidate) error {
	if p.deps.Client == nil {
		return nil
	}
	for _, v := range c.victims {
		if p.deps.Recorder != nil {
			p.deps.Recorder.Eventf(v, v1.EventTypeNormal, "Preempted", "Preempted by pod %s on node %s", pod.UID, c.node)
		}
		p.markDisruptionTarget(ctx, pod, v)
		uid := v.UID
		err := p.deps.Client.CoreV1().Pods(v.Namespace).Delete(ctx, v.Name, metav1.DeleteOptions{Preconditions: &metav1.Preconditions{UID: &uid}})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("preempting pod %s/%s: %w", v.Namespace, v.Name, err)
		}
	}
	return nil
}

// markDisruptionTarget tells the victim's owner why it is going away; it is
// best effort, as in Kubernetes the deletion is what matters.
func (p *DefaultPreemption) markDisruptionTarget(ctx context.Context, pod, victim *v1.Pod) {
	cond := fmt.Sprintf(`{"status":{"conditions":[{"type":%q,"status":"True","reason":"PreemptionByScheduler","message":%q,"lastTransitionTime":%q}]}}`,
		v1.DisruptionTarget, pod.Spec.SchedulerName+": preempting to accommodate a higher priority pod",
		metav1.Now().UTC().Format("2006-01-02T15:04:05Z"))
	_, _ = p.deps.Client.CoreV1().Pods(victim.Namespace).Patch(ctx, victim.Name, types.StrategicMergePatchType, []byte(cond), metav1.PatchOptions{}, "status")
}
