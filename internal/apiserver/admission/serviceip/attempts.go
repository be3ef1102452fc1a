package serviceip

import (
	"context"
	"errors"
	"reflect"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/internal/apiserver"
)

// attempt is one admitted write not yet known to be settled: what it
// reserved (freed again if the write fails) and what the service stops
// holding (freed only once the write is done, so that a failed update
// never gives away what the stored service still uses).
//
// The API server says when a write failed (Rollback) but not when it
// succeeded. A write is taken as done when its request context ends
// without a Rollback, when a later admission of the same service sees
// the stored state, or at the latest after attemptTTL.
type attempt struct {
	ctx      context.Context
	owner    string
	update   bool
	created  time.Time
	reserved []item
	releases []item
	stop     func() bool // stops the context watch

	mu        sync.Mutex // orders commit and undo
	committed bool       // releases were done
}

func (p *Plugin) remember(ctx context.Context, a *apiserver.Attributes, as *assigner, update bool) {
	releases := as.old.minus(as.keep)
	if len(as.added) == 0 && len(releases) == 0 {
		return
	}
	att := &attempt{ctx: ctx, owner: as.owner, update: update, created: p.now(), reserved: as.added, releases: releases}
	p.mu.Lock()
	p.attempts[a] = att
	p.mu.Unlock()
	if len(releases) > 0 {
		att.stop = context.AfterFunc(ctx, func() { att.commit(ctx, p) })
	}
}

// commit does an attempt's releases once.
func (att *attempt) commit(ctx context.Context, p *Plugin) {
	att.mu.Lock()
	defer att.mu.Unlock()
	if att.committed {
		return
	}
	att.committed = true
	p.releaseAll(ctx, att.owner, att.releases)
}

// undo frees what the attempt reserved and, if its releases already
// happened (the request context ended before the write failed), takes
// them back where nobody got them meanwhile.
func (att *attempt) undo(ctx context.Context, p *Plugin) {
	if att.stop != nil {
		att.stop()
	}
	att.mu.Lock()
	defer att.mu.Unlock()
	p.releaseAll(ctx, att.owner, att.reserved)
	if !att.committed {
		return
	}
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), releaseTimeout)
	defer cancel()
	for _, it := range att.releases {
		if err := it.pool.claim(rctx, it.off, att.owner, false); err != nil && !errors.Is(err, errAllocated) {
			p.log.Warn("re-reserve after failed service write", "key", it.String(), "err", err)
		} else if err != nil {
			p.log.Error("service lost an allocation: taken after a failed write", "key", it.String(), "owner", att.owner)
		}
	}
	att.committed = false
}

// supersede settles earlier admissions of the same update request: storage
// retried the write, so they were never stored. What the stored service
// (old) holds is kept either way; this also settles correctly when the
// "same" request was in fact a finished earlier one sharing a context.
func (p *Plugin) supersede(ctx context.Context, owner string, old *corev1.Service) {
	var stale []*attempt
	p.mu.Lock()
	for a, att := range p.attempts {
		if att.update && att.owner == owner && sameRequest(att.ctx, ctx) {
			stale = append(stale, att)
			delete(p.attempts, a)
		}
	}
	p.mu.Unlock()
	if len(stale) == 0 {
		return
	}
	holds := p.holdings(old)
	for _, att := range stale {
		att.settle(ctx, p, holds)
	}
}

// settle frees an attempt's items that the stored service does not hold.
func (att *attempt) settle(ctx context.Context, p *Plugin, holds itemSet) {
	if att.stop != nil {
		att.stop()
	}
	att.mu.Lock()
	defer att.mu.Unlock()
	var free []item
	for _, it := range att.reserved {
		if !holds[it] {
			free = append(free, it)
		}
	}
	if !att.committed {
		for _, it := range att.releases {
			if !holds[it] {
				free = append(free, it)
			}
		}
	}
	att.committed = true
	p.releaseAll(ctx, att.owner, free)
}

// sweep forgets attempts older than attemptTTL, committing those whose
// request context never ended.
func (p *Plugin) sweep(ctx context.Context) {
	var old []*attempt
	now := p.now()
	limit := now.Add(-attemptTTL)
	p.mu.Lock()
	if now.Sub(p.lastSweep) < sweepEvery {
		p.mu.Unlock()
		return
	}
	p.lastSweep = now
	for a, att := range p.attempts {
		if att.created.Before(limit) {
			old = append(old, att)
			delete(p.attempts, a)
		}
	}
	p.mu.Unlock()
	for _, att := range old {
		if att.stop != nil {
			att.stop()
		}
		att.commit(ctx, p)
	}
}

// sameRequest tells whether two contexts are the same one (one request);
// contexts of a type that cannot be compared are never the same.
func sameRequest(a, b context.Context) bool {
	if a == nil || b == nil {
		return false
	}
	t := reflect.TypeOf(a)
	if t != reflect.TypeOf(b) || !t.Comparable() {
		return false
	}
	return a == b
}
