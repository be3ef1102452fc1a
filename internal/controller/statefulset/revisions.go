package statefulset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/controller/ctrlutil"
)

// history is the set's revisions after this sync ensured the update one.
type history struct {
	all            []*appsv1.ControllerRevision
	current        *appsv1.ControllerRevision
	update         *appsv1.ControllerRevision
	collisionCount int32
}

// template returns the pod template of the named revision.
func (h *history) template(name string) (*corev1.PodTemplateSpec, error) {
	for _, r := range h.all {
		if r.Name == name {
			return ctrlutil.TemplateFromRevision(r)
		}
	}
	return nil, fmt.Errorf("revision %s not found", name)
}

// syncHistory claims the set's ControllerRevisions, makes sure one holds
// the current template (the update revision) and finds the current one
// (status.currentRevision, or the update revision for a new set).
func (c *Controller) syncHistory(ctx context.Context, set *appsv1.StatefulSet, sel labels.Selector) (*history, error) {
	all, err := c.revisions.ControllerRevisions(set.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing revisions: %w", err)
	}
	revs, err := ctrlutil.Claim(ctx, c.claimer(set, sel, c.patchRevision), all)
	if err != nil {
		return nil, err
	}
	data, err := ctrlutil.TemplateRevisionData(&set.Spec.Template)
	if err != nil {
		return nil, err
	}
	h := &history{}
	if set.Status.CollisionCount != nil {
		h.collisionCount = *set.Status.CollisionCount
	}
	rh := &ctrlutil.RevisionHistory{Client: c.client, Owner: set, GVK: controllerKind, Labels: set.Spec.Template.Labels}
	h.update, err = rh.Ensure(ctx, data, revs, &h.collisionCount)
	if err != nil {
		return h, err
	}
	h.all = replaceRevision(revs, h.update)
	h.current = h.update
	for _, r := range h.all {
		if r.Name == set.Status.CurrentRevision {
			h.current = r
		}
	}
	return h, nil
}

// replaceRevision puts rev into revs in place of a same-named one.
func replaceRevision(revs []*appsv1.ControllerRevision, rev *appsv1.ControllerRevision) []*appsv1.ControllerRevision {
	out := make([]*appsv1.ControllerRevision, 0, len(revs)+1)
	for _, r := range revs {
		if r.Name != rev.Name {
			out = append(out, r)
		}
	}
	return append(out, rev)
}

// trimHistory keeps revisionHistoryLimit revisions besides the live ones
// (current, update, and any a pod still runs).
func (c *Controller) trimHistory(ctx context.Context, set *appsv1.StatefulSet, h *history, pods []*corev1.Pod) error {
	limit := 10
	if set.Spec.RevisionHistoryLimit != nil {
		limit = int(*set.Spec.RevisionHistoryLimit)
	}
	live := map[string]bool{h.current.Name: true, h.update.Name: true}
	for _, p := range pods {
		live[podRevision(p)] = true
	}
	rh := &ctrlutil.RevisionHistory{Client: c.client, Owner: set, GVK: controllerKind}
	return rh.Trim(ctx, h.all, live, limit)
}

func (c *Controller) patchRevision(ctx context.Context, ns, name string, patch []byte) error {
	_, err := c.client.AppsV1().ControllerRevisions(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

func (c *Controller) patchPod(ctx context.Context, ns, name string, patch []byte) error {
	_, err := c.client.CoreV1().Pods(ns).Patch(ctx, name, types.StrategicMergePatchType, patch, metav1.PatchOptions{})
	return err
}

// claimer adopts and releases objects of set matching sel.
func (c *Controller) claimer(set *appsv1.StatefulSet, sel labels.Selector, patch ctrlutil.PatchFunc) *ctrlutil.Claimer {
	return &ctrlutil.Claimer{
		Owner: set, GVK: controllerKind, Selector: sel, Patch: patch,
		CanAdopt: func(ctx context.Context) error {
			fresh, err := c.client.AppsV1().StatefulSets(set.Namespace).Get(ctx, set.Name, metav1.GetOptions{})
			if err != nil {
				return err
			}
			if fresh.UID != set.UID {
				return fmt.Errorf("statefulset %s was replaced", set.Name)
			}
			if fresh.DeletionTimestamp != nil {
				return fmt.Errorf("statefulset %s is being deleted", set.Name)
			}
			return nil
		},
	}
}
