// Package ttlafterfinished deletes finished Jobs once their
// ttlSecondsAfterFinished has passed.
package ttlafterfinished

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options tune the controller; the zero value uses the real clock.
type Options struct {
	Clock clock.WithTicker
}

// Controller deletes expired finished Jobs.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	clock    clock.WithTicker
	jobs     batchlisters.JobLister
	synced   cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to the shared informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	inf := factory.Batch().V1().Jobs()
	c := &Controller{
		client:   client,
		recorder: recorder,
		clock:    opts.Clock,
		jobs:     inf.Lister(),
		synced:   inf.Informer().HasSynced,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "ttlafterfinished", Clock: opts.Clock}),
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	job, ok := obj.(*batchv1.Job)
	if !ok || job.Spec.TTLSecondsAfterFinished == nil || job.DeletionTimestamp != nil || finishedAt(job) == nil {
		return
	}
	if key, err := cache.MetaNamespaceKeyFunc(job); err == nil {
		c.queue.Add(key)
	}
}

// Run processes the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		wait, err := c.sync(ctx, key)
		switch {
		case err != nil:
			slog.Debug("ttl-after-finished sync failed", "job", key, "err", err)
			c.queue.AddRateLimited(key)
		case wait > 0:
			c.queue.Forget(key)
			c.queue.AddAfter(key, wait)
		default:
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

// sync deletes the job if expired, or says how long until it expires.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	job, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading job %s: %w", key, err)
	}
	if left := remaining(job, c.clock.Now()); left != 0 {
		return left, nil
	}
	// The cache may be stale (the TTL could have been raised): decide
	// again on the live object before deleting.
	live, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading job %s: %w", key, err)
	}
	if left := remaining(live, c.clock.Now()); left != 0 {
		return left, nil
	}
	return 0, c.delete(ctx, live)
}

func (c *Controller) delete(ctx context.Context, job *batchv1.Job) error {
	bg := metav1.DeletePropagationBackground
	err := c.client.BatchV1().Jobs(job.Namespace).Delete(ctx, job.Name, metav1.DeleteOptions{
		PropagationPolicy: &bg,
		Preconditions:     &metav1.Preconditions{UID: &job.UID, ResourceVersion: &job.ResourceVersion},
	})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("deleting expired job %s/%s: %w", job.Namespace, job.Name, err)
	}
	return nil
}

// remaining is the time until a finished job expires: 0 when it has
// expired, negative when it never will (not finished, no TTL, deleting).
func remaining(job *batchv1.Job, now time.Time) time.Duration {
	at := finishedAt(job)
	if job.Spec.TTLSecondsAfterFinished == nil || job.DeletionTimestamp != nil || at == nil {
		return -1
	}
	expiry := at.Add(time.Duration(*job.Spec.TTLSecondsAfterFinished) * time.Second)
	if !now.Before(expiry) {
		return 0
	}
	return expiry.Sub(now)
}

// finishedAt is when the job reached Complete or Failed.
func finishedAt(job *batchv1.Job) *time.Time {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			t := c.LastTransitionTime.Time
			if job.Status.CompletionTime != nil && c.Type == batchv1.JobComplete {
				t = job.Status.CompletionTime.Time
			}
			return &t
		}
	}
	return nil
}
