package cache

import (
	"context"
	"errors"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
	"rudder/internal/storage/etcd"
)

// errNotFresh: the cache did not catch up in time; etcd answers instead.
var errNotFresh = errors.New("watch cache not fresh enough")

// freshness makes the cache at least as new as a read with resourceVersion
// rv requires: "0" anything, "" etcd's current revision (a consistent
// read), "N" at least N. errNotFresh when it does not get there in time.
func (c *Cache) freshness(ctx context.Context, rv string) error {
	switch rv {
	case "0":
		return nil
	case "":
		cur, err := c.under.CurrentRevision(ctx)
		if err != nil {
			return err
		}
		return c.waitFor(ctx, cur)
	}
	n, err := etcd.ParseResourceVersion(rv)
	if err != nil {
		return err
	}
	return c.waitFor(ctx, n)
}

// waitFor waits until the cache reflects revision rev, asking etcd for
// progress notifications meanwhile (a quiet prefix gets no events).
func (c *Cache) waitFor(ctx context.Context, rev int64) error {
	deadline := time.NewTimer(c.opts.freshTimeout)
	defer deadline.Stop()
	nudge := time.NewTicker(c.opts.freshTimeout / 10)
	defer nudge.Stop()
	for {
		c.mu.RLock()
		cur, changed := c.rev, c.revCh
		c.mu.RUnlock()
		if cur >= rev {
			return nil
		}
		c.requestProgress()
		select {
		case <-changed:
		case <-nudge.C:
		case <-deadline.C:
			return errNotFresh
		case <-ctx.Done():
			return errNotFresh
		}
	}
}

// Get implements storage.Store from the cache; a key it does not hold
// is looked up in etcd, which also produces the right NotFound error.
func (c *Cache) Get(ctx context.Context, key string, opts storage.GetOptions) (runtime.Object, error) {
	if !c.owns(key) || c.isStopped() {
		return c.under.Get(ctx, key, opts)
	}
	if err := c.freshness(ctx, opts.ResourceVersion); err != nil {
		if errors.Is(err, errNotFresh) {
			return c.under.Get(ctx, key, opts)
		}
		return nil, err
	}
	c.mu.RLock()
	obj := c.objects[key]
	c.mu.RUnlock()
	if obj == nil {
		return c.under.Get(ctx, key, opts)
	}
	return obj, nil
}

// servesList reports whether the cache can answer a list. Like Kubernetes,
// exact revisions and pages (other than resourceVersion "0", where the
// limit is ignored) are served by etcd.
func (c *Cache) servesList(prefix string, opts storage.ListOptions) bool {
	switch {
	case !c.owns(prefix), c.isStopped(), opts.Continue != "":
		return false
	case opts.ResourceVersionMatch == string(metav1.ResourceVersionMatchExact):
		return false
	case opts.Limit > 0 && opts.ResourceVersion != "0":
		return false
	}
	return true
}

// List implements storage.Store: objects below prefix in key order,
// filtered by the predicate.
func (c *Cache) List(ctx context.Context, prefix string, opts storage.ListOptions) (*storage.ListResult, error) {
	if !c.servesList(prefix, opts) {
		return c.under.List(ctx, prefix, opts)
	}
	if err := c.freshness(ctx, opts.ResourceVersion); err != nil {
		if errors.Is(err, errNotFresh) {
			return c.under.List(ctx, prefix, opts)
		}
		return nil, err
	}
	objs, rev := c.snapshot(prefix)
	items := make([]runtime.Object, 0, len(objs))
	for _, o := range objs {
		if opts.Predicate == nil || opts.Predicate(o.obj) {
			items = append(items, o.obj)
		}
	}
	return &storage.ListResult{Items: items, ResourceVersion: rev}, nil
}

type keyedObject struct {
	key string
	obj runtime.Object
}

// snapshot copies out the objects below prefix and the revision they
// reflect; filtering happens outside the lock.
func (c *Cache) snapshot(prefix string) ([]keyedObject, int64) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.snapshotLocked(prefix), c.rev
}

func (c *Cache) snapshotLocked(prefix string) []keyedObject {
	keys := c.keyRangeLocked(prefix)
	out := make([]keyedObject, len(keys))
	for i, k := range keys {
		out[i] = keyedObject{key: k, obj: c.objects[k]}
	}
	return out
}

// CurrentRevision implements storage.Store.
func (c *Cache) CurrentRevision(ctx context.Context) (int64, error) {
	return c.under.CurrentRevision(ctx)
}
