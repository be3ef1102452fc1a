package replicaset

import (
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

// Every event wakes the workload it concerns, at one of two speeds:
//
//   - now: the sync may create, delete, adopt or release pods because of
//     it (a new or changed workload, a pod gone or no longer active while
//     nothing is outstanding, the last expected creation or deletion
//     observed, labels or controller changed);
//   - soon (statusDelay): the event can only change the status (a pod
//     bound, started, made ready; an observation while creations or
//     deletions are still outstanding, when the sync may not act anyway;
//     our own status write coming back). These are batched so that one
//     sync serves all that arrive within the delay.
func (c *Controller) enqueue(key string, now bool) {
	if now || c.statusDelay <= 0 {
		c.queue.Add(key)
		return
	}
	// The delaying queue keeps one entry per key at its earliest time:
	// further events within the delay add nothing.
	c.queue.AddAfter(key, c.statusDelay)
}

func (c *Controller) enqueueOwner(obj any) {
	if m, _, ok := c.kind.peek(obj); ok {
		c.enqueue(metaKey(m), true)
	}
}

// ownerUpdated syncs at once unless only the status changed (generation
// counts spec changes; deletion stops pod management), as after each of
// our own status writes.
func (c *Controller) ownerUpdated(oldObj, newObj any) {
	cur, _, ok := c.kind.peek(newObj)
	if !ok {
		return
	}
	old, _, ok := c.kind.peek(oldObj)
	c.enqueue(metaKey(cur), !ok || !statusOnlyOwnerChange(old, cur))
}

func statusOnlyOwnerChange(old, cur metav1.Object) bool {
	return old.GetUID() == cur.GetUID() && old.GetGeneration() == cur.GetGeneration() &&
		(old.GetDeletionTimestamp() == nil) == (cur.GetDeletionTimestamp() == nil)
}

func (c *Controller) ownerDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if m, _, ok := c.kind.peek(obj); ok {
		c.expect.Delete(metaKey(m))
		c.enqueue(metaKey(m), true)
	}
}

// podOwner is the workload controlling a pod, as the pod handlers need it.
type podOwner struct {
	key      string
	minReady int32
}

// ownerOf returns the workload that controls pod, if it is of our kind
// and still exists with the same uid.
func (c *Controller) ownerOf(pod *corev1.Pod, ref *metav1.OwnerReference) (podOwner, bool) {
	if ref == nil || ref.Kind != c.kind.gvk().Kind || ref.APIVersion != c.kind.gvk().GroupVersion().String() {
		return podOwner{}, false
	}
	key := pod.Namespace + "/" + ref.Name
	obj, ok, err := c.kind.informer().GetIndexer().GetByKey(key)
	if err != nil || !ok {
		return podOwner{}, false
	}
	m, minReady, ok := c.kind.peek(obj)
	if !ok || m.GetUID() != ref.UID {
		return podOwner{}, false
	}
	return podOwner{key: key, minReady: minReady}, true
}

func metaKey(m metav1.Object) string { return m.GetNamespace() + "/" + m.GetName() }

// enqueueMatching wakes every workload whose selector matches an orphan
// pod, so that one of them adopts it.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	objs, err := c.kind.informer().GetIndexer().ByIndex(cache.NamespaceIndex, pod.Namespace)
	if err != nil {
		return
	}
	for _, o := range objs {
		if w, ok := c.kind.view(o); ok && w.selector.Matches(labels.Set(pod.Labels)) {
			c.enqueue(w.key(), true)
		}
	}
}

func (c *Controller) podAdded(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		// Seen for the first time already terminating (e.g. after a
		// relist): count it as the deletion we may be waiting for.
		c.podGone(pod, false)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if o, ok := c.ownerOf(pod, ref); ok {
			c.expect.CreationObserved(o.key)
			// Either this was the last creation we waited for (the next
			// batch may start), or one we did not expect (we may have
			// too many now): with nothing outstanding the sync can act.
			c.enqueue(o.key, c.expect.Satisfied(o.key))
		}
		return
	}
	c.enqueueMatching(pod)
}

func (c *Controller) podUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	cur, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
		// Graceful deletion began: for us the pod is gone now.
		c.podGone(cur, ctrlutil.IsPodActive(old))
		return
	}
	oldRef, curRef := metav1.GetControllerOfNoCopy(old), metav1.GetControllerOfNoCopy(cur)
	if oldRef != nil && (curRef == nil || oldRef.UID != curRef.UID) {
		if o, ok := c.ownerOf(old, oldRef); ok {
			c.enqueue(o.key, true)
		}
	}
	if curRef != nil {
		if o, ok := c.ownerOf(cur, curRef); ok {
			ownerChanged := oldRef == nil || oldRef.UID != curRef.UID
			c.enqueue(o.key, ownerChanged || podCountChange(old, cur))
			c.wakeWhenAvailable(o, old, cur)
		}
		return
	}
	c.enqueueMatching(cur)
}

// podCountChange reports whether an update of a controlled pod can change
// which pods its workload counts (and so what it creates, deletes or
// releases): a pod that finished, or whose labels changed. Anything else
// (binding, conditions, IPs, container states) only changes the status.
func podCountChange(old, cur *corev1.Pod) bool {
	return ctrlutil.IsPodActive(old) != ctrlutil.IsPodActive(cur) || !maps.Equal(old.Labels, cur.Labels)
}

// wakeWhenAvailable schedules a sync for when a pod that just became
// ready has been ready for minReadySeconds, so availableReplicas follows.
func (c *Controller) wakeWhenAvailable(o podOwner, old, cur *corev1.Pod) {
	if o.minReady > 0 && !ctrlutil.IsPodReady(old) && ctrlutil.IsPodReady(cur) {
		c.queue.AddAfter(o.key, time.Duration(o.minReady)*time.Second+time.Second)
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if pod, ok := obj.(*corev1.Pod); ok {
		c.podGone(pod, ctrlutil.IsPodActive(pod))
	}
}

// podGone records that a pod is deleted or terminating. wasCounted says
// whether the workload counted it until now; the final deletion of a pod
// already terminating changes no count.
func (c *Controller) podGone(pod *corev1.Pod, wasCounted bool) {
	o, ok := c.ownerOf(pod, metav1.GetControllerOfNoCopy(pod))
	if !ok {
		return
	}
	key := o.key
	wasSatisfied := c.expect.Satisfied(key)
	c.expect.DeletionObserved(key, pod.Namespace+"/"+pod.Name)
	satisfied := c.expect.Satisfied(key)
	// The sync can act when nothing is outstanding any more, and must
	// when it lost a pod it counted (a replacement is due).
	c.enqueue(key, satisfied && (!wasSatisfied || wasCounted))
}
