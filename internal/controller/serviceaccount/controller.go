// Package serviceaccount makes sure every active namespace has the
// `default` ServiceAccount, recreating it when deleted.
package serviceaccount

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
)

// DefaultName is the ServiceAccount every namespace gets.
const DefaultName = "default"

// Options configure the controller.
type Options struct {
	// Names of the accounts to ensure; default ["default"].
	Names []string
}

// Controller ensures the default ServiceAccounts.
type Controller struct {
	client     kubernetes.Interface
	recorder   events.EventRecorder
	names      []string
	namespaces corelisters.NamespaceLister
	accounts   corelisters.ServiceAccountLister
	synced     []cache.InformerSynced
	queue      workqueue.TypedRateLimitingInterface[string]
}

// New wires the controller to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if len(opts.Names) == 0 {
		opts.Names = []string{DefaultName}
	}
	nsInf := factory.Core().V1().Namespaces()
	saInf := factory.Core().V1().ServiceAccounts()
	c := &Controller{
		client: client, recorder: recorder, names: opts.Names,
		namespaces: nsInf.Lister(), accounts: saInf.Lister(),
		synced: []cache.InformerSynced{nsInf.Informer().HasSynced, saInf.Informer().HasSynced},
		queue: workqueue.NewTypedRateLimitingQueue(workqueue.NewTypedItemExponentialFailureRateLimiter[string](
			100*time.Millisecond, 30*time.Second)),
	}
	_, _ = nsInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.namespaceChanged,
		UpdateFunc: func(_, n any) { c.namespaceChanged(n) },
	})
	_, _ = saInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		DeleteFunc: c.accountDeleted,
	})
	return c
}

func (c *Controller) namespaceChanged(obj any) {
	if ns, ok := obj.(*corev1.Namespace); ok {
		c.queue.Add(ns.Name)
	}
}

func (c *Controller) accountDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if sa, ok := obj.(*corev1.ServiceAccount); ok {
		c.queue.Add(sa.Namespace)
	}
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
		ns, quit := c.queue.Get()
		if quit {
			return
		}
		if err := c.sync(ctx, ns); err != nil {
			slog.Debug("service account sync failed", "namespace", ns, "err", err)
			c.queue.AddRateLimited(ns)
		} else {
			c.queue.Forget(ns)
		}
		c.queue.Done(ns)
	}
}

func (c *Controller) sync(ctx context.Context, name string) error {
	ns, err := c.namespaces.Get(name)
	if apierrors.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	// A terminating namespace refuses new objects; creating would fail.
	if (ns.Status.Phase != corev1.NamespaceActive && ns.Status.Phase != "") || ns.DeletionTimestamp != nil {
		return nil
	}
	for _, sa := range c.names {
		if _, err := c.accounts.ServiceAccounts(name).Get(sa); err == nil {
			continue
		}
		obj := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Namespace: name, Name: sa}}
		_, err := c.client.CoreV1().ServiceAccounts(name).Create(ctx, obj, metav1.CreateOptions{})
		if err != nil && !apierrors.IsAlreadyExists(err) {
			if apierrors.IsForbidden(err) && apierrors.HasStatusCause(err, corev1.NamespaceTerminatingCause) {
				return nil
			}
			return fmt.Errorf("creating service account %s/%s: %w", name, sa, err)
		}
	}
	return nil
}
