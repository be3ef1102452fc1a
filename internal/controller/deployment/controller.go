// Package deployment rolls Deployments out through ReplicaSets: one
// ReplicaSet per pod template, scaled up and down by the strategy.
package deployment

import (
	"context"
	"rudder/internal/controller/ctrlutil"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	appslister "k8s.io/client-go/listers/apps/v1"
	corelister "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// Controller reconciles Deployments.
type Controller struct {
	client   kubernetes.Interface
	dLister  appslister.DeploymentLister
	rsLister appslister.ReplicaSetLister
	podList  corelister.PodLister
	synced   []cache.InformerSynced
	recorder events.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
	now      func() time.Time
}

// Option tunes a Controller.
type Option func(*Controller)

// WithClock replaces time.Now (progress deadlines in tests).
func WithClock(now func() time.Time) Option { return func(c *Controller) { c.now = now } }

// New returns the Deployment controller.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts ...Option) *Controller {
	dInf := factory.Apps().V1().Deployments()
	rsInf := factory.Apps().V1().ReplicaSets()
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client:   client,
		dLister:  dInf.Lister(),
		rsLister: rsInf.Lister(),
		podList:  podInf.Lister(),
		synced:   []cache.InformerSynced{dInf.Informer().HasSynced, rsInf.Informer().HasSynced, podInf.Informer().HasSynced},
		recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "deployment"}),
		now: time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	_, _ = dInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
		DeleteFunc: c.enqueue,
	})
	_, _ = rsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.rsChanged,
		UpdateFunc: c.rsUpdated,
		DeleteFunc: c.rsChanged,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.podDeleted,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	ctrlutil.RunQueue(ctx, "deployment", c.queue, c.synced, workers, ctrlutil.Sync(c.sync))
}

func (c *Controller) enqueue(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if d, ok := obj.(*appsv1.Deployment); ok {
		c.queue.Add(d.Namespace + "/" + d.Name)
	}
}
