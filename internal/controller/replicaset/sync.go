package replicaset

import (
	"context"
	"errors"
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// sync reconciles one workload:
//
//	claim pods ─► expectations met? ─► create / delete the difference ─► status
func (c *Controller) sync(ctx context.Context, key string) error {
	if _, _, err := cache.SplitMetaNamespaceKey(key); err != nil {
		return nil // not a key we queued; nothing to retry
	}
	obj, ok, err := c.kind.informer().GetIndexer().GetByKey(key)
	if err != nil {
		return fmt.Errorf("reading %s from cache: %w", key, err)
	}
	if !ok {
		c.expect.Delete(key)
		return nil
	}
	w, _ := c.kind.view(obj)
	// Read before the pods: an observation that lands in between must not
	// make a stale pod list look complete.
	satisfied := c.expect.Satisfied(key)
	owned, orphans, err := c.candidatePods(w)
	if err != nil {
		return fmt.Errorf("reading the pods of %s: %w", key, err)
	}
	scan := scanPods(w, owned, orphans, c.now())
	adopted, claimErr := c.claim(ctx, w, scan.unsettled)
	scan.addAdopted(adopted)
	var manageErr error
	if satisfied && w.meta.GetDeletionTimestamp() == nil && claimErr == nil {
		manageErr = c.manage(ctx, w, scan.pods)
	}
	st := c.computeStatus(w, scan, manageErr)
	if err := c.writeStatus(ctx, w, st); err != nil {
		return errors.Join(err, manageErr, claimErr)
	}
	if manageErr == nil && claimErr == nil && w.minReady > 0 && st.ReadyReplicas != st.AvailableReplicas {
		c.queue.AddAfter(key, time.Duration(w.minReady)*time.Second)
	}
	return errors.Join(manageErr, claimErr)
}

// claim settles the pods the scan could not: it adopts matching orphans
// and releases controlled pods that stopped matching; it returns the
// adopted ones.
func (c *Controller) claim(ctx context.Context, w *workload, pods []*corev1.Pod) ([]*corev1.Pod, error) {
	cl := &ctrlutil.Claimer{
		Owner: w.meta, GVK: c.kind.gvk(), Selector: w.selector,
		Patch: func(ctx context.Context, ns, name string, patch []byte) error {
			_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
			return err
		},
		CanAdopt: func(ctx context.Context) error { return c.canAdopt(ctx, w) },
	}
	return ctrlutil.Claim(ctx, cl, pods)
}

// canAdopt re-reads the owner: a stale cache must not make a deleted or
// replaced owner adopt pods.
func (c *Controller) canAdopt(ctx context.Context, w *workload) error {
	fresh, err := c.kind.get(ctx, w.meta.GetNamespace(), w.meta.GetName())
	if err != nil {
		return err
	}
	if fresh.GetUID() != w.uid() {
		return fmt.Errorf("%s was replaced (uid %s, expected %s)", w.key(), fresh.GetUID(), w.uid())
	}
	if fresh.GetDeletionTimestamp() != nil {
		return fmt.Errorf("%s is being deleted", w.key())
	}
	return nil
}

// manage creates or deletes pods so that len(pods) approaches replicas.
func (c *Controller) manage(ctx context.Context, w *workload, pods []*corev1.Pod) error {
	diff := len(pods) - int(w.replicas)
	switch {
	case diff < 0:
		return c.createPods(ctx, w, min(-diff, c.burst))
	case diff > 0:
		return c.deletePods(ctx, w, pods, min(diff, c.burst))
	}
	return nil
}

func (c *Controller) deletePods(ctx context.Context, w *workload, pods []*corev1.Pod, n int) error {
	victims := ctrlutil.PodsToDelete(pods, c.relatedPods(w, pods), n, c.now())
	keys := make([]string, len(victims))
	for i, p := range victims {
		keys[i] = p.Namespace + "/" + p.Name
	}
	c.expect.ExpectDeletions(w.key(), keys)
	errs := make(chan error, len(victims))
	for i, p := range victims {
		go func() {
			errs <- c.deletePod(ctx, w, p, keys[i])
		}()
	}
	var all []error
	for range victims {
		if err := <-errs; err != nil {
			all = append(all, err)
		}
	}
	return errors.Join(all...)
}

func (c *Controller) deletePod(ctx context.Context, w *workload, p *corev1.Pod, podKey string) error {
	err := c.client.CoreV1().Pods(p.Namespace).Delete(ctx, p.Name, metav1.DeleteOptions{
		Preconditions: &metav1.Preconditions{UID: &p.UID},
	})
	if err != nil {
		// It will never be observed as deleted by us.
		c.expect.DeletionObserved(w.key(), podKey)
		if apierrors.IsNotFound(err) {
			return nil
		}
		c.recorder.Eventf(w.obj, nil, corev1.EventTypeWarning, "FailedDelete", "Delete",
			"Error deleting: %v", err)
		return fmt.Errorf("deleting pod %s: %w", podKey, err)
	}
	c.recorder.Eventf(w.obj, nil, corev1.EventTypeNormal, "SuccessfulDelete", "Delete",
		"Deleted pod: %s", p.Name)
	return nil
}
