package etcd

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/storage"
)

// nextEvent waits for one event with a deadline.
func nextEvent(t *testing.T, w watch.Interface) watch.Event {
	t.Helper()
	select {
	case ev, ok := <-w.ResultChan():
		if !ok {
			t.Fatalf("watch closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatalf("no event within 10s")
	}
	return watch.Event{}
}

// expect reads events and compares "TYPE name" strings.
func expect(t *testing.T, w watch.Interface, want ...string) {
	t.Helper()
	for _, wantEv := range want {
		ev := nextEvent(t, w)
		got := string(ev.Type)
		if acc, err := metav1Accessor(ev.Object); err == nil {
			got += " " + acc.GetName()
		}
		if got != wantEv {
			t.Fatalf("event %q, want %q", got, wantEv)
		}
	}
}

func metav1Accessor(obj runtime.Object) (metav1.Object, error) {
	if acc, ok := obj.(metav1.Object); ok {
		return acc, nil
	}
	return nil, fmt.Errorf("%T has no metadata", obj)
}

func TestDirectWatch(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	a := mustCreate(t, s, "a", nil)
	mustCreate(t, s, "b", nil)

	fromZero, err := s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	defer fromZero.Stop()
	expect(t, fromZero, "ADDED a", "ADDED b")

	fromA, err := s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: a.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	defer fromA.Stop()
	expect(t, fromA, "ADDED b")

	if _, err := s.GuaranteedUpdate(ctx, cmKey("a"), setData("k", "v")); err != nil {
		t.Fatal(err)
	}
	deleted, err := s.Delete(ctx, cmKey("b"), nil)
	if err != nil {
		t.Fatal(err)
	}
	expect(t, fromZero, "MODIFIED a", "DELETED b")
	expect(t, fromA, "MODIFIED a")
	ev := nextEvent(t, fromA)
	if ev.Type != watch.Deleted || rvOf(t, ev.Object) == rvOf(t, deleted) {
		t.Fatalf("DELETED event %v must carry the deletion revision, not %s", ev, rvOf(t, deleted))
	}
}

func TestDirectWatchCompacted(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	a := mustCreate(t, s, "a", nil)
	b := mustCreate(t, s, "b", nil)
	mustCreate(t, s, "c", nil)
	rb, _ := strconv.ParseInt(b.ResourceVersion, 10, 64)
	if _, err := e.Client().Compact(ctx, rb); err != nil {
		t.Fatal(err)
	}
	ra, _ := strconv.ParseInt(a.ResourceVersion, 10, 64)
	// Changes after a include b's creation at rb, still readable: works.
	w, err := s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: strconv.FormatInt(rb-1, 10)})
	if err != nil {
		t.Fatalf("watch from just before the compaction point: %v", err)
	}
	expect(t, w, "ADDED b", "ADDED c")
	w.Stop()
	_, err = s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: strconv.FormatInt(ra-1, 10)})
	if !apierrors.IsResourceExpired(err) {
		t.Fatalf("watch from compacted revision: want 410, got %v", err)
	}
}

func TestDirectWatchPredicateTransitions(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	mustCreate(t, s, "x", map[string]string{"third": "false"})
	w, err := s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: "0", Predicate: everyThird})
	if err != nil {
		t.Fatal(err)
	}
	defer w.Stop()
	steps := []struct{ name, k, v string }{
		{"x", "third", "true"},  // starts matching: ADDED
		{"x", "other", "1"},     // still matching: MODIFIED
		{"x", "third", "false"}, // stops matching: DELETED
		{"x", "other", "2"},     // not matching: nothing
	}
	for _, st := range steps {
		if _, err := s.GuaranteedUpdate(ctx, cmKey(st.name), setData(st.k, st.v)); err != nil {
			t.Fatal(err)
		}
	}
	mustCreate(t, s, "y", map[string]string{"third": "true"})
	if _, err := s.Delete(ctx, cmKey("y"), nil); err != nil {
		t.Fatal(err)
	}
	expect(t, w, "ADDED x", "MODIFIED x", "DELETED x", "ADDED y", "DELETED y")
}

func TestDirectWatchStopEndsChannel(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx, cancel := context.WithCancel(testCtx(t))
	w, err := s.Watch(ctx, cmPrefix, storage.WatchOptions{ResourceVersion: "0"})
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	for range w.ResultChan() {
	}
}

func TestDurabilityAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	ctx := testCtx(t)
	e, err := StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatal(err)
	}
	s := newCMStore(t, e)
	for i := range 100 {
		if _, err := s.Create(ctx, cmKey(fmt.Sprintf("d-%03d", i)), cm(fmt.Sprintf("d-%03d", i), nil)); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.Close(); err != nil {
		t.Fatal(err)
	}
	e2, err := StartEmbedded(ctx, dir)
	if err != nil {
		t.Fatalf("restart on the same dir: %v", err)
	}
	defer e2.Close()
	res, err := newCMStore(t, e2).List(ctx, cmPrefix, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Items) != 100 {
		t.Fatalf("%d objects after restart, want 100", len(res.Items))
	}
	if res.Items[0].(*corev1.ConfigMap).Name != "d-000" {
		t.Fatalf("first = %v", res.Items[0])
	}
}
