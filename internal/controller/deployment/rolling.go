package deployment

import (
	"context"

	appsv1 "k8s.io/api/apps/v1"
)

// rolloutRolling takes one step of a rolling update per sync: grow the
// new ReplicaSet within maxSurge, else shrink old ones within
// maxUnavailable, else (when complete) prune history; then status.
func (c *Controller) rolloutRolling(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old, d, err := c.getAllReplicaSets(ctx, d, rss, true)
	if err != nil {
		return err
	}
	all := withNew(newRS, old)
	scaled, err := c.reconcileNewRS(ctx, d, newRS, all)
	if err != nil {
		return err
	}
	if !scaled {
		if scaled, err = c.reconcileOldRSs(ctx, d, newRS, old); err != nil {
			return err
		}
	}
	if !scaled && deploymentComplete(d, &d.Status) {
		if err := c.cleanup(ctx, d, old); err != nil {
			return err
		}
	}
	return c.syncRolloutStatus(ctx, d, newRS, all)
}

func (c *Controller) reconcileNewRS(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) (bool, error) {
	if newRS == nil {
		return false, nil
	}
	surge, _ := deploymentFenceposts(d)
	target := newRSTarget(replicasOf(d.Spec.Replicas), surge, replicasOf(newRS.Spec.Replicas), specSum(all))
	return c.scaleRS(ctx, d, newRS, target)
}

func (c *Controller) reconcileOldRSs(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) (bool, error) {
	_, unavail := deploymentFenceposts(d)
	var n rsCount
	if newRS != nil {
		n = rsCount{Spec: replicasOf(newRS.Spec.Replicas), Available: newRS.Status.AvailableReplicas}
	}
	sorted := byCreation(old)
	counts := make([]rsCount, len(sorted))
	for i, rs := range sorted {
		counts[i] = rsCount{Spec: replicasOf(rs.Spec.Replicas), Available: rs.Status.AvailableReplicas}
	}
	targets := oldRSTargets(replicasOf(d.Spec.Replicas), unavail, n, counts)
	scaled := false
	for i, rs := range sorted {
		if targets[i] == counts[i].Spec {
			continue
		}
		changed, err := c.scaleRS(ctx, d, rs, targets[i])
		if err != nil {
			return scaled, err
		}
		scaled = scaled || changed
	}
	return scaled, nil
}
