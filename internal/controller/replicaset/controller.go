// Package replicaset keeps the number of pods of every ReplicaSet (and
// ReplicationController, through the same code) equal to its replicas.
package replicaset

import (
	"context"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corev1lister "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"

	"rudder/internal/controller/ctrlutil"
)

// defaultBurstReplicas caps how many pods one sync creates or deletes.
const defaultBurstReplicas = 500

// Controller reconciles ReplicaSets or ReplicationControllers (one kind
// per Controller).
type Controller struct {
	client   kubernetes.Interface
	kind     kind
	pods     corev1lister.PodLister
	synced   []cache.InformerSynced
	recorder events.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
	expect   *ctrlutil.Expectations
	burst    int
	now      func() time.Time
}

// Option tunes a Controller.
type Option func(*Controller)

// WithBurstReplicas caps the pods created or deleted in one sync.
func WithBurstReplicas(n int) Option { return func(c *Controller) { c.burst = n } }

// New returns the ReplicaSet controller.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts ...Option) *Controller {
	return newController(client, factory, recorder, newRSKind(client, factory), opts)
}

// NewReplicationController returns the ReplicationController controller:
// the same logic over the older core/v1 kind with a map selector.
func NewReplicationController(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts ...Option) *Controller {
	return newController(client, factory, recorder, newRCKind(client, factory), opts)
}

func newController(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, k kind, opts []Option) *Controller {
	podInf := factory.Core().V1().Pods()
	c := &Controller{
		client:   client,
		kind:     k,
		pods:     podInf.Lister(),
		synced:   []cache.InformerSynced{k.informer().HasSynced, podInf.Informer().HasSynced},
		recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: k.gvk().Kind}),
		expect: ctrlutil.NewExpectations(),
		burst:  defaultBurstReplicas,
		now:    time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	_, _ = k.informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: func(_, n any) { c.enqueueOwner(n) },
		DeleteFunc: c.ownerDeleted,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podAdded,
		UpdateFunc: c.podUpdated,
		DeleteFunc: c.podDeleted,
	})
	return c
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	ctrlutil.RunQueue(ctx, c.kind.gvk().Kind, c.queue, c.synced, workers, ctrlutil.Sync(c.sync))
}
