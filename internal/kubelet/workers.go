package kubelet

import (
	"context"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// syncFunc syncs one pod. It returns when to sync again at the latest
// (0: at the periodic resync) and whether the pod is gone for good (its
// worker may then end).
type syncFunc func(ctx context.Context, ref podRef) (requeue time.Duration, done bool)

// podWorkers runs one goroutine per pod, so that pods never wait for each
// other and one pod's syncs are serial. Syncs are level-triggered: a wake
// during a sync makes one more sync, however many events arrived.
type podWorkers struct {
	ctx    context.Context
	sync   syncFunc
	clock  clock.Clock
	resync time.Duration

	mu      sync.Mutex
	workers map[types.UID]*podWorker
	wg      sync.WaitGroup
}

type podWorker struct {
	ref  podRef
	wake chan struct{} // capacity 1: pending wake
}

func newPodWorkers(ctx context.Context, fn syncFunc, clk clock.Clock, resync time.Duration) *podWorkers {
	return &podWorkers{ctx: ctx, sync: fn, clock: clk, resync: resync, workers: map[types.UID]*podWorker{}}
}

// wakeRef syncs a pod soon, starting its worker if it has none.
func (w *podWorkers) wakeRef(ref podRef) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pw := w.workers[ref.UID]; pw != nil {
		pw.signal()
		return
	}
	if w.ctx.Err() != nil {
		return
	}
	pw := &podWorker{ref: ref, wake: make(chan struct{}, 1)}
	w.workers[ref.UID] = pw
	w.wg.Add(1)
	go w.run(pw)
}

// wakeUID syncs a pod soon if it has a worker.
func (w *podWorkers) wakeUID(uid types.UID) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if pw := w.workers[uid]; pw != nil {
		pw.signal()
	}
}

func (w *podWorkers) has(uid types.UID) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.workers[uid] != nil
}

func (pw *podWorker) signal() {
	select {
	case pw.wake <- struct{}{}:
	default:
	}
}

func (w *podWorkers) run(pw *podWorker) {
	defer w.wg.Done()
	for w.ctx.Err() == nil {
		requeue, done := w.sync(w.ctx, pw.ref)
		if done && w.retire(pw) {
			return
		}
		if requeue <= 0 || requeue > w.resync {
			requeue = w.resync
		}
		if !w.waitWake(pw, requeue) {
			return
		}
	}
}

func (w *podWorkers) waitWake(pw *podWorker, d time.Duration) bool {
	t := w.clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-w.ctx.Done():
		return false
	case <-pw.wake:
		return true
	case <-t.C():
		return true
	}
}

// retire removes a finished worker unless a wake arrived meanwhile.
func (w *podWorkers) retire(pw *podWorker) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	if len(pw.wake) > 0 {
		return false
	}
	delete(w.workers, pw.ref.UID)
	return true
}

// wait waits for every worker to end (after ctx is done).
func (w *podWorkers) wait() { w.wg.Wait() }
