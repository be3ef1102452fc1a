// Package endpoints keeps the Endpoints object of every Service with a
// selector in step with the pods it selects, and maintains the `kubernetes`
// Service in `default` that points at the API server.
package endpoints

import (
	"context"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// Annotations and labels Kubernetes puts on the Endpoints it manages.
const (
	TriggerTimeAnnotation  = "endpoints.kubernetes.io/last-change-trigger-time"
	OverCapacityAnnotation = "endpoints.kubernetes.io/over-capacity"
	SkipMirrorLabel        = "endpointslice.kubernetes.io/skip-mirror"
	HeadlessLabel          = "service.kubernetes.io/headless"
)

// Options configure the controller. An empty APIServerAddress disables the
// `kubernetes` Service.
type Options struct {
	APIServerAddress    string // IP the API server advertises
	APIServerPort       int32
	KubernetesServiceIP string        // default 10.43.0.1
	ReconcileInterval   time.Duration // how often the kubernetes Service is re-checked; default 10s
}

// Controller writes Endpoints.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	opts     Options
	services corelisters.ServiceLister
	pods     corelisters.PodLister
	eps      corelisters.EndpointsLister
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	triggers *triggerTimes
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.KubernetesServiceIP == "" {
		opts.KubernetesServiceIP = "10.43.0.1"
	}
	if opts.ReconcileInterval == 0 {
		opts.ReconcileInterval = 10 * time.Second
	}
	svcInf := factory.Core().V1().Services()
	podInf := factory.Core().V1().Pods()
	epInf := factory.Core().V1().Endpoints()
	c := &Controller{
		client:   client,
		recorder: recorder,
		opts:     opts,
		services: svcInf.Lister(),
		pods:     podInf.Lister(),
		eps:      epInf.Lister(),
		synced:   []cache.InformerSynced{svcInf.Informer().HasSynced, podInf.Informer().HasSynced, epInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			50*time.Millisecond, 30*time.Second)),
		triggers: newTriggerTimes(),
	}
	_, _ = svcInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueService,
		UpdateFunc: func(_, n any) { c.enqueueService(n) },
		DeleteFunc: c.enqueueService,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    func(o any) { c.podChanged(nil, o) },
		UpdateFunc: c.podChanged,
		DeleteFunc: func(o any) { c.podChanged(nil, o) },
	})
	// Someone editing or deleting a managed Endpoints gets it rewritten.
	_, _ = epInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		UpdateFunc: func(_, n any) { c.enqueueKey(n) },
		DeleteFunc: c.enqueueKey,
	})
	return c
}

func (c *Controller) enqueueService(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err != nil {
		return
	}
	c.triggers.note(key, time.Now())
	c.queue.Add(key)
}

func (c *Controller) enqueueKey(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// podChanged enqueues every Service that selects the pod now or selected it
// before the change.
func (c *Controller) podChanged(oldObj, newObj any) {
	pods := []*corev1.Pod{podOf(oldObj), podOf(newObj)}
	seen := map[string]bool{}
	for _, pod := range pods {
		if pod == nil {
			continue
		}
		svcs, err := c.services.Services(pod.Namespace).List(labels.Everything())
		if err != nil {
			continue
		}
		for _, svc := range svcs {
			if len(svc.Spec.Selector) == 0 || !labels.SelectorFromSet(svc.Spec.Selector).Matches(labels.Set(pod.Labels)) {
				continue
			}
			key := svc.Namespace + "/" + svc.Name
			if !seen[key] {
				seen[key] = true
				c.triggers.note(key, time.Now())
				c.queue.Add(key)
			}
		}
	}
}

func podOf(obj any) *corev1.Pod {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, _ := obj.(*corev1.Pod)
	return pod
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
	if c.opts.APIServerAddress != "" {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			if err := c.reconcileKubernetesService(ctx); err != nil {
				slog.Warn("kubernetes service", "err", err)
			}
		}, c.opts.ReconcileInterval)
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
			slog.Debug("endpoints sync failed", "service", key, "err", err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

// triggerTimes remembers, per Service, the first change not yet written to
// its Endpoints: that is what last-change-trigger-time reports.
type triggerTimes struct {
	mu sync.Mutex
	m  map[string]time.Time
}

func newTriggerTimes() *triggerTimes { return &triggerTimes{m: map[string]time.Time{}} }

func (t *triggerTimes) note(key string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if _, ok := t.m[key]; !ok {
		t.m[key] = at
	}
}

// take returns and forgets the pending trigger time of key.
func (t *triggerTimes) take(key string) (time.Time, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	at, ok := t.m[key]
	delete(t.m, key)
	return at, ok
}
