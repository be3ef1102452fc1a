package job

import (
	"sync"
	"time"
)

// expectations remembers pod creations and deletions a job's sync has
// asked for but the informer has not shown yet, so the next sync does
// not create or delete the same pods again.
type expectations struct {
	mu  sync.Mutex
	ttl time.Duration
	m   map[string]*pending
}

type pending struct {
	adds, dels int
	at         time.Time
}

func newExpectations() *expectations {
	return &expectations{ttl: 5 * time.Minute, m: map[string]*pending{}}
}

func (e *expectations) expect(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.m[key]
	if p == nil {
		p = &pending{}
		e.m[key] = p
	}
	// Observations the controller did not ask for (pods it had not
	// created, or seen before it asked) leave a count below zero; carried
	// over, they would let the next sync run before its own pods show up
	// and create them again.
	p.adds = max(p.adds, 0) + adds
	p.dels = max(p.dels, 0) + dels
	p.at = time.Now()
}

func (e *expectations) observe(key string, adds, dels int) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if p := e.m[key]; p != nil {
		p.adds -= adds
		p.dels -= dels
	}
}

// satisfied: nothing outstanding, or the record is so old that an event
// must have been lost.
func (e *expectations) satisfied(key string) bool {
	e.mu.Lock()
	defer e.mu.Unlock()
	p := e.m[key]
	return p == nil || (p.adds <= 0 && p.dels <= 0) || time.Since(p.at) > e.ttl
}

func (e *expectations) forget(key string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.m, key)
}
