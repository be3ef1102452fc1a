// Package namespace empties namespaces being deleted, then releases them.
package namespace

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// Controller drives terminating namespaces to deletion.
type Controller struct {
	client kubernetes.Interface
	meta   metadata.Interface
	disc   discovery.DiscoveryInterface
	lister cache.Indexer
	synced cache.InformerSynced
	queue  workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, meta metadata.Interface, factory informers.SharedInformerFactory) *Controller {
	inf := factory.Core().V1().Namespaces().Informer()
	c := &Controller{
		client: client,
		meta:   meta,
		disc:   client.Discovery(),
		lister: inf.GetIndexer(),
		synced: inf.HasSynced,
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			100*time.Millisecond, 5*time.Second)),
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueue,
		UpdateFunc: func(_, n any) { c.enqueue(n) },
	})
	return c
}

func (c *Controller) enqueue(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok && ns.DeletionTimestamp != nil {
		c.queue.Add(ns.Name)
	}
}

// Run processes the queue until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	defer c.queue.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), c.synced) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, c.worker, time.Second)
	}
	<-ctx.Done()
}

func (c *Controller) worker(ctx context.Context) {
	for {
		name, quit := c.queue.Get()
		if quit {
			return
		}
		err := c.sync(ctx, name)
		switch {
		case err == nil:
			c.queue.Forget(name)
		default:
			slog.Debug("namespace not finished", "namespace", name, "reason", err)
			c.queue.AddRateLimited(name)
		}
		c.queue.Done(name)
	}
}

// errRemaining means content is still being deleted; retry later.
type errRemaining struct{ left int }

func (e errRemaining) Error() string { return fmt.Sprintf("%d objects remaining", e.left) }

func (c *Controller) sync(ctx context.Context, name string) error {
	obj, ok, err := c.lister.GetByKey(name)
	if err != nil || !ok {
		return err
	}
	ns := obj.(*corev1.Namespace)
	if ns.DeletionTimestamp == nil || !hasFinalizer(ns) {
		return nil
	}
	left, err := c.deleteContent(ctx, name)
	if err != nil {
		return err
	}
	if left > 0 {
		return errRemaining{left}
	}
	return c.finalize(ctx, ns)
}

// deleteContent issues a deletecollection for every namespaced resource
// and counts what is still there.
func (c *Controller) deleteContent(ctx context.Context, ns string) (int, error) {
	lists, err := c.disc.ServerPreferredNamespacedResources()
	if err != nil && len(lists) == 0 {
		return 0, fmt.Errorf("discovery: %w", err)
	}
	left := 0
	bg := metav1.DeletePropagationBackground
	for _, l := range lists {
		gv, err := schema.ParseGroupVersion(l.GroupVersion)
		if err != nil {
			continue
		}
		for _, r := range l.APIResources {
			if !hasVerbs(r.Verbs, "list", "deletecollection") {
				continue
			}
			client := c.meta.Resource(gv.WithResource(r.Name)).Namespace(ns)
			err := client.DeleteCollection(ctx, metav1.DeleteOptions{PropagationPolicy: &bg}, metav1.ListOptions{})
			if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsMethodNotSupported(err) {
				return 0, fmt.Errorf("deleting %s in %s: %w", r.Name, ns, err)
			}
			items, err := client.List(ctx, metav1.ListOptions{})
			if err != nil {
				return 0, fmt.Errorf("listing %s in %s: %w", r.Name, ns, err)
			}
			left += len(items.Items)
		}
	}
	return left, nil
}

func (c *Controller) finalize(ctx context.Context, ns *corev1.Namespace) error {
	ns = ns.DeepCopy()
	var keep []corev1.FinalizerName
	for _, f := range ns.Spec.Finalizers {
		if f != corev1.FinalizerKubernetes {
			keep = append(keep, f)
		}
	}
	ns.Spec.Finalizers = keep
	_, err := c.client.CoreV1().Namespaces().Finalize(ctx, ns, metav1.UpdateOptions{})
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}

func hasFinalizer(ns *corev1.Namespace) bool {
	for _, f := range ns.Spec.Finalizers {
		if f == corev1.FinalizerKubernetes {
			return true
		}
	}
	return false
}

func hasVerbs(have []string, want ...string) bool {
	set := map[string]bool{}
	for _, v := range have {
		set[v] = true
	}
	for _, w := range want {
		if !set[w] {
			return false
		}
	}
	return true
}
