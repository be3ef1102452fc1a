package daemonset

import (
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/controller/ctrlutil"
)

var controllerKind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

func unwrap(obj any) any {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		return t.Obj
	}
	return obj
}

func (c *Controller) enqueue(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(unwrap(obj)); err == nil {
		c.queue.Add(key)
	}
}

func (c *Controller) setDeleted(obj any) {
	if key, err := cache.MetaNamespaceKeyFunc(unwrap(obj)); err == nil {
		c.expect.Delete(key)
		c.queue.Add(key)
	}
}

// enqueueAll wakes every DaemonSet: a node change may change where any of
// them should run.
func (c *Controller) enqueueAll() {
	sets, err := c.sets.List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		c.enqueue(ds)
	}
}

// nodeUpdated wakes the sets only when something eligibility depends on
// changed (not on every heartbeat).
func (c *Controller) nodeUpdated(oldObj, newObj any) {
	old, ok1 := oldObj.(*corev1.Node)
	cur, ok2 := newObj.(*corev1.Node)
	if !ok1 || !ok2 {
		return
	}
	if !apiequality.Semantic.DeepEqual(old.Labels, cur.Labels) ||
		!apiequality.Semantic.DeepEqual(old.Spec.Taints, cur.Spec.Taints) {
		c.enqueueAll()
	}
}

// setOf returns the DaemonSet controlling obj, if it still exists with the
// referenced uid.
func (c *Controller) setOf(obj metav1.Object) *appsv1.DaemonSet {
	ref := metav1.GetControllerOfNoCopy(obj)
	if ref == nil || ref.Kind != controllerKind.Kind || ref.APIVersion != controllerKind.GroupVersion().String() {
		return nil
	}
	ds, err := c.sets.DaemonSets(obj.GetNamespace()).Get(ref.Name)
	if err != nil || ds.UID != ref.UID {
		return nil
	}
	return ds
}

func (c *Controller) revisionChanged(obj any) {
	if o, ok := unwrap(obj).(metav1.Object); ok {
		if ds := c.setOf(o); ds != nil {
			c.enqueue(ds)
		}
	}
}

func (c *Controller) podAdded(obj any) {
	pod, ok := obj.(*corev1.Pod)
	if !ok {
		return
	}
	if pod.DeletionTimestamp != nil {
		c.podDeleted(pod)
		return
	}
	if ds := c.setOf(pod); ds != nil {
		c.expect.CreationObserved(dsKey(ds))
		c.enqueue(ds)
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
	if cur.DeletionTimestamp != nil && old.DeletionTimestamp == nil {
		c.podDeleted(cur) // graceful deletion began: gone for us
		return
	}
	if ds := c.setOf(old); ds != nil && ctrlutil.ControllerUID(cur) != ds.UID {
		c.enqueue(ds)
	}
	ds := c.setOf(cur)
	if ds == nil {
		if metav1.GetControllerOfNoCopy(cur) == nil {
			c.enqueueMatching(cur)
		}
		return
	}
	c.enqueue(ds)
	if ds.Spec.MinReadySeconds > 0 && !ctrlutil.IsPodReady(old) && ctrlutil.IsPodReady(cur) {
		c.queue.AddAfter(dsKey(ds), time.Duration(ds.Spec.MinReadySeconds)*time.Second+time.Second)
	}
}

func (c *Controller) podDeleted(obj any) {
	pod, ok := unwrap(obj).(*corev1.Pod)
	if !ok {
		return
	}
	if ds := c.setOf(pod); ds != nil {
		c.expect.DeletionObserved(dsKey(ds), pod.Namespace+"/"+pod.Name)
		c.enqueue(ds)
	}
}

// enqueueMatching wakes the sets whose selector matches an orphan pod.
func (c *Controller) enqueueMatching(pod *corev1.Pod) {
	sets, err := c.sets.DaemonSets(pod.Namespace).List(labels.Everything())
	if err != nil {
		return
	}
	for _, ds := range sets {
		sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err == nil && !sel.Empty() && sel.Matches(labels.Set(pod.Labels)) {
			c.enqueue(ds)
		}
	}
}

func dsKey(ds *appsv1.DaemonSet) string { return ds.Namespace + "/" + ds.Name }
