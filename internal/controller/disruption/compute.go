package disruption

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// DeletionTimeout is how long an entry of status.disruptedPods (an
// eviction the API server accepted) keeps its pod counted as disrupted if
// the pod does not go away, as in Kubernetes.
const DeletionTimeout = 2 * time.Minute

// NeedsScale says whether the budget's arithmetic needs the replica count
// of the pods' controllers: always for maxUnavailable, and for a
// percentage minAvailable.
func NeedsScale(pdb *policyv1.PodDisruptionBudget) bool {
	if pdb.Spec.MaxUnavailable != nil {
		return true
	}
	return pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.String
}

// Expected returns expectedPods and desiredHealthy. scaleTotal is the sum
// of the replicas of the pods' distinct controllers (used only when
// NeedsScale); podCount is the number of selected pods.
func Expected(pdb *policyv1.PodDisruptionBudget, podCount int, scaleTotal int32) (expected, desired int32, err error) {
	switch {
	case pdb.Spec.MaxUnavailable != nil:
		maxUnavailable, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MaxUnavailable, int(scaleTotal), true)
		if err != nil {
			return 0, 0, fmt.Errorf("maxUnavailable: %w", err)
		}
		return scaleTotal, max(0, scaleTotal-int32(maxUnavailable)), nil
	case pdb.Spec.MinAvailable != nil && pdb.Spec.MinAvailable.Type == intstr.Int:
		return int32(podCount), pdb.Spec.MinAvailable.IntVal, nil
	case pdb.Spec.MinAvailable != nil:
		minAvailable, err := intstr.GetScaledValueFromIntOrPercent(pdb.Spec.MinAvailable, int(scaleTotal), true)
		if err != nil {
			return 0, 0, fmt.Errorf("minAvailable: %w", err)
		}
		return scaleTotal, int32(minAvailable), nil
	}
	return 0, 0, nil
}

// PruneDisrupted keeps the disruptedPods entries that still hold their pod
// as disrupted: the pod exists, is not yet being deleted, and the entry is
// younger than DeletionTimeout. next is when the earliest kept entry
// expires (zero if none).
func PruneDisrupted(disrupted map[string]time.Time, pods []*corev1.Pod, now time.Time) (kept map[string]time.Time, next time.Time) {
	byName := map[string]*corev1.Pod{}
	for _, p := range pods {
		byName[p.Name] = p
	}
	kept = map[string]time.Time{}
	for name, at := range disrupted {
		p, ok := byName[name]
		if !ok || p.DeletionTimestamp != nil {
			continue
		}
		expiry := at.Add(DeletionTimeout)
		if !expiry.After(now) {
			continue
		}
		kept[name] = at
		if next.IsZero() || expiry.Before(next) {
			next = expiry
		}
	}
	return kept, next
}

// Healthy returns the pods counted as healthy: Ready, not being deleted,
// not recorded as disrupted.
func Healthy(pods []*corev1.Pod, disrupted map[string]time.Time) map[types.UID]bool {
	out := map[types.UID]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp != nil || !podReady(p) {
			continue
		}
		if _, ok := disrupted[p.Name]; ok {
			continue
		}
		out[p.UID] = true
	}
	return out
}

func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Allowed is max(0, currentHealthy - desiredHealthy); with no expected
// pods nothing may be disrupted.
func Allowed(current, desired, expected int32) int32 {
	if expected <= 0 && desired > 0 {
		return 0
	}
	return max(0, current-desired)
}
