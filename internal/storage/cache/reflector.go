package cache

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.etcd.io/etcd/api/v3/mvccpb"
	clientv3 "go.etcd.io/etcd/client/v3"
	"google.golang.org/grpc/metadata"
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage/etcd"
)

const (
	listPage      = 10000
	retryMinDelay = 100 * time.Millisecond
	retryMaxDelay = 5 * time.Second
)

// run keeps the cache in step with etcd until ctx ends: it watches from
// the cache's revision and, when the watch fails (e.g. the revision was
// compacted while disconnected), lists again.
func (c *Cache) run(ctx context.Context) {
	defer c.shutdown()
	delay := retryMinDelay
	for ctx.Err() == nil {
		err := c.watch(ctx)
		if ctx.Err() != nil {
			return
		}
		c.opts.logger.Warn("watch cache: watch ended, relisting", "prefix", c.prefix, "err", err)
		if !sleep(ctx, delay) {
			return
		}
		if err := c.relist(ctx); err != nil {
			c.opts.logger.Error("watch cache: relist failed", "prefix", c.prefix, "err", err)
			delay = min(delay*2, retryMaxDelay)
			continue
		}
		delay = retryMinDelay
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// shutdown ends every watcher once the cache stops; reads then go to the
// underlying store.
func (c *Cache) shutdown() {
	c.mu.Lock()
	defer c.mu.Unlock()
	close(c.stopped)
	for w := range c.watchers {
		c.removeWatcherLocked(w)
	}
}

// relist replaces the cache's content with a fresh list. Watchers are
// ended, since changes between the old state and the list are lost; they
// resume from their last revision (from etcd's history if need be).
func (c *Cache) relist(ctx context.Context) error {
	objects, keys, rev, err := c.list(ctx)
	if err != nil {
		return err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for w := range c.watchers {
		c.removeWatcherLocked(w)
	}
	c.objects, c.keys = objects, keys
	c.ring = newRing(c.opts.ringSize, rev)
	c.rev = 0 // a relist may move rev anywhere; setRevLocked wakes waiters
	c.setRevLocked(rev)
	return nil
}

// list reads every object below the prefix at one revision, in pages.
func (c *Cache) list(ctx context.Context) (map[string]runtime.Object, []string, int64, error) {
	objects := map[string]runtime.Object{}
	var keys []string
	var rev int64
	key, end := c.prefix, clientv3.GetPrefixRangeEnd(c.prefix)
	for {
		ops := []clientv3.OpOption{clientv3.WithRange(end), clientv3.WithLimit(listPage)}
		if rev > 0 {
			ops = append(ops, clientv3.WithRev(rev))
		}
		resp, err := c.client.Get(ctx, key, ops...)
		if err != nil {
			return nil, nil, 0, fmt.Errorf("list %s: %w", c.prefix, err)
		}
		if rev == 0 {
			rev = resp.Header.Revision
		}
		for _, kv := range resp.Kvs {
			obj, err := etcd.Decode(c.codec, c.newFunc, kv.Value, kv.ModRevision)
			if err != nil {
				c.opts.logger.Error("watch cache: skipping undecodable object", "key", string(kv.Key), "err", err)
				continue
			}
			objects[string(kv.Key)] = obj
			keys = append(keys, string(kv.Key))
		}
		if !resp.More || len(resp.Kvs) == 0 {
			break
		}
		key = string(resp.Kvs[len(resp.Kvs)-1].Key) + "\x00"
	}
	sort.Strings(keys) // already in order from etcd; cheap insurance
	return objects, keys, rev, nil
}

// watch follows etcd from the cache's revision until it fails or ctx ends.
// The client multiplexes watches with equal gRPC metadata on one stream
// and answers progress requests per stream: metadata naming this cache
// keeps its stream apart, so a progress notification means that this
// watch has caught up. (clientv3.NewWatcher would do it too, but does not
// work on the in-process client.)
func (c *Cache) watch(ctx context.Context) error {
	w := c.client.Watcher
	wctx, cancel := context.WithCancel(clientv3.WithRequireLeader(ctx))
	defer cancel()
	wctx = metadata.AppendToOutgoingContext(wctx, "rudder-watch-cache", fmt.Sprintf("%s@%p", c.prefix, c))
	wch := w.Watch(wctx, c.prefix, clientv3.WithPrefix(), clientv3.WithRev(c.Rev()+1), clientv3.WithProgressNotify())
	ticker := time.NewTicker(c.opts.progressInterval)
	defer ticker.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-c.progress:
			_ = w.RequestProgress(wctx)
		case <-ticker.C:
			_ = w.RequestProgress(wctx)
		case resp, ok := <-wch:
			if !ok {
				return errors.New("etcd watch channel closed")
			}
			if err := c.handle(resp); err != nil {
				return err
			}
		}
	}
}

func (c *Cache) handle(resp clientv3.WatchResponse) error {
	if resp.CompactRevision != 0 {
		return fmt.Errorf("watch from %d: compacted at %d", c.Rev()+1, resp.CompactRevision)
	}
	if err := resp.Err(); err != nil {
		return fmt.Errorf("etcd watch: %w", err)
	}
	if resp.IsProgressNotify() {
		c.advance(resp.Header.Revision)
		return nil
	}
	c.apply(c.changes(resp.Events))
	return nil
}

// changes turns etcd events into Changes. Only the reflector writes the
// object map, so it may read it here without the lock.
func (c *Cache) changes(events []*clientv3.Event) []*etcd.Change {
	out := make([]*etcd.Change, 0, len(events))
	pending := map[string]runtime.Object{} // state after earlier events of this batch
	prevOf := func(key string) runtime.Object {
		if o, ok := pending[key]; ok {
			return o
		}
		return c.objects[key]
	}
	for _, ev := range events {
		key := string(ev.Kv.Key)
		ch := &etcd.Change{Key: key, Rev: ev.Kv.ModRevision, Prev: prevOf(key)}
		if ev.Type == mvccpb.DELETE {
			if ch.Prev == nil {
				continue // never seen (e.g. undecodable): nothing to report
			}
			ch.Deleted = true
			ch.Object = stamped(ch.Prev, ch.Rev)
			pending[key] = nil
		} else {
			obj, err := etcd.Decode(c.codec, c.newFunc, ev.Kv.Value, ch.Rev)
			if err != nil {
				c.opts.logger.Error("watch cache: skipping undecodable object", "key", key, "err", err)
				continue
			}
			ch.Object = obj
			pending[key] = obj
		}
		out = append(out, ch)
	}
	return out
}

// stamped is a copy of obj carrying rev as its resourceVersion.
func stamped(obj runtime.Object, rev int64) runtime.Object {
	out := obj.DeepCopyObject()
	if acc, err := meta.Accessor(out); err == nil {
		acc.SetResourceVersion(strconv.FormatInt(rev, 10))
	}
	return out
}

// apply records changes and hands them to every watcher.
func (c *Cache) apply(changes []*etcd.Change) {
	if len(changes) == 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, ch := range changes {
		if ch.Deleted {
			delete(c.objects, ch.Key)
			c.removeKeyLocked(ch.Key)
		} else {
			if ch.Prev == nil {
				c.insertKeyLocked(ch.Key)
			}
			c.objects[ch.Key] = ch.Object
		}
		c.ring.add(ch)
		for w := range c.watchers {
			if !w.offer(item{change: ch}) {
				c.removeWatcherLocked(w) // too slow: cut it off
			}
		}
	}
	c.setRevLocked(changes[len(changes)-1].Rev)
}

// advance moves rev on a progress notification: etcd has sent every
// change up to rev.
func (c *Cache) advance(rev int64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if rev <= c.rev {
		return
	}
	c.setRevLocked(rev)
	for w := range c.watchers {
		w.offer(item{progress: rev}) // a lost progress mark costs nothing
	}
}
