package resourcequota

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

func (c *Controller) sync(ctx context.Context, key string) error {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return nil
	}
	quota, err := c.quotas.ResourceQuotas(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	inv, err := c.inventory(ctx, ns)
	if err != nil {
		return err
	}
	used := Usage(quota, inv, c.opts.Clock.Now())
	if equalLists(quota.Status.Hard, quota.Spec.Hard) && equalLists(quota.Status.Used, used) {
		return nil
	}
	q := quota.DeepCopy()
	q.Status.Hard = quota.Spec.Hard.DeepCopy()
	q.Status.Used = used
	if _, err := c.client.CoreV1().ResourceQuotas(ns).UpdateStatus(ctx, q, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating status of quota %s: %w", key, err)
	}
	return nil
}

func (c *Controller) inventory(ctx context.Context, ns string) (Inventory, error) {
	all := labels.Everything()
	var inv Inventory
	var err error
	if inv.Pods, err = c.pods.Pods(ns).List(all); err != nil {
		return inv, err
	}
	if inv.Services, err = c.services.Services(ns).List(all); err != nil {
		return inv, err
	}
	if inv.PVCs, err = c.pvcs.PersistentVolumeClaims(ns).List(all); err != nil {
		return inv, err
	}
	cms, err := c.configMaps.ConfigMaps(ns).List(all)
	if err != nil {
		return inv, err
	}
	secrets, err := c.secrets.Secrets(ns).List(all)
	if err != nil {
		return inv, err
	}
	rcs, err := c.rcs.ReplicationControllers(ns).List(all)
	if err != nil {
		return inv, err
	}
	quotas, err := c.quotas.ResourceQuotas(ns).List(all)
	if err != nil {
		return inv, err
	}
	inv.ConfigMaps, inv.Secrets, inv.RCs, inv.Quotas = len(cms), len(secrets), len(rcs), len(quotas)
	inv.Count = func(name corev1.ResourceName) (int64, bool) { return c.counter.count(ctx, ns, name) }
	return inv, nil
}

// equalLists compares resource lists by quantity value, not by format.
func equalLists(a, b corev1.ResourceList) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		w, ok := b[k]
		if !ok || v.Cmp(w) != 0 {
			return false
		}
	}
	return true
}
