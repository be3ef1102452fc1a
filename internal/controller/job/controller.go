// Package job runs Jobs: it creates pods from a job's template until
// enough succeed, counts their outcomes through the job-tracking
// finalizer, and marks the job Complete or Failed.
package job

import (
	"context"
	"fmt"
	"log/slog"
	"rudder/internal/controller/ctrlutil"
	"sync"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	batchlisters "k8s.io/client-go/listers/batch/v1"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"
	"k8s.io/utils/clock"
)

// podsByJobIndex indexes pods by the job named in their controller
// reference ("<ns>/<job name>"), whatever its uid, so pods of a deleted
// job can still be found and released.
const podsByJobIndex = "rudder.job.controllerRef"

// Options tune the controller; the zero value gives Kubernetes' defaults.
type Options struct {
	// Clock drives deadlines and backoff; tests inject a fake one.
	Clock clock.WithTicker
	// PodBackoffBase is the delay before replacing a failed pod, doubled
	// for each further failure (Kubernetes: 10s); negative disables it.
	PodBackoffBase time.Duration
	// PodBackoffMax caps that delay (Kubernetes: 6m).
	PodBackoffMax time.Duration
}

// Controller reconciles Jobs with their pods.
type Controller struct {
	client   kubernetes.Interface
	recorder events.EventRecorder
	clock    clock.WithTicker
	opts     Options

	jobs      batchlisters.JobLister
	podIndex  cache.Indexer
	synced    []cache.InformerSynced
	queue     workqueue.TypedRateLimitingInterface[string]
	expect    *expectations
	backoffMu sync.Mutex
	backoffs  map[string]backoff // by job key
	written   writtenVersions
	releases  releasedPods
}

// backoff records failures since the job's last success.
type backoff struct {
	failures int
	last     time.Time
}

// New wires the controller to the shared informers; Run starts it.
func New(client kubernetes.Interface, factory informers.SharedInformerFactory, recorder events.EventRecorder, opts Options) *Controller {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.PodBackoffBase == 0 {
		opts.PodBackoffBase = 10 * time.Second
	}
	if opts.PodBackoffMax == 0 {
		opts.PodBackoffMax = 6 * time.Minute
	}
	jobInf := factory.Batch().V1().Jobs()
	podInf := factory.Core().V1().Pods().Informer()
	c := &Controller{
		client:   client,
		recorder: recorder,
		clock:    opts.Clock,
		opts:     opts,
		jobs:     jobInf.Lister(),
		podIndex: podInf.GetIndexer(),
		synced:   []cache.InformerSynced{jobInf.Informer().HasSynced, podInf.HasSynced},
		queue: workqueue.NewTypedRateLimitingQueueWithConfig(
			workqueue.NewTypedItemExponentialFailureRateLimiter[string](50*time.Millisecond, 30*time.Second),
			workqueue.TypedRateLimitingQueueConfig[string]{Name: "job", Clock: opts.Clock}),
		expect:   newExpectations(),
		backoffs: map[string]backoff{},
	}
	if err := podInf.AddIndexers(cache.Indexers{podsByJobIndex: indexByJob}); err != nil {
		slog.Error("job controller: pod index", "err", err)
	}
	_, _ = jobInf.Informer().AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.enqueueJob,
		UpdateFunc: func(_, n any) { c.enqueueJob(n) },
		DeleteFunc: c.enqueueJob,
	})
	_, _ = podInf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    c.podAdded,
		UpdateFunc: c.podUpdated,
		DeleteFunc: c.podDeleted,
	})
	return c
}

func indexByJob(obj any) ([]string, error) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return nil, nil
	}
	if key, ok := jobKeyOf(pod); ok {
		return []string{key}, nil
	}
	return nil, nil
}

// jobKeyOf names the job that controls a pod.
func jobKeyOf(pod *corev1.Pod) (string, bool) {
	ref := metav1.GetControllerOf(pod)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != batchv1.SchemeGroupVersion.String() {
		return "", false
	}
	return pod.Namespace + "/" + ref.Name, true
}

func (c *Controller) enqueueJob(obj any) {
	key, err := cache.DeletionHandlingMetaNamespaceKeyFunc(obj)
	if err == nil {
		c.queue.Add(key)
	}
}

func podOf(obj any) *corev1.Pod {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, _ := obj.(*corev1.Pod)
	return pod
}

func (c *Controller) podAdded(obj any) {
	pod := podOf(obj)
	if pod == nil {
		return
	}
	if key, ok := jobKeyOf(pod); ok {
		c.expect.observe(key, 1, 0)
		c.queue.Add(key)
	}
}

func (c *Controller) podUpdated(oldObj, newObj any) {
	old, pod := podOf(oldObj), podOf(newObj)
	if pod == nil || old == nil || old.ResourceVersion == pod.ResourceVersion {
		return
	}
	key, ok := jobKeyOf(pod)
	if !ok {
		return
	}
	if old.DeletionTimestamp == nil && pod.DeletionTimestamp != nil {
		// A pod with the tracking finalizer stays in storage when
		// deleted: the deletionTimestamp is the deletion we expected.
		c.expect.observe(key, 0, 1)
	}
	c.queue.Add(key)
}

func (c *Controller) podDeleted(obj any) {
	pod := podOf(obj)
	if pod == nil {
		return
	}
	if key, ok := jobKeyOf(pod); ok {
		if pod.DeletionTimestamp == nil {
			c.expect.observe(key, 0, 1)
		}
		c.queue.Add(key)
	}
}

// Run processes the queue with workers goroutines until ctx ends.
func (c *Controller) Run(ctx context.Context, workers int) {
	ctrlutil.RunQueue(ctx, "job", c.queue, c.synced, workers, c.sync)
}

// event records an Event about a job; a nil recorder records nothing.
func (c *Controller) event(job *batchv1.Job, typ, reason, action, note string, args ...any) {
	if c.recorder != nil {
		c.recorder.Eventf(job, nil, typ, reason, action, note, args...)
	}
}

func splitKey(key string) (string, string, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return "", "", fmt.Errorf("bad job key %q: %w", key, err)
	}
	return ns, name, nil
}
