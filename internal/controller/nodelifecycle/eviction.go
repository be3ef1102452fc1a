package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// EvictionDeadline says when pod must leave a node carrying taints: for
// every NoExecute taint the pod tolerates only for tolerationSeconds, the
// deadline is the taint's TimeAdded plus those seconds; an untolerated
// NoExecute taint means now. Kubernetes' DefaultTolerationSeconds admission
// gives pods 300 s for not-ready/unreachable; a pod without such a
// toleration is treated as if it had one of defaultTimeout. ok is false
// when the pod may stay forever.
func EvictionDeadline(pod *corev1.Pod, taints []corev1.Taint, defaultTimeout time.Duration, now time.Time) (deadline time.Time, ok bool) {
	for i := range taints {
		taint := &taints[i]
		if taint.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		added := now
		if taint.TimeAdded != nil {
			added = taint.TimeAdded.Time
		}
		wait, forever := tolerationFor(pod, taint, defaultTimeout)
		if forever {
			continue
		}
		at := added.Add(wait)
		if !ok || at.Before(deadline) {
			deadline, ok = at, true
		}
	}
	return deadline, ok
}

// tolerationFor is how long pod tolerates taint: the shortest
// tolerationSeconds among its matching tolerations (as Kubernetes takes
// the minimum), forever if every matching toleration has none.
func tolerationFor(pod *corev1.Pod, taint *corev1.Taint, defaultTimeout time.Duration) (time.Duration, bool) {
	tolerated, finite := false, false
	var shortest time.Duration
	for i := range pod.Spec.Tolerations {
		tol := &pod.Spec.Tolerations[i]
		if !tol.ToleratesTaint(taint) {
			continue
		}
		tolerated = true
		if tol.TolerationSeconds == nil {
			continue
		}
		d := time.Duration(max(0, *tol.TolerationSeconds)) * time.Second
		if !finite || d < shortest {
			shortest, finite = d, true
		}
	}
	switch {
	case finite:
		return shortest, false
	case tolerated:
		return 0, true
	}
	if taint.Key == corev1.TaintNodeNotReady || taint.Key == corev1.TaintNodeUnreachable {
		return defaultTimeout, false
	}
	return 0, false
}
