package e2e

import (
	"context"
	"fmt"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	watchtools "k8s.io/client-go/tools/watch"
)

// podEvent is one change of one pod, in the order the API server
// serialised it (resourceVersion order).
type podEvent struct {
	Type watch.EventType
	Pod  *corev1.Pod
}

// podRecorder keeps every pod event of one namespace (and label selector)
// from the moment it starts, so a test can replay the exact sequence of
// states afterwards: "never fewer than N ready" is a property of the whole
// sequence, which polling would miss.
type podRecorder struct {
	initial []corev1.Pod
	mu      sync.Mutex
	events  []podEvent
	err     error
	stop    context.CancelFunc
	done    chan struct{}
}

// recordPods lists the pods, then follows a watch from the list's
// resourceVersion (restarting it on recoverable errors) until the test ends
// or stop is called.
func recordPods(t *testing.T, cs kubernetes.Interface, ns, selector string) *podRecorder {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	list, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		cancel()
		t.Fatalf("listing pods in %s: %v", ns, err)
	}
	lw := &cache.ListWatch{WatchFunc: func(o metav1.ListOptions) (watch.Interface, error) {
		o.LabelSelector = selector
		return cs.CoreV1().Pods(ns).Watch(ctx, o)
	}}
	w, err := watchtools.NewRetryWatcher(list.ResourceVersion, lw)
	if err != nil {
		cancel()
		t.Fatalf("watching pods in %s: %v", ns, err)
	}
	r := &podRecorder{initial: list.Items, stop: cancel, done: make(chan struct{})}
	go r.follow(ctx, w)
	t.Cleanup(r.Stop)
	return r
}

func (r *podRecorder) follow(ctx context.Context, w *watchtools.RetryWatcher) {
	defer close(r.done)
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case ev, ok := <-w.ResultChan():
			if !ok {
				return
			}
			r.add(ev)
		}
	}
}

func (r *podRecorder) add(ev watch.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	switch ev.Type {
	case watch.Added, watch.Modified, watch.Deleted:
		if p, ok := ev.Object.(*corev1.Pod); ok {
			r.events = append(r.events, podEvent{Type: ev.Type, Pod: p})
		}
	case watch.Error:
		if r.err == nil {
			r.err = fmt.Errorf("watch error: %v", ev.Object)
		}
	}
}

// Stop ends the watch; idempotent.
func (r *podRecorder) Stop() {
	r.stop()
	<-r.done
}

// Events returns a copy of what was recorded so far, and the first watch
// error if any.
func (r *podRecorder) Events() ([]podEvent, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]podEvent(nil), r.events...), r.err
}

// replay calls visit with the set of live pods (by name) after the initial
// list and after every event, in order.
func (r *podRecorder) replay(t *testing.T, visit func(state map[string]*corev1.Pod, ev *podEvent)) {
	t.Helper()
	events, err := r.Events()
	if err != nil {
		t.Errorf("pod watch: %v", err)
	}
	state := map[string]*corev1.Pod{}
	for i := range r.initial {
		state[r.initial[i].Name] = &r.initial[i]
	}
	visit(state, nil)
	for i := range events {
		ev := &events[i]
		if ev.Type == watch.Deleted {
			delete(state, ev.Pod.Name)
		} else {
			state[ev.Pod.Name] = ev.Pod
		}
		visit(state, ev)
	}
}

// namesInOrder lists pod names of events of type typ, first occurrence
// each, in event order.
func (r *podRecorder) namesInOrder(typ watch.EventType) []string {
	events, _ := r.Events()
	seen := map[string]bool{}
	var out []string
	for _, ev := range events {
		if ev.Type == typ && !seen[ev.Pod.Name] {
			seen[ev.Pod.Name] = true
			out = append(out, ev.Pod.Name)
		}
	}
	return out
}

// podReady reports the pod's Ready condition.
func podReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// serving is a pod that counts toward availability: Ready and not being
// deleted.
func serving(p *corev1.Pod) bool { return podReady(p) && p.DeletionTimestamp == nil }

// active is a pod a Job counts as running: not finished, not being deleted.
func active(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// countPods counts pods in state for which pred holds.
func countPods(state map[string]*corev1.Pod, pred func(*corev1.Pod) bool) int {
	n := 0
	for _, p := range state {
		if pred(p) {
			n++
		}
	}
	return n
}
