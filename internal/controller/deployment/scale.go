package deployment

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// scaleRS sets a ReplicaSet's size and the deployment-size annotations,
// writing only on change, and records ScalingReplicaSet on the deployment.
// rs is updated in place with what the server returned. Reports whether
// the size changed.
func (c *Controller) scaleRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, size int32) (bool, error) {
	from := replicasOf(rs.Spec.Replicas)
	surge, _ := deploymentFenceposts(d)
	desired := replicasOf(d.Spec.Replicas)
	want := rs.DeepCopy()
	annChanged := setReplicaAnnotations(want, desired, desired+surge)
	if from == size && !annChanged {
		return false, nil
	}
	want.Spec.Replicas = &size
	got, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, want, metav1.UpdateOptions{})
	if err != nil {
		return false, fmt.Errorf("scaling replicaset %s to %d: %w", rs.Name, size, err)
	}
	*rs = *got
	if from != size {
		dir := "up"
		if size < from {
			dir = "down"
		}
		c.recorder.Eventf(d, rs, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaling",
			"Scaled %s replica set %s from %d to %d", dir, rs.Name, from, size)
	}
	return from != size, nil
}

// scale resizes ReplicaSets after the deployment's size changed (or while
// paused): one active ReplicaSet takes the whole size; a finished rollout
// drops the old ones; otherwise the change is spread proportionally.
func (c *Controller) scale(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) error {
	desired := replicasOf(d.Spec.Replicas)
	if rs := activeOrLatest(newRS, old); rs != nil {
		_, err := c.scaleRS(ctx, d, rs, desired)
		return err
	}
	if saturated(d, newRS) {
		for _, rs := range activeRSs(old) {
			if _, err := c.scaleRS(ctx, d, rs, 0); err != nil {
				return err
			}
		}
		return nil
	}
	if d.Spec.Strategy.Type != appsv1.RollingUpdateDeploymentStrategyType {
		return nil
	}
	return c.scaleProportionally(ctx, d, activeRSs(withNew(newRS, old)))
}

func (c *Controller) scaleProportionally(ctx context.Context, d *appsv1.Deployment, active []*appsv1.ReplicaSet) error {
	desired := replicasOf(d.Spec.Replicas)
	surge, _ := deploymentFenceposts(d)
	allowed := int32(0)
	if desired > 0 {
		allowed = desired + surge
	}
	// Largest first; on ties the newer when growing, the older when
	// shrinking, so leftovers land where they hurt least.
	growing := allowed > specSum(active)
	sort.SliceStable(active, func(i, j int) bool {
		a, b := active[i], active[j]
		if sa, sb := replicasOf(a.Spec.Replicas), replicasOf(b.Spec.Replicas); sa != sb {
			return sa > sb
		}
		if growing {
			return b.CreationTimestamp.Before(&a.CreationTimestamp)
		}
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	})
	sizes := make([]rsSize, len(active))
	for i, rs := range active {
		m, ok := intAnnotation(rs, MaxReplicasAnnotation)
		sizes[i] = rsSize{Spec: replicasOf(rs.Spec.Replicas), MaxAnnotation: m, HasMax: ok}
	}
	targets := proportionalTargets(sizes, desired, allowed, d.Status.Replicas)
	for i, rs := range active {
		if _, err := c.scaleRS(ctx, d, rs, targets[i]); err != nil {
			return err
		}
	}
	return nil
}

// activeOrLatest returns the only ReplicaSet with pods, or, with none, the
// new one (else the newest old one); nil when several have pods.
func activeOrLatest(newRS *appsv1.ReplicaSet, old []*appsv1.ReplicaSet) *appsv1.ReplicaSet {
	active := activeRSs(withNew(newRS, old))
	switch len(active) {
	case 1:
		return active[0]
	case 0:
		if newRS != nil {
			return newRS
		}
		if sorted := byCreation(old); len(sorted) > 0 {
			return sorted[len(sorted)-1]
		}
	}
	return nil
}

// saturated: the new ReplicaSet alone already provides the deployment.
func saturated(d *appsv1.Deployment, newRS *appsv1.ReplicaSet) bool {
	if newRS == nil {
		return false
	}
	desired := replicasOf(d.Spec.Replicas)
	v, ok := intAnnotation(newRS, DesiredReplicasAnnotation)
	return ok && v == desired && replicasOf(newRS.Spec.Replicas) == desired &&
		newRS.Status.AvailableReplicas == desired
}
