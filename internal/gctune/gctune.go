// Package gctune lets a busy process's heap grow further between garbage
// collections while keeping an idle process small.
//
// Go collects when the heap has grown by GOGC percent of the live heap.
// For the API server that means collecting every few milliseconds under
// load (a quarter of its CPU in profiles at 3,000 pods), while raising
// GOGC for good would also raise the idle footprint. The tuner instead
// sets the growth allowance from the live heap: the default 100% while it
// is small, and at least Headroom bytes of growth while it is large.
package gctune

import (
	"context"
	"os"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// Config says when and how far to let the heap grow.
type Config struct {
	// Above this live heap the tuner allows Headroom of growth.
	Threshold uint64
	// Headroom is the growth allowed between collections once the live
	// heap passed Threshold, as long as that is more than 100%.
	Headroom uint64
	// MaxPercent caps the GC percentage the tuner sets.
	MaxPercent int
	// Interval between looks at the live heap.
	Interval time.Duration
}

// Default suits the API server: idle below 64 MiB live is untouched,
// under load the heap may grow by 256 MiB between collections.
func Default() Config {
	return Config{Threshold: 64 << 20, Headroom: 256 << 20, MaxPercent: 400, Interval: time.Second}
}

// Percent is the GC percentage for a live heap of live bytes.
func (c Config) Percent(live uint64) int {
	if live < c.Threshold || live == 0 {
		return 100
	}
	p := int(c.Headroom * 100 / live)
	return max(100, min(p, c.MaxPercent))
}

const liveMetric = "/gc/heap/live:bytes"

// Run tunes the GC until ctx ends. It does nothing when the user set
// GOGC: an explicit choice wins.
func Run(ctx context.Context, c Config) {
	if os.Getenv("GOGC") != "" {
		return
	}
	sample := []metrics.Sample{{Name: liveMetric}}
	t := time.NewTicker(c.Interval)
	defer t.Stop()
	current := 100
	for {
		select {
		case <-ctx.Done():
			debug.SetGCPercent(100)
			return
		case <-t.C:
		}
		metrics.Read(sample)
		if sample[0].Value.Kind() != metrics.KindUint64 {
			return // the runtime does not report it: leave the GC alone
		}
		if p := c.Percent(sample[0].Value.Uint64()); p != current {
			debug.SetGCPercent(p)
			current = p
		}
	}
}
