package disruption

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/types"
)

// The API server's eviction decrements status.disruptionsAllowed and then
// deletes the pod, without naming the pod in status.disruptedPods. Between
// the two, a recalculation from a cache that still shows the pod healthy
// would hand the disruption back and let a second eviction through. So
// the controller remembers what it last wrote, treats a lower value seen
// later as evictions in flight, and keeps counting that many pods as
// disrupted until as many of the pods healthy at its last write have gone
// (or started terminating), or DeletionTimeout passes.

// memo is the controller's memory of one budget.
type memo struct {
	rv         string // resourceVersion our last status write produced
	generation int64
	allowed    int32
	present    map[types.UID]bool // pods (not terminating) at that write
	pending    []*pendingEvictions
	claimed    map[types.UID]bool // departed pods already matched to a pending record
}

type pendingEvictions struct {
	count    int32
	baseline map[types.UID]bool
	since    time.Time
	matched  int32
}

// observe records evictions that happened since our last write.
func (m *memo) observe(pdb *policyv1.PodDisruptionBudget, now time.Time) {
	if m.rv == "" || pdb.ResourceVersion == m.rv || pdb.Generation != m.generation {
		return
	}
	if d := m.allowed - pdb.Status.DisruptionsAllowed; d > 0 {
		m.pending = append(m.pending, &pendingEvictions{count: d, baseline: m.present, since: now})
	}
	// Consume the observation so the same decrement is not counted twice.
	m.rv, m.allowed = pdb.ResourceVersion, pdb.Status.DisruptionsAllowed
}

// unconfirmed matches departed pods to pending records (each departed pod
// confirms one eviction only) and returns how many evictions are still in
// flight; next is when the earliest remaining record expires.
func (m *memo) unconfirmed(pods []*corev1.Pod, now time.Time) (n int32, next time.Time) {
	present := map[types.UID]bool{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			present[p.UID] = true
		}
	}
	if m.claimed == nil {
		m.claimed = map[types.UID]bool{}
	}
	var keep []*pendingEvictions
	for _, r := range m.pending {
		for uid := range r.baseline {
			if r.matched >= r.count {
				break
			}
			if !present[uid] && !m.claimed[uid] {
				m.claimed[uid] = true
				r.matched++
			}
		}
		expiry := r.since.Add(DeletionTimeout)
		if r.matched >= r.count || !expiry.After(now) {
			continue
		}
		keep = append(keep, r)
		n += r.count - r.matched
		if next.IsZero() || expiry.Before(next) {
			next = expiry
		}
	}
	m.pending = keep
	m.pruneClaimed()
	return n, next
}

// pruneClaimed forgets departed pods no remaining record could match.
func (m *memo) pruneClaimed() {
	for uid := range m.claimed {
		used := false
		for _, r := range m.pending {
			if r.baseline[uid] {
				used = true
				break
			}
		}
		if !used {
			delete(m.claimed, uid)
		}
	}
}
