package nodelifecycle

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// syncNode brings one node's taints in line with its conditions, reports
// readiness transitions, marks pods of unreachable nodes not ready and
// evicts pods whose NoExecute tolerations ran out.
func (c *Controller) syncNode(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	now := c.opts.Clock.Now()
	c.noteReadiness(node)
	taints, changed := MergeTaints(node.Spec.Taints, WantedTaints(node), now)
	if changed {
		n := node.DeepCopy()
		n.Spec.Taints = taints
		if node, err = c.client.CoreV1().Nodes().Update(ctx, n, metav1.UpdateOptions{}); err != nil {
			return fmt.Errorf("updating taints of node %s: %w", name, err)
		}
	}
	pods, err := c.pods.ByIndex(podsByNode, name)
	if err != nil {
		return err
	}
	var errs []error
	if readyStatus(node) == corev1.ConditionUnknown {
		errs = append(errs, c.markPodsNotReady(ctx, pods, now))
	}
	errs = append(errs, c.evict(ctx, node, pods, now))
	return errors.Join(errs...)
}

// noteReadiness emits NodeReady/NodeNotReady when the Ready condition
// changes between observations.
func (c *Controller) noteReadiness(node *corev1.Node) {
	st := readyStatus(node)
	c.mu.Lock()
	prev, seen := c.lastReady[node.Name]
	c.lastReady[node.Name] = st
	c.mu.Unlock()
	if !seen || prev == st || st == "" {
		return
	}
	if st == corev1.ConditionTrue {
		c.recorder.Eventf(node, nil, corev1.EventTypeNormal, "NodeReady", "NodeReady",
			"Node %s status is now: NodeReady", node.Name)
		return
	}
	if prev == corev1.ConditionTrue {
		c.recorder.Eventf(node, nil, corev1.EventTypeNormal, "NodeNotReady", "NodeNotReady",
			"Node %s status is now: NodeNotReady", node.Name)
	}
}

// markPodsNotReady sets Ready=False on the pods of an unreachable node:
// their kubelet cannot report, and Services must stop sending traffic.
func (c *Controller) markPodsNotReady(ctx context.Context, pods []any, now time.Time) error {
	var errs []error
	for _, obj := range pods {
		pod := obj.(*corev1.Pod)
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			continue
		}
		p := pod.DeepCopy()
		if !setPodNotReady(p, now) {
			continue
		}
		if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			errs = append(errs, fmt.Errorf("marking pod %s/%s not ready: %w", p.Namespace, p.Name, err))
			continue
		}
		c.recorder.Eventf(pod, nil, corev1.EventTypeWarning, "NodeNotReady", "MarkNotReady", "Node is not ready")
	}
	return errors.Join(errs...)
}

func setPodNotReady(pod *corev1.Pod, now time.Time) bool {
	for i := range pod.Status.Conditions {
		c := &pod.Status.Conditions[i]
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionFalse {
			return false
		}
		c.Status, c.LastTransitionTime = corev1.ConditionFalse, metav1.NewTime(now)
		return true
	}
	return false
}

// evict deletes pods whose toleration of the node's NoExecute taints has
// run out and schedules a re-check for the next deadline.
func (c *Controller) evict(ctx context.Context, node *corev1.Node, pods []any, now time.Time) error {
	var next time.Time
	var errs []error
	for _, obj := range pods {
		pod := obj.(*corev1.Pod)
		if pod.DeletionTimestamp != nil {
			continue
		}
		deadline, ok := EvictionDeadline(pod, node.Spec.Taints, c.opts.DefaultEvictionTimeout, now)
		if !ok {
			continue
		}
		if deadline.After(now) {
			if next.IsZero() || deadline.Before(next) {
				next = deadline
			}
			continue
		}
		if err := c.deletePod(ctx, pod, now); err != nil {
			errs = append(errs, err)
		}
	}
	if !next.IsZero() {
		c.queue.AddAfter(node.Name, next.Sub(now))
	}
	return errors.Join(errs...)
}

// deletePod marks the pod as disrupted (so its controller and users see
// why) and deletes it gracefully, like Kubernetes' taint manager.
func (c *Controller) deletePod(ctx context.Context, pod *corev1.Pod, now time.Time) error {
	p := pod.DeepCopy()
	setDisruptionTarget(p, now)
	if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("marking pod %s/%s disrupted: %w", p.Namespace, p.Name, err)
	}
	c.recorder.Eventf(pod, nil, corev1.EventTypeNormal, "TaintManagerEviction", "Evict",
		"Marking for deletion Pod %s/%s", pod.Namespace, pod.Name)
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("evicting pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	return nil
}

func setDisruptionTarget(pod *corev1.Pod, now time.Time) {
	cond := corev1.PodCondition{Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue,
		Reason: "DeletionByTaintManager", Message: "Taint manager: deleting due to NoExecute taint",
		LastTransitionTime: metav1.NewTime(now)}
	for i := range pod.Status.Conditions {
		if pod.Status.Conditions[i].Type == corev1.DisruptionTarget {
			pod.Status.Conditions[i] = cond
			return
		}
	}
	pod.Status.Conditions = append(pod.Status.Conditions, cond)
}
