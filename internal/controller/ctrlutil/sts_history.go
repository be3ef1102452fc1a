package ctrlutil

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes"
)

// maxCollisionRetries bounds how often a revision name clash is retried
// with a bumped collision count within one sync.
const maxCollisionRetries = 10

// RevisionHistory manages the ControllerRevisions of one owner
// (a StatefulSet or DaemonSet).
type RevisionHistory struct {
	Client kubernetes.Interface
	Owner  metav1.Object
	GVK    schema.GroupVersionKind
	// Labels go on new revisions (the owner's template labels, so that
	// its selector finds them).
	Labels map[string]string
}

// Ensure returns the revision holding data, among revs (the owner's
// existing revisions). An equal older revision (a rollback) is renumbered
// as the newest; otherwise a new one is created. collisionCount is bumped
// when a foreign object already has the name the hash gives.
func (h *RevisionHistory) Ensure(ctx context.Context, data []byte, revs []*appsv1.ControllerRevision, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	next := NextRevisionNumber(revs)
	var equal []*appsv1.ControllerRevision
	for _, r := range revs {
		if EqualRevisionData(r.Data.Raw, data) {
			equal = append(equal, r)
		}
	}
	if n := len(equal); n > 0 {
		SortRevisions(equal)
		newest := equal[n-1]
		if newest.Revision == next-1 {
			return newest, nil
		}
		return h.renumber(ctx, newest, next)
	}
	return h.create(ctx, data, next, collisionCount)
}

func (h *RevisionHistory) renumber(ctx context.Context, rev *appsv1.ControllerRevision, number int64) (*appsv1.ControllerRevision, error) {
	cp := rev.DeepCopy()
	cp.Revision = number
	got, err := h.Client.AppsV1().ControllerRevisions(cp.Namespace).Update(ctx, cp, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("renumbering revision %s: %w", rev.Name, err)
	}
	return got, nil
}

func (h *RevisionHistory) create(ctx context.Context, data []byte, number int64, collisionCount *int32) (*appsv1.ControllerRevision, error) {
	for range maxCollisionRetries {
		rev := NewControllerRevision(h.Owner, h.GVK, h.Labels, data, number, collisionCount)
		got, err := h.Client.AppsV1().ControllerRevisions(rev.Namespace).Create(ctx, rev, metav1.CreateOptions{})
		if err == nil {
			return got, nil
		}
		if !apierrors.IsAlreadyExists(err) {
			return nil, fmt.Errorf("creating revision %s: %w", rev.Name, err)
		}
		existing, gerr := h.Client.AppsV1().ControllerRevisions(rev.Namespace).Get(ctx, rev.Name, metav1.GetOptions{})
		if gerr != nil {
			return nil, fmt.Errorf("reading clashing revision %s: %w", rev.Name, gerr)
		}
		// Ours already (the informer had not caught up): use it.
		if ControllerUID(existing) == h.Owner.GetUID() && EqualRevisionData(existing.Data.Raw, data) {
			return existing, nil
		}
		*collisionCount++
	}
	return nil, fmt.Errorf("revision name of %s still clashes after %d tries", h.Owner.GetName(), maxCollisionRetries)
}

// Trim deletes the oldest revisions not in live until at most limit
// non-live revisions remain.
func (h *RevisionHistory) Trim(ctx context.Context, revs []*appsv1.ControllerRevision, live map[string]bool, limit int) error {
	var old []*appsv1.ControllerRevision
	for _, r := range revs {
		if !live[r.Name] {
			old = append(old, r)
		}
	}
	SortRevisions(old)
	for i := 0; i < len(old)-limit; i++ {
		err := h.Client.AppsV1().ControllerRevisions(old[i].Namespace).Delete(ctx, old[i].Name, metav1.DeleteOptions{})
		if err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("deleting old revision %s: %w", old[i].Name, err)
		}
	}
	return nil
}
