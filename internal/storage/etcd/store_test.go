package etcd

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

func TestCRUDAndErrorMapping(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)

	created := mustCreate(t, s, "a", map[string]string{"k": "v"})
	if created.ResourceVersion == "" || created.Data["k"] != "v" {
		t.Fatalf("created = %+v", created)
	}
	if _, err := s.Create(ctx, cmKey("a"), cm("a", nil)); !apierrors.IsAlreadyExists(err) {
		t.Fatalf("second create: want AlreadyExists, got %v", err)
	}
	withRV := cm("b", nil)
	withRV.ResourceVersion = "5"
	if _, err := s.Create(ctx, cmKey("b"), withRV); !apierrors.IsBadRequest(err) {
		t.Fatalf("create with resourceVersion: want BadRequest, got %v", err)
	}

	got, err := s.Get(ctx, cmKey("a"), storage.GetOptions{})
	if err != nil || rvOf(t, got) != created.ResourceVersion || got.(*corev1.ConfigMap).Data["k"] != "v" {
		t.Fatalf("get = %+v, %v", got, err)
	}
	_, err = s.Get(ctx, cmKey("missing"), storage.GetOptions{})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("get missing: want NotFound, got %v", err)
	}
	if st := err.(apierrors.APIStatus).Status(); st.Details.Name != "missing" || st.Details.Kind != "configmaps" {
		t.Fatalf("NotFound details = %+v", st.Details)
	}
	rv, _ := strconv.ParseInt(created.ResourceVersion, 10, 64)
	if _, err := s.Get(ctx, cmKey("a"), storage.GetOptions{ResourceVersion: strconv.FormatInt(rv+1000, 10)}); !apierrors.IsTimeout(err) {
		t.Fatalf("get with future RV: want Timeout (too large), got %v", err)
	}

	updated, err := s.GuaranteedUpdate(ctx, cmKey("a"), setData("k", "w"))
	if err != nil || updated.(*corev1.ConfigMap).Data["k"] != "w" || rvOf(t, updated) == created.ResourceVersion {
		t.Fatalf("update = %+v, %v", updated, err)
	}
	if _, err := s.GuaranteedUpdate(ctx, cmKey("missing"), setData("k", "w")); !apierrors.IsNotFound(err) {
		t.Fatalf("update missing: want NotFound, got %v", err)
	}

	deleted, err := s.Delete(ctx, cmKey("a"), nil)
	if err != nil || rvOf(t, deleted) != rvOf(t, updated) {
		t.Fatalf("delete = %+v, %v", deleted, err)
	}
	if _, err := s.Get(ctx, cmKey("a"), storage.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: want NotFound, got %v", err)
	}
	if _, err := s.Delete(ctx, cmKey("a"), nil); !apierrors.IsNotFound(err) {
		t.Fatalf("delete missing: want NotFound, got %v", err)
	}
}

// setData returns an UpdateFunc that sets one data key on a copy.
func setData(k, v string) storage.UpdateFunc {
	return func(cur runtime.Object) (runtime.Object, error) {
		c := cur.(*corev1.ConfigMap).DeepCopy()
		if c.Data == nil {
			c.Data = map[string]string{}
		}
		c.Data[k] = v
		return c, nil
	}
}

func TestGuaranteedUpdateConcurrentIncrements(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	mustCreate(t, s, "counter", map[string]string{"n": "0"})
	const workers, each = 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				if _, err := s.GuaranteedUpdate(context.Background(), cmKey("counter"), increment); err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("increment: %v", err)
	}
	got, err := s.Get(testCtx(t), cmKey("counter"), storage.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if n := got.(*corev1.ConfigMap).Data["n"]; n != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %s, want %d", n, workers*each)
	}
}

func increment(cur runtime.Object) (runtime.Object, error) {
	c := cur.(*corev1.ConfigMap).DeepCopy()
	n, err := strconv.Atoi(c.Data["n"])
	if err != nil {
		return nil, err
	}
	c.Data["n"] = strconv.Itoa(n + 1)
	return c, nil
}

func TestNoOpUpdateKeepsResourceVersion(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	created := mustCreate(t, s, "same", map[string]string{"k": "v"})
	before, _ := s.CurrentRevision(testCtx(t))
	out, err := s.GuaranteedUpdate(testCtx(t), cmKey("same"), setData("k", "v"))
	if err != nil {
		t.Fatal(err)
	}
	after, _ := s.CurrentRevision(testCtx(t))
	if rvOf(t, out) != created.ResourceVersion || after != before {
		t.Fatalf("no-op update wrote: rv %s -> %s, revision %d -> %d", created.ResourceVersion, rvOf(t, out), before, after)
	}
}

func TestUpdateFromSuggestion(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	created := mustCreate(t, s, "s", map[string]string{"n": "0"})
	// A fresh suggestion: no-op detected by etcd, no write.
	out, err := s.GuaranteedUpdateFrom(ctx, cmKey("s"), setData("n", "0"), created)
	if err != nil || rvOf(t, out) != created.ResourceVersion {
		t.Fatalf("no-op from suggestion = %v, %v", out, err)
	}
	// The suggestion is a cache's: the caller gets its own object.
	if out == runtime.Object(created) {
		t.Fatal("no-op from suggestion returned the suggestion itself, which a cache shares")
	}
	// Make the suggestion stale, then increment from it: the update must
	// apply to the fresh state, not the stale one.
	if _, err := s.GuaranteedUpdate(ctx, cmKey("s"), setData("n", "5")); err != nil {
		t.Fatal(err)
	}
	out, err = s.GuaranteedUpdateFrom(ctx, cmKey("s"), increment, created)
	if err != nil || out.(*corev1.ConfigMap).Data["n"] != "6" {
		t.Fatalf("increment from stale suggestion = %v, %v", out, err)
	}
	// A precondition failing on the stale copy is re-checked on fresh data.
	wantRV := rvOf(t, out)
	precondition := func(cur runtime.Object) (runtime.Object, error) {
		if rvOf(t, cur) != wantRV {
			return nil, apierrors.NewConflict(configMaps, "s", errors.New("stale"))
		}
		return setData("x", "y")(cur)
	}
	if _, err := s.GuaranteedUpdateFrom(ctx, cmKey("s"), precondition, created); err != nil {
		t.Fatalf("precondition on stale suggestion: %v", err)
	}
}

func TestDeleteWithFailingCheckChangesNothing(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	created := mustCreate(t, s, "keep", nil)
	refuse := func(runtime.Object) error {
		return apierrors.NewConflict(configMaps, "keep", fmt.Errorf("uid mismatch"))
	}
	if _, err := s.Delete(ctx, cmKey("keep"), refuse); !apierrors.IsConflict(err) {
		t.Fatalf("delete with failing check: want Conflict, got %v", err)
	}
	if _, err := s.DeleteFrom(ctx, cmKey("keep"), refuse, created); !apierrors.IsConflict(err) {
		t.Fatalf("delete from suggestion with failing check: want Conflict, got %v", err)
	}
	got, err := s.Get(ctx, cmKey("keep"), storage.GetOptions{})
	if err != nil || rvOf(t, got) != created.ResourceVersion {
		t.Fatalf("object changed after refused delete: %v, %v", got, err)
	}
	// A check that sees the fresh object decides on it.
	if _, err := s.GuaranteedUpdate(ctx, cmKey("keep"), setData("a", "b")); err != nil {
		t.Fatal(err)
	}
	onlyFresh := func(cur runtime.Object) error {
		if cur.(*corev1.ConfigMap).Data["a"] != "b" {
			return apierrors.NewConflict(configMaps, "keep", errors.New("stale"))
		}
		return nil
	}
	if _, err := s.DeleteFrom(ctx, cmKey("keep"), onlyFresh, created); err != nil {
		t.Fatalf("delete from stale suggestion: %v", err)
	}
	if _, err := s.Get(ctx, cmKey("keep"), storage.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("want deleted, got %v", err)
	}
}

// encode drops the resourceVersion from what it writes, never from the
// object it was given: that may be shared with a cache.
func TestUpdateLeavesTheWrittenObjectAlone(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	created := mustCreate(t, s, "w", map[string]string{"n": "0"})
	var sent *corev1.ConfigMap
	keep := func(cur runtime.Object) (runtime.Object, error) {
		sent = cur.DeepCopyObject().(*corev1.ConfigMap)
		sent.Data["n"] = "1"
		return sent, nil
	}
	if _, err := s.GuaranteedUpdate(testCtx(t), cmKey("w"), keep); err != nil {
		t.Fatal(err)
	}
	if sent.ResourceVersion != created.ResourceVersion {
		t.Fatalf("the object handed to storage has resourceVersion %q, want %q unchanged", sent.ResourceVersion, created.ResourceVersion)
	}
}
