// Package podgc removes pods nobody else will: finished pods beyond a
// threshold, pods bound to nodes that no longer exist, terminating pods
// that were never scheduled, and terminating pods stuck on dead nodes.
package podgc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	corelisters "k8s.io/client-go/listers/core/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"
)

// Options configure the collector; zero values take Kubernetes' defaults.
type Options struct {
	TerminatedPodThreshold int           // --terminated-pod-gc-threshold, default 12500; <0 disables
	Period                 time.Duration // how often to collect, default 20s
	OrphanQuarantine       time.Duration // how long a node must be missing, default 40s
	Clock                  clock.Clock
}

// Controller is the pod garbage collector.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	opts     Options
	pods     corelisters.PodLister
	nodes    corelisters.NodeLister
	synced   []cache.InformerSynced

	mu      sync.Mutex
	missing map[string]time.Time // node name -> first seen missing
}

// New wires the collector to a shared informer factory.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.TerminatedPodThreshold == 0 {
		opts.TerminatedPodThreshold = 12500
	}
	if opts.Period <= 0 {
		opts.Period = 20 * time.Second
	}
	if opts.OrphanQuarantine <= 0 {
		opts.OrphanQuarantine = 40 * time.Second
	}
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	podInf := factory.Core().V1().Pods()
	nodeInf := factory.Core().V1().Nodes()
	return &Controller{
		client: client, recorder: recorder, opts: opts,
		pods: podInf.Lister(), nodes: nodeInf.Lister(),
		synced:  []cache.InformerSynced{podInf.Informer().HasSynced, nodeInf.Informer().HasSynced},
		missing: map[string]time.Time{},
	}
}

// Run collects every Period until ctx ends. workers is accepted for the
// common controller signature; one pass at a time is enough.
func (c *Controller) Run(ctx context.Context, workers int) {
	if !cache.WaitForCacheSync(ctx.Done(), c.synced...) {
		return
	}
	wait.UntilWithContext(ctx, func(ctx context.Context) {
		if err := c.Collect(ctx); err != nil {
			slog.Debug("pod gc", "err", err)
		}
	}, c.opts.Period)
}

// Collect runs one garbage-collection pass.
func (c *Controller) Collect(ctx context.Context) error {
	pods, err := c.pods.List(labels.Everything())
	if err != nil {
		return err
	}
	now := c.opts.Clock.Now()
	var errs []error
	for _, p := range TerminatedOverThreshold(pods, c.opts.TerminatedPodThreshold) {
		errs = append(errs, c.forceDelete(ctx, p, ""))
	}
	c.forgetPresentNodes(pods)
	for _, p := range pods {
		errs = append(errs, c.collectOne(ctx, p, now))
	}
	return errors.Join(errs...)
}

func (c *Controller) collectOne(ctx context.Context, pod *corev1.Pod, now time.Time) error {
	if pod.Spec.NodeName == "" {
		if pod.DeletionTimestamp != nil {
			return c.forceDelete(ctx, pod, "")
		}
		return nil
	}
	node, err := c.nodes.Get(pod.Spec.NodeName)
	if apierrors.IsNotFound(err) {
		return c.collectOrphan(ctx, pod, now)
	}
	if err != nil {
		return err
	}
	if StuckTerminating(pod, node, now) {
		return c.forceDelete(ctx, pod, "")
	}
	return nil
}

// collectOrphan deletes a pod whose node has been missing for the whole
// quarantine, after asking the API server (not the cache) to confirm.
func (c *Controller) collectOrphan(ctx context.Context, pod *corev1.Pod, now time.Time) error {
	node := pod.Spec.NodeName
	c.mu.Lock()
	since, ok := c.missing[node]
	if !ok {
		c.missing[node] = now
		since = now
	}
	c.mu.Unlock()
	if now.Sub(since) < c.opts.OrphanQuarantine {
		return nil
	}
	if _, err := c.client.CoreV1().Nodes().Get(ctx, node, metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		return err
	}
	return c.forceDelete(ctx, pod, "PodGC: node no longer exists")
}

// forgetPresentNodes drops quarantine entries of nodes that exist again or
// hold no pods any more.
func (c *Controller) forgetPresentNodes(pods []*corev1.Pod) {
	onNode := map[string]bool{}
	for _, p := range pods {
		onNode[p.Spec.NodeName] = true
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for n := range c.missing {
		if _, err := c.nodes.Get(n); err == nil || !onNode[n] {
			delete(c.missing, n)
		}
	}
}

// forceDelete deletes with grace 0. With a reason the pod is first marked
// Failed with a DisruptionTarget condition, as Kubernetes' PodGC does for
// orphans, so controllers and users see why it went.
func (c *Controller) forceDelete(ctx context.Context, pod *corev1.Pod, reason string) error {
	if reason != "" && !terminated(pod) {
		p := pod.DeepCopy()
		p.Status.Phase = corev1.PodFailed
		p.Status.Conditions = append(p.Status.Conditions, corev1.PodCondition{
			Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, Reason: "DeletionByPodGC",
			Message: reason, LastTransitionTime: metav1.NewTime(c.opts.Clock.Now())})
		if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil && !apierrors.IsNotFound(err) {
			slog.Debug("pod gc: marking pod failed", "pod", p.Namespace+"/"+p.Name, "err", err)
		}
	}
	zero := int64(0)
	err := c.client.CoreV1().Pods(pod.Namespace).Delete(ctx, pod.Name, metav1.DeleteOptions{
		GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &pod.UID}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting pod %s/%s: %w", pod.Namespace, pod.Name, err)
	}
	slog.Info("pod gc: deleted pod", "pod", pod.Namespace+"/"+pod.Name, "reason", reason)
	return nil
}
