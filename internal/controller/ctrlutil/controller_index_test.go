package ctrlutil

import (
	"slices"
	"sort"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/cache"
)

func indexedPod(ns, name string, refs ...metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, OwnerReferences: refs}}
}

func ownerRef(uid types.UID, controller bool) metav1.OwnerReference {
	return metav1.OwnerReference{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "rs-" + string(uid), UID: uid, Controller: &controller}
}

func names(objs []any) []string {
	var out []string
	for _, o := range objs {
		out = append(out, o.(*corev1.Pod).Name)
	}
	sort.Strings(out)
	return out
}

func TestControllerIndexes(t *testing.T) {
	idx := cache.NewIndexer(cache.MetaNamespaceKeyFunc, ControllerIndexers())
	for _, p := range []*corev1.Pod{
		indexedPod("a", "owned-1", ownerRef("u1", true)),
		indexedPod("a", "owned-2", ownerRef("other", false), ownerRef("u1", true)),
		indexedPod("a", "other", ownerRef("u2", true)),
		indexedPod("a", "orphan"),
		indexedPod("a", "non-controller-owner", ownerRef("u1", false)),
		indexedPod("b", "orphan-b"),
		indexedPod("b", "same-uid-elsewhere", ownerRef("u1", true)),
	} {
		if err := idx.Add(p); err != nil {
			t.Fatal(err)
		}
	}
	cases := []struct {
		name string
		get  func() ([]any, error)
		want []string
	}{
		{"controlled by u1", func() ([]any, error) { return ControlledBy(idx, "a", "u1") }, []string{"owned-1", "owned-2"}},
		{"controlled by u2", func() ([]any, error) { return ControlledBy(idx, "a", "u2") }, []string{"other"}},
		{"controlled by nobody known", func() ([]any, error) { return ControlledBy(idx, "a", "u3") }, nil},
		{"orphans of a", func() ([]any, error) { return OrphansIn(idx, "a") }, []string{"non-controller-owner", "orphan"}},
		{"orphans of b", func() ([]any, error) { return OrphansIn(idx, "b") }, []string{"orphan-b"}},
		{"controlled by u1 in b", func() ([]any, error) { return ControlledBy(idx, "b", "u1") }, []string{"same-uid-elsewhere"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			objs, err := tc.get()
			if err != nil {
				t.Fatal(err)
			}
			if got := names(objs); !slices.Equal(got, tc.want) {
				t.Errorf("got %v, want %v", got, tc.want)
			}
		})
	}

	// Adoption moves a pod from the orphans to its new controller.
	if err := idx.Update(indexedPod("a", "orphan", ownerRef("u2", true))); err != nil {
		t.Fatal(err)
	}
	orphans, _ := OrphansIn(idx, "a")
	owned, _ := ControlledBy(idx, "a", "u2")
	if got := names(orphans); !slices.Equal(got, []string{"non-controller-owner"}) {
		t.Errorf("orphans after adoption: %v", got)
	}
	if got := names(owned); !slices.Equal(got, []string{"orphan", "other"}) {
		t.Errorf("u2's pods after adoption: %v", got)
	}
}

// TestAddControllerIndexesTwice: the ReplicaSet and ReplicationController
// controllers both ask the shared pod informer for the indexes.
func TestAddControllerIndexesTwice(t *testing.T) {
	inf := cache.NewSharedIndexInformer(&cache.ListWatch{}, &corev1.Pod{}, 0, cache.Indexers{})
	for i := 0; i < 2; i++ {
		if err := AddControllerIndexes(inf); err != nil {
			t.Fatalf("call %d: %v", i+1, err)
		}
	}
	if !HasControllerIndexes(inf.GetIndexer()) {
		t.Fatal("indexes missing")
	}
	if err := inf.GetIndexer().Add(indexedPod("a", "p", ownerRef("u1", true))); err != nil {
		t.Fatal(err)
	}
	if objs, err := ControlledBy(inf.GetIndexer(), "a", "u1"); err != nil || len(objs) != 1 {
		t.Errorf("ControlledBy = %v, %v", objs, err)
	}
}
