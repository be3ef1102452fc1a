package ctrlutil

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// PatchFunc applies a strategic merge patch to the named object.
type PatchFunc func(ctx context.Context, namespace, name string, patch []byte) error

// Claimer decides which objects (pods of a ReplicaSet, ReplicaSets of a
// Deployment) belong to an owner: it keeps those it already controls and
// that still match, adopts matching orphans, and releases controlled
// objects that no longer match its selector.
type Claimer struct {
	Owner    metav1.Object
	GVK      schema.GroupVersionKind
	Selector labels.Selector
	Patch    PatchFunc
	// CanAdopt is asked once before the first adoption; it should
	// re-read the owner from the API server and fail if it is being
	// deleted (an owner being deleted must not grab new objects).
	CanAdopt func(ctx context.Context) error
}

// Claim returns the objects the owner controls after adopting and
// releasing. Errors of individual patches are joined; objects whose patch
// failed are left out of the result.
func Claim[T metav1.Object](ctx context.Context, c *Claimer, objs []T) ([]T, error) {
	var (
		out      []T
		errs     []error
		adoptErr error
		asked    bool
	)
	for _, o := range objs {
		ref := metav1.GetControllerOfNoCopy(o)
		matches := c.Selector.Matches(labels.Set(o.GetLabels()))
		switch {
		case ref != nil && ref.UID != c.Owner.GetUID():
			continue // someone else's
		case ref != nil && matches:
			out = append(out, o)
		case ref != nil:
			if c.Owner.GetDeletionTimestamp() != nil {
				continue // an owner being deleted leaves its objects alone
			}
			if err := c.release(ctx, o); err != nil {
				errs = append(errs, err)
			}
		case matches && o.GetDeletionTimestamp() == nil && c.Owner.GetDeletionTimestamp() == nil:
			if !asked {
				asked = true
				if c.CanAdopt != nil {
					adoptErr = c.CanAdopt(ctx)
				}
			}
			if adoptErr != nil {
				errs = append(errs, fmt.Errorf("cannot adopt %s: %w", o.GetName(), adoptErr))
				continue
			}
			if err := c.adopt(ctx, o); err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, o)
		}
	}
	return out, errors.Join(errs...)
}

// adopt adds the owner as controller. The patch carries the object's uid
// so that a same-named replacement is never adopted by mistake.
func (c *Claimer) adopt(ctx context.Context, o metav1.Object) error {
	ref := NewControllerRef(c.Owner, c.GVK)
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"ownerReferences": []metav1.OwnerReference{*ref},
			"uid":             o.GetUID(),
		},
	})
	if err != nil {
		return err
	}
	if err := c.Patch(ctx, o.GetNamespace(), o.GetName(), patch); err != nil {
		return fmt.Errorf("adopting %s/%s: %w", o.GetNamespace(), o.GetName(), err)
	}
	return nil
}

// release removes the owner's reference; an object already gone or
// changed is not an error worth retrying.
func (c *Claimer) release(ctx context.Context, o metav1.Object) error {
	patch, err := json.Marshal(map[string]any{
		"metadata": map[string]any{
			"ownerReferences": []map[string]any{{"$patch": "delete", "uid": c.Owner.GetUID()}},
			"uid":             o.GetUID(),
		},
	})
	if err != nil {
		return err
	}
	err = c.Patch(ctx, o.GetNamespace(), o.GetName(), patch)
	if err == nil || apierrors.IsNotFound(err) || apierrors.IsInvalid(err) || apierrors.IsConflict(err) {
		return nil
	}
	return fmt.Errorf("releasing %s/%s: %w", o.GetNamespace(), o.GetName(), err)
}

// ControllerUID returns the uid of o's controller, or "".
func ControllerUID(o metav1.Object) types.UID {
	if ref := metav1.GetControllerOfNoCopy(o); ref != nil {
		return ref.UID
	}
	return ""
}
