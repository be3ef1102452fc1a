package framework

import (
	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// NodeInfo is a node with the pods the scheduler believes run on it and the
// totals derived from them. Plugins only read it; the cache writes it.
type NodeInfo struct {
	node *v1.Node

	Pods                         []*PodInfo
	PodsWithAffinity             []*PodInfo
	PodsWithRequiredAntiAffinity []*PodInfo
	UsedPorts                    HostPortInfo

	// Requested is the sum of the pods' requests; NonZeroRequested uses the
	// scoring defaults for pods that request nothing.
	Requested        *Resource
	NonZeroRequested *Resource
	Allocatable      *Resource

	// Generation is set by the cache on each change, so snapshots copy
	// only nodes that changed.
	Generation int64
}

// NewNodeInfo builds a NodeInfo with the given pods.
func NewNodeInfo(pods ...*v1.Pod) *NodeInfo {
	ni := &NodeInfo{Requested: &Resource{}, NonZeroRequested: &Resource{}, Allocatable: &Resource{}, UsedPorts: HostPortInfo{}}
	for _, p := range pods {
		ni.AddPod(p)
	}
	return ni
}

// Node returns the node object (nil when only pods are known so far).
func (n *NodeInfo) Node() *v1.Node { return n.node }

// SetNode records the node and its allocatable resources.
func (n *NodeInfo) SetNode(node *v1.Node) {
	n.node = node
	n.Allocatable = NewResource(node.Status.Allocatable)
}

// Name is the node name, "" when the node is unknown.
func (n *NodeInfo) Name() string {
	if n.node == nil {
		return ""
	}
	return n.node.Name
}

// AddPod accounts a pod on the node.
func (n *NodeInfo) AddPod(pod *v1.Pod) { n.AddPodInfo(NewPodInfo(pod)) }

// AddPodInfo accounts a precomputed pod on the node.
func (n *NodeInfo) AddPodInfo(pi *PodInfo) {
	n.Pods = append(n.Pods, pi)
	if pi.HasAffinity() {
		n.PodsWithAffinity = append(n.PodsWithAffinity, pi)
	}
	if len(pi.RequiredAntiAffinityTerms) > 0 {
		n.PodsWithRequiredAntiAffinity = append(n.PodsWithRequiredAntiAffinity, pi)
	}
	n.update(pi, 1)
}

// RemovePod removes a pod by UID; it reports whether the pod was there.
func (n *NodeInfo) RemovePod(pod *v1.Pod) bool {
	idx := indexOf(n.Pods, pod.UID)
	if idx < 0 {
		return false
	}
	pi := n.Pods[idx]
	n.Pods = removeAt(n.Pods, idx)
	if i := indexOf(n.PodsWithAffinity, pod.UID); i >= 0 {
		n.PodsWithAffinity = removeAt(n.PodsWithAffinity, i)
	}
	if i := indexOf(n.PodsWithRequiredAntiAffinity, pod.UID); i >= 0 {
		n.PodsWithRequiredAntiAffinity = removeAt(n.PodsWithRequiredAntiAffinity, i)
	}
	n.update(pi, -1)
	return true
}

func (n *NodeInfo) update(pi *PodInfo, sign int64) {
	req := pi.Requests
	if sign > 0 {
		n.Requested.AddResource(req)
	} else {
		n.Requested.SubResource(req)
	}
	n.NonZeroRequested.MilliCPU += sign * pi.NonZeroCPU
	n.NonZeroRequested.Memory += sign * pi.NonZeroMemory
	for _, c := range pi.Pod.Spec.Containers {
		for _, p := range c.Ports {
			if p.HostPort <= 0 {
				continue
			}
			if sign > 0 {
				n.UsedPorts.Add(p.HostIP, string(p.Protocol), p.HostPort)
			} else {
				n.UsedPorts.Remove(p.HostIP, string(p.Protocol), p.HostPort)
			}
		}
	}
}

// Clone copies the NodeInfo; pods are shared (they are immutable), slices
// and totals are not.
func (n *NodeInfo) Clone() *NodeInfo {
	return &NodeInfo{
		node:                         n.node,
		Pods:                         append([]*PodInfo(nil), n.Pods...),
		PodsWithAffinity:             append([]*PodInfo(nil), n.PodsWithAffinity...),
		PodsWithRequiredAntiAffinity: append([]*PodInfo(nil), n.PodsWithRequiredAntiAffinity...),
		UsedPorts:                    n.UsedPorts.Clone(),
		Requested:                    n.Requested.Clone(),
		NonZeroRequested:             n.NonZeroRequested.Clone(),
		Allocatable:                  n.Allocatable.Clone(),
		Generation:                   n.Generation,
	}
}

func indexOf(pods []*PodInfo, uid types.UID) int {
	for i, p := range pods {
		if p.Pod.UID == uid {
			return i
		}
	}
	return -1
}

// removeAt deletes without keeping order; pod order on a node carries no
// meaning.
func removeAt(pods []*PodInfo, i int) []*PodInfo {
	last := len(pods) - 1
	pods[i] = pods[last]
	pods[last] = nil
	return pods[:last]
}
