package garbagecollector

import (
	"testing"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	"k8s.io/utils/ptr"
)

func TestWatchable(t *testing.T) {
	c := New(fake.NewSimpleClientset(), nil, Options{})
	all := []string{"get", "list", "watch", "delete", "patch", "create"}
	cases := []struct {
		gv   schema.GroupVersion
		r    metav1.APIResource
		want bool
	}{
		{schema.GroupVersion{Version: "v1"}, metav1.APIResource{Name: "pods", Verbs: all}, true},
		{schema.GroupVersion{Version: "v1"}, metav1.APIResource{Name: "pods/status", Verbs: all}, false},
		{schema.GroupVersion{Version: "v1"}, metav1.APIResource{Name: "events", Verbs: all}, false},
		{schema.GroupVersion{Group: "events.k8s.io", Version: "v1"}, metav1.APIResource{Name: "events", Verbs: all}, false},
		{schema.GroupVersion{Group: "authorization.k8s.io", Version: "v1"}, metav1.APIResource{Name: "subjectaccessreviews", Verbs: []string{"create"}}, false},
		{schema.GroupVersion{Group: "apps", Version: "v1"}, metav1.APIResource{Name: "deployments", Verbs: all}, true},
	}
	for _, tc := range cases {
		if got := c.watchable(tc.gv, tc.r); got != tc.want {
			t.Errorf("%s %s: watchable = %v, want %v", tc.gv, tc.r.Name, got, tc.want)
		}
	}
}

func TestSameOwners(t *testing.T) {
	a := metav1.OwnerReference{UID: "a"}
	b := metav1.OwnerReference{UID: "b"}
	blocking := metav1.OwnerReference{UID: "a", BlockOwnerDeletion: ptr.To(true)}
	cases := []struct {
		x, y []metav1.OwnerReference
		want bool
	}{
		{nil, nil, true},
		{[]metav1.OwnerReference{a}, []metav1.OwnerReference{a}, true},
		{[]metav1.OwnerReference{a}, []metav1.OwnerReference{a, b}, false},
		{[]metav1.OwnerReference{a}, []metav1.OwnerReference{b}, false},
		{[]metav1.OwnerReference{a}, []metav1.OwnerReference{blocking}, false},
	}
	for i, tc := range cases {
		if got := sameOwners(tc.x, tc.y); got != tc.want {
			t.Errorf("case %d: sameOwners = %v, want %v", i, got, tc.want)
		}
	}
}
