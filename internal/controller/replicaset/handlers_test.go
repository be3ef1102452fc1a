package replicaset

import (
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/cache"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/workqueue"

	"rudder/internal/controller/ctrlutil"
)

// recordingQueue is the controller's real queue, noting how each key was
// added: "now" (Add) or "soon" (AddAfter the status batch delay).
type recordingQueue struct {
	workqueue.TypedRateLimitingInterface[string]
	mu    sync.Mutex
	delay time.Duration
	adds  []string
}

func (q *recordingQueue) Add(key string) { q.record("now " + key) }

func (q *recordingQueue) AddAfter(key string, d time.Duration) {
	if d == q.delay {
		q.record("soon " + key)
		return
	}
	q.record("after " + d.String() + " " + key)
}

func (q *recordingQueue) record(s string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.adds = append(q.adds, s)
}

func (q *recordingQueue) take() []string {
	q.mu.Lock()
	defer q.mu.Unlock()
	out := q.adds
	q.adds = nil
	return out
}

const testStatusDelay = 100 * time.Millisecond

// handlerController is a ReplicaSet controller whose informers are never
// started: the tests put objects in their stores and call the handlers as
// the informers would. It makes no API call.
func handlerController(t *testing.T) (*Controller, *recordingQueue, *appsv1.ReplicaSet) {
	t.Helper()
	client, err := kubernetes.NewForConfig(&rest.Config{Host: "http://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	c := New(client, informers.NewSharedInformerFactory(client, 0), &events.FakeRecorder{},
		WithStatusBatchDelay(testStatusDelay))
	q := &recordingQueue{TypedRateLimitingInterface: c.queue, delay: testStatusDelay}
	c.queue = q
	t.Cleanup(q.ShutDown)
	rs := newRS("web", 3, map[string]string{"app": "web"})
	rs.UID, rs.Generation = "rs-uid", 1
	if err := c.kind.informer().GetIndexer().Add(rs); err != nil {
		t.Fatal(err)
	}
	return c, q, rs
}

func ownedPod(rs *appsv1.ReplicaSet, name string) *corev1.Pod {
	yes := true
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Namespace: rs.Namespace, Name: name, ResourceVersion: "1", Labels: map[string]string{"app": "web"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}},
		},
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// updated returns a later version of p changed by edit.
func updated(p *corev1.Pod, edit func(*corev1.Pod)) *corev1.Pod {
	p = p.DeepCopy()
	p.ResourceVersion += "1"
	edit(p)
	return p
}

func TestPodEventsSyncNowOnlyWhenTheSyncMayAct(t *testing.T) {
	ready := func(p *corev1.Pod) {
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	cases := []struct {
		name string
		// expecting sets up outstanding creations (n) before the event.
		expecting int
		event     func(c *Controller, rs *appsv1.ReplicaSet)
		want      []string
	}{
		{"creation observed, more outstanding", 2,
			func(c *Controller, rs *appsv1.ReplicaSet) { c.podAdded(ownedPod(rs, "a")) },
			[]string{"soon default/web"}},
		{"last outstanding creation observed", 1,
			func(c *Controller, rs *appsv1.ReplicaSet) { c.podAdded(ownedPod(rs, "a")) },
			[]string{"now default/web"}},
		{"unexpected pod added", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) { c.podAdded(ownedPod(rs, "a")) },
			[]string{"now default/web"}},
		{"pod bound (spec.nodeName)", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.Spec.NodeName = "n1" }))
			},
			[]string{"soon default/web"}},
		{"pod became ready", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				c.podUpdated(p, updated(p, ready))
			},
			[]string{"soon default/web"}},
		{"pod failed", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.Status.Phase = corev1.PodFailed }))
			},
			[]string{"now default/web"}},
		{"pod relabelled", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.Labels = map[string]string{"app": "other"} }))
			},
			[]string{"now default/web"}},
		{"pod released (controller removed)", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.OwnerReferences = nil }))
			},
			// the old owner at once; the orphan wakes the matching owner at once
			[]string{"now default/web", "now default/web"}},
		{"pod update that repeats the resource version", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) { p := ownedPod(rs, "a"); c.podUpdated(p, p) },
			nil},
		{"running pod deleted", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				c.podDeleted(updated(ownedPod(rs, "a"), ready))
			},
			[]string{"now default/web"}},
		{"graceful deletion began", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := updated(ownedPod(rs, "a"), ready)
				c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: time.Now()} }))
			},
			[]string{"now default/web"}},
		{"terminating pod finally deleted", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				c.podDeleted(updated(ownedPod(rs, "a"), func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: time.Now()} }))
			},
			[]string{"soon default/web"}},
		{"tombstone of a running pod", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				c.podDeleted(cache.DeletedFinalStateUnknown{Key: "default/a", Obj: updated(ownedPod(rs, "a"), ready)})
			},
			[]string{"now default/web"}},
		{"pod deleted while creations are outstanding", 2,
			func(c *Controller, rs *appsv1.ReplicaSet) { c.podDeleted(ownedPod(rs, "a")) },
			[]string{"soon default/web"}},
		{"orphan added", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				p.OwnerReferences = nil
				c.podAdded(p)
			},
			[]string{"now default/web"}},
		{"pod of another owner", 0,
			func(c *Controller, rs *appsv1.ReplicaSet) {
				p := ownedPod(rs, "a")
				p.OwnerReferences[0].UID = "someone-else"
				c.podAdded(p)
			},
			nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, q, rs := handlerController(t)
			if tc.expecting > 0 {
				c.expect.ExpectCreations("default/web", tc.expecting)
			}
			tc.event(c, rs)
			if got := q.take(); !slices.Equal(got, tc.want) {
				t.Errorf("queued %v, want %v", got, tc.want)
			}
		})
	}
}

func TestLastExpectedDeletionSyncsNow(t *testing.T) {
	c, q, rs := handlerController(t)
	c.expect.ExpectDeletions("default/web", []string{"default/a", "default/b"})
	for _, name := range []string{"a", "b"} {
		p := ownedPod(rs, name)
		c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.DeletionTimestamp = &metav1.Time{Time: time.Now()} }))
	}
	if got, want := q.take(), []string{"soon default/web", "now default/web"}; !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
}

func TestOwnerEventsSyncNowUnlessStatusOnly(t *testing.T) {
	cases := []struct {
		name string
		edit func(*appsv1.ReplicaSet)
		want string
	}{
		{"status written", func(rs *appsv1.ReplicaSet) { rs.Status.ReadyReplicas = 2 }, "soon default/web"},
		{"annotation changed", func(rs *appsv1.ReplicaSet) { rs.Annotations = map[string]string{"a": "b"} }, "soon default/web"},
		{"spec changed", func(rs *appsv1.ReplicaSet) { rs.Generation++ }, "now default/web"},
		{"deletion began", func(rs *appsv1.ReplicaSet) { rs.DeletionTimestamp = &metav1.Time{Time: time.Now()} }, "now default/web"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, q, rs := handlerController(t)
			cur := rs.DeepCopy()
			cur.ResourceVersion = "2"
			tc.edit(cur)
			c.ownerUpdated(rs, cur)
			if got := q.take(); !slices.Equal(got, []string{tc.want}) {
				t.Errorf("queued %v, want %s", got, tc.want)
			}
		})
	}
	c, q, rs := handlerController(t)
	c.enqueueOwner(rs)
	c.ownerDeleted(rs)
	if got, want := q.take(), []string{"now default/web", "now default/web"}; !slices.Equal(got, want) {
		t.Errorf("add and delete queued %v, want %v", got, want)
	}
}

func TestZeroStatusDelaySyncsAtOnce(t *testing.T) {
	c, q, rs := handlerController(t)
	c.statusDelay = 0
	p := ownedPod(rs, "a")
	c.podUpdated(p, updated(p, func(p *corev1.Pod) { p.Spec.NodeName = "n1" }))
	if got, want := q.take(), []string{"now default/web"}; !slices.Equal(got, want) {
		t.Errorf("queued %v, want %v", got, want)
	}
}

// TestRelatedPodsAreTheSiblingsPods: node crowding on scale down counts
// the pods of every ReplicaSet of the same Deployment, read through the
// controller index.
func TestRelatedPodsAreTheSiblingsPods(t *testing.T) {
	c, _, _ := handlerController(t)
	deployment := ctrlutil.NewControllerRef(&metav1.ObjectMeta{Name: "d", UID: "d-uid"}, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	other := ctrlutil.NewControllerRef(&metav1.ObjectMeta{Name: "e", UID: "e-uid"}, appsv1.SchemeGroupVersion.WithKind("Deployment"))
	var sets []*appsv1.ReplicaSet
	for i, owner := range []*metav1.OwnerReference{deployment, deployment, other} {
		rs := newRS(fmt.Sprintf("rs-%d", i), 1, map[string]string{"app": "web"})
		rs.UID = types.UID(fmt.Sprintf("rs-%d-uid", i))
		rs.OwnerReferences = []metav1.OwnerReference{*owner}
		if err := c.kind.informer().GetIndexer().Add(rs); err != nil {
			t.Fatal(err)
		}
		if err := c.podIndex.Add(ownedPod(rs, rs.Name+"-pod")); err != nil {
			t.Fatal(err)
		}
		sets = append(sets, rs)
	}
	orphan := ownedPod(sets[0], "orphan")
	orphan.OwnerReferences = nil
	if err := c.podIndex.Add(orphan); err != nil {
		t.Fatal(err)
	}
	w, _ := c.kind.view(sets[0])
	want := []string{"rs-0-pod", "rs-1-pod"}
	if got := podNames(c.relatedPods(w, nil)); !slices.Equal(got, want) {
		t.Errorf("related %v, want %v", got, want)
	}
}
