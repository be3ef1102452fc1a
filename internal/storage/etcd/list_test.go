package etcd

import (
	"fmt"
	"slices"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/storage"
)

const cmPrefix = "/registry/configmaps/default/"

// fill creates n configmaps named cm-000..; every third is labelled odd
// via data so a predicate can select a subset.
func fill(t *testing.T, s storage.Store, n int) []string {
	t.Helper()
	var all []string
	for i := range n {
		name := fmt.Sprintf("cm-%03d", i)
		mustCreate(t, s, name, map[string]string{"third": strconv.FormatBool(i%3 == 0)})
		all = append(all, name)
	}
	return all
}

func everyThird(obj runtime.Object) bool { return obj.(*corev1.ConfigMap).Data["third"] == "true" }

func TestListPaginationWithPredicate(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	all := fill(t, s, 25)
	// Neighbours on both sides of the prefix must not leak into the list.
	for _, key := range []string{"/registry/configmaps/a/x", "/registry/configmaps/other/x", "/registry/configmaps/default"} {
		if _, err := s.Create(testCtx(t), key, cm("x", nil)); err != nil {
			t.Fatal(err)
		}
	}
	var want []string
	for i, n := range all {
		if i%3 == 0 {
			want = append(want, n)
		}
	}
	cases := []struct {
		name  string
		limit int64
		pred  storage.Predicate
		want  []string
	}{
		{"all in one", 0, nil, all},
		{"pages of 4", 4, nil, all},
		{"predicate pages of 2", 2, everyThird, want},
		{"predicate pages of 100", 100, everyThird, want},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, pages := listAll(t, s, tc.limit, tc.pred)
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
			if tc.limit > 0 {
				if wantPages := (len(tc.want) + int(tc.limit) - 1) / int(tc.limit); pages < wantPages {
					t.Fatalf("%d pages, want at least %d", pages, wantPages)
				}
			}
		})
	}
}

// listAll follows continue tokens and checks every page's invariants.
func listAll(t *testing.T, s storage.Store, limit int64, pred storage.Predicate) ([]string, int) {
	t.Helper()
	var got []string
	opts := storage.ListOptions{Limit: limit, Predicate: pred}
	var firstRV int64
	pages := 0
	for {
		res, err := s.List(testCtx(t), cmPrefix, opts)
		if err != nil {
			t.Fatalf("list page %d: %v", pages, err)
		}
		pages++
		if firstRV == 0 {
			firstRV = res.ResourceVersion
		} else if res.ResourceVersion != firstRV {
			t.Fatalf("page %d at revision %d, first at %d", pages, res.ResourceVersion, firstRV)
		}
		if limit > 0 && int64(len(res.Items)) > limit {
			t.Fatalf("page of %d items over limit %d", len(res.Items), limit)
		}
		got = append(got, names(res.Items)...)
		if pred == nil && res.Continue != "" {
			if res.RemainingItemCount == nil {
				t.Fatalf("no remainingItemCount on a page without predicate")
			}
		}
		if res.Continue == "" {
			return got, pages
		}
		opts.Continue = res.Continue
	}
}

func TestListRemainingItemCount(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	fill(t, s, 10)
	res, err := s.List(testCtx(t), cmPrefix, storage.ListOptions{Limit: 3})
	if err != nil {
		t.Fatal(err)
	}
	if res.RemainingItemCount == nil || *res.RemainingItemCount != 7 {
		t.Fatalf("remainingItemCount = %v, want 7", res.RemainingItemCount)
	}
	res, err = s.List(testCtx(t), cmPrefix, storage.ListOptions{Limit: 10})
	if err != nil || res.Continue != "" || res.RemainingItemCount != nil {
		t.Fatalf("exact-size page: continue %q remaining %v err %v", res.Continue, res.RemainingItemCount, err)
	}
}

func TestListResourceVersionMatch(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	first := mustCreate(t, s, "a", nil)
	mustCreate(t, s, "b", nil)
	cases := []struct {
		name    string
		opts    storage.ListOptions
		want    []string
		wantErr func(error) bool
	}{
		{"exact old revision", storage.ListOptions{ResourceVersion: first.ResourceVersion, ResourceVersionMatch: "Exact"}, []string{"a"}, nil},
		{"not older than old revision", storage.ListOptions{ResourceVersion: first.ResourceVersion, ResourceVersionMatch: "NotOlderThan"}, []string{"a", "b"}, nil},
		{"legacy limited is exact", storage.ListOptions{ResourceVersion: first.ResourceVersion, Limit: 5}, []string{"a"}, nil},
		{"future not older than", storage.ListOptions{ResourceVersion: "999999", ResourceVersionMatch: "NotOlderThan"}, nil, apierrors.IsTimeout},
		{"bad match", storage.ListOptions{ResourceVersionMatch: "Sometimes"}, nil, apierrors.IsBadRequest},
		{"continue with rv", storage.ListOptions{ResourceVersion: "5", Continue: "abc"}, nil, apierrors.IsBadRequest},
		{"garbage continue", storage.ListOptions{Continue: "!!!"}, nil, apierrors.IsBadRequest},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, err := s.List(ctx, cmPrefix, tc.opts)
			if tc.wantErr != nil {
				if !tc.wantErr(err) {
					t.Fatalf("want error, got %v", err)
				}
				return
			}
			if err != nil || !slices.Equal(names(res.Items), tc.want) {
				t.Fatalf("got %v, %v; want %v", res, err, tc.want)
			}
		})
	}
}

func TestContinueTokenExpiresAfterCompaction(t *testing.T) {
	e := startEtcd(t)
	s := newCMStore(t, e)
	ctx := testCtx(t)
	fill(t, s, 6)
	page, err := s.List(ctx, cmPrefix, storage.ListOptions{Limit: 2})
	if err != nil || page.Continue == "" {
		t.Fatalf("first page: %v, %v", page, err)
	}
	// Write after the page, then compact past its revision.
	last := mustCreate(t, s, "cm-zzz", nil)
	rev, _ := strconv.ParseInt(last.ResourceVersion, 10, 64)
	if _, err := e.Client().Compact(ctx, rev); err != nil {
		t.Fatal(err)
	}
	_, err = s.List(ctx, cmPrefix, storage.ListOptions{Limit: 2, Continue: page.Continue})
	if !apierrors.IsResourceExpired(err) || apierrors.ReasonForError(err) != "Expired" {
		t.Fatalf("want 410 Expired, got %v", err)
	}
	status := err.(apierrors.APIStatus).Status()
	if status.Code != 410 || status.ListMeta.Continue == "" {
		t.Fatalf("status = %+v", status)
	}
	// The inconsistent continuation reads the rest at the latest revision.
	rest, err := s.List(ctx, cmPrefix, storage.ListOptions{Limit: 100, Continue: status.ListMeta.Continue})
	if err != nil {
		t.Fatal(err)
	}
	if got := names(rest.Items); !slices.Equal(got, []string{"cm-002", "cm-003", "cm-004", "cm-005", "cm-zzz"}) {
		t.Fatalf("rest = %v", got)
	}
}
