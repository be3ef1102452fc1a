// Package replicaset keeps the number of pods of every ReplicaSet (and
// ReplicationController, through the same code) equal to its replicas.
package replicaset

import (
	"context"
	"log/slog"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"

	"rudder/internal/controller/ctrlutil"
)

// defaultBurstReplicas caps how many pods one sync creates or deletes.
// Kubernetes caps at 500. Every capped sync waits to observe all its
// creations and then starts its slow-start batches (1, 2, 4, ...) again;
// on a server still busy with the previous burst each of those small
// batches waits ~100 ms in line, and at 3,000 replicas on 100 nodes those
// restarts paced the whole scale-up and most of its run-to-run spread:
// all bound in 2.4-3.6 s with 1,000, 2.2-2.7 s with 3,000. The price,
// measured at 30,000 replicas on 1,000 nodes, is a larger burst of
// writes there: mutating p99 333-565 ms instead of 296-356 ms (the SLO
// is 1 s). docs/benchmarks.md has the runs.
const defaultBurstReplicas = 3000

// defaultStatusBatchDelay is how long an event that can only change the
// status waits for its sync. A large scale-up sends thousands of such
// events (each pod is added, bound, started and made ready) and each sync
// is a pass over every pod of the workload; batched, they share one sync
// per 100 ms. Status readers (the Deployment controller, `kubectl rollout
// status`) see readyReplicas and availableReplicas at most that much later,
// a small fraction of a pod's own start-up; events after which the sync may
// create or delete pods never wait (see handlers.go).
const defaultStatusBatchDelay = 100 * time.Millisecond

// Controller reconciles ReplicaSets or ReplicationControllers (one kind
// per Controller).
type Controller struct {
	client kubernetes.Interface
	kind   kind
	// podIndex carries ctrlutil's controller indexes.
	podIndex cache.Indexer
	synced   []cache.InformerSynced
	recorder events.EventRecorder
	queue    workqueue.TypedRateLimitingInterface[string]
	expect   *ctrlutil.Expectations
	burst    int
	// statusDelay batches the syncs of status-only events.
	statusDelay time.Duration
	now         func() time.Time
}

// Option tunes a Controller.
type Option func(*Controller)

// WithBurstReplicas caps the pods created or deleted in one sync.
func WithBurstReplicas(n int) Option { return func(c *Controller) { c.burst = n } }

// WithStatusBatchDelay sets how long status-only events wait for their
// sync (0 syncs at once).
func WithStatusBatchDelay(d time.Duration) Option { return func(c *Controller) { c.statusDelay = d } }

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
		podIndex: podInf.Informer().GetIndexer(),
		synced:   []cache.InformerSynced{k.informer().HasSynced, podInf.Informer().HasSynced},
		recorder: recorder,
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.DefaultTypedControllerRateLimiter[string](),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: k.gvk().Kind}),
		expect:      ctrlutil.NewExpectations(),
		burst:       defaultBurstReplicas,
		statusDelay: defaultStatusBatchDelay,
		now:         time.Now,
	}
	for _, o := range opts {
		o(c)
	}
	if err := ctrlutil.AddControllerIndexes(podInf.Informer()); err != nil {
		// Only a stopped informer refuses an index, and the controller is
		// built before its informers start; its syncs would fail, saying so.
		slog.Error("pod indexes unavailable", "controller", k.gvk().Kind, "err", err)
	}
	_, _ = k.informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueOwner,
		UpdateFunc: c.ownerUpdated,
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
