package scheduler

import (
	"fmt"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	toolscache "k8s.io/client-go/tools/cache"

	fw "rudder/internal/scheduler/framework"
)

// addEventHandlers feeds the cache (bound pods, nodes) and the queue
// (pending pods of this scheduler), and turns cluster changes into queue
// move events.
func (s *Scheduler) addEventHandlers() error {
	podInf := s.factory.Core().V1().Pods().Informer()
	nodeInf := s.factory.Core().V1().Nodes().Informer()
	regs := []struct {
		inf toolscache.SharedIndexInformer
		h   toolscache.ResourceEventHandler
	}{
		{podInf, toolscache.FilteringResourceEventHandler{FilterFunc: isAssigned, Handler: toolscache.ResourceEventHandlerFuncs{
			AddFunc: s.addAssignedPod, UpdateFunc: s.updateAssignedPod, DeleteFunc: s.deleteAssignedPod}}},
		{podInf, toolscache.FilteringResourceEventHandler{FilterFunc: s.isPendingHere, Handler: toolscache.ResourceEventHandlerFuncs{
			AddFunc: s.addPendingPod, UpdateFunc: s.updatePendingPod, DeleteFunc: s.deletePendingPod}}},
		{nodeInf, toolscache.ResourceEventHandlerFuncs{AddFunc: s.addNode, UpdateFunc: s.updateNode, DeleteFunc: s.deleteNode}},
		{s.factory.Core().V1().Namespaces().Informer(), toolscache.ResourceEventHandlerFuncs{
			AddFunc:    func(any) { s.queue.MoveAllToActiveOrBackoff(fw.EventNamespaceChange) },
			UpdateFunc: func(any, any) { s.queue.MoveAllToActiveOrBackoff(fw.EventNamespaceChange) }}},
		{s.factory.Policy().V1().PodDisruptionBudgets().Informer(), toolscache.ResourceEventHandlerFuncs{}},
		{s.factory.Scheduling().V1().PriorityClasses().Informer(), toolscache.ResourceEventHandlerFuncs{}},
	}
	for _, r := range regs {
		if _, err := r.inf.AddEventHandler(r.h); err != nil {
			return fmt.Errorf("scheduler event handler: %w", err)
		}
		s.synced = append(s.synced, r.inf.HasSynced)
	}
	return nil
}

func podOf(obj any) *v1.Pod {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	p, _ := obj.(*v1.Pod)
	return p
}

func nodeOf(obj any) *v1.Node {
	if t, ok := obj.(toolscache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	n, _ := obj.(*v1.Node)
	return n
}

func isTerminal(p *v1.Pod) bool {
	return p.Status.Phase == v1.PodSucceeded || p.Status.Phase == v1.PodFailed
}

// isAssigned selects bound pods that still hold resources; terminal pods
// release theirs.
func isAssigned(obj any) bool {
	p := podOf(obj)
	return p != nil && p.Spec.NodeName != "" && !isTerminal(p)
}

// isPendingHere selects unbound pods that name this scheduler.
func (s *Scheduler) isPendingHere(obj any) bool {
	p := podOf(obj)
	return p != nil && p.Spec.NodeName == "" && !isTerminal(p) && p.Spec.SchedulerName == s.opts.SchedulerName
}

// schedulable: pods being deleted or held by scheduling gates wait.
func schedulable(p *v1.Pod) bool {
	return p.DeletionTimestamp == nil && len(p.Spec.SchedulingGates) == 0
}

func (s *Scheduler) addAssignedPod(obj any) {
	p := podOf(obj)
	s.cache.AddPod(s.withPriority(p))
	s.queue.DeleteNominatedPod(p)
	s.queue.MoveAllToActiveOrBackoff(fw.EventAssignedPodAdd)
}

func (s *Scheduler) updateAssignedPod(oldObj, newObj any) {
	p := podOf(newObj)
	s.cache.UpdatePod(podOf(oldObj), s.withPriority(p))
	if !equality.Semantic.DeepEqual(podOf(oldObj).Labels, p.Labels) {
		s.queue.MoveAllToActiveOrBackoff(fw.EventAssignedPodUpdate)
	}
}

func (s *Scheduler) deleteAssignedPod(obj any) {
	p := podOf(obj)
	if p == nil {
		return
	}
	s.cache.RemovePod(p)
	s.queue.MoveAllToActiveOrBackoff(fw.EventAssignedPodDelete)
}

func (s *Scheduler) addPendingPod(obj any) {
	p := podOf(obj)
	if schedulable(p) {
		s.queue.Add(s.withPriority(p))
	}
}

func (s *Scheduler) updatePendingPod(oldObj, newObj any) {
	p := podOf(newObj)
	if !schedulable(p) {
		s.queue.Delete(p)
		return
	}
	s.queue.Update(podOf(oldObj), s.withPriority(p))
}

func (s *Scheduler) deletePendingPod(obj any) {
	if p := podOf(obj); p != nil {
		s.queue.Delete(p)
	}
}

func (s *Scheduler) addNode(obj any) {
	s.cache.AddNode(nodeOf(obj))
	s.queue.MoveAllToActiveOrBackoff(fw.EventNodeAdd)
}

// updateNode ignores heartbeat-only changes; anything a plugin looks at
// (labels, taints, cordon, allocatable) retries unschedulable pods.
func (s *Scheduler) updateNode(oldObj, newObj any) {
	oldN, newN := nodeOf(oldObj), nodeOf(newObj)
	s.cache.UpdateNode(oldN, newN)
	if !equality.Semantic.DeepEqual(oldN.Labels, newN.Labels) ||
		!equality.Semantic.DeepEqual(oldN.Spec, newN.Spec) ||
		!equality.Semantic.DeepEqual(oldN.Status.Allocatable, newN.Status.Allocatable) {
		s.queue.MoveAllToActiveOrBackoff(fw.EventNodeUpdate)
	}
}

func (s *Scheduler) deleteNode(obj any) {
	if n := nodeOf(obj); n != nil {
		s.cache.RemoveNode(n)
	}
}
