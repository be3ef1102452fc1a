package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/controller/ctrlutil"
)

// computeStatus counts the set's pods as Kubernetes reports them:
// replicas are all pods that exist, current/updated count the pods (not
// terminating) of each revision. Once every replica runs the update
// revision and is ready, the update revision becomes the current one.
func (c *Controller) computeStatus(set *appsv1.StatefulSet, pods []*corev1.Pod, h *history) appsv1.StatefulSetStatus {
	st := *set.Status.DeepCopy()
	st.ObservedGeneration = set.Generation
	st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.CurrentReplicas, st.UpdatedReplicas = 0, 0, 0, 0, 0
	st.CurrentRevision, st.UpdateRevision = h.current.Name, h.update.Name
	if h.collisionCount != 0 || set.Status.CollisionCount != nil {
		cc := h.collisionCount
		st.CollisionCount = &cc
	}
	now := c.now()
	for _, p := range pods {
		st.Replicas++
		if p.Status.Phase == corev1.PodRunning && ctrlutil.IsPodReady(p) {
			st.ReadyReplicas++
			if ctrlutil.IsPodAvailable(p, set.Spec.MinReadySeconds, now) {
				st.AvailableReplicas++
			}
		}
		if p.DeletionTimestamp != nil {
			continue
		}
		if podRevision(p) == h.current.Name {
			st.CurrentReplicas++
		}
		if podRevision(p) == h.update.Name {
			st.UpdatedReplicas++
		}
	}
	want := int32(replicas(set))
	if st.UpdatedReplicas == want && st.ReadyReplicas == want && st.Replicas == want {
		st.CurrentRevision, st.CurrentReplicas = st.UpdateRevision, st.UpdatedReplicas
	}
	return st
}

// writeStatus updates the status subresource when it changed.
func (c *Controller) writeStatus(ctx context.Context, set *appsv1.StatefulSet, st appsv1.StatefulSetStatus) error {
	if apiequality.Semantic.DeepEqual(set.Status, st) {
		return nil
	}
	cp := set.DeepCopy()
	cp.Status = st
	_, err := c.client.AppsV1().StatefulSets(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating status of %s/%s: %w", set.Namespace, set.Name, err)
	}
	return nil
}
