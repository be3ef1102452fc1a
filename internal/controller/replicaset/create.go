package replicaset

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/controller/ctrlutil"
)

// slowStartInitialBatch is the size of the first creation batch; each
// successful batch doubles the next one. A template that cannot be created
// (quota, admission) then fails once instead of n times.
const slowStartInitialBatch = 1

// createPods creates n pods from the template in doubling batches and
// stops at the first batch with an error.
func (c *Controller) createPods(ctx context.Context, w *workload, n int) error {
	c.expect.ExpectCreations(w.key(), n)
	created, err := slowStartBatch(n, slowStartInitialBatch, func() error {
		return c.createPod(ctx, w)
	})
	// Creations never attempted will never be observed either.
	for skipped := n - created; skipped > 0 && err != nil; skipped-- {
		c.expect.CreationObserved(w.key())
	}
	return err
}

func (c *Controller) createPod(ctx context.Context, w *workload) error {
	pod, err := ctrlutil.PodFromTemplate(w.template, w.meta, ctrlutil.NewControllerRef(w.meta, c.kind.gvk()))
	if err != nil {
		return err
	}
	got, err := c.client.CoreV1().Pods(pod.Namespace).Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		if apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
			return err // expected while the namespace goes away; no event
		}
		c.recorder.Eventf(w.obj, nil, corev1.EventTypeWarning, "FailedCreate", "Create",
			"Error creating: %v", err)
		return fmt.Errorf("creating pod for %s: %w", w.key(), err)
	}
	c.recorder.Eventf(w.obj, nil, corev1.EventTypeNormal, "SuccessfulCreate", "Create",
		"Created pod: %s", got.Name)
	return nil
}

// slowStartBatch calls fn count times, in parallel batches of 1, 2, 4, ...
// (starting at initial), stopping after the first batch that had an error.
// It returns how many calls succeeded and the first error; calls whose
// failures were counted do not count as created, and calls never made are
// count - (successes + failures).
func slowStartBatch(count, initial int, fn func() error) (int, error) {
	remaining, ok := count, 0
	for batch := min(remaining, initial); batch > 0; batch = min(2*batch, remaining) {
		errs := make(chan error, batch)
		for i := 0; i < batch; i++ {
			go func() { errs <- fn() }()
		}
		var first error
		for i := 0; i < batch; i++ {
			if err := <-errs; err != nil {
				if first == nil {
					first = err
				}
				continue
			}
			ok++
		}
		remaining -= batch
		if first != nil {
			return ok, first
		}
	}
	return ok, nil
}
