package cache

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

func TestReadYourWrites(t *testing.T) {
	env := setup(t)
	c := env.cache
	ctx := ctxT(t)
	for i := range 20 {
		name := fmt.Sprintf("o-%02d", i)
		created := create(t, c, "default", name, nil)
		got, err := c.Get(ctx, key("default", name), storage.GetOptions{})
		if err != nil || rvInt(t, got) != rvInt(t, created) {
			t.Fatalf("get after create %s: %v, %v", name, got, err)
		}
		updated := update(t, c, "default", name, "k", "v")
		res, err := c.List(ctx, prefix+"default/", storage.ListOptions{})
		if err != nil || len(res.Items) != i+1 || rvInt(t, res.Items[i]) != rvInt(t, updated) {
			t.Fatalf("list after update of %s: %v, %v", name, names(res.Items), err)
		}
		if res.ResourceVersion < rvInt(t, updated) {
			t.Fatalf("list revision %d older than the write %d", res.ResourceVersion, rvInt(t, updated))
		}
	}
	if _, err := c.Delete(ctx, key("default", "o-00"), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Get(ctx, key("default", "o-00"), storage.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Fatalf("get after delete: want NotFound, got %v", err)
	}
}

// A consistent read after a write to another prefix must be answered by
// the cache once a progress notification moved it past that write.
func TestConsistentReadAfterUnrelatedWrite(t *testing.T) {
	env := setup(t, WithFreshTimeout(4*time.Second), WithProgressInterval(time.Hour))
	ctx := ctxT(t)
	create(t, env.cache, "default", "a", nil)
	resp, err := env.etcd.Client().Put(ctx, "/registry/secrets/default/x", "opaque")
	if err != nil {
		t.Fatal(err)
	}
	res, err := env.cache.List(ctx, prefix, storage.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.ResourceVersion < resp.Header.Revision || env.cache.Rev() < resp.Header.Revision {
		t.Fatalf("list at %d, cache at %d, want >= %d", res.ResourceVersion, env.cache.Rev(), resp.Header.Revision)
	}
}

func TestListFromCache(t *testing.T) {
	env := setup(t)
	c := env.cache
	ctx := ctxT(t)
	for _, ns := range []string{"b", "a", "c"} {
		for _, n := range []string{"z", "x", "y"} {
			create(t, env.under, ns, n, map[string]string{"x": strconv.FormatBool(n == "x")})
		}
	}
	onlyX := func(o runtime.Object) bool { return o.(*corev1.ConfigMap).Data["x"] == "true" }
	cases := []struct {
		name   string
		prefix string
		opts   storage.ListOptions
		want   []string
	}{
		{"all in key order", prefix, storage.ListOptions{}, []string{"a/x", "a/y", "a/z", "b/x", "b/y", "b/z", "c/x", "c/y", "c/z"}},
		{"one namespace", prefix + "b/", storage.ListOptions{}, []string{"b/x", "b/y", "b/z"}},
		{"predicate", prefix, storage.ListOptions{Predicate: onlyX}, []string{"a/x", "b/x", "c/x"}},
		{"rv 0 ignores limit", prefix + "c/", storage.ListOptions{ResourceVersion: "0", Limit: 1}, []string{"c/x", "c/y", "c/z"}},
		{"limited consistent list pages from etcd", prefix, storage.ListOptions{Limit: 2}, []string{"a/x", "a/y"}},
		{"missing namespace", prefix + "nope/", storage.ListOptions{}, []string{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := c.List(ctx, tc.prefix, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := names(res.Items); !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestGetNotOlderThanAndMissing(t *testing.T) {
	env := setup(t)
	ctx := ctxT(t)
	o := create(t, env.under, "default", "a", nil)
	got, err := env.cache.Get(ctx, key("default", "a"), storage.GetOptions{ResourceVersion: o.ResourceVersion})
	if err != nil || rvInt(t, got) != rvInt(t, o) {
		t.Fatalf("get at its own rv: %v, %v", got, err)
	}
	_, err = env.cache.Get(ctx, key("default", "missing"), storage.GetOptions{ResourceVersion: "0"})
	if !apierrors.IsNotFound(err) {
		t.Fatalf("want NotFound, got %v", err)
	}
}

func TestGuaranteedUpdateThroughCacheConcurrently(t *testing.T) {
	env := setup(t)
	create(t, env.cache, "default", "counter", map[string]string{"n": "0"})
	const workers, each = 20, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*each)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range each {
				_, err := env.cache.GuaranteedUpdate(context.Background(), key("default", "counter"), func(cur runtime.Object) (runtime.Object, error) {
					c := cur.(*corev1.ConfigMap).DeepCopy()
					n, _ := strconv.Atoi(c.Data["n"])
					c.Data["n"] = strconv.Itoa(n + 1)
					return c, nil
				})
				if err != nil {
					errs <- err
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	got, err := env.under.Get(ctxT(t), key("default", "counter"), storage.GetOptions{})
	if err != nil || got.(*corev1.ConfigMap).Data["n"] != strconv.Itoa(workers*each) {
		t.Fatalf("counter = %v, %v; want %d", got, err, workers*each)
	}
}

func TestManyObjects(t *testing.T) {
	env := setup(t)
	ctx := ctxT(t)
	const n, batch = 10000, 100
	for start := 0; start < n; start += batch {
		var ops []clientv3.Op
		for i := start; i < start+batch; i++ {
			data, err := runtime.Encode(env.codec, cm("bulk", fmt.Sprintf("o-%05d", i), nil))
			if err != nil {
				t.Fatal(err)
			}
			ops = append(ops, clientv3.OpPut(key("bulk", fmt.Sprintf("o-%05d", i)), string(data)))
		}
		if _, err := env.etcd.Client().Txn(ctx).Then(ops...).Commit(); err != nil {
			t.Fatal(err)
		}
	}
	// A second cache lists what is there; the first watched it arrive.
	fresh := startCache(t, env.etcd, env.under, env.codec)
	for _, c := range []*Cache{env.cache, fresh} {
		res, err := c.List(ctx, prefix, storage.ListOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Items) != n || names(res.Items)[n-1] != fmt.Sprintf("bulk/o-%05d", n-1) {
			t.Fatalf("%d items", len(res.Items))
		}
	}
}
