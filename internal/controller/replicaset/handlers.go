package replicaset

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

func (c *Controller) enqueueOwner(obj any) {
	if w, ok := c.kind.view(obj); ok {
		c.queue.Add(w.key())
	}
}

func (c *Controller) ownerDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if w, ok := c.kind.view(obj); ok {
		c.expect.Delete(w.key())
		c.queue.Add(w.key())
	}
}

// ownerOf returns the workload that controls pod, if it is of our kind
// and still exists with the same uid.
func (c *Controller) ownerOf(pod *corev1.Pod, ref *metav1.OwnerReference) *workload {
	if ref == nil || ref.Kind != c.kind.gvk().Kind || ref.APIVersion != c.kind.gvk().GroupVersion().String() {
		return nil
	}
	obj, ok, err := c.kind.informer().GetIndexer().GetByKey(pod.Namespace + "/" + ref.Name)
	if err != nil || !ok {
		return nil
	}
	w, ok := c.kind.view(obj)
	if !ok || w.uid() != ref.UID {
		return nil
	}
	return w
}

// enqueueMatching wakes every workload whose selector matches an orphan
// pod, so that one of them adopts it.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	objs, err := c.kind.informer().GetIndexer().ByIndex(cache.NamespaceIndex, pod.Namespace)
	if err != nil {
		return
	}
	for _, o := range objs {
		if w, ok := c.kind.view(o); ok && w.selector.Matches(labels.Set(pod.Labels)) {
			c.queue.Add(w.key())
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
		c.podDeleted(pod)
		return
	}
	if ref := metav1.GetControllerOfNoCopy(pod); ref != nil {
		if w := c.ownerOf(pod, ref); w != nil {
			c.expect.CreationObserved(w.key())
			c.queue.Add(w.key())
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
		c.podDeleted(cur)
		return
	}
	oldRef, curRef := metav1.GetControllerOfNoCopy(old), metav1.GetControllerOfNoCopy(cur)
	if oldRef != nil && (curRef == nil || oldRef.UID != curRef.UID) {
		if w := c.ownerOf(old, oldRef); w != nil {
			c.queue.Add(w.key())
		}
	}
	if curRef != nil {
		if w := c.ownerOf(cur, curRef); w != nil {
			c.queue.Add(w.key())
			c.wakeWhenAvailable(w, old, cur)
		}
		return
	}
	c.enqueueMatching(cur)
}

// wakeWhenAvailable schedules a sync for when a pod that just became
// ready has been ready for minReadySeconds, so availableReplicas follows.
func (c *Controller) wakeWhenAvailable(w *workload, old, cur *corev1.Pod) {
	if w.minReady > 0 && !ctrlutil.IsPodReady(old) && ctrlutil.IsPodReady(cur) {
		c.queue.AddAfter(w.key(), time.Duration(w.minReady)*time.Second+time.Second)
	}
}

func (c *Controller) podDeleted(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if w := c.ownerOf(pod, metav1.GetControllerOfNoCopy(pod)); w != nil {
		c.expect.DeletionObserved(w.key(), pod.Namespace+"/"+pod.Name)
		c.queue.Add(w.key())
	}
}
