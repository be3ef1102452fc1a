package nodelifecycle

import (
	"sync"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// healthTracker records, on the controller's own clock, when it last saw a
// node's Lease renewal or status heartbeat change. Comparing against our
// own clock (not the kubelet's timestamps) makes the grace period immune to
// clock skew between machines, as in Kubernetes.
type healthTracker struct {
	mu sync.Mutex
	m  map[string]*nodeHealth
}

type nodeHealth struct {
	probe     time.Time // our time of the last observed change
	renew     time.Time // lease spec.renewTime last seen
	heartbeat time.Time // Ready condition lastHeartbeatTime last seen
}

func newHealthTracker() *healthTracker { return &healthTracker{m: map[string]*nodeHealth{}} }

// observe notes the node's current heartbeat sources and returns when they
// last changed.
func (h *healthTracker) observe(node *corev1.Node, lease *coordinationv1.Lease, now time.Time) time.Time {
	var renew, heartbeat time.Time
	if lease != nil && lease.Spec.RenewTime != nil {
		renew = lease.Spec.RenewTime.Time
	}
	if c := condition(node, corev1.NodeReady); c != nil {
		heartbeat = c.LastHeartbeatTime.Time
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	cur, ok := h.m[node.Name]
	if !ok || !renew.Equal(cur.renew) || !heartbeat.Equal(cur.heartbeat) {
		cur = &nodeHealth{probe: now, renew: renew, heartbeat: heartbeat}
		h.m[node.Name] = cur
	}
	return cur.probe
}

func (h *healthTracker) forget(name string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.m, name)
}

// Messages Kubernetes writes when it takes over a silent node's conditions.
const (
	reasonUnknown      = "NodeStatusUnknown"
	messageUnknown     = "Kubelet stopped posting node status."
	reasonNeverUpdated = "NodeStatusNeverUpdated"
	messageNeverUpdate = "Kubelet never posted node status."
)

// kubeletConditions are the conditions the kubelet owns and that become
// Unknown when it goes silent.
var kubeletConditions = []corev1.NodeConditionType{
	corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure,
}

// MarkUnknown sets the kubelet's conditions of a silent node to Unknown and
// reports whether anything changed. Heartbeat times are kept: they record
// the last time the kubelet spoke.
func MarkUnknown(node *corev1.Node, now time.Time) bool {
	changed := false
	t := metav1.NewTime(now)
	for _, ct := range kubeletConditions {
		c := condition(node, ct)
		if c == nil {
			node.Status.Conditions = append(node.Status.Conditions, corev1.NodeCondition{
				Type: ct, Status: corev1.ConditionUnknown, Reason: reasonNeverUpdated, Message: messageNeverUpdate,
				LastHeartbeatTime: node.CreationTimestamp, LastTransitionTime: t,
			})
			changed = true
			continue
		}
		if c.Status == corev1.ConditionUnknown {
			continue
		}
		c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionUnknown, reasonUnknown, messageUnknown, t
		changed = true
	}
	return changed
}
