package deployment

import (
	"context"
	"fmt"
	"sort"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// cleanup deletes the oldest (by revision) old ReplicaSets beyond
// revisionHistoryLimit, but only empty ones whose status is current: a
// ReplicaSet with pods is still part of the rollout.
func (c *Controller) cleanup(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet) error {
	if d.Spec.RevisionHistoryLimit == nil {
		return nil
	}
	var cand []*appsv1.ReplicaSet
	for _, rs := range old {
		if rs.DeletionTimestamp == nil {
			cand = append(cand, rs)
		}
	}
	excess := len(cand) - int(*d.Spec.RevisionHistoryLimit)
	if excess <= 0 {
		return nil
	}
	sort.SliceStable(cand, func(i, j int) bool {
		ri, rj := revisionOf(cand[i]), revisionOf(cand[j])
		if ri != rj {
			return ri < rj
		}
		return cand[i].CreationTimestamp.Before(&cand[j].CreationTimestamp)
	})
	for _, rs := range cand[:excess] {
		if rs.Status.Replicas != 0 || replicasOf(rs.Spec.Replicas) != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		err := c.client.AppsV1().ReplicaSets(rs.Namespace).Delete(ctx, rs.Name, metav1.DeleteOptions{
			Preconditions: &metav1.Preconditions{UID: &rs.UID},
		})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting old replicaset %s: %w", rs.Name, err)
		}
	}
	return nil
}
