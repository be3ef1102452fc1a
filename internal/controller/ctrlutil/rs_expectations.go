package ctrlutil

import (
	"sync"
	"time"
)

// expectationsTTL bounds how long a controller waits for its own creations
// and deletions to show up in the informer before it trusts the cache again
// (a watch event can be lost when the watch is re-established).
const expectationsTTL = 5 * time.Minute

// Expectations remembers, per controller key, how many pod creations and
// which pod deletions a controller has issued but not yet observed through
// its informer. While some are outstanding the controller must not act on
// its (stale) cache, or a resync would create or delete the same pods again.
type Expectations struct {
	mu    sync.Mutex
	now   func() time.Time
	items map[string]*expectation
}

type expectation struct {
	adds    int
	deletes map[string]bool
	at      time.Time
}

// NewExpectations returns an empty expectations store.
func NewExpectations() *Expectations {
	return &Expectations{now: time.Now, items: map[string]*expectation{}}
}

// Satisfied reports whether key has nothing outstanding (or its record is
// older than the TTL, or there is no record at all).
func (e *Expectations) Satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	x, ok := e.items[key]
	if !ok {
		return true
	}
	if x.adds <= 0 && len(x.deletes) == 0 {
		return true
	}
	return e.now().Sub(x.at) > expectationsTTL
}

// ExpectCreations records that n pods are about to be created for key;
// it replaces any earlier record.
func (e *Expectations) ExpectCreations(key string, n int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.items[key] = &expectation{adds: n, deletes: map[string]bool{}, at: e.now()}
}

// ExpectDeletions records the pod keys about to be deleted for key; it
// replaces any earlier record.
func (e *Expectations) ExpectDeletions(key string, podKeys []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	x := &expectation{deletes: map[string]bool{}, at: e.now()}
	for _, k := range podKeys {
		x.deletes[k] = true
	}
	e.items[key] = x
}

// CreationObserved lowers the outstanding creations of key by one; also
// used when a create call failed and so will never be observed.
func (e *Expectations) CreationObserved(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok && x.adds > 0 {
		x.adds--
	}
}

// DeletionObserved forgets one outstanding deletion of key.
func (e *Expectations) DeletionObserved(key, podKey string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if x, ok := e.items[key]; ok {
		delete(x.deletes, podKey)
	}
}

// Delete forgets key entirely (its controller object is gone).
func (e *Expectations) Delete(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.items, key)
}
