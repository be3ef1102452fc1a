package kubelet

import (
	"sync"
	"time"
)

// backOff is the crash-loop back-off of containers, keyed by pod UID and
// container name. As in Kubernetes, the first restart is immediate; each
// later one waits twice as long as the previous (initial, 2×initial, ...
// capped at max). A container that ran for reset or longer, or a key idle
// for reset, starts over.
type backOff struct {
	initial, max, reset time.Duration

	mu      sync.Mutex
	entries map[string]*backOffEntry
}

type backOffEntry struct {
	delay      time.Duration
	lastUpdate time.Time // the finish time the delay was computed for
}

func newBackOff(initial, max, reset time.Duration) *backOff {
	return &backOff{initial: initial, max: max, reset: reset, entries: map[string]*backOffEntry{}}
}

// inBackOff reports whether a restart of a container that finished at
// finished must still wait at now, and the current delay (for the message).
func (b *backOff) inBackOff(key string, finished, now time.Time) (bool, time.Duration) {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entries[key]
	if e == nil || b.expired(e, finished) {
		return false, 0
	}
	return now.Sub(finished) < e.delay, e.delay
}

// next records a restart for a container that finished at finished (after
// running for ran) and returns when it may be restarted again.
func (b *backOff) next(key string, finished time.Time, ran time.Duration) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entries[key]
	switch {
	case e == nil || b.expired(e, finished) || ran >= b.reset:
		e = &backOffEntry{delay: b.initial}
		b.entries[key] = e
	default:
		e.delay = min(2*e.delay, b.max)
	}
	e.lastUpdate = finished
	return e.delay
}

func (b *backOff) expired(e *backOffEntry, finished time.Time) bool {
	return finished.Sub(e.lastUpdate) >= b.reset
}

// forget drops the keys of a pod when it is gone.
func (b *backOff) forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if len(k) >= len(prefix) && k[:len(prefix)] == prefix {
			delete(b.entries, k)
		}
	}
}
