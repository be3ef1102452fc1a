// Package storage owns persistence of API objects: the Store interface the
// API server writes through, its etcd implementation (keys, optimistic
// concurrency on etcd's mod revision, resourceVersion = etcd revision) and
// the watch cache that serves lists and watches without hitting etcd for
// every client.
package storage

import (
	"context"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"
)

// Store keeps the objects of one resource (one group/resource). Keys are
// full etcd keys, e.g. "/registry/deployments/default/web"; the key's last
// segment is the object name used in error messages.
//
// Errors are Kubernetes API errors (k8s.io/apimachinery/pkg/api/errors):
// NotFound, AlreadyExists, Conflict, Gone (resourceVersion too old),
// Timeout, or InternalError for anything else, so callers can return them
// to clients as they are.
type Store interface {
	// Create stores obj at key and returns the stored object with its
	// resourceVersion set. AlreadyExists if the key exists. The returned
	// object is the caller's: no cache shares it.
	Create(ctx context.Context, key string, obj runtime.Object) (runtime.Object, error)

	// Get returns the object at key. opts.ResourceVersion "" reads the
	// latest (quorum) state; "0" may answer from the cache.
	Get(ctx context.Context, key string, opts GetOptions) (runtime.Object, error)

	// List returns the objects whose keys start with prefix (which must end
	// with "/"), filtered by opts.Predicate, in key order.
	List(ctx context.Context, prefix string, opts ListOptions) (*ListResult, error)

	// GuaranteedUpdate reads the current object at key, calls tryUpdate
	// with it and writes the result if the object did not change meanwhile,
	// retrying with the fresh object otherwise. If tryUpdate returns an
	// error nothing is written and that error is returned. If the encoded
	// result equals the current bytes nothing is written and the current
	// object is returned (no new resourceVersion), as Kubernetes does.
	// NotFound if the key does not exist (tryUpdate is not called). The
	// returned object is the caller's: no cache shares it.
	GuaranteedUpdate(ctx context.Context, key string, tryUpdate UpdateFunc) (runtime.Object, error)

	// Delete removes the object at key after check (may be nil) accepted the
	// current object; check is re-run on the fresh object if it changed
	// meanwhile. Returns the last state of the object.
	Delete(ctx context.Context, key string, check func(current runtime.Object) error) (runtime.Object, error)

	// Watch streams changes below prefix (or to the single key when prefix
	// does not end with "/") as watch.Events. See WatchOptions for where it
	// starts. A resourceVersion older than the history kept answers a Gone
	// error (410, "too old resource version"), as Kubernetes does.
	Watch(ctx context.Context, prefix string, opts WatchOptions) (watch.Interface, error)

	// CurrentRevision is etcd's current revision (for consistent reads).
	CurrentRevision(ctx context.Context) (int64, error)
}

// UpdateFunc computes the new state from the current one. It must not
// modify current (it is shared with the cache); copy it first.
type UpdateFunc func(current runtime.Object) (runtime.Object, error)

// Predicate selects objects (labels and fields); nil selects all.
type Predicate func(obj runtime.Object) bool

// GetOptions are the options of Store.Get.
type GetOptions struct {
	ResourceVersion string
}

// ListOptions mirror metav1.ListOptions' storage-relevant parts.
type ListOptions struct {
	// ResourceVersion: "" is a consistent (latest) read; "0" any cached
	// state; "N" state at least as new as N (NotOlderThan) or exactly N
	// (Exact).
	ResourceVersion      string
	ResourceVersionMatch string // "", "NotOlderThan", "Exact"
	Limit                int64
	Continue             string
	Predicate            Predicate
}

// ListResult is one page of a list.
type ListResult struct {
	Items           []runtime.Object
	ResourceVersion int64
	// Continue is the token for the next page, empty on the last one.
	Continue           string
	RemainingItemCount *int64
}

// WatchOptions say where a watch starts and what it delivers.
type WatchOptions struct {
	// ResourceVersion "" or "0": first an ADDED event for every existing
	// object, then changes. "N": changes after revision N.
	ResourceVersion string
	// SendInitialEvents overrides the above for "N" (streaming lists):
	// when true, ADDED events for the state at (or after) N first.
	SendInitialEvents *bool
	Predicate         Predicate
	// Bookmarks asks for periodic BOOKMARK events (an empty object of the
	// kind carrying only metadata.resourceVersion), and, after the initial
	// events when SendInitialEvents is set, one annotated
	// "k8s.io/initial-events-end": "true".
	Bookmarks bool
}
