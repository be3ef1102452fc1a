package deployment

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

var deploymentGVK = appsv1.SchemeGroupVersion.WithKind("Deployment")

// sync reconciles one deployment:
//
//	claim ReplicaSets ─► paused? scale only ─► size changed? scale proportionally
//	                  └► otherwise roll out (RollingUpdate | Recreate) ─► status
func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	cached, err := c.dLister.Deployments(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("reading deployment %s: %w", key, err)
	}
	d := cached.DeepCopy()
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		c.recorder.Eventf(d, nil, corev1.EventTypeWarning, "SelectingAll", "Sync",
			"This deployment is selecting all pods. A non-empty selector is required.")
		return nil
	}
	rss, err := c.claimReplicaSets(ctx, d, sel)
	if err != nil {
		return err
	}
	if d.DeletionTimestamp != nil {
		return c.syncStatusOnly(ctx, d, rss)
	}
	if d, err = c.checkPausedConditions(ctx, d); err != nil {
		return err
	}
	if d.Spec.Paused || c.isScalingEvent(d, rss) {
		return c.syncScale(ctx, d, rss)
	}
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return c.rolloutRecreate(ctx, d, rss)
	}
	return c.rolloutRolling(ctx, d, rss)
}

// claimReplicaSets returns the deep-copied ReplicaSets this deployment
// controls after adopting orphans and releasing non-matching ones.
func (c *Controller) claimReplicaSets(ctx context.Context, d *appsv1.Deployment, sel labels.Selector) ([]*appsv1.ReplicaSet, error) {
	all, err := c.rsLister.ReplicaSets(d.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing replicasets: %w", err)
	}
	cl := &ctrlutil.Claimer{
		Owner: d, GVK: deploymentGVK, Selector: sel,
		Patch: func(ctx context.Context, ns, name string, patch []byte) error {
			_, err := c.client.AppsV1().ReplicaSets(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
			return err
		},
		CanAdopt: func(ctx context.Context) error {
			fresh, err := c.client.AppsV1().Deployments(d.Namespace).Get(ctx, d.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if fresh.UID != d.UID || fresh.DeletionTimestamp != nil {
				return fmt.Errorf("deployment %s/%s is gone or being deleted", d.Namespace, d.Name)
			}
			return nil
		},
	}
	owned, err := ctrlutil.Claim(ctx, cl, all)
	out := make([]*appsv1.ReplicaSet, len(owned))
	for i, rs := range owned {
		out[i] = rs.DeepCopy()
	}
	return out, err
}

// isScalingEvent reports whether the deployment's size changed since its
// active ReplicaSets were last scaled (their desired-replicas annotation).
func (c *Controller) isScalingEvent(d *appsv1.Deployment, rss []*appsv1.ReplicaSet) bool {
	desired := replicasOf(d.Spec.Replicas)
	for _, rs := range activeRSs(rss) {
		if v, ok := intAnnotation(rs, DesiredReplicasAnnotation); ok && v != desired {
			return true
		}
	}
	return false
}

// syncScale handles a paused deployment or a size change: no new
// ReplicaSet, only resizing, then status.
func (c *Controller) syncScale(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old, d, err := c.getAllReplicaSets(ctx, d, rss, false)
	if err != nil {
		return err
	}
	if err := c.scale(ctx, d, newRS, old); err != nil {
		return err
	}
	if d.Spec.Paused {
		if err := c.cleanup(ctx, d, old); err != nil {
			return err
		}
	}
	return c.writeStatus(ctx, d, c.calculateStatus(d, newRS, withNew(newRS, old)))
}

// syncStatusOnly is for deployments being deleted: report, change nothing.
func (c *Controller) syncStatusOnly(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet) error {
	newRS, old := splitRSs(d, rss)
	return c.writeStatus(ctx, d, c.calculateStatus(d, newRS, withNew(newRS, old)))
}
