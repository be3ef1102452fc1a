package bench

import (
	"context"
	"fmt"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
)

// startupMarks is one pod's timeline. Client-side marks are this process's
// clock at the moment it sent the create or first saw a state in its
// informer; server-side marks come from the object (RFC 3339, so whole
// seconds); runtime marks from containerd over CRI (nanoseconds). All clocks
// are the same machine's.
type startupMarks struct {
	uid string

	sent, acked              time.Time // create request sent / answered
	bound, running, ready    time.Time // first observed nodeName, Running, Ready
	created, started, ready2 time.Time // creationTimestamp, containerStatuses startedAt, Ready lastTransitionTime

	sandbox, ctrCreated, ctrStarted time.Time // CRI: sandbox created, container created, started
}

// startupTracker records every pod's first observations of its milestones
// and closes allReady once want pods are Ready.
type startupTracker struct {
	mu       sync.Mutex
	want     int
	pods     map[string]*startupMarks
	nReady   int
	allReady chan struct{}
}

func newStartupTracker(want int) *startupTracker {
	return &startupTracker{want: want, pods: map[string]*startupMarks{}, allReady: make(chan struct{})}
}

func (t *startupTracker) marks(name string) *startupMarks {
	m := t.pods[name]
	if m == nil {
		m = &startupMarks{}
		t.pods[name] = m
	}
	return m
}

// sent and acked record the client's side of a create.
func (t *startupTracker) sent(name string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.marks(name).sent = at
}

func (t *startupTracker) acked(name string, at time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.marks(name).acked = at
}

// observe records what a watch event shows of the pod at time now.
func (t *startupTracker) observe(p *corev1.Pod, now time.Time) {
	t.mu.Lock()
	defer t.mu.Unlock()
	m := t.marks(p.Name)
	m.uid = string(p.UID)
	m.created = p.CreationTimestamp.Time
	if m.bound.IsZero() && p.Spec.NodeName != "" {
		m.bound = now
	}
	if m.running.IsZero() && startupRunning(p) {
		m.running = now
		m.started = startupStartedAt(p)
	}
	if m.ready.IsZero() && startupReadyCond(p) != nil {
		m.ready = now
		m.ready2 = startupReadyCond(p).LastTransitionTime.Time
		t.nReady++
		if t.nReady == t.want {
			close(t.allReady)
		}
	}
}

// startupRunning: phase Running and every container reported running.
func startupRunning(p *corev1.Pod) bool {
	if p.Status.Phase != corev1.PodRunning || len(p.Status.ContainerStatuses) != len(p.Spec.Containers) {
		return false
	}
	for _, cs := range p.Status.ContainerStatuses {
		if cs.State.Running == nil {
			return false
		}
	}
	return true
}

// startupStartedAt is the latest container start the kubelet reported.
func startupStartedAt(p *corev1.Pod) time.Time {
	var last time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if r := cs.State.Running; r != nil && r.StartedAt.After(last) {
			last = r.StartedAt.Time
		}
	}
	return last
}

// startupReadyCond is the pod's Ready condition when it is True.
func startupReadyCond(p *corev1.Pod) *corev1.PodCondition {
	for i, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// snapshot copies the timelines, for computing figures after the run.
func (t *startupTracker) snapshot() map[string]startupMarks {
	t.mu.Lock()
	defer t.mu.Unlock()
	out := make(map[string]startupMarks, len(t.pods))
	for k, v := range t.pods {
		out[k] = *v
	}
	return out
}

func (t *startupTracker) uids() []string {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []string
	for _, m := range t.pods {
		if m.uid != "" {
			out = append(out, m.uid)
		}
	}
	return out
}

func (t *startupTracker) readyCount() int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.nReady
}

// startupWatch runs an informer on ns's pods feeding t until ctx ends, and
// returns once its cache has synced.
func startupWatch(ctx context.Context, cs kubernetes.Interface, ns string, t *startupTracker) error {
	f := informers.NewSharedInformerFactoryWithOptions(cs, 0, informers.WithNamespace(ns))
	inf := f.Core().V1().Pods().Informer()
	seen := func(obj any) {
		if p, ok := obj.(*corev1.Pod); ok {
			t.observe(p, time.Now())
		}
	}
	if _, err := inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc:    seen,
		UpdateFunc: func(_, obj any) { seen(obj) },
	}); err != nil {
		return fmt.Errorf("pod informer handler: %w", err)
	}
	f.Start(ctx.Done())
	if !cache.WaitForCacheSync(ctx.Done(), inf.HasSynced) {
		return fmt.Errorf("pod informer of %s did not sync", ns)
	}
	return nil
}

// wait blocks until every pod is Ready, ctx ends or timeout passes.
func (t *startupTracker) wait(ctx context.Context, timeout time.Duration) error {
	select {
	case <-t.allReady:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(timeout):
		return fmt.Errorf("%d of %d pods Ready after %s", t.readyCount(), t.want, timeout)
	}
}
