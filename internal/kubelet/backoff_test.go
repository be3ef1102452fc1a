package kubelet

import (
	"testing"
	"time"
)

func TestCrashLoopBackOffDelays(t *testing.T) {
	b := newBackOff(10*time.Second, 5*time.Minute, 10*time.Minute)
	now := time.Unix(10000, 0)
	const key = "uid/c"
	if in, _ := b.inBackOff(key, now, now); in {
		t.Fatal("first restart must be immediate")
	}
	b.next(key, now, time.Second)
	want := []time.Duration{10, 20, 40, 80, 160, 300, 300}
	for i, w := range want {
		w *= time.Second
		// The container crashes again one second after its restart.
		finished := now.Add(time.Second)
		in, delay := b.inBackOff(key, finished, finished.Add(w-time.Millisecond))
		if !in || delay != w {
			t.Fatalf("crash %d: inBackOff=%v delay=%s, want back-off of %s", i+2, in, delay, w)
		}
		if in, _ := b.inBackOff(key, finished, finished.Add(w)); in {
			t.Fatalf("crash %d: still in back-off after %s", i+2, w)
		}
		now = finished.Add(w)
		b.next(key, finished, time.Second)
	}
}

func TestBackOffResetsAfterLongRun(t *testing.T) {
	b := newBackOff(10*time.Second, 5*time.Minute, 10*time.Minute)
	start := time.Unix(10000, 0)
	b.next("k", start, time.Second)
	b.next("k", start.Add(11*time.Second), time.Second) // delay now 20s
	finished := start.Add(11*time.Minute + 11*time.Second)
	if in, _ := b.inBackOff("k", finished, finished); in {
		t.Fatal("a container that ran 11 minutes is still in back-off")
	}
	if d := b.next("k", finished, 11*time.Minute); d != 10*time.Second {
		t.Fatalf("delay after reset %s, want 10s", d)
	}
}
