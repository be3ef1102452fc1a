package garbagecollector

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// process decides what one object needs: carry out its own Orphan or
// Foreground deletion, or, as a dependent, be deleted or lose references
// to owners that are gone.
func (c *Controller) process(ctx context.Context, ref objRef) error {
	obj, err := c.get(ctx, ref)
	if err != nil || obj == nil {
		return err
	}
	if obj.DeletionTimestamp != nil {
		switch {
		case hasFinalizer(obj, metav1.FinalizerOrphanDependents):
			return c.orphanDependents(ctx, ref, obj)
		case hasFinalizer(obj, metav1.FinalizerDeleteDependents):
			return c.deleteDependentsFirst(ctx, ref, obj)
		}
		return nil
	}
	if len(obj.OwnerReferences) == 0 {
		return nil
	}
	return c.attemptToDelete(ctx, ref, obj)
}

// get reads an object from the cache, or the API server when the cache
// does not have it; nil when it no longer exists with that uid.
func (c *Controller) get(ctx context.Context, ref objRef) (*metav1.PartialObjectMetadata, error) {
	if m, ok := c.cached(ref.gvr, ref.namespace, ref.name); ok && m.UID == ref.uid {
		return m, nil
	}
	return c.getLive(ctx, ref)
}

func (c *Controller) getLive(ctx context.Context, ref objRef) (*metav1.PartialObjectMetadata, error) {
	m, err := c.meta.Resource(ref.gvr).Namespace(ref.namespace).Get(ctx, ref.name, metav1.GetOptions{})
	switch {
	case apierrors.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("reading %s %s/%s: %w", ref.gvr.Resource, ref.namespace, ref.name, err)
	case ref.uid != "" && m.UID != ref.uid:
		return nil, nil
	}
	return m, nil
}

// ownerState is what became of one owner.
type ownerState int

const (
	solid    ownerState = iota // exists and is not being foreground-deleted
	dangling                   // gone (or replaced by a namesake)
	waiting                    // being deleted in the foreground
)

// ownerStateOf checks an owner: present in the cache with the right uid
// is trusted; absent is confirmed with a live GET, so a lagging cache
// never gets a live object's dependents deleted.
func (c *Controller) ownerStateOf(ctx context.Context, ns string, r metav1.OwnerReference) (ownerState, error) {
	k, ok := c.kindOf(r.APIVersion, r.Kind)
	if !ok {
		return solid, fmt.Errorf("owner kind %s %s is not served (yet)", r.APIVersion, r.Kind)
	}
	ref := objRef{gvr: k.gvr, name: r.Name, uid: r.UID}
	if k.namespaced {
		ref.namespace = ns
	}
	owner, ok := c.cached(ref.gvr, ref.namespace, ref.name)
	if !ok || owner.UID != r.UID {
		var err error
		if owner, err = c.getLive(ctx, ref); err != nil {
			return solid, err
		}
	}
	switch {
	case owner == nil:
		return dangling, nil
	case owner.DeletionTimestamp != nil && hasFinalizer(owner, metav1.FinalizerDeleteDependents):
		return waiting, nil
	}
	return solid, nil
}

// attemptToDelete deletes a dependent none of whose owners remains, or
// drops its references to the owners that are gone.
func (c *Controller) attemptToDelete(ctx context.Context, ref objRef, obj *metav1.PartialObjectMetadata) error {
	states := map[types.UID]ownerState{}
	count := map[ownerState]int{}
	for _, r := range obj.OwnerReferences {
		st, err := c.ownerStateOf(ctx, obj.Namespace, r)
		if err != nil {
			return err
		}
		states[r.UID] = st
		count[st]++
	}
	if count[solid] > 0 {
		if count[dangling]+count[waiting] == 0 {
			return nil
		}
		// Another owner keeps it alive: only forget the departed ones.
		return c.removeOwnerRefs(ctx, ref, func(r metav1.OwnerReference) bool { return states[r.UID] != solid })
	}
	policy := metav1.DeletePropagationBackground
	switch {
	case count[waiting] > 0 || hasFinalizer(obj, metav1.FinalizerDeleteDependents):
		// The owner waits for its dependents: so must this one's.
		policy = metav1.DeletePropagationForeground
	case hasFinalizer(obj, metav1.FinalizerOrphanDependents):
		policy = metav1.DeletePropagationOrphan
	}
	return c.delete(ctx, ref, policy)
}

func (c *Controller) delete(ctx context.Context, ref objRef, policy metav1.DeletionPropagation) error {
	uid := ref.uid
	err := c.meta.Resource(ref.gvr).Namespace(ref.namespace).Delete(ctx, ref.name, metav1.DeleteOptions{
		PropagationPolicy: &policy, Preconditions: &metav1.Preconditions{UID: &uid}})
	if err != nil && !apierrors.IsNotFound(err) && !apierrors.IsConflict(err) {
		return fmt.Errorf("deleting %s %s/%s: %w", ref.gvr.Resource, ref.namespace, ref.name, err)
	}
	return nil
}

// deleteDependentsFirst carries out a Foreground deletion: every
// dependent is sent through attemptToDelete (which deletes it, itself in
// the foreground, unless another owner keeps it), and the owner's
// finalizer goes once no dependent with blockOwnerDeletion is left.
func (c *Controller) deleteDependentsFirst(ctx context.Context, ref objRef, owner *metav1.PartialObjectMetadata) error {
	blocking := 0
	for _, d := range c.dependents(string(owner.UID)) {
		if d.obj.DeletionTimestamp == nil {
			c.queue.Add(d.ref)
		}
		for _, r := range d.obj.OwnerReferences {
			if r.UID == owner.UID && r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion {
				blocking++
			}
		}
	}
	if blocking > 0 {
		// Their deletions will wake us; this is a safety net.
		c.queue.AddAfter(ref, 10*time.Second)
		return nil
	}
	return c.removeFinalizer(ctx, ref, metav1.FinalizerDeleteDependents)
}

// orphanDependents carries out an Orphan deletion: dependents lose their
// reference to the owner, then the owner's finalizer goes.
func (c *Controller) orphanDependents(ctx context.Context, ref objRef, owner *metav1.PartialObjectMetadata) error {
	for _, d := range c.dependents(string(owner.UID)) {
		err := c.removeOwnerRefs(ctx, d.ref, func(r metav1.OwnerReference) bool { return r.UID == owner.UID })
		if err != nil {
			return err
		}
	}
	return c.removeFinalizer(ctx, ref, metav1.FinalizerOrphanDependents)
}

// jsonPatchOp is one RFC 6902 operation.
type jsonPatchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// patchLive reads the object, lets edit build operations from it, and
// applies them guarded by a resourceVersion test, so a concurrent change
// fails the patch instead of being overwritten.
func (c *Controller) patchLive(ctx context.Context, ref objRef, edit func(*metav1.PartialObjectMetadata) []jsonPatchOp) error {
	obj, err := c.getLive(ctx, ref)
	if err != nil || obj == nil {
		return err
	}
	ops := edit(obj)
	if len(ops) == 0 {
		return nil
	}
	ops = append([]jsonPatchOp{{Op: "test", Path: "/metadata/resourceVersion", Value: obj.ResourceVersion}}, ops...)
	data, err := json.Marshal(ops)
	if err != nil {
		return fmt.Errorf("encoding patch: %w", err)
	}
	_, err = c.meta.Resource(ref.gvr).Namespace(ref.namespace).Patch(ctx, ref.name, types.JSONPatchType, data, metav1.PatchOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("patching %s %s/%s: %w", ref.gvr.Resource, ref.namespace, ref.name, err)
	}
	return nil
}

func (c *Controller) removeFinalizer(ctx context.Context, ref objRef, finalizer string) error {
	return c.patchLive(ctx, ref, func(m *metav1.PartialObjectMetadata) []jsonPatchOp {
		keep := []string{}
		for _, f := range m.Finalizers {
			if f != finalizer {
				keep = append(keep, f)
			}
		}
		if len(keep) == len(m.Finalizers) {
			return nil
		}
		return []jsonPatchOp{{Op: "replace", Path: "/metadata/finalizers", Value: keep}}
	})
}

func (c *Controller) removeOwnerRefs(ctx context.Context, ref objRef, drop func(metav1.OwnerReference) bool) error {
	return c.patchLive(ctx, ref, func(m *metav1.PartialObjectMetadata) []jsonPatchOp {
		keep := []metav1.OwnerReference{}
		for _, r := range m.OwnerReferences {
			if !drop(r) {
				keep = append(keep, r)
			}
		}
		if len(keep) == len(m.OwnerReferences) {
			return nil
		}
		return []jsonPatchOp{{Op: "replace", Path: "/metadata/ownerReferences", Value: keep}}
	})
}
