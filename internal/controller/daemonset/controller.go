// Package daemonset runs the DaemonSet controller: one pod of each
// DaemonSet on every node it is eligible for.
package daemonset

import (
	"context"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslister "k8s.io/client-go/listers/apps/v1"
	corelister "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"

	"rudder/internal/controller/ctrlutil"
)

// Controller reconciles DaemonSets.
type Controller struct {
	client    kubernetes.Interface
	sets      appslister.DaemonSetLister
	pods      corelister.PodLister
	nodes     corelister.NodeLister
	revisions appslister.ControllerRevisionLister
	synced    []cache.InformerSynced
	recorder  events.EventRecorder
	queue     workqueue.TypedRateLimitingInterface[string]
	expect    *ctrlutil.Expectations
	now       func() time.Time
}

// Option tunes a Controller.
type Option func(*Controller)

// WithClock replaces time.Now (used for minReadySeconds).
func WithClock(now func() time.Time) Option { return func(c *Controller) { c.now = now } }

// New returns the DaemonSet controller; it registers its informers on
// factory, which the caller starts.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts ...Option) *Controller {
	dsInf := factory.Apps().V1().DaemonSets()
	podInf := factory.Core().V1().Pods()
	nodeInf := factory.Core().V1().Nodes()
	revInf := factory.Apps().V1().ControllerRevisions()
	c := &Controller{
		client:    client,
		sets:      dsInf.Lister(),
		pods:      podInf.Lister(),
		nodes:     nodeInf.Lister(),
		revisions: revInf.Lister(),
		synced: []cache.InformerSynced{dsInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, revInf.Informer().HasSynced},
		recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "daemonset"}),
		expect: ctrlutil.NewExpectations(),
		now:    time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	_, _ = dsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
		DeleteFunc: c.setDeleted,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podAdded,
		UpdateFunc: c.podUpdated,
		DeleteFunc: c.podDeleted,
	})
	_, _ = nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(any) { c.enqueueAll() },
		UpdateFunc: c.nodeUpdated,
		DeleteFunc: func(any) { c.enqueueAll() },
	})
	_, _ = revInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.revisionChanged,
		UpdateFunc: func(_, n any) { c.revisionChanged(n) },
		DeleteFunc: c.revisionChanged,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	ctrlutil.RunQueue(ctx, "daemonset", c.queue, c.synced, workers, ctrlutil.Sync(c.sync))
}
