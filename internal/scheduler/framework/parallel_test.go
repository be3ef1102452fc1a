package framework

import (
	"context"
	"sync"
	"testing"
)

func TestParallelizeRunsEveryPieceOnce(t *testing.T) {
	for _, pieces := range []int{0, 1, 100, minPiecesPerWorker + 1, 1000} {
		var mu sync.Mutex
		seen := make(map[int]int)
		Parallelize(context.Background(), 16, pieces, func(i int) {
			mu.Lock()
			seen[i]++
			mu.Unlock()
		})
		if len(seen) != pieces {
			t.Fatalf("%d pieces: %d ran", pieces, len(seen))
		}
		for i, n := range seen {
			if n != 1 {
				t.Fatalf("%d pieces: piece %d ran %d times", pieces, i, n)
			}
		}
	}
}

func TestParallelizeStopsWhenContextEnds(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ran := 0
	Parallelize(ctx, 16, 100, func(i int) {
		ran++
		if i == 9 {
			cancel()
		}
	})
	if ran != 10 {
		t.Fatalf("ran %d pieces after the context ended at the tenth, want 10", ran)
	}
}
