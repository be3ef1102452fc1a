// Package cache is the scheduler's view of nodes and the pods on them,
// including pods it has assumed onto a node but whose binding the
// informers have not confirmed yet, so that quick successive decisions do
// not overcommit a node.
package cache

import (
	"container/list"
	"context"
	"fmt"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"

	fw "rudder/internal/scheduler/framework"
)

// DefaultAssumedTTL is how long an assumed pod whose binding call returned
// may wait for the informer to confirm it before the cache forgets it.
const DefaultAssumedTTL = 30 * time.Second

type podState struct {
	pod             *v1.Pod
	assumed         bool
	bindingFinished bool
	deadline        time.Time
}

// Cache is safe for concurrent use.
type Cache struct {
	mu         sync.RWMutex
	clock      clock.Clock
	ttl        time.Duration
	nodes      map[string]*fw.NodeInfo
	pods       map[types.UID]*podState
	generation int64
	// recent orders node names by their last change, newest first, so a
	// snapshot copies the nodes changed since it was taken without
	// walking every node (each cycle did at 1,000 nodes).
	recent     *list.List
	recentElem map[string]*list.Element
	// removals counts node entries deleted: a snapshot that missed one
	// rebuilds from scratch.
	removals int64
}

// New builds an empty cache; ttl <= 0 means DefaultAssumedTTL.
func New(clk clock.Clock, ttl time.Duration) *Cache {
	if clk == nil {
		clk = clock.RealClock{}
	}
	if ttl <= 0 {
		ttl = DefaultAssumedTTL
	}
	return &Cache{clock: clk, ttl: ttl, nodes: map[string]*fw.NodeInfo{}, pods: map[types.UID]*podState{},
		recent: list.New(), recentElem: map[string]*list.Element{}}
}

// Run expires assumed pods every second until ctx ends.
func (c *Cache) Run(ctx context.Context) {
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			c.CleanupExpiredAssumedPods()
		}
	}
}

// nodeLocked returns the node's entry, creating a placeholder for pods seen
// before their node.
func (c *Cache) nodeLocked(name string) *fw.NodeInfo {
	ni, ok := c.nodes[name]
	if !ok {
		ni = fw.NewNodeInfo()
		c.nodes[name] = ni
	}
	return ni
}

func (c *Cache) touch(name string, ni *fw.NodeInfo) {
	c.generation++
	ni.Generation = c.generation
	if e, ok := c.recentElem[name]; ok {
		c.recent.MoveToFront(e)
		return
	}
	c.recentElem[name] = c.recent.PushFront(name)
}

// deleteNodeLocked drops a node entry.
func (c *Cache) deleteNodeLocked(name string) {
	delete(c.nodes, name)
	if e, ok := c.recentElem[name]; ok {
		c.recent.Remove(e)
		delete(c.recentElem, name)
	}
	c.generation++
	c.removals++
}

func (c *Cache) addPodLocked(pod *v1.Pod) {
	ni := c.nodeLocked(pod.Spec.NodeName)
	ni.AddPod(pod)
	c.touch(pod.Spec.NodeName, ni)
}

func (c *Cache) removePodLocked(pod *v1.Pod) {
	ni, ok := c.nodes[pod.Spec.NodeName]
	if !ok {
		return
	}
	ni.RemovePod(pod)
	c.touch(pod.Spec.NodeName, ni)
	if ni.Node() == nil && len(ni.Pods) == 0 {
		c.deleteNodeLocked(pod.Spec.NodeName)
	}
}

// AssumePod accounts a pod on pod.Spec.NodeName before the binding is
// written.
func (c *Cache) AssumePod(pod *v1.Pod) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.pods[pod.UID]; ok {
		return fmt.Errorf("pod %s/%s is already in the cache", pod.Namespace, pod.Name)
	}
	c.addPodLocked(pod)
	c.pods[pod.UID] = &podState{pod: pod, assumed: true}
	return nil
}

// FinishBinding starts the expiry clock of an assumed pod.
func (c *Cache) FinishBinding(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok && ps.assumed {
		ps.bindingFinished = true
		ps.deadline = c.clock.Now().Add(c.ttl)
	}
}

// ForgetPod drops an assumed pod whose binding failed.
func (c *Cache) ForgetPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok && ps.assumed {
		c.removePodLocked(ps.pod)
		delete(c.pods, pod.UID)
	}
}

// IsAssumed reports whether the pod is assumed and not yet confirmed.
func (c *Cache) IsAssumed(pod *v1.Pod) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ps, ok := c.pods[pod.UID]
	return ok && ps.assumed
}

// AddPod records a bound pod seen by the informer; it confirms an assumed
// pod (moving it if it landed elsewhere).
func (c *Cache) AddPod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ps, ok := c.pods[pod.UID]; ok {
		c.removePodLocked(ps.pod)
	}
	c.addPodLocked(pod)
	c.pods[pod.UID] = &podState{pod: pod}
}

// UpdatePod replaces a bound pod's accounting.
func (c *Cache) UpdatePod(_, newPod *v1.Pod) { c.AddPod(newPod) }

// RemovePod forgets a pod (deleted, or finished).
func (c *Cache) RemovePod(pod *v1.Pod) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ps, ok := c.pods[pod.UID]
	if !ok {
		return
	}
	c.removePodLocked(ps.pod)
	delete(c.pods, pod.UID)
}

// AddNode records or updates a node.
func (c *Cache) AddNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni := c.nodeLocked(node.Name)
	ni.SetNode(node)
	c.touch(node.Name, ni)
}

// UpdateNode records a node change.
func (c *Cache) UpdateNode(_, node *v1.Node) { c.AddNode(node) }

// RemoveNode forgets a node; pods still bound to it keep a placeholder
// until they are deleted.
func (c *Cache) RemoveNode(node *v1.Node) {
	c.mu.Lock()
	defer c.mu.Unlock()
	ni, ok := c.nodes[node.Name]
	if !ok {
		return
	}
	if len(ni.Pods) == 0 {
		c.deleteNodeLocked(node.Name)
		return
	}
	keep := fw.NewNodeInfo()
	for _, pi := range ni.Pods {
		keep.AddPodInfo(pi)
	}
	c.nodes[node.Name] = keep
	c.touch(node.Name, keep)
}

// CleanupExpiredAssumedPods forgets assumed pods whose binding finished
// more than the TTL ago without the informer confirming them.
func (c *Cache) CleanupExpiredAssumedPods() {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.clock.Now()
	for uid, ps := range c.pods {
		if ps.assumed && ps.bindingFinished && now.After(ps.deadline) {
			c.removePodLocked(ps.pod)
			delete(c.pods, uid)
		}
	}
}

// NodeInfo returns a copy of one node's entry (for tests and debugging).
func (c *Cache) NodeInfo(name string) (*fw.NodeInfo, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	ni, ok := c.nodes[name]
	if !ok {
		return nil, false
	}
	return ni.Clone(), true
}
