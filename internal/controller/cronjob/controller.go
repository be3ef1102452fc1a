// Package cronjob runs CronJobs: it creates a Job at each scheduled time,
// honouring the concurrency policy, starting deadline and suspension, and
// prunes the finished Jobs beyond the history limits.
package cronjob

import (
	"context"
	"log/slog"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// resyncPeriod: every CronJob is looked at again this often on the
// controller's clock, a safety net for wake-ups scheduled late.
const resyncPeriod = 30 * time.Second

// Options tune the controller.
type Options struct {
	// Clock is the time schedules are evaluated against; tests inject a
	// fake clock and step it. Default: the real clock.
	Clock clock.WithTicker
}

// Controller reconciles CronJobs with the Jobs they own.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	clock    clock.WithTicker

	cronJobs batchlisters.CronJobLister
	jobs     batchlisters.JobLister
	synced   []cache.InformerSynced
	// queue wakes CronJobs at their next schedule, on the injected clock.
	queue workqueue.TypedDelayingInterface[string]
	// retries backs off failed syncs in real time, so an error is retried
	// even while a test's fake clock stands still.
	retries workqueue.TypedRateLimiter[string]
}

// New wires the controller to the shared informers.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	cjInf := factory.Batch().V1().CronJobs()
	jobInf := factory.Batch().V1().Jobs()
	c := &Controller{
		client:   client,
		recorder: recorder,
		clock:    opts.Clock,
		cronJobs: cjInf.Lister(),
		jobs:     jobInf.Lister(),
		synced:   []cache.InformerSynced{cjInf.Informer().HasSynced, jobInf.Informer().HasSynced},
		queue: workqueue.NewTypedDelayingQueueWithConfig(workqueue.TypedDelayingQueueConfig[string]{
			Name: "cronjob", Clock: opts.Clock}),
		retries: workqueue.NewTypedItemExponentialFailureRateLimiter[string](100*time.Millisecond, 30*time.Second),
	}
	_, _ = cjInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
		DeleteFunc: c.enqueue,
	})
	_, _ = jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.jobChanged,
		UpdateFunc: func(_, n any) { c.jobChanged(n) },
		DeleteFunc: c.jobChanged,
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// jobChanged wakes the CronJob that controls a job.
func (c *Controller) jobChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	job, ok := obj.(*batchv1.Job)
	if !ok {
		return
	}
	if ref := metav1.GetControllerOf(job); ref != nil && ref.Kind == "CronJob" {
		c.queue.Add(job.Namespace + "/" + ref.Name)
	}
}

// Run processes CronJobs until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	c.resync(ctx)
}

// resync enqueues every CronJob on each tick of the injected clock.
func (c *Controller) resync(ctx context.Context) {
	ticker := c.clock.NewTicker(resyncPeriod)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-ticker.C():
			all, _ := c.cronJobs.List(labels.Everything())
			for _, cj := range all {
				c.enqueue(cj)
			}
		}
	}
}

func (c *Controller) worker(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		next, err := c.sync(ctx, key)
		switch {
		case err != nil:
			slog.Debug("cronjob sync failed", "cronjob", key, "err", err)
			time.AfterFunc(c.retries.When(key), func() { c.queue.Add(key) })
		default:
			c.retries.Forget(key)
			if next > 0 {
				c.queue.AddAfter(key, next)
			}
		}
		c.queue.Done(key)
	}
}

func (c *Controller) event(cj *batchv1.CronJob, typ, reason, action, note string, args ...any) {
	if c.recorder != nil {
		c.recorder.Eventf(cj, nil, typ, reason, action, note, args...)
	}
}
