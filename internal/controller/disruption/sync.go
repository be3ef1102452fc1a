package disruption

import (
	"context"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/cache"
)

// Reasons of the DisruptionAllowed condition, as in Kubernetes.
const (
	reasonSufficient   = "SufficientPods"
	reasonInsufficient = "InsufficientPods"
	reasonSyncFailed   = "SyncFailed"
)

// sync recomputes a budget's status. An eviction that consumed a
// disruption names its pod in status.disruptedPods, so a recalculation
// does not count that pod as healthy again before it is gone; a status
// write from a cache older than the eviction fails on its
// resourceVersion and is retried on fresh data.
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	pdb, err := c.pdbs.PodDisruptionBudgets(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	pods, err := c.selectedPods(pdb)
	if err != nil {
		return err
	}
	now := c.opts.Clock.Now()
	status, next, err := c.compute(ctx, pdb, pods, now)
	if err != nil {
		c.recorder.Eventf(pdb, nil, corev1.EventTypeWarning, "CalculateExpectedPodCountFailed", "Calculate",
			"Failed to calculate the number of expected pods: %v", err)
		status = failSafe(pdb, err)
	}
	if !next.IsZero() {
		c.queue.AddAfter(key, next.Sub(now))
	}
	if apiequality.Semantic.DeepEqual(pdb.Status, status) {
		return nil
	}
	out := pdb.DeepCopy()
	out.Status = status
	if _, err := c.client.PolicyV1().PodDisruptionBudgets(ns).UpdateStatus(ctx, out, metav1.UpdateOptions{}); err != nil {
		// A conflict usually means an eviction got in first: retry on
		// fresh data.
		return fmt.Errorf("updating status of pdb %s: %w", key, err)
	}
	return nil
}

// selectedPods lists the pods the budget covers; a nil selector selects
// nothing and an empty one everything (policy/v1 semantics, which
// LabelSelectorAsSelector implements).
func (c *Controller) selectedPods(pdb *policyv1.PodDisruptionBudget) ([]*corev1.Pod, error) {
	sel, err := metav1.LabelSelectorAsSelector(pdb.Spec.Selector)
	if err != nil {
		return nil, nil // validation refuses invalid selectors; select nothing
	}
	return c.pods.Pods(pdb.Namespace).List(sel)
}

// compute builds the new status; next is when it must be recomputed
// because a disruption record expires.
func (c *Controller) compute(ctx context.Context, pdb *policyv1.PodDisruptionBudget, pods []*corev1.Pod, now time.Time) (policyv1.PodDisruptionBudgetStatus, time.Time, error) {
	var scaleTotal int32
	if NeedsScale(pdb) && len(pods) > 0 {
		t, err := c.scales.Total(ctx, pods)
		if err != nil {
			return policyv1.PodDisruptionBudgetStatus{}, time.Time{}, err
		}
		scaleTotal = t
	}
	if len(pods) == 0 {
		c.recorder.Eventf(pdb, nil, corev1.EventTypeNormal, "NoPods", "Calculate", "No matching pods found")
	}
	expected, desired, err := Expected(pdb, len(pods), scaleTotal)
	if err != nil {
		return policyv1.PodDisruptionBudgetStatus{}, time.Time{}, err
	}
	recorded := map[string]time.Time{}
	for name, at := range pdb.Status.DisruptedPods {
		recorded[name] = at.Time
	}
	kept, next := PruneDisrupted(recorded, pods, now)
	current := int32(len(Healthy(pods, kept)))
	allowed := Allowed(current, desired, expected)

	st := *pdb.Status.DeepCopy()
	st.ObservedGeneration = pdb.Generation
	st.CurrentHealthy, st.DesiredHealthy, st.ExpectedPods, st.DisruptionsAllowed = current, desired, expected, allowed
	st.DisruptedPods = nil
	if len(kept) > 0 {
		st.DisruptedPods = map[string]metav1.Time{}
		for n := range kept {
			st.DisruptedPods[n] = pdb.Status.DisruptedPods[n]
		}
	}
	cond := metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionTrue,
		Reason: reasonSufficient, ObservedGeneration: pdb.Generation}
	if allowed == 0 {
		cond.Status, cond.Reason = metav1.ConditionFalse, reasonInsufficient
	}
	setCondition(&st, cond, now)
	return st, next, nil
}

// failSafe allows no disruption when the budget cannot be computed.
func failSafe(pdb *policyv1.PodDisruptionBudget, err error) policyv1.PodDisruptionBudgetStatus {
	st := *pdb.Status.DeepCopy()
	st.ObservedGeneration = pdb.Generation
	st.DisruptionsAllowed = 0
	setCondition(&st, metav1.Condition{Type: policyv1.DisruptionAllowedCondition, Status: metav1.ConditionFalse,
		Reason: reasonSyncFailed, Message: err.Error(), ObservedGeneration: pdb.Generation}, time.Now())
	return st
}

func setCondition(st *policyv1.PodDisruptionBudgetStatus, cond metav1.Condition, now time.Time) {
	cond.LastTransitionTime = metav1.NewTime(now)
	meta.SetStatusCondition(&st.Conditions, cond)
}
