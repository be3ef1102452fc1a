package daemonset

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

// computeStatus counts per node, as Kubernetes does: desired are the
// nodes that should run the pod; of those, how many have one (current),
// a ready / available one, one of the current template (updated);
// misscheduled are pods on nodes that should not run one.
func (c *Controller) computeStatus(ds *appsv1.DaemonSet, fits []nodeFit, pods []*corev1.Pod, h *history) appsv1.DaemonSetStatus {
	byNode := map[string][]*corev1.Pod{}
	for _, p := range pods {
		if p.DeletionTimestamp == nil {
			byNode[targetNode(p)] = append(byNode[targetNode(p)], p)
		}
	}
	st := *ds.Status.DeepCopy()
	st.ObservedGeneration = ds.Generation
	st.DesiredNumberScheduled, st.CurrentNumberScheduled, st.NumberMisscheduled = 0, 0, 0
	st.NumberReady, st.NumberAvailable, st.UpdatedNumberScheduled = 0, 0, 0
	if h.collisionCount != 0 || ds.Status.CollisionCount != nil {
		cc := h.collisionCount
		st.CollisionCount = &cc
	}
	now := c.now()
	for _, f := range fits {
		onNode := byNode[f.Name]
		if !f.Run {
			if len(onNode) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(onNode) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		ready, available, updated := false, false, false
		for _, p := range onNode {
			ready = ready || ctrlutil.IsPodReady(p)
			available = available || ctrlutil.IsPodAvailable(p, ds.Spec.MinReadySeconds, now)
			updated = updated || p.Labels[hashLabel] == h.hash
		}
		st.NumberReady += count(ready)
		st.NumberAvailable += count(available)
		st.UpdatedNumberScheduled += count(updated)
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st
}

func count(b bool) int32 {
	if b {
		return 1
	}
	return 0
}

func (c *Controller) writeStatus(ctx context.Context, ds *appsv1.DaemonSet, st appsv1.DaemonSetStatus) error {
	if apiequality.Semantic.DeepEqual(ds.Status, st) {
		return nil
	}
	cp := ds.DeepCopy()
	cp.Status = st
	_, err := c.client.AppsV1().DaemonSets(cp.Namespace).UpdateStatus(ctx, cp, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("updating status of %s/%s: %w", ds.Namespace, ds.Name, err)
	}
	return nil
}
