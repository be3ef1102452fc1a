package garbagecollector

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/tools/cache"
)

func metaOf(obj any) *metav1.PartialObjectMetadata {
	if t, ok := obj.(cache.DeletedFinalStateUnknown); ok {
		obj = t.Obj
	}
	m, _ := obj.(*metav1.PartialObjectMetadata)
	return m
}

// added: a new object with owners may already be an orphan; an object
// created while being deleted (rare) needs its deletion carried out.
func (c *Controller) added(gvr schema.GroupVersionResource, obj any) {
	m := metaOf(obj)
	if m == nil {
		return
	}
	if len(m.OwnerReferences) > 0 || deletingWithPolicy(m) {
		c.queue.Add(refOf(gvr, m))
	}
}

// updated reacts only to what matters to collection: owners, deletion
// and finalizers. Owners named before and after are woken, since a
// foreground deletion may be waiting on this object.
func (c *Controller) updated(gvr schema.GroupVersionResource, oldObj, newObj any) {
	o, n := metaOf(oldObj), metaOf(newObj)
	if o == nil || n == nil {
		return
	}
	changed := !sameOwners(o.OwnerReferences, n.OwnerReferences) ||
		(o.DeletionTimestamp == nil) != (n.DeletionTimestamp == nil) ||
		len(o.Finalizers) != len(n.Finalizers)
	if !changed {
		return
	}
	c.queue.Add(refOf(gvr, n))
	c.enqueueOwners(n.Namespace, o.OwnerReferences)
	c.enqueueOwners(n.Namespace, n.OwnerReferences)
}

// deleted: the object's dependents may now be orphans, and its owners
// may be waiting for it to go.
func (c *Controller) deleted(gvr schema.GroupVersionResource, obj any) {
	m := metaOf(obj)
	if m == nil {
		return
	}
	for _, d := range c.dependents(string(m.UID)) {
		c.queue.Add(d.ref)
	}
	c.enqueueOwners(m.Namespace, m.OwnerReferences)
}

func (c *Controller) enqueueOwners(ns string, refs []metav1.OwnerReference) {
	for _, r := range refs {
		k, ok := c.kindOf(r.APIVersion, r.Kind)
		if !ok {
			continue
		}
		ref := objRef{gvr: k.gvr, name: r.Name, uid: r.UID}
		if k.namespaced {
			ref.namespace = ns
		}
		c.queue.Add(ref)
	}
}

func sameOwners(a, b []metav1.OwnerReference) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].UID != b[i].UID || !boolEq(a[i].BlockOwnerDeletion, b[i].BlockOwnerDeletion) {
			return false
		}
	}
	return true
}

func boolEq(a, b *bool) bool {
	return (a != nil && *a) == (b != nil && *b)
}

func hasFinalizer(m metav1.Object, f string) bool {
	for _, x := range m.GetFinalizers() {
		if x == f {
			return true
		}
	}
	return false
}

// deletingWithPolicy: marked for deletion with work for the collector.
func deletingWithPolicy(m *metav1.PartialObjectMetadata) bool {
	return m.DeletionTimestamp != nil &&
		(hasFinalizer(m, metav1.FinalizerOrphanDependents) || hasFinalizer(m, metav1.FinalizerDeleteDependents))
}
