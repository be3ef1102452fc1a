// Package statefulset runs the StatefulSet controller: pods with stable
// ordinal names and storage, created, deleted and updated in order.
package statefulset

import (
	"context"
	"rudder/internal/controller/ctrlutil"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslister "k8s.io/client-go/listers/apps/v1"
	corelister "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// Controller reconciles StatefulSets.
type Controller struct {
	client    kubernetes.Interface
	sets      appslister.StatefulSetLister
	pods      corelister.PodLister
	revisions appslister.ControllerRevisionLister
	claims    corelister.PersistentVolumeClaimLister
	synced    []cache.InformerSynced
	recorder  events.EventRecorder
	queue     workqueue.TypedRateLimitingInterface[string]
	now       func() time.Time
}

// Option tunes a Controller.
type Option func(*Controller)

// WithClock replaces time.Now (used for minReadySeconds).
func WithClock(now func() time.Time) Option { return func(c *Controller) { c.now = now } }

// New returns the StatefulSet controller; it registers its informers on
// factory, which the caller starts.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts ...Option) *Controller {
	setInf := factory.Apps().V1().StatefulSets()
	podInf := factory.Core().V1().Pods()
	revInf := factory.Apps().V1().ControllerRevisions()
	pvcInf := factory.Core().V1().PersistentVolumeClaims()
	c := &Controller{
		client:    client,
		sets:      setInf.Lister(),
		pods:      podInf.Lister(),
		revisions: revInf.Lister(),
		claims:    pvcInf.Lister(),
		synced: []cache.InformerSynced{setInf.Informer().HasSynced, podInf.Informer().HasSynced,
			revInf.Informer().HasSynced, pvcInf.Informer().HasSynced},
		recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "statefulset"}),
		now: time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	_, _ = setInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
		DeleteFunc: c.enqueue,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: c.podUpdated,
		DeleteFunc: c.podChanged,
	})
	_, _ = revInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.ownedChanged,
		UpdateFunc: func(_, n any) { c.ownedChanged(n) },
		DeleteFunc: c.ownedChanged,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	ctrlutil.RunQueue(ctx, "statefulset", c.queue, c.synced, workers, ctrlutil.Sync(c.sync))
}
