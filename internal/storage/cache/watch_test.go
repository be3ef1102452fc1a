package cache

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	k8sruntime "k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
	"rudder/internal/storage/etcd"
)

func TestWatchFromZeroAndFromN(t *testing.T) {
	env := setup(t)
	c := env.cache
	a := create(t, c, "default", "a", nil)
	create(t, c, "default", "b", nil)
	last := create(t, c, "other", "c", nil)
	// The cache keeps recent history itself: resuming from a works even
	// once etcd has compacted it.
	eventually(t, "cache to see all writes", func() bool { return c.Rev() >= rvInt(t, last) })
	if _, err := env.etcd.Client().Compact(ctxT(t), rvInt(t, last)); err != nil {
		t.Fatal(err)
	}

	fromZero := watchT(t, c, prefix+"default/", storage.WatchOptions{ResourceVersion: "0"})
	expect(t, fromZero, "ADDED default/a", "ADDED default/b")
	fromA := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: a.ResourceVersion})
	expect(t, fromA, "ADDED default/b", "ADDED other/c")
	single := watchT(t, c, key("default", "a"), storage.WatchOptions{ResourceVersion: a.ResourceVersion})

	update(t, c, "default", "a", "k", "v")
	update(t, c, "other", "c", "k", "v")
	if _, err := c.Delete(ctxT(t), key("default", "b"), nil); err != nil {
		t.Fatal(err)
	}
	expect(t, fromZero, "MODIFIED default/a", "DELETED default/b")
	expect(t, fromA, "MODIFIED default/a", "MODIFIED other/c", "DELETED default/b")
	expect(t, single, "MODIFIED default/a")
}

func TestWatchDeletedCarriesDeletionRevision(t *testing.T) {
	env := setup(t)
	o := create(t, env.cache, "default", "a", nil)
	w := watchT(t, env.cache, prefix, storage.WatchOptions{ResourceVersion: o.ResourceVersion})
	if _, err := env.cache.Delete(ctxT(t), key("default", "a"), nil); err != nil {
		t.Fatal(err)
	}
	ev := next(t, w)
	if ev.Type != watch.Deleted || rvInt(t, ev.Object) <= rvInt(t, o) {
		t.Fatalf("got %s at %d, want DELETED after %d", ev.Type, rvInt(t, ev.Object), rvInt(t, o))
	}
}

// An RV older than the ring but still in etcd's history is served by a
// direct etcd watch: nothing is missed. Once compacted: 410.
func TestWatchOlderThanRing(t *testing.T) {
	env := setup(t, WithEventBuffer(2))
	c := env.cache
	first := create(t, c, "default", "o0", nil)
	for i := 1; i < 6; i++ {
		create(t, c, "default", fmt.Sprintf("o%d", i), nil)
	}
	eventually(t, "cache to see all writes", func() bool { return c.Rev() >= rvInt(t, first)+5 })
	w := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: first.ResourceVersion})
	expect(t, w, "ADDED default/o1", "ADDED default/o2", "ADDED default/o3", "ADDED default/o4", "ADDED default/o5")
	create(t, c, "default", "o6", nil)
	expect(t, w, "ADDED default/o6")

	if _, err := env.etcd.Client().Compact(ctxT(t), rvInt(t, first)+3); err != nil {
		t.Fatal(err)
	}
	_, err := c.Watch(ctxT(t), prefix, storage.WatchOptions{ResourceVersion: first.ResourceVersion})
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("want 410 Gone, got %v", err)
	}
	if want := fmt.Sprintf("too old resource version: %d (%d)", rvInt(t, first), rvInt(t, first)+3); err.Error() != want {
		t.Fatalf("message %q, want %q", err.Error(), want)
	}
}

func TestWatchPredicateTransitions(t *testing.T) {
	env := setup(t)
	c := env.cache
	create(t, c, "default", "x", map[string]string{"sel": "no"})
	pred := func(o k8sruntime.Object) bool { return o.(*corev1.ConfigMap).Data["sel"] == "yes" }
	w := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: "0", Predicate: pred})
	update(t, c, "default", "x", "sel", "yes") // starts matching: ADDED
	update(t, c, "default", "x", "other", "1") // matching: MODIFIED
	gone := update(t, c, "default", "x", "sel", "no")
	update(t, c, "default", "x", "other", "2") // not matching: nothing
	create(t, c, "default", "y", map[string]string{"sel": "yes"})
	if _, err := c.Delete(ctxT(t), key("default", "y"), nil); err != nil {
		t.Fatal(err)
	}
	expect(t, w, "ADDED default/x", "MODIFIED default/x")
	ev := next(t, w)
	if describe(ev) != "DELETED default/x" || rvInt(t, ev.Object) != rvInt(t, gone) {
		t.Fatalf("got %s at %d, want DELETED default/x at %d", describe(ev), rvInt(t, ev.Object), rvInt(t, gone))
	}
	if ev.Object.(*corev1.ConfigMap).Data["sel"] != "yes" {
		t.Fatalf("DELETED on stop-matching must carry the last matching state")
	}
	expect(t, w, "ADDED default/y", "DELETED default/y")
}

func TestBookmarks(t *testing.T) {
	env := setup(t, WithBookmarkInterval(20*time.Millisecond))
	c := env.cache
	create(t, c, "default", "a", nil)
	yes := true
	w := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: "", SendInitialEvents: &yes, Bookmarks: true})
	expect(t, w, "ADDED default/a")
	end := next(t, w)
	if end.Type != watch.Bookmark || end.Object.(metav1.Object).GetAnnotations()[etcd.InitialEventsAnnotation] != "true" {
		t.Fatalf("want the initial-events-end bookmark, got %s %v", end.Type, end.Object)
	}
	b := create(t, c, "default", "b", nil)
	// Periodic bookmarks never run ahead of the events: until ADDED b
	// arrives they carry older revisions, afterwards at least b's.
	ev := next(t, w)
	for ; ev.Type == watch.Bookmark; ev = next(t, w) {
		if rvInt(t, ev.Object) >= rvInt(t, b) {
			t.Fatalf("bookmark at %d before the event at %d", rvInt(t, ev.Object), rvInt(t, b))
		}
	}
	if describe(ev) != "ADDED default/b" {
		t.Fatalf("got %s, want ADDED default/b", describe(ev))
	}
	ev = next(t, w)
	if ev.Type != watch.Bookmark || rvInt(t, ev.Object) < rvInt(t, b) {
		t.Fatalf("got %s at %v, want a bookmark at >= %d", ev.Type, ev.Object, rvInt(t, b))
	}
	if _, ok := ev.Object.(*corev1.ConfigMap); !ok {
		t.Fatalf("bookmark object %T, want the resource's kind", ev.Object)
	}
	noMarks := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: b.ResourceVersion})
	create(t, c, "default", "c", nil)
	expect(t, noMarks, "ADDED default/c") // no bookmark before it
}

func TestSlowWatcherIsDropped(t *testing.T) {
	const buffer, batch, total = 8, 4, 40
	env := setup(t, WithWatcherBuffer(buffer))
	c := env.cache
	slow := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: "0"})
	fast := watchT(t, c, prefix, storage.WatchOptions{ResourceVersion: "0"})
	// The fast watcher reads each batch before the next is written, so
	// it never lags more than batch < buffer events; the slow one never
	// reads and must be cut off without holding anyone up.
	for i := 0; i < total; i += batch {
		for j := i; j < i+batch; j++ {
			create(t, c, "default", fmt.Sprintf("o%02d", j), nil)
		}
		for j := i; j < i+batch; j++ {
			expect(t, fast, fmt.Sprintf("ADDED default/o%02d", j))
		}
	}
	got := 0
	deadline := time.After(10 * time.Second)
	for {
		select {
		case _, ok := <-slow.ResultChan():
			if !ok {
				if got >= total {
					t.Fatalf("slow watcher got all %d events and was still closed", got)
				}
				return
			}
			got++
		case <-deadline:
			t.Fatalf("slow watcher not closed (got %d events)", got)
		}
	}
}

func TestNoGoroutineLeaks(t *testing.T) {
	e, err := etcd.StartEmbedded(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer e.Close()
	env := &env{etcd: e}
	env.codec = etcd.Codec(schemeForTest(), corev1.SchemeGroupVersion)
	env.under = etcd.New(etcd.Config{Client: e.Client(), Codec: env.codec, NewFunc: newCM})
	create(t, env.under, "default", "a", nil)

	ctx, cancel := context.WithCancel(context.Background())
	s, err := New(ctx, env.under, e.Client(), prefix, env.codec, newCM, WithBookmarkInterval(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	wctx, wcancel := context.WithCancel(context.Background())
	stopped, _ := s.Watch(wctx, prefix, storage.WatchOptions{ResourceVersion: "0", Bookmarks: true})
	canceled, _ := s.Watch(wctx, prefix, storage.WatchOptions{ResourceVersion: "0"})
	abandoned, _ := s.Watch(context.Background(), prefix, storage.WatchOptions{ResourceVersion: "0"})
	direct, err := s.Watch(wctx, prefix, storage.WatchOptions{ResourceVersion: "1"}) // older than the cache
	if err != nil {
		t.Fatal(err)
	}
	if cacheGoroutines() == 0 {
		t.Fatal("no cache goroutine seen while the cache runs: the leak check would see nothing")
	}
	stopped.Stop()
	wcancel()
	cancel() // the cache's end ends its own watchers
	for _, w := range []watch.Interface{stopped, canceled, abandoned, direct} {
		for range w.ResultChan() {
		}
	}
	// Only the cache's own goroutines count: etcd's client keeps streams of
	// its own whose lifetime is etcd's business, and they made this test
	// flaky on a loaded machine.
	eventually(t, "no goroutine of the cache left", func() bool { return cacheGoroutines() == 0 })
}

// cacheGoroutines counts goroutines running this package's (non-test) code.
func cacheGoroutines() int {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	n := 0
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "rudder/internal/storage/cache.") && !strings.Contains(g, "_test.go") {
			n++
		}
	}
	return n
}

// stableGoroutines is the goroutine count once it stops moving.
func stableGoroutines() int {
	n := runtime.NumGoroutine()
	for range 50 {
		time.Sleep(10 * time.Millisecond)
		m := runtime.NumGoroutine()
		if m == n {
			return n
		}
		n = m
	}
	return n
}
