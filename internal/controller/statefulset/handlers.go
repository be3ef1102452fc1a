package statefulset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

func (c *Controller) enqueue(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if key, err := cache.MetaNamespaceKeyFunc(obj); err == nil {
		c.queue.Add(key)
	}
}

// setOf returns the StatefulSet that controls obj, if it still exists
// with the referenced uid.
func (c *Controller) setOf(obj metav1.Object) *appsv1.StatefulSet {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	set, err := c.sets.StatefulSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || set.UID != ref.UID {
		return nil
	}
	return set
}

// ownedChanged wakes the set controlling a revision.
func (c *Controller) ownedChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	if o, ok := obj.(metav1.Object); ok {
		if set := c.setOf(o); set != nil {
			c.enqueue(set)
		}
	}
}

func (c *Controller) podChanged(obj any) {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if set := c.setOf(pod); set != nil {
		c.enqueue(set)
		return
	}
	if metav1.GetControllerOfNoCopy(pod) == nil {
		c.enqueueMatching(pod)
	}
}

func (c *Controller) podUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Pod)
	cur, ok2 := newObj.(*corev1.Pod)
	if !ok1 || !ok2 || old.ResourceVersion == cur.ResourceVersion {
		return
	}
	if set := c.setOf(old); set != nil && ctrlutil.ControllerUID(cur) != set.UID {
		c.enqueue(set) // released
	}
	c.podChanged(cur)
	if set := c.setOf(cur); set != nil && set.Spec.MinReadySeconds > 0 &&
		!ctrlutil.IsPodReady(old) && ctrlutil.IsPodReady(cur) {
		// Look again once the pod has been ready long enough to count.
		c.queue.AddAfter(setKey(set), time.Duration(set.Spec.MinReadySeconds)*time.Second+time.Second)
	}
}

// enqueueMatching wakes the sets whose selector matches an orphan pod so
// that one of them may adopt it.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	sets, err := c.sets.StatefulSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, s := range sets {
		sel, err := metav1.LabelSelectorAsSelector(s.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueue(s)
		}
	}
}

func setKey(set *appsv1.StatefulSet) string { return set.Namespace + "/" + set.Name }
