package ctrlutil

import (
	"math"
	"sort"
	"strconv"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// PodDeletionCostAnnotation lets users say which pods of a ReplicaSet to
// delete first on scale down (lower cost goes first).
const PodDeletionCostAnnotation = "controller.kubernetes.io/pod-deletion-cost"

// PodsToDelete returns the n pods of pods that should go first on scale
// down, ranked as Kubernetes documents: unscheduled before scheduled,
// Pending before Unknown before Running, not ready before ready, lower
// pod-deletion-cost first, pods on nodes crowded with related pods first,
// ready for less time first, more container restarts first, newer first.
// related are the pods counted for node crowding (usually every pod of the
// same workload, including pods of sibling ReplicaSets).
func PodsToDelete(pods, related []*corev1.Pod, n int, now time.Time) []*corev1.Pod {
	if n <= 0 {
		return nil
	}
	ranked := RankForDeletion(pods, related, now)
	if n > len(ranked) {
		n = len(ranked)
	}
	return ranked[:n]
}

// RankForDeletion returns a copy of pods sorted so that the pod to delete
// first comes first.
func RankForDeletion(pods, related []*corev1.Pod, now time.Time) []*corev1.Pod {
	perNode := map[string]int{}
	for _, p := range related {
		if p.Spec.NodeName != "" && IsPodActive(p) {
			perNode[p.Spec.NodeName]++
		}
	}
	out := append([]*corev1.Pod(nil), pods...)
	sort.SliceStable(out, func(i, j int) bool {
		return deleteBefore(out[i], out[j], perNode, now)
	})
	return out
}

// deleteBefore reports whether a should be deleted before b.
func deleteBefore(a, b *corev1.Pod, perNode map[string]int, now time.Time) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseRank(a.Status.Phase), phaseRank(b.Status.Phase); pa != pb {
		return pa < pb
	}
	if ra, rb := IsPodReady(a), IsPodReady(b); ra != rb {
		return !ra
	}
	if ca, cb := deletionCost(a), deletionCost(b); ca != cb {
		return ca < cb
	}
	if na, nb := perNode[a.Spec.NodeName], perNode[b.Spec.NodeName]; na != nb {
		return na > nb
	}
	if IsPodReady(a) && IsPodReady(b) {
		ta, tb := logBucket(readySince(a), now), logBucket(readySince(b), now)
		if ta != tb {
			return ta < tb
		}
	}
	if ra, rb := maxRestarts(a), maxRestarts(b); ra != rb {
		return ra > rb
	}
	ta, tb := logBucket(a.CreationTimestamp.Time, now), logBucket(b.CreationTimestamp.Time, now)
	if ta != tb {
		return ta < tb
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.After(b.CreationTimestamp.Time)
	}
	return a.UID < b.UID
}

// phaseRank orders phases from "delete first" to "delete last".
func phaseRank(p corev1.PodPhase) int {
	switch p {
	case corev1.PodPending, "":
		return 0
	case corev1.PodUnknown:
		return 1
	case corev1.PodRunning:
		return 2
	}
	return 0
}

// deletionCost reads the pod-deletion-cost annotation; absent or invalid
// means 0.
func deletionCost(p *corev1.Pod) int64 {
	v, ok := p.Annotations[PodDeletionCostAnnotation]
	if !ok {
		return 0
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0
	}
	return n
}

func readySince(p *corev1.Pod) time.Time {
	if c := PodReadyCondition(p); c != nil {
		return c.LastTransitionTime.Time
	}
	return time.Time{}
}

func maxRestarts(p *corev1.Pod) int32 {
	var m int32
	for _, s := range p.Status.ContainerStatuses {
		if s.RestartCount > m {
			m = s.RestartCount
		}
	}
	return m
}

// logBucket puts the age of t on an integer log2 scale of seconds, so that
// pods of similar age are treated as equals and the later criteria (and
// randomness of UIDs) decide; younger means a smaller bucket. A zero time
// counts as the oldest possible.
func logBucket(t, now time.Time) int {
	if t.IsZero() {
		return math.MaxInt32
	}
	age := now.Sub(t).Seconds()
	if age < 1 {
		return 0
	}
	return int(math.Floor(math.Log2(age))) + 1
}
