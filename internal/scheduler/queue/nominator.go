package queue

import (
	"sync"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "rudder/internal/scheduler/framework"
)

// nominator remembers which pods preempted others on which node, so the
// room they made is kept for them. It has its own lock because Filter
// reads it from many goroutines.
type nominator struct {
	mu     sync.RWMutex
	byNode map[string][]*fw.PodInfo
	nodeOf map[types.UID]string
}

func newNominator() *nominator {
	return &nominator{byNode: map[string][]*fw.PodInfo{}, nodeOf: map[types.UID]string{}}
}

// add records pi as nominated to nodeName; "" means the pod's own
// status.nominatedNodeName.
func (n *nominator) add(pi *fw.PodInfo, nodeName string) {
	if nodeName == "" {
		nodeName = pi.Pod.Status.NominatedNodeName
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pi.Pod.UID)
	if nodeName == "" {
		return
	}
	n.nodeOf[pi.Pod.UID] = nodeName
	n.byNode[nodeName] = append(n.byNode[nodeName], pi)
}

func (n *nominator) delete(pod *v1.Pod) {
	n.mu.Lock()
	defer n.mu.Unlock()
	n.deleteLocked(pod.UID)
}

func (n *nominator) deleteLocked(uid types.UID) {
	node, ok := n.nodeOf[uid]
	if !ok {
		return
	}
	delete(n.nodeOf, uid)
	pods := n.byNode[node]
	for i, p := range pods {
		if p.Pod.UID == uid {
			pods = append(pods[:i:i], pods[i+1:]...)
			break
		}
	}
	if len(pods) == 0 {
		delete(n.byNode, node)
	} else {
		n.byNode[node] = pods
	}
}

func (n *nominator) forNode(nodeName string) []*fw.PodInfo {
	n.mu.RLock()
	defer n.mu.RUnlock()
	return append([]*fw.PodInfo(nil), n.byNode[nodeName]...)
}
