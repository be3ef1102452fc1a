package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/controller/ctrlutil"
)

// rolloutRecreate scales every old ReplicaSet to zero, waits until none
// of their pods runs any more, and only then creates the new ReplicaSet
// at full size.
func (c *Controller) rolloutRecreate(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old, d, err := c.getAllReplicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	scaledDown := false
	for _, rs := range activeRSs(old) {
		changed, err := c.scaleRS(ctx, d, rs, 0)
		if err != nil {
			return err
		}
		scaledDown = scaledDown || changed
	}
	if scaledDown {
		return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, old))
	}
	running, err := c.oldPodsRunning(d, newRS, old)
	if err != nil {
		return err
	}
	if running {
		return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, old))
	}
	if newRS == nil {
		if newRS, old, d, err = c.getAllReplicaSets(ctx, d, rss, true); err != nil {
			return err
		}
	} else if _, err := c.scaleRS(ctx, d, newRS, replicasOf(d.Spec.Replicas)); err != nil {
		return err
	}
	if deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, newRS, withNew(newRS, old))
}

// oldPodsRunning reports whether any old ReplicaSet still has pods that
// have not finished, including pods still terminating gracefully.
func (c *Controller) oldPodsRunning(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) (bool, error) {
	for _, rs := range old {
		if rs.Status.Replicas > 0 {
			return true, nil
		}
	}
	oldUIDs := map[types.UID]bool{}
	for _, rs := range old {
		oldUIDs[rs.UID] = true
	}
	pods, err := c.podList.Pods(d.Namespace).List(labels.Everything())
	if err != nil {
		return false, fmt.Errorf("listing pods: %w", err)
	}
	for _, p := range pods {
		if !oldUIDs[ctrlutil.ControllerUID(p)] {
			continue
		}
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return true, nil
		}
	}
	return false, nil
}
