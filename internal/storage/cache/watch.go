package cache

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
	"rudder/internal/storage/etcd"
)

// item is what the reflector hands a watcher: a change, or (progress > 0)
// the news that the cache reached a revision without changes for it.
type item struct {
	change   *etcd.Change
	progress int64
}

// cacheWatcher is one client's watch. The reflector offers it items
// without ever blocking; its own goroutine filters them and blocks on the
// client. A watcher whose buffer fills up is cut off.
type cacheWatcher struct {
	c        *Cache
	prefix   string
	opts     storage.WatchOptions
	in       chan item // closed (under c.mu) when the watcher is removed
	out      chan watch.Event
	stop     chan struct{}
	stopOnce sync.Once

	initial    []keyedObject  // ADDED events first
	replay     []*etcd.Change // then changes from the ring
	startRev   int64          // the revision the initial events reflect
	endMarker  bool
	lastRev    int64
	bookmarked int64
}

// Watch implements storage.Store. It serves from the cache when the start
// revision is within its history, and otherwise from an etcd watch (which
// still has the history for a while after, say, a server restart).
func (c *Cache) Watch(ctx context.Context, prefix string, opts storage.WatchOptions) (watch.Interface, error) {
	if !c.owns(prefix) || c.isStopped() {
		return c.under.Watch(ctx, prefix, opts)
	}
	rv, err := etcd.ParseResourceVersion(opts.ResourceVersion)
	if err != nil {
		return nil, err
	}
	if err := c.freshness(ctx, opts.ResourceVersion); err != nil {
		if errors.Is(err, errNotFresh) && rv > 0 {
			return c.under.Watch(ctx, prefix, opts)
		}
		if !errors.Is(err, errNotFresh) {
			return nil, err
		}
		// A consistent start we could not confirm: start from the cache.
	}
	w, ok := c.register(prefix, rv, opts)
	if !ok {
		return c.under.Watch(ctx, prefix, opts)
	}
	go w.run(ctx)
	return w, nil
}

// register creates a watcher and, under the same lock as its snapshot or
// replay, adds it to the set the reflector feeds: nothing is missed or
// sent twice. false when the ring no longer holds the changes after rv.
func (c *Cache) register(prefix string, rv int64, opts storage.WatchOptions) (*cacheWatcher, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	w := &cacheWatcher{
		c: c, prefix: prefix, opts: opts,
		in:        make(chan item, c.opts.watcherBuffer),
		out:       make(chan watch.Event),
		stop:      make(chan struct{}),
		startRev:  c.rev,
		endMarker: etcd.WantsEndBookmark(opts),
	}
	switch {
	case etcd.WantsInitialEvents(opts):
		w.initial = c.snapshotLocked(prefix)
	case rv > 0 && rv < c.rev:
		if !c.ring.covers(rv) {
			return nil, false
		}
		w.replay = c.ring.since(rv)
	}
	w.lastRev = max(rv, c.rev)
	c.watchers[w] = struct{}{}
	return w, true
}

// removeWatcherLocked ends a watcher's input exactly once.
func (c *Cache) removeWatcherLocked(w *cacheWatcher) {
	if _, ok := c.watchers[w]; ok {
		delete(c.watchers, w)
		close(w.in)
	}
}

func (c *Cache) removeWatcher(w *cacheWatcher) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.removeWatcherLocked(w)
}

// offer hands the watcher an item without blocking; false if it is full.
// Called with c.mu held, so in is open.
func (w *cacheWatcher) offer(it item) bool {
	select {
	case w.in <- it:
		return true
	default:
		return false
	}
}

// Stop implements watch.Interface.
func (w *cacheWatcher) Stop() {
	w.stopOnce.Do(func() { close(w.stop) })
	w.c.removeWatcher(w)
}

// ResultChan implements watch.Interface.
func (w *cacheWatcher) ResultChan() <-chan watch.Event { return w.out }

func (w *cacheWatcher) run(ctx context.Context) {
	defer close(w.out)
	defer w.c.removeWatcher(w)
	if !w.sendInitial(ctx) {
		return
	}
	var tick <-chan time.Time
	if w.opts.Bookmarks && w.c.opts.bookmarkInterval > 0 {
		t := time.NewTicker(w.c.opts.bookmarkInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case it, ok := <-w.in:
			if !ok || !w.process(ctx, it) {
				return
			}
		case <-tick:
			if !w.bookmark(ctx) {
				return
			}
		case <-ctx.Done():
			return
		case <-w.stop:
			return
		}
	}
}

func (w *cacheWatcher) sendInitial(ctx context.Context) bool {
	for _, o := range w.initial {
		if w.opts.Predicate == nil || w.opts.Predicate(o.obj) {
			if !w.send(ctx, watch.Event{Type: watch.Added, Object: o.obj}) {
				return false
			}
		}
	}
	w.initial = nil
	if w.endMarker && !w.send(ctx, etcd.Bookmark(w.c.newFunc, w.startRev, true)) {
		return false
	}
	for _, ch := range w.replay {
		if !w.process(ctx, item{change: ch}) {
			return false
		}
	}
	w.replay = nil
	return true
}

// process sends the event an item means for this watcher, if any.
func (w *cacheWatcher) process(ctx context.Context, it item) bool {
	if it.change == nil {
		w.lastRev = max(w.lastRev, it.progress)
		return true
	}
	// Items arrive only for changes after registration, replayed ones
	// are from before it: nothing is seen twice.
	ch := it.change
	w.lastRev = max(w.lastRev, ch.Rev)
	if !w.matchesKey(ch.Key) {
		return true
	}
	ev, ok := ch.EventFor(w.opts.Predicate)
	return !ok || w.send(ctx, ev)
}

func (w *cacheWatcher) matchesKey(key string) bool {
	if strings.HasSuffix(w.prefix, "/") {
		return strings.HasPrefix(key, w.prefix)
	}
	return key == w.prefix
}

// bookmark tells the client how far it is up to date, when that moved.
func (w *cacheWatcher) bookmark(ctx context.Context) bool {
	if w.lastRev <= w.bookmarked {
		return true
	}
	w.bookmarked = w.lastRev
	return w.send(ctx, etcd.Bookmark(w.c.newFunc, w.lastRev, false))
}

func (w *cacheWatcher) send(ctx context.Context, ev watch.Event) bool {
	select {
	case w.out <- ev:
		return true
	case <-ctx.Done():
		return false
	case <-w.stop:
		return false
	}
}
