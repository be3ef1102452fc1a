package gctune

import (
	"context"
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestPercent(t *testing.T) {
	c := Default()
	for _, tc := range []struct {
		live uint64
		want int
	}{
		{0, 100},
		{40 << 20, 100},  // idle: untouched
		{64 << 20, 400},  // 256 MiB headroom is 400%, the cap
		{128 << 20, 200}, // 256 MiB is 200%
		{256 << 20, 100},
		{2 << 30, 100}, // never below the default
	} {
		if got := c.Percent(tc.live); got != tc.want {
			t.Errorf("Percent(%d MiB) = %d, want %d", tc.live>>20, got, tc.want)
		}
	}
}

func TestRunSetsAndRestores(t *testing.T) {
	t.Setenv("GOGC", "") // Run leaves an explicit GOGC alone
	// A threshold of 1 byte makes any live heap "large".
	c := Config{Threshold: 1, Headroom: 1 << 40, MaxPercent: 250, Interval: time.Millisecond}
	runtime.GC() // the live heap is known only after a collection
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { Run(ctx, c); close(done) }()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p := debug.SetGCPercent(100)
		debug.SetGCPercent(p)
		if p == 250 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("GC percent %d, want the tuner's 250", p)
		}
		time.Sleep(time.Millisecond)
	}
	cancel()
	<-done
	if p := debug.SetGCPercent(100); p != 100 {
		t.Errorf("after Run ended the GC percent is %d, want 100 again", p)
	}
}
