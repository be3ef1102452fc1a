// Package cache is a watch cache: one etcd list+watch per resource feeds
// an in-memory copy that serves reads and watches.
package cache

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	clientv3 "go.etcd.io/etcd/client/v3"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

// Cache is a storage.Store that answers reads and watches below one
// prefix from memory and writes through to the store under it. Objects it
// returns are shared with other readers: nobody may modify them.
type Cache struct {
	under   storage.Store
	client  *clientv3.Client
	prefix  string
	codec   runtime.Codec
	newFunc func() runtime.Object
	opts    options

	// progress asks the reflector for a progress notification (cap 1,
	// so concurrent requests coalesce).
	progress chan struct{}
	stopped  chan struct{}

	mu      sync.RWMutex
	objects map[string]runtime.Object
	keys    []string // the keys of objects, sorted
	// rev is the revision the cache reflects: every change up to it
	// has been applied.
	rev      int64
	revCh    chan struct{} // closed and replaced whenever rev advances
	ring     *ring
	watchers map[*cacheWatcher]struct{}
}

var _ storage.Store = (*Cache)(nil)

// New lists prefix (which must end with "/") and keeps watching it until
// ctx ends; it returns once the initial list is loaded. Reads and watches
// outside prefix, and those the cache cannot answer, go to under.
func New(ctx context.Context, under storage.Store, client *clientv3.Client, prefix string,
	codec runtime.Codec, newFunc func() runtime.Object, opts ...Option) (storage.Store, error) {
	if !strings.HasSuffix(prefix, "/") {
		return nil, fmt.Errorf("watch cache prefix %q must end with /", prefix)
	}
	c := &Cache{
		under: under, client: client, prefix: prefix, codec: codec, newFunc: newFunc,
		opts:     defaultOptions(),
		progress: make(chan struct{}, 1),
		stopped:  make(chan struct{}),
		revCh:    make(chan struct{}),
		watchers: map[*cacheWatcher]struct{}{},
	}
	for _, o := range opts {
		o(&c.opts)
	}
	if err := c.relist(ctx); err != nil {
		return nil, fmt.Errorf("watch cache %s: %w", prefix, err)
	}
	go c.run(ctx)
	return c, nil
}

// owns reports whether key (or prefix) lies below the cached prefix.
func (c *Cache) owns(key string) bool { return strings.HasPrefix(key, c.prefix) }

func (c *Cache) isStopped() bool {
	select {
	case <-c.stopped:
		return true
	default:
		return false
	}
}

// Rev is the revision the cache currently reflects.
func (c *Cache) Rev() int64 {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.rev
}

// setRevLocked advances rev and wakes readers waiting for it.
func (c *Cache) setRevLocked(rev int64) {
	if rev <= c.rev {
		return
	}
	c.rev = rev
	close(c.revCh)
	c.revCh = make(chan struct{})
}

// insertKeyLocked and removeKeyLocked keep keys sorted; a memmove of the
// slice is far cheaper than sorting on every list.
func (c *Cache) insertKeyLocked(key string) {
	i := sort.SearchStrings(c.keys, key)
	c.keys = append(c.keys, "")
	copy(c.keys[i+1:], c.keys[i:])
	c.keys[i] = key
}

func (c *Cache) removeKeyLocked(key string) {
	i := sort.SearchStrings(c.keys, key)
	if i < len(c.keys) && c.keys[i] == key {
		c.keys = append(c.keys[:i], c.keys[i+1:]...)
	}
}

// keyRangeLocked returns the sorted keys below prefix (or equal to key
// when it does not end with "/").
func (c *Cache) keyRangeLocked(prefix string) []string {
	if !strings.HasSuffix(prefix, "/") {
		if _, ok := c.objects[prefix]; ok {
			return []string{prefix}
		}
		return nil
	}
	lo := sort.SearchStrings(c.keys, prefix)
	hi := lo + sort.Search(len(c.keys)-lo, func(i int) bool { return !strings.HasPrefix(c.keys[lo+i], prefix) })
	return c.keys[lo:hi]
}

// requestProgress asks the reflector to ask etcd for a progress
// notification, which moves rev to etcd's current revision.
func (c *Cache) requestProgress() {
	select {
	case c.progress <- struct{}{}:
	default:
	}
}
