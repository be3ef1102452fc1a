package etcd

import (
	"k8s.io/apimachinery/pkg/api/meta"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
)

// InitialEventsAnnotation marks the bookmark that ends the initial events
// of a watch with sendInitialEvents (a streaming list).
const InitialEventsAnnotation = "k8s.io/initial-events-end"

// Change is one write to a key as watchers see it. Objects are shared by
// every watcher: nobody may modify them.
type Change struct {
	Key     string
	Rev     int64
	Deleted bool
	// Object is the new state; for a deletion, the last state stamped
	// with the deletion's revision (as Kubernetes sends it).
	Object runtime.Object
	// Prev is the state before the write, nil for a creation.
	Prev runtime.Object
}

// EventFor is the event a watcher selecting with pred gets for c, if any,
// with Kubernetes' transitions: an object that starts matching arrives as
// ADDED, one that stops matching as DELETED (its previous state stamped
// with the new revision).
func (c *Change) EventFor(pred storage.Predicate) (watch.Event, bool) {
	matches := func(o runtime.Object) bool { return o != nil && (pred == nil || pred(o)) }
	if c.Deleted {
		return watch.Event{Type: watch.Deleted, Object: c.Object}, matches(c.Object)
	}
	cur, old := matches(c.Object), matches(c.Prev)
	switch {
	case cur && old:
		return watch.Event{Type: watch.Modified, Object: c.Object}, true
	case cur:
		return watch.Event{Type: watch.Added, Object: c.Object}, true
	case old:
		gone := c.Prev.DeepCopyObject()
		_ = setRV(gone, c.Rev)
		return watch.Event{Type: watch.Deleted, Object: gone}, true
	}
	return watch.Event{}, false
}

// Bookmark is a BOOKMARK event: an empty object of the kind carrying only
// the revision (and the initial-events-end annotation when end is set).
func Bookmark(newFunc func() runtime.Object, rev int64, end bool) watch.Event {
	obj := newFunc()
	_ = setRV(obj, rev)
	if end {
		if acc, err := meta.Accessor(obj); err == nil {
			acc.SetAnnotations(map[string]string{InitialEventsAnnotation: "true"})
		}
	}
	return watch.Event{Type: watch.Bookmark, Object: obj}
}

// WantsInitialEvents reports whether a watch starts with ADDED events for
// the existing objects: by default for resourceVersion "" and "0",
// otherwise as SendInitialEvents says.
func WantsInitialEvents(opts storage.WatchOptions) bool {
	if opts.SendInitialEvents != nil {
		return *opts.SendInitialEvents
	}
	return opts.ResourceVersion == "" || opts.ResourceVersion == "0"
}

// WantsEndBookmark reports whether the initial events end with the
// annotated bookmark (only streaming lists ask for it).
func WantsEndBookmark(opts storage.WatchOptions) bool {
	return opts.Bookmarks && opts.SendInitialEvents != nil && *opts.SendInitialEvents
}
