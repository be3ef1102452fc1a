package ctrlutil

import (
	"context"
	"log/slog"
	"time"

	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/util/workqueue"
)

// SyncFunc handles one queued key. A positive requeue asks for another
// sync after that delay; an error retries with the queue's back-off.
type SyncFunc func(ctx context.Context, key string) (requeue time.Duration, err error)

// Sync adapts a sync that never asks for a delayed requeue.
func Sync(f func(ctx context.Context, key string) error) SyncFunc {
	return func(ctx context.Context, key string) (time.Duration, error) { return 0, f(ctx, key) }
}

// RunQueue is every controller's loop: wait for the informers, then run
// workers taking keys off q until ctx ends; it shuts q down on return.
func RunQueue(ctx context.Context, name string, q workqueue.TypedRateLimitingInterface[string], synced []cache.InformerSynced, workers int, sync SyncFunc) {
	defer q.ShutDown()
	if !cache.WaitForCacheSync(ctx.Done(), synced...) {
		return
	}
	for i := 0; i < workers; i++ {
		go wait.UntilWithContext(ctx, func(ctx context.Context) {
			for processNext(ctx, name, q, sync) {
			}
		}, time.Second)
	}
	<-ctx.Done()
}

func processNext(ctx context.Context, name string, q workqueue.TypedRateLimitingInterface[string], sync SyncFunc) bool {
	key, quit := q.Get()
	if quit {
		return false
	}
	defer q.Done(key)
	requeue, err := sync(ctx, key)
	if err != nil {
		slog.Debug("sync failed", "controller", name, "key", key, "err", err)
		q.AddRateLimited(key)
		return true
	}
	q.Forget(key)
	if requeue > 0 {
		q.AddAfter(key, requeue)
	}
	return true
}
