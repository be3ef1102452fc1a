package kubelet

import (
	"strings"
	"sync"
	"time"
)

// imageBackOff spaces out failed pulls of an image for a pod, as Kubernetes'
// image manager does: after a failure the next pull waits initial, then
// twice as long after each further failure (capped at max). A success
// forgets the key; so does a key idle for twice max.
type imageBackOff struct {
	initial, max time.Duration

	mu      sync.Mutex
	entries map[string]*imageBackOffEntry
}

type imageBackOffEntry struct {
	delay      time.Duration
	lastFailed time.Time
}

func newImageBackOff(initial, max time.Duration) *imageBackOff {
	return &imageBackOff{initial: initial, max: max, entries: map[string]*imageBackOffEntry{}}
}

func imageBackOffKey(podUID, image string) string { return podUID + "/" + image }

// waitFor returns how much longer a pull must wait at now (0: pull now).
func (b *imageBackOff) waitFor(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entries[key]
	if e == nil || b.expired(e, now) {
		return 0
	}
	return max(e.lastFailed.Add(e.delay).Sub(now), 0)
}

// failed records a failed pull at now and returns the delay before the next.
func (b *imageBackOff) failed(key string, now time.Time) time.Duration {
	b.mu.Lock()
	defer b.mu.Unlock()
	e := b.entries[key]
	if e == nil || b.expired(e, now) {
		e = &imageBackOffEntry{delay: b.initial}
		b.entries[key] = e
	} else {
		e.delay = min(2*e.delay, b.max)
	}
	e.lastFailed = now
	return e.delay
}

// succeeded forgets the key: the next failure starts at initial again.
func (b *imageBackOff) succeeded(key string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	delete(b.entries, key)
}

func (b *imageBackOff) expired(e *imageBackOffEntry, now time.Time) bool {
	return now.Sub(e.lastFailed) >= 2*b.max
}

// forget drops the keys of a pod when it is gone.
func (b *imageBackOff) forget(prefix string) {
	b.mu.Lock()
	defer b.mu.Unlock()
	for k := range b.entries {
		if strings.HasPrefix(k, prefix) {
			delete(b.entries, k)
		}
	}
}
