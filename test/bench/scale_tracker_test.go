package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// scaleTracker follows the pods of one namespace and records when each
// milestone was first observed: pod created, bound (spec.nodeName set),
// Running. Times are when this process saw the event, which includes the
// watch delivery delay (milliseconds) but no polling error.
type scaleTracker struct {
	want int

	mu      sync.Mutex
	created map[types.UID]bool
	bound   map[types.UID]bool
	running map[types.UID]bool
	marks   scaleMarks
	done    chan struct{} // closed when want pods are Running
}

// scaleMarks are the observation times of the milestones; zero until seen.
type scaleMarks struct {
	firstCreated, allCreated time.Time
	firstBound, allBound     time.Time
	firstRunning, allRunning time.Time
}

func newScaleTracker(want int) *scaleTracker {
	return &scaleTracker{
		want:    want,
		created: make(map[types.UID]bool, want),
		bound:   make(map[types.UID]bool, want),
		running: make(map[types.UID]bool, want),
		done:    make(chan struct{}),
	}
}

// observe updates the counts from one pod as seen at now.
func (t *scaleTracker) observe(p *corev1.Pod, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.mark(t.created, p.UID, true, now, &t.marks.firstCreated, &t.marks.allCreated)
	t.mark(t.bound, p.UID, p.Spec.NodeName != "", now, &t.marks.firstBound, &t.marks.allBound)
	if t.mark(t.running, p.UID, p.Status.Phase == corev1.PodRunning, now, &t.marks.firstRunning, &t.marks.allRunning) {
		close(t.done)
	}
}

// mark records uid in set when cond holds, stamping first and all; it
// reports whether this call completed the set.
func (t *scaleTracker) mark(set map[types.UID]bool, uid types.UID, cond bool, now time.Time, first, all *time.Time) bool {
	if !cond || set[uid] {
		return false
	}
	set[uid] = true
	if len(set) == 1 {
		*first = now
	}
	if len(set) == t.want {
		*all = now
		return true
	}
	return false
}

// snapshot returns the marks and the current counts.
func (t *scaleTracker) snapshot() (m scaleMarks, created, bound, running int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.marks, len(t.created), len(t.bound), len(t.running)
}

func (t *scaleTracker) String() string {
	_, c, b, r := t.snapshot()
	return fmt.Sprintf("%d/%d created, %d bound, %d running", c, t.want, b, r)
}

// scaleWatchPods runs a pod informer on ns feeding t until ctx ends, and
// returns once its first list has been delivered.
func scaleWatchPods(ctx context.Context, cs kubernetes.Interface, ns string, t *scaleTracker) error {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	// Managed fields are large and of no use here; the test process shares
	// the two cores with what it measures, so keep its work small.
	if err := inf.SetTransform(cache.TransformFunc(func(obj any) (any, error) {
		if p, ok := obj.(*corev1.Pod); ok {
			p.ManagedFields = nil
		}
		return obj, nil
	})); err != nil {
		return fmt.Errorf("pod informer transform: %w", err)
	}
	handle := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			t.observe(p, time.Now())
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    handle,
		UpdateFunc: func(_, obj any) { handle(obj) },
	}); err != nil {
		return fmt.Errorf("pod informer handler: %w", err)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("pod informer of %s did not sync: %w", ns, ctx.Err())
	}
	return nil
}
