package job

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func cachedPod(uid types.UID, rv string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{UID: uid, ResourceVersion: rv}}
}

func TestReleasedPodsWaitForTheCache(t *testing.T) {
	var r releasedPods
	if !r.shown("ns/a", []*corev1.Pod{cachedPod("p", "3")}) {
		t.Fatal("nothing released, yet not shown")
	}
	r.record("ns/a", "p", "10")
	r.record("ns/a", "q", "12")
	if r.shown("ns/a", []*corev1.Pod{cachedPod("p", "9"), cachedPod("q", "12")}) {
		t.Fatal("pod p cached before its release, yet shown")
	}
	if !r.shown("ns/b", []*corev1.Pod{cachedPod("p", "9")}) {
		t.Fatal("another job is affected")
	}
	if !r.shown("ns/a", []*corev1.Pod{cachedPod("p", "10")}) {
		t.Fatal("pod p cached at its release, yet not shown")
	}
	// Both were forgotten once shown (q at the first call): an older copy
	// no longer holds the job back.
	if !r.shown("ns/a", []*corev1.Pod{cachedPod("p", "1"), cachedPod("q", "1")}) {
		t.Fatal("releases the cache showed are still waited for")
	}
}

func TestReleasedPodsForgetPodsGoneFromTheCache(t *testing.T) {
	var r releasedPods
	r.record("ns/a", "p", "10")
	if !r.shown("ns/a", nil) {
		t.Fatal("a deleted pod holds the job back")
	}
	if len(r.m) != 0 {
		t.Fatalf("records left behind: %v", r.m)
	}
	r.record("ns/a", "p", "10")
	r.forget("ns/a")
	if !r.shown("ns/a", []*corev1.Pod{cachedPod("p", "9")}) {
		t.Fatal("forgotten job still waits")
	}
}
