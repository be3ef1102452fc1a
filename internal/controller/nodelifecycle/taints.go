package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The taints this controller owns; any other taint on a node is left alone.
var (
	notReadyNoExecute    = corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoExecute}
	unreachableNoExecute = corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoExecute}
	managedTaints        = []corev1.Taint{
		{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule},
		notReadyNoExecute,
		unreachableNoExecute,
		{Key: corev1.TaintNodeMemoryPressure, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeDiskPressure, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodePIDPressure, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeNetworkUnavailable, Effect: corev1.TaintEffectNoSchedule},
		{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule},
	}
)

// conditionTaints maps a node condition in a given status to the
// NoSchedule taint Kubernetes derives from it ("taint nodes by condition").
var conditionTaints = []struct {
	cond   corev1.NodeConditionType
	status corev1.ConditionStatus
	key    string
}{
	{corev1.NodeReady, corev1.ConditionFalse, corev1.TaintNodeNotReady},
	{corev1.NodeReady, corev1.ConditionUnknown, corev1.TaintNodeUnreachable},
	{corev1.NodeMemoryPressure, corev1.ConditionTrue, corev1.TaintNodeMemoryPressure},
	{corev1.NodeDiskPressure, corev1.ConditionTrue, corev1.TaintNodeDiskPressure},
	{corev1.NodePIDPressure, corev1.ConditionTrue, corev1.TaintNodePIDPressure},
	{corev1.NodeNetworkUnavailable, corev1.ConditionTrue, corev1.TaintNodeNetworkUnavailable},
}

// WantedTaints returns the managed taints a node should carry given its
// conditions and spec.unschedulable. A node without a Ready condition has
// not reported yet and gets no readiness taint.
func WantedTaints(node *corev1.Node) []corev1.Taint {
	var out []corev1.Taint
	for _, ct := range conditionTaints {
		if c := condition(node, ct.cond); c != nil && c.Status == ct.status {
			out = append(out, corev1.Taint{Key: ct.key, Effect: corev1.TaintEffectNoSchedule})
		}
	}
	switch readyStatus(node) {
	case corev1.ConditionFalse:
		out = append(out, notReadyNoExecute)
	case corev1.ConditionUnknown:
		out = append(out, unreachableNoExecute)
	}
	if node.Spec.Unschedulable {
		out = append(out, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
	return out
}

// MergeTaints replaces the managed taints in current with wanted, keeping
// foreign taints and the TimeAdded of managed taints that stay. NoExecute
// taints get TimeAdded = now when added: eviction deadlines count from it.
func MergeTaints(current, wanted []corev1.Taint, now time.Time) ([]corev1.Taint, bool) {
	var out []corev1.Taint
	had := map[string]corev1.Taint{}
	for _, t := range current {
		if isManaged(t) {
			had[t.Key+":"+string(t.Effect)] = t
			continue
		}
		out = append(out, t)
	}
	changed := false
	for _, w := range wanted {
		if old, ok := had[w.Key+":"+string(w.Effect)]; ok {
			out = append(out, old)
			delete(had, w.Key+":"+string(w.Effect))
			continue
		}
		if w.Effect == corev1.TaintEffectNoExecute {
			at := metav1.NewTime(now)
			w.TimeAdded = &at
		}
		out = append(out, w)
		changed = true
	}
	if len(had) > 0 {
		changed = true
	}
	return out, changed
}

func isManaged(t corev1.Taint) bool {
	for _, m := range managedTaints {
		if m.Key == t.Key && m.Effect == t.Effect {
			return true
		}
	}
	return false
}

func condition(node *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range node.Status.Conditions {
		if node.Status.Conditions[i].Type == t {
			return &node.Status.Conditions[i]
		}
	}
	return nil
}

// readyStatus is the node's Ready status, "" when never reported.
func readyStatus(node *corev1.Node) corev1.ConditionStatus {
	if c := condition(node, corev1.NodeReady); c != nil {
		return c.Status
	}
	return ""
}
