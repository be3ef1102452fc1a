// Package resourcequota keeps ResourceQuota status (hard and used) in
// step with what each namespace holds. Enforcement at create time is the
// API server's admission, not this package.
package resourcequota

import (
	"context"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// Options configure the controller.
type Options struct {
	ResyncPeriod time.Duration // full recalculation, --resource-quota-sync-period, default 5m
	Clock        clock.Clock
}

// Controller recalculates quota usage.
type Controller struct {
	client     kubernetes.Interface
	recorder   events.EventRecorder
	opts       Options
	quotas     corelisters.ResourceQuotaLister
	pods       corelisters.PodLister
	services   corelisters.ServiceLister
	configMaps corelisters.ConfigMapLister
	secrets    corelisters.SecretLister
	pvcs       corelisters.PersistentVolumeClaimLister
	rcs        corelisters.ReplicationControllerLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
	counter    *objectCounter
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.ResyncPeriod <= 0 {
		opts.ResyncPeriod = 5 * time.Minute
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	core := factory.Core().V1()
	c := &Controller{
		client: client, recorder: recorder, opts: opts,
		quotas: core.ResourceQuotas().Lister(), pods: core.Pods().Lister(), services: core.Services().Lister(),
		configMaps: core.ConfigMaps().Lister(), secrets: core.Secrets().Lister(),
		pvcs: core.PersistentVolumeClaims().Lister(), rcs: core.ReplicationControllers().Lister(),
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			100*time.Millisecond, 30*time.Second)),
		counter: newObjectCounter(client),
	}
	_, _ = core.ResourceQuotas().Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueQuota,
		UpdateFunc: func(_, n any) { c.enqueueQuota(n) }, // our own status writes end in a no-op sync
	})
	infs := []cache.SharedIndexInformer{core.ResourceQuotas().Informer(), core.Pods().Informer(), core.Services().Informer(),
		core.ConfigMaps().Informer(), core.Secrets().Informer(), core.PersistentVolumeClaims().Informer(),
		core.ReplicationControllers().Informer()}
	for _, inf := range infs[1:] {
		_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
			AddFunc:    c.objectChanged,
			UpdateFunc: func(_, n any) { c.objectChanged(n) },
			DeleteFunc: c.objectChanged,
		})
	}
	// Quotas count each other ("resourcequotas"): creating or deleting one
	// changes the others' usage.
	_, _ = infs[0].AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.objectChanged,
		DeleteFunc: c.objectChanged,
	})
	for _, inf := range infs {
		c.synced = append(c.synced, inf.HasSynced)
	}
	return c
}

func (c *Controller) enqueueQuota(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// objectChanged enqueues every quota of the object's namespace.
func (c *Controller) objectChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	key, err := cache.MetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	ns, _, _ := cache.SplitMetaNamespaceKey(key)
	quotas, _ := c.quotas.ResourceQuotas(ns).List(labels.Everything())
	for _, q := range quotas {
		c.queue.Add(q.Namespace + "/" + q.Name)
	}
}

// Run processes the queue and recalculates everything every ResyncPeriod
// (catching kinds that have no informer here) until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	go wait.UntilWithContext(ctx, c.resyncAll, c.opts.ResyncPeriod)
	<-ctx.Done()
}

func (c *Controller) resyncAll(context.Context) {
	quotas, _ := c.quotas.List(labels.Everything())
	for _, q := range quotas {
		c.queue.Add(q.Namespace + "/" + q.Name)
	}
}

func (c *Controller) worker(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.sync(ctx, key); err != nil {
			slog.Debug("resource quota sync failed", "quota", key, "err", err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}
