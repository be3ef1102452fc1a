package podgc

import (
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TaintOutOfService is the taint an administrator puts on a node known to
// be shut down: its pods may be force-deleted at once.
const TaintOutOfService = "node.kubernetes.io/out-of-service"

func terminated(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// TerminatedOverThreshold returns the oldest finished pods beyond
// threshold (all but the threshold newest); threshold <= 0 keeps all.
func TerminatedOverThreshold(pods []*corev1.Pod, threshold int) []*corev1.Pod {
	if threshold <= 0 {
		return nil
	}
	var done []*corev1.Pod
	for _, p := range pods {
		if terminated(p) && p.DeletionTimestamp == nil {
			done = append(done, p)
		}
	}
	if len(done) <= threshold {
		return nil
	}
	sort.SliceStable(done, func(i, j int) bool {
		a, b := done[i].CreationTimestamp, done[j].CreationTimestamp
		if !a.Equal(&b) {
			return a.Before(&b)
		}
		return done[i].Name < done[j].Name
	})
	return done[:len(done)-threshold]
}

// StuckTerminating says whether a terminating pod on node (nil: the node
// does not exist) should be force-deleted because no kubelet will finish
// it: the node is out of service, or it is not Ready and the pod's grace
// period has run out.
func StuckTerminating(pod *corev1.Pod, node *corev1.Node, now time.Time) bool {
	if pod.DeletionTimestamp == nil || node == nil {
		return false
	}
	if nodeReady(node) {
		return false
	}
	for _, t := range node.Spec.Taints {
		if t.Key == TaintOutOfService && t.Effect == corev1.TaintEffectNoExecute {
			return true
		}
	}
	return !now.Before(pod.DeletionTimestamp.Time)
}

func nodeReady(node *corev1.Node) bool {
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
