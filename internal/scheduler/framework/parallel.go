package framework

import (
	"context"

	"k8s.io/client-go/util/workqueue"
)

// minPiecesPerWorker is how many nodes a filter or score worker gets at
// least. Checking one node takes well under a microsecond, about what
// starting and waking a goroutine costs; on a busy machine the cycle then
// also waits for every worker to be scheduled. A cluster of a hundred
// nodes is therefore checked by the scheduling goroutine itself, and a
// thousand nodes by eight workers.
const minPiecesPerWorker = 128

// Parallelize runs fn for every piece in [0, pieces) on up to workers
// goroutines, or on the caller's goroutine when there is too little work
// to share; it stops early once ctx ends, as workqueue.ParallelizeUntil.
func Parallelize(ctx context.Context, workers, pieces int, fn func(piece int)) {
	workers = min(workers, (pieces+minPiecesPerWorker-1)/minPiecesPerWorker)
	if workers > 1 {
		workqueue.ParallelizeUntil(ctx, workers, pieces, fn)
		return
	}
	for i := 0; i < pieces && ctx.Err() == nil; i++ {
		fn(i)
	}
}
