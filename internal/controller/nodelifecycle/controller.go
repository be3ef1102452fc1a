// Package nodelifecycle watches node heartbeats (Leases and status), marks
// silent nodes Unknown, keeps the condition taints of every node, and
// evicts pods from NoExecute-tainted nodes once their tolerations expire.
package nodelifecycle

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	coordlisters "k8s.io/client-go/listers/coordination/v1"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// LeaseNamespace holds the kubelets' heartbeat Leases.
const LeaseNamespace = "kube-node-lease"

// podsByNode indexes pods by spec.nodeName.
const podsByNode = "nodelifecycle.rudder/node"

// Options configure the controller; zero values take Kubernetes' defaults.
type Options struct {
	GracePeriod            time.Duration // --node-monitor-grace-period, default 40s
	MonitorPeriod          time.Duration // how often heartbeats are checked, default 5s
	DefaultEvictionTimeout time.Duration // toleration assumed for not-ready/unreachable, default 300s
	Clock                  clock.WithTicker
}

// Controller is the node lifecycle controller.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	opts     Options
	nodes    corelisters.NodeLister
	leases   coordlisters.LeaseLister
	pods     cache.Indexer
	synced   []cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	health   *healthTracker

	mu        sync.Mutex
	lastReady map[string]corev1.ConditionStatus // for transition events
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.GracePeriod <= 0 {
		opts.GracePeriod = 40 * time.Second
	}
	if opts.MonitorPeriod <= 0 {
		opts.MonitorPeriod = 5 * time.Second
	}
	if opts.DefaultEvictionTimeout <= 0 {
		opts.DefaultEvictionTimeout = 300 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	nodeInf := factory.Core().V1().Nodes()
	leaseInf := factory.Coordination().V1().Leases()
	podInf := factory.Core().V1().Pods()
	_ = podInf.Informer().AddIndexers(cache.Indexers{podsByNode: indexByNode})
	c := &Controller{
		client: client, recorder: recorder, opts: opts,
		nodes: nodeInf.Lister(), leases: leaseInf.Lister(), pods: podInf.Informer().GetIndexer(),
		synced: []cache.InformerSynced{nodeInf.Informer().HasSynced, leaseInf.Informer().HasSynced, podInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Clock: opts.Clock}),
		health:    newHealthTracker(),
		lastReady: map[string]corev1.ConditionStatus{},
	}
	_, _ = nodeInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.nodeAdded,
		UpdateFunc: func(_, n any) { c.enqueueNode(n) },
		DeleteFunc: c.nodeDeleted,
	})
	_, _ = podInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podChanged,
		UpdateFunc: func(_, n any) { c.podChanged(n) },
	})
	return c
}

func indexByNode(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return nil, nil
	}
	return []string{pod.Spec.NodeName}, nil
}

func (c *Controller) enqueueNode(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) nodeAdded(obj any) {
	if node, ok := obj.(*corev1.Node); ok {
		c.recorder.Eventf(node, nil, corev1.EventTypeNormal, "RegisteredNode", "Register",
			"Node %s event: Registered Node %s in Controller", node.Name, node.Name)
	}
	c.enqueueNode(obj)
}

func (c *Controller) nodeDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	node, ok := obj.(*corev1.Node)
	if !ok {
		return
	}
	c.health.forget(node.Name)
	c.mu.Lock()
	delete(c.lastReady, node.Name)
	c.mu.Unlock()
	c.recorder.Eventf(node, nil, corev1.EventTypeNormal, "RemovingNode", "Remove",
		"Node %s event: Removing Node %s from Controller", node.Name, node.Name)
}

// podChanged re-checks the pod's node when the pod lands on, or changes
// tolerations on, a node with NoExecute taints.
func (c *Controller) podChanged(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok || pod.Spec.NodeName == "" {
		return
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if err != nil {
		return
	}
	for _, t := range node.Spec.Taints {
		if t.Effect == corev1.TaintEffectNoExecute {
			c.queue.Add(node.Name)
			return
		}
	}
}

// Run processes the queue and checks heartbeats until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	go wait.UntilWithContext(ctx, c.monitor, c.opts.MonitorPeriod)
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.syncNode(ctx, key); err != nil {
			slog.Debug("node lifecycle sync failed", "node", key, "err", err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

// monitor marks nodes whose heartbeats stopped for longer than the grace
// period as Unknown; the resulting update drives tainting and eviction.
func (c *Controller) monitor(ctx context.Context) {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	now := c.opts.Clock.Now()
	for _, node := range nodes {
		lease, _ := c.leases.Leases(LeaseNamespace).Get(node.Name)
		probe := c.health.observe(node, lease, now)
		if now.Sub(probe) <= c.opts.GracePeriod || readyStatus(node) == corev1.ConditionUnknown {
			continue
		}
		if err := c.markUnknown(ctx, node, now); err != nil {
			slog.Warn("marking node unknown", "node", node.Name, "err", err)
		}
	}
}

func (c *Controller) markUnknown(ctx context.Context, node *corev1.Node, now time.Time) error {
	n := node.DeepCopy()
	if !MarkUnknown(n, now) {
		return nil
	}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		return fmt.Errorf("updating status of node %s: %w", node.Name, err)
	}
	return nil
}
