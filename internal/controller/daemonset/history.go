package daemonset

import (
	"context"
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"

	"rudder/internal/controller/ctrlutil"
)

// history is the set's revisions after ensuring the current one.
type history struct {
	all            []*appsv1.ControllerRevision
	current        *appsv1.ControllerRevision
	hash           string
	collisionCount int32
}

// syncHistory claims the set's revisions and makes sure one holds the
// current template; its hash labels the pods of that template.
func (c *Controller) syncHistory(ctx context.Context, ds *appsv1.DaemonSet, sel labels.Selector) (*history, error) {
	all, err := c.revisions.ControllerRevisions(ds.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing revisions: %w", err)
	}
	revs, err := ctrlutil.Claim(ctx, c.claimer(ds, sel, c.patchRevision), all)
	if err != nil {
		return nil, err
	}
	data, err := ctrlutil.TemplateRevisionData(&ds.Spec.Template)
	if err != nil {
		return nil, err
	}
	h := &history{}
	if ds.Status.CollisionCount != nil {
		h.collisionCount = *ds.Status.CollisionCount
	}
	rh := &ctrlutil.RevisionHistory{Client: c.client, Owner: ds, GVK: controllerKind, Labels: ds.Spec.Template.Labels}
	h.current, err = rh.Ensure(ctx, data, revs, &h.collisionCount)
	if err != nil {
		return nil, err
	}
	h.hash = ctrlutil.RevisionHash(h.current, ds.Name)
	for _, r := range revs {
		if r.Name != h.current.Name {
			h.all = append(h.all, r)
		}
	}
	h.all = append(h.all, h.current)
	return h, nil
}

// trimHistory keeps revisionHistoryLimit revisions besides the current
// one and those whose hash a pod still carries.
func (c *Controller) trimHistory(ctx context.Context, ds *appsv1.DaemonSet, h *history, pods []*corev1.Pod) error {
	limit := 10
	if ds.Spec.RevisionHistoryLimit != nil {
		limit = int(*ds.Spec.RevisionHistoryLimit)
	}
	hashes := map[string]bool{}
	for _, p := range pods {
		hashes[p.Labels[hashLabel]] = true
	}
	live := map[string]bool{h.current.Name: true}
	for _, r := range h.all {
		if hashes[ctrlutil.RevisionHash(r, ds.Name)] {
			live[r.Name] = true
		}
	}
	rh := &ctrlutil.RevisionHistory{Client: c.client, Owner: ds, GVK: controllerKind}
	return rh.Trim(ctx, h.all, live, limit)
}
