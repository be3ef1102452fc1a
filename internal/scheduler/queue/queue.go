// Package queue is the scheduling queue: activeQ (ready, by priority then
// age), backoffQ (waiting out a per-pod exponential backoff) and the
// unschedulable pods (waiting for a cluster event that may help them).
package queue

import (
	"context"
	"errors"
	"sync"
	"time"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/utils/clock"

	fw "rudder/internal/scheduler/framework"
)

// Defaults as in Kubernetes.
const (
	DefaultInitialBackoff           = 1 * time.Second
	DefaultMaxBackoff               = 10 * time.Second
	DefaultMaxUnschedulableDuration = 5 * time.Minute
	backoffFlushPeriod              = 1 * time.Second
	unschedulableFlushPeriod        = 30 * time.Second
)

// ErrClosed is returned by Pop once the queue is closed.
var ErrClosed = errors.New("scheduling queue is closed")

// QueuedPodInfo is a pod in the queue with its scheduling history.
type QueuedPodInfo struct {
	*fw.PodInfo
	// Timestamp is when the pod last entered the queue (or failed); it
	// orders equal priorities and starts the backoff.
	Timestamp time.Time
	// Attempts counts scheduling attempts.
	Attempts int
	// InitialAttemptTimestamp is when the pod was first popped.
	InitialAttemptTimestamp time.Time
	// UnschedulablePlugins rejected the pod in its last attempt; only
	// events those plugins care about move it back.
	UnschedulablePlugins sets.Set[string]
}

// Options configure the queue; zero values take the defaults.
type Options struct {
	Clock                    clock.WithTicker
	InitialBackoff           time.Duration
	MaxBackoff               time.Duration
	MaxUnschedulableDuration time.Duration
	// EventPlugins maps each cluster event to the plugins it may help.
	EventPlugins map[fw.ClusterEvent]sets.Set[string]
}

type inFlight struct {
	latest  *v1.Pod // newest version seen while the pod was being scheduled
	updated bool
	deleted bool
}

// PriorityQueue is safe for concurrent use.
type PriorityQueue struct {
	opts Options
	mu   sync.Mutex
	cond *sync.Cond

	active        *podHeap
	backoff       *podHeap
	unschedulable map[types.UID]*QueuedPodInfo
	inFlight      map[types.UID]*inFlight

	// schedulingCycle counts pops; moveRequestCycle is the cycle of the
	// last move event. A pod that fails in a cycle that saw a move event
	// goes to backoff, not unschedulable, so it does not miss that event.
	schedulingCycle  int64
	moveRequestCycle int64
	closed           bool

	nominator *nominator
}

// New builds a queue.
func New(opts Options) *PriorityQueue {
	if opts.Clock == nil {
		opts.Clock = clock.RealClock{}
	}
	if opts.InitialBackoff <= 0 {
		opts.InitialBackoff = DefaultInitialBackoff
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = DefaultMaxBackoff
	}
	if opts.MaxUnschedulableDuration <= 0 {
		opts.MaxUnschedulableDuration = DefaultMaxUnschedulableDuration
	}
	q := &PriorityQueue{
		opts:          opts,
		unschedulable: map[types.UID]*QueuedPodInfo{},
		inFlight:      map[types.UID]*inFlight{},
		nominator:     newNominator(),
	}
	q.cond = sync.NewCond(&q.mu)
	q.active = newPodHeap(activeLess)
	q.backoff = newPodHeap(func(a, b *QueuedPodInfo) bool { return q.backoffExpiry(a).Before(q.backoffExpiry(b)) })
	return q
}

// activeLess: higher priority first, then the pod waiting longest.
func activeLess(a, b *QueuedPodInfo) bool {
	pa, pb := fw.PodPriority(a.Pod), fw.PodPriority(b.Pod)
	if pa != pb {
		return pa > pb
	}
	return a.Timestamp.Before(b.Timestamp)
}

// Run flushes backoffQ every second and long-unschedulable pods every 30s
// until ctx ends, then closes the queue.
func (q *PriorityQueue) Run(ctx context.Context) {
	backoff := q.opts.Clock.NewTicker(backoffFlushPeriod)
	unsched := q.opts.Clock.NewTicker(unschedulableFlushPeriod)
	defer backoff.Stop()
	defer unsched.Stop()
	for {
		select {
		case <-ctx.Done():
			q.Close()
			return
		case <-backoff.C():
			q.FlushBackoffCompleted()
		case <-unsched.C():
			q.FlushUnschedulableLeftover()
		}
	}
}

// Close wakes Pop callers; Pop then returns ErrClosed.
func (q *PriorityQueue) Close() {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.closed = true
	q.cond.Broadcast()
}

func (q *PriorityQueue) newInfo(pod *v1.Pod) *QueuedPodInfo {
	return &QueuedPodInfo{PodInfo: fw.NewPodInfo(pod), Timestamp: q.opts.Clock.Now()}
}

// Add queues a new pending pod.
func (q *PriorityQueue) Add(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.removeLocked(pod.UID)
	pi := q.newInfo(pod)
	q.active.addOrUpdate(pi)
	q.nominator.add(pi.PodInfo, "")
	q.cond.Broadcast()
}

// Update replaces a queued pod. A pod parked as unschedulable is retried if
// its spec or metadata changed (the change may make it fit).
func (q *PriorityQueue) Update(oldPod, newPod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	uid := newPod.UID
	if f, ok := q.inFlight[uid]; ok {
		f.latest, f.updated = newPod, true
		return
	}
	if pi, ok := q.active.get(uid); ok {
		q.replace(pi, newPod)
		q.active.addOrUpdate(pi)
		return
	}
	if pi, ok := q.backoff.get(uid); ok {
		q.replace(pi, newPod)
		q.backoff.addOrUpdate(pi)
		return
	}
	if pi, ok := q.unschedulable[uid]; ok {
		q.replace(pi, newPod)
		if oldPod == nil || podChanged(oldPod, newPod) {
			delete(q.unschedulable, uid)
			q.requeueLocked(pi)
		}
		return
	}
	pi := q.newInfo(newPod)
	q.active.addOrUpdate(pi)
	q.nominator.add(pi.PodInfo, "")
	q.cond.Broadcast()
}

func (q *PriorityQueue) replace(pi *QueuedPodInfo, pod *v1.Pod) {
	pi.PodInfo = fw.NewPodInfo(pod)
	q.nominator.add(pi.PodInfo, "")
}

// podChanged ignores status and bookkeeping fields, which the scheduler
// itself writes when it reports a failure.
func podChanged(a, b *v1.Pod) bool {
	strip := func(p *v1.Pod) *v1.Pod {
		c := p.DeepCopy()
		c.ResourceVersion, c.Generation, c.ManagedFields, c.Status = "", 0, nil, v1.PodStatus{}
		return c
	}
	return !equality.Semantic.DeepEqual(strip(a), strip(b))
}

// Delete forgets a pod wherever it is.
func (q *PriorityQueue) Delete(pod *v1.Pod) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if f, ok := q.inFlight[pod.UID]; ok {
		f.deleted = true
	}
	q.removeLocked(pod.UID)
	q.nominator.delete(pod)
}

func (q *PriorityQueue) removeLocked(uid types.UID) {
	q.active.remove(uid)
	q.backoff.remove(uid)
	delete(q.unschedulable, uid)
}

// Pop blocks until a pod is ready or the queue is closed.
func (q *PriorityQueue) Pop() (*QueuedPodInfo, error) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for q.active.len() == 0 && !q.closed {
		q.cond.Wait()
	}
	if q.closed {
		return nil, ErrClosed
	}
	pi := q.active.pop()
	pi.Attempts++
	if pi.Attempts == 1 {
		pi.InitialAttemptTimestamp = q.opts.Clock.Now()
	}
	q.schedulingCycle++
	q.inFlight[pi.Pod.UID] = &inFlight{}
	return pi, nil
}

// SchedulingCycle is the number of pods popped so far.
func (q *PriorityQueue) SchedulingCycle() int64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.schedulingCycle
}

// Done ends a successful attempt.
func (q *PriorityQueue) Done(uid types.UID) {
	q.mu.Lock()
	defer q.mu.Unlock()
	delete(q.inFlight, uid)
}

// AddUnschedulable ends a failed attempt. Unschedulable pods wait for an
// event (or the periodic flush); pods that failed with an error, or whose
// cycle saw a move event or an update of the pod, go to backoff.
func (q *PriorityQueue) AddUnschedulable(pi *QueuedPodInfo, unschedulable bool, podCycle int64) {
	q.mu.Lock()
	defer q.mu.Unlock()
	f := q.inFlight[pi.Pod.UID]
	delete(q.inFlight, pi.Pod.UID)
	if f != nil && f.deleted {
		return
	}
	if _, ok := q.active.get(pi.Pod.UID); ok {
		return
	}
	if _, ok := q.backoff.get(pi.Pod.UID); ok {
		return
	}
	if f != nil && f.updated {
		pi.PodInfo = fw.NewPodInfo(f.latest)
	}
	pi.Timestamp = q.opts.Clock.Now()
	if !unschedulable || q.moveRequestCycle >= podCycle || (f != nil && f.updated) {
		q.backoff.addOrUpdate(pi)
		return
	}
	q.unschedulable[pi.Pod.UID] = pi
}

// MoveAllToActiveOrBackoff retries unschedulable pods that event may help:
// those rejected by a plugin registered for it (or by no known plugin).
func (q *PriorityQueue) MoveAllToActiveOrBackoff(event fw.ClusterEvent) {
	q.mu.Lock()
	defer q.mu.Unlock()
	for uid, pi := range q.unschedulable {
		if !q.mayHelp(event, pi) {
			continue
		}
		delete(q.unschedulable, uid)
		q.requeueLocked(pi)
	}
	q.moveRequestCycle = q.schedulingCycle
}

// mayHelp is true when no event map is configured, when the pod was not
// rejected by a known plugin, or when a rejecting plugin registered event.
func (q *PriorityQueue) mayHelp(event fw.ClusterEvent, pi *QueuedPodInfo) bool {
	if q.opts.EventPlugins == nil || len(pi.UnschedulablePlugins) == 0 {
		return true
	}
	return q.opts.EventPlugins[event].HasAny(sets.List(pi.UnschedulablePlugins)...)
}

// requeueLocked sends a pod to backoff if its backoff is still running,
// otherwise straight to active.
func (q *PriorityQueue) requeueLocked(pi *QueuedPodInfo) {
	if q.backoffExpiry(pi).After(q.opts.Clock.Now()) {
		q.backoff.addOrUpdate(pi)
		return
	}
	q.active.addOrUpdate(pi)
	q.cond.Broadcast()
}

// BackoffDuration doubles from the initial backoff with each attempt, up to
// the maximum.
func (q *PriorityQueue) BackoffDuration(attempts int) time.Duration {
	d := q.opts.InitialBackoff
	for i := 1; i < attempts; i++ {
		d *= 2
		if d >= q.opts.MaxBackoff {
			return q.opts.MaxBackoff
		}
	}
	return d
}

func (q *PriorityQueue) backoffExpiry(pi *QueuedPodInfo) time.Time {
	return pi.Timestamp.Add(q.BackoffDuration(pi.Attempts))
}

// FlushBackoffCompleted moves pods whose backoff expired to activeQ.
func (q *PriorityQueue) FlushBackoffCompleted() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Clock.Now()
	for {
		pi := q.backoff.peek()
		if pi == nil || q.backoffExpiry(pi).After(now) {
			return
		}
		q.backoff.pop()
		q.active.addOrUpdate(pi)
		q.cond.Broadcast()
	}
}

// FlushUnschedulableLeftover retries pods that stayed unschedulable longer
// than MaxUnschedulableDuration, in case an event was missed.
func (q *PriorityQueue) FlushUnschedulableLeftover() {
	q.mu.Lock()
	defer q.mu.Unlock()
	now := q.opts.Clock.Now()
	for uid, pi := range q.unschedulable {
		if now.Sub(pi.Timestamp) > q.opts.MaxUnschedulableDuration {
			delete(q.unschedulable, uid)
			q.requeueLocked(pi)
		}
	}
}

// Pending counts pods per sub-queue.
func (q *PriorityQueue) Pending() (active, backoff, unschedulable int) {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.active.len(), q.backoff.len(), len(q.unschedulable)
}

// AddNominatedPod records that pod preempted others on nodeName.
func (q *PriorityQueue) AddNominatedPod(pi *fw.PodInfo, nodeName string) {
	q.nominator.add(pi, nodeName)
}

// DeleteNominatedPod forgets a nomination (the pod got assumed or deleted).
func (q *PriorityQueue) DeleteNominatedPod(pod *v1.Pod) { q.nominator.delete(pod) }

// NominatedPodsForNode implements framework.PodNominator.
func (q *PriorityQueue) NominatedPodsForNode(nodeName string) []*fw.PodInfo {
	return q.nominator.forNode(nodeName)
}
