// Package endpointslice writes the EndpointSlices of every Service with a
// selector from the pods it selects.
package endpointslice

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	discoverylisters "k8s.io/client-go/listers/discovery/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// Labels and annotations of managed slices.
const (
	ManagedBy             = "endpointslice-controller.k8s.io"
	TriggerTimeAnnotation = "endpoints.kubernetes.io/last-change-trigger-time"
	HeadlessLabel         = "service.kubernetes.io/headless"
)

// Options configure the controller.
type Options struct {
	MaxEndpointsPerSlice int // default 100
}

// Controller writes EndpointSlices.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	opts     Options
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	slices   discoverylisters.EndpointSliceLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	written  *writeTracker

	mu       sync.Mutex
	triggers map[string]time.Time
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.MaxEndpointsPerSlice <= 0 {
		opts.MaxEndpointsPerSlice = MaxEndpointsPerSlice
	}
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	nodeInf := factory.Core().V1().Nodes()
	sliceInf := factory.Discovery().V1().EndpointSlices()
	c := &Controller{
		client: client, recorder: recorder, opts: opts,
		services: svcInf.Lister(), pods: podInf.Lister(), nodes: nodeInf.Lister(), slices: sliceInf.Lister(),
		synced: []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced,
			nodeInf.Informer().HasSynced, sliceInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			50*time.Millisecond, 30*time.Second)),
		written:  newWriteTracker(),
		triggers: map[string]time.Time{},
	}
	_, _ = svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.serviceChanged,
		UpdateFunc: func(_, n any) { c.serviceChanged(n) },
		DeleteFunc: c.serviceChanged,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { c.podChanged(nil, o) },
		UpdateFunc: c.podChanged,
		DeleteFunc: func(o any) { c.podChanged(nil, o) },
	})
	// A slice edited or deleted behind our back is rewritten.
	_, _ = sliceInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, n any) { c.sliceChanged(n) },
		DeleteFunc: c.sliceChanged,
	})
	return c
}

func (c *Controller) serviceChanged(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		c.noteTrigger(key)
		c.queue.Add(key)
	}
}

func (c *Controller) sliceChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	s, ok := obj.(*discoveryv1.EndpointSlice)
	if !ok || s.Labels[discoveryv1.LabelManagedBy] != ManagedBy || s.Labels[discoveryv1.LabelServiceName] == "" {
		return
	}
	c.queue.Add(s.Namespace + "/" + s.Labels[discoveryv1.LabelServiceName])
}

func (c *Controller) podChanged(oldObj, newObj any) {
	seen := map[string]bool{}
	for _, obj := range []any{oldObj, newObj} {
		if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
			obj = t.Obj
		}
		pod, ok := obj.(*corev1.Pod)
		if !ok {
			continue
		}
		svcs, _ := c.services.Services(pod.Namespace).List(labels.Everything())
		for _, svc := range svcs {
			if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				continue
			}
			key := svc.Namespace + "/" + svc.Name
			if !seen[key] {
				seen[key] = true
				c.noteTrigger(key)
				c.queue.Add(key)
			}
		}
	}
}

func (c *Controller) noteTrigger(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.triggers[key]; !ok {
		c.triggers[key] = time.Now()
	}
}

func (c *Controller) takeTrigger(key string) (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	t, ok := c.triggers[key]
	delete(c.triggers, key)
	return t, ok
}

// Run processes the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
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
		if err := c.sync(ctx, key); err != nil {
			slog.Debug("endpointslice sync failed", "service", key, "err", err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}
