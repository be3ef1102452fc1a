// Package nodeipam gives every Node a pod CIDR (spec.podCIDR/podCIDRs)
// from the cluster CIDR, one node-sized subnet each, never the same twice.
package nodeipam

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// Options configure the controller.
type Options struct {
	ClusterCIDR  string // default 10.42.0.0/16
	NodeMaskSize int    // default 24
}

// Controller assigns pod CIDRs.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	nodes    corelisters.NodeLister
	synced   cache.InformerSynced
	queue    workqueue.TypedRateLimitingInterface[string]
	alloc    *Allocator
}

// New wires the controller to a shared informer factory. It fails on a bad
// cluster CIDR or mask.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) (*Controller, error) {
	if opts.ClusterCIDR == "" {
		opts.ClusterCIDR = "10.42.0.0/16"
	}
	if opts.NodeMaskSize == 0 {
		opts.NodeMaskSize = 24
	}
	alloc, err := NewAllocator(opts.ClusterCIDR, opts.NodeMaskSize)
	if err != nil {
		return nil, err
	}
	inf := factory.Core().V1().Nodes()
	c := &Controller{
		client: client, recorder: recorder, nodes: inf.Lister(), synced: inf.Informer().HasSynced, alloc: alloc,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			100*time.Millisecond, 30*time.Second)),
	}
	_, _ = inf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
		DeleteFunc: c.enqueue,
	})
	return c, nil
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// Run rebuilds the allocation from the existing nodes, then processes the
// queue until ctx ends. Allocation only starts once every existing
// assignment is known, so none can be handed out again.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	c.rebuild()
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) rebuild() {
	nodes, err := c.nodes.List(labels.Everything())
	if err != nil {
		return
	}
	for _, n := range nodes {
		for _, cidr := range podCIDRs(n) {
			if err := c.alloc.Occupy(n.Name, cidr); err != nil {
				slog.Warn("pod CIDR outside the allocator", "node", n.Name, "err", err)
			}
		}
	}
}

func podCIDRs(n *corev1.Node) []string {
	if len(n.Spec.PodCIDRs) > 0 {
		return n.Spec.PodCIDRs
	}
	if n.Spec.PodCIDR != "" {
		return []string{n.Spec.PodCIDR}
	}
	return nil
}

func (c *Controller) worker(ctx context.Context) {
	for {
		key, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.sync(ctx, key); err != nil {
			slog.Debug("node ipam sync failed", "node", key, "err", err)
			c.queue.AddRateLimited(key)
		} else {
			c.queue.Forget(key)
		}
		c.queue.Done(key)
	}
}

func (c *Controller) sync(ctx context.Context, name string) error {
	node, err := c.nodes.Get(name)
	if apierrors.IsNotFound(err) {
		c.alloc.Release(name)
		return nil
	}
	if err != nil {
		return err
	}
	if cidrs := podCIDRs(node); len(cidrs) > 0 {
		// Already set (by us or an administrator): remember it.
		for _, cidr := range cidrs {
			_ = c.alloc.Occupy(name, cidr)
		}
		return nil
	}
	cidr, err := c.alloc.Allocate(name)
	if errors.Is(err, ErrFull) {
		c.recorder.Eventf(node, nil, corev1.EventTypeNormal, "CIDRNotAvailable", "AllocateCIDR",
			"Node %s status is now: CIDRNotAvailable", name)
		return err
	}
	if err != nil {
		return err
	}
	patch := fmt.Sprintf(`{"spec":{"podCIDR":%q,"podCIDRs":[%q]}}`, cidr, cidr)
	_, err = c.client.CoreV1().Nodes().Patch(ctx, name, types.MergePatchType, []byte(patch), metav1.PatchOptions{})
	if apierrors.IsNotFound(err) {
		c.alloc.Release(name)
		return nil
	}
	if err != nil {
		c.recorder.Eventf(node, nil, corev1.EventTypeWarning, "CIDRAssignmentFailed", "AllocateCIDR",
			"Node %s status is now: CIDRAssignmentFailed", name)
		return fmt.Errorf("setting pod CIDR of node %s: %w", name, err)
	}
	return nil
}
