package cache

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

// suggestingStore is a store that can start a conditional write from a
// cached object instead of reading it first (the etcd Store can).
type suggestingStore interface {
	GuaranteedUpdateFrom(ctx context.Context, key string, tryUpdate storage.UpdateFunc, suggestion runtime.Object) (runtime.Object, error)
	DeleteFrom(ctx context.Context, key string, check func(runtime.Object) error, suggestion runtime.Object) (runtime.Object, error)
}

// Create implements storage.Store by writing through.
func (c *Cache) Create(ctx context.Context, key string, obj runtime.Object) (runtime.Object, error) {
	return c.under.Create(ctx, key, obj)
}

// GuaranteedUpdate implements storage.Store by writing through, starting
// from the cached object when it has one. The write is conditional on the
// object's revision, so a stale cached copy only costs a retry.
func (c *Cache) GuaranteedUpdate(ctx context.Context, key string, tryUpdate storage.UpdateFunc) (runtime.Object, error) {
	if s, ok := c.under.(suggestingStore); ok {
		return s.GuaranteedUpdateFrom(ctx, key, tryUpdate, c.cached(key))
	}
	return c.under.GuaranteedUpdate(ctx, key, tryUpdate)
}

// Delete implements storage.Store like GuaranteedUpdate.
func (c *Cache) Delete(ctx context.Context, key string, check func(runtime.Object) error) (runtime.Object, error) {
	if s, ok := c.under.(suggestingStore); ok {
		return s.DeleteFrom(ctx, key, check, c.cached(key))
	}
	return c.under.Delete(ctx, key, check)
}

// cached is the cached object at key, or nil.
func (c *Cache) cached(key string) runtime.Object {
	if !c.owns(key) || c.isStopped() {
		return nil
	}
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.objects[key]
}
