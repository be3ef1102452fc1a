// Package garbagecollector deletes objects whose owners are gone and
// carries out Foreground and Orphan deletion, across every resource the
// API server serves, using ownerReferences as Kubernetes does.
package garbagecollector

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Options tune the collector.
type Options struct {
	// DiscoveryPeriod is how often new resources (e.g. CRDs) are looked
	// for. Default 30s.
	DiscoveryPeriod time.Duration
	// Ignored resources are never watched (default: events).
	Ignored []schema.GroupResource
}

// objRef names one object: its resource, place and identity.
type objRef struct {
	gvr       schema.GroupVersionResource
	namespace string
	name      string
	uid       types.UID
}

// Controller is the garbage collector.
type Controller struct {
	meta    metadata.Interface
	disc    discovery.DiscoveryInterface
	opts    Options
	ignored map[schema.GroupResource]bool

	mu       sync.RWMutex
	monitors map[schema.GroupVersionResource]*monitor
	kinds    map[schema.GroupKind]kindInfo

	queue workqueue.TypedRateLimitingInterface[objRef]
}

// kindInfo resolves an ownerReference's kind to a resource.
type kindInfo struct {
	gvr        schema.GroupVersionResource
	namespaced bool
}

// New builds the collector; Run starts it. It watches through its own
// metadata informers, since it needs every resource, not the typed ones.
func New(client kubernetes.Interface, meta metadata.Interface, opts Options) *Controller {
	if opts.DiscoveryPeriod == 0 {
		opts.DiscoveryPeriod = 30 * time.Second
	}
	if opts.Ignored == nil {
		opts.Ignored = []schema.GroupResource{{Group: "", Resource: "events"}, {Group: "events.k8s.io", Resource: "events"}}
	}
	c := &Controller{
		meta:     meta,
		disc:     client.Discovery(),
		opts:     opts,
		ignored:  map[schema.GroupResource]bool{},
		monitors: map[schema.GroupVersionResource]*monitor{},
		kinds:    map[schema.GroupKind]kindInfo{},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[objRef](50*time.Millisecond, time.Minute),
			workqueue.TypedRateLimitingQueueConfig[objRef]{Name: "garbagecollector"}),
	}
	for _, gr := range opts.Ignored {
		c.ignored[gr] = true
	}
	return c
}

// Run watches every resource and processes the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	defer c.stopMonitors()
	if err := c.refresh(ctx); err != nil {
		slog.Warn("garbage collector discovery", "err", err)
	}
	if !cache.WaitForCacheSync(ctx.Done(), c.syncedFuncs()...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := c.refresh(ctx); err != nil {
			slog.Warn("garbage collector discovery", "err", err)
		}
	}, c.opts.DiscoveryPeriod)
}

func (c *Controller) worker(ctx context.Context) {
	for {
		ref, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.process(ctx, ref); err != nil {
			slog.Debug("garbage collector", "object", ref.gvr.Resource+" "+ref.namespace+"/"+ref.name, "err", err)
			c.queue.AddRateLimited(ref)
		} else {
			c.queue.Forget(ref)
		}
		c.queue.Done(ref)
	}
}
