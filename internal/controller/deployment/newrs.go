package deployment

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/controller/ctrlutil"
)

// getAllReplicaSets splits the deployment's ReplicaSets into the new one
// (template equal to the deployment's) and the old ones, brings the new
// one's revision above every old one (this is how `rollout undo` bumps a
// reused ReplicaSet), and, with create, creates the new ReplicaSet if it
// does not exist. It returns the deployment as last written.
func (c *Controller) getAllReplicaSets(ctx context.Context, d *appsv1.Deployment, rss []*appsv1.ReplicaSet, create bool) (*appsv1.ReplicaSet, []*appsv1.ReplicaSet, *appsv1.Deployment, error) {
	newRS, old := splitRSs(d, rss)
	revision := maxRevision(old) + 1
	var err error
	switch {
	case newRS != nil:
		newRS, err = c.syncNewRS(ctx, d, newRS, revision)
	case create:
		newRS, d, err = c.createNewRS(ctx, d, old, revision)
	}
	if err != nil || newRS == nil {
		return newRS, old, d, err
	}
	d, err = c.syncDeploymentRevision(ctx, d, newRS)
	return newRS, old, d, err
}

// syncNewRS brings an existing new ReplicaSet's annotations and
// minReadySeconds up to date.
func (c *Controller) syncNewRS(ctx context.Context, d *appsv1.Deployment, rs *appsv1.ReplicaSet, revision int64) (*appsv1.ReplicaSet, error) {
	changed := copyAnnotations(d, rs)
	if revisionOf(rs) < revision {
		if rs.Annotations == nil {
			rs.Annotations = map[string]string{}
		}
		rs.Annotations[RevisionAnnotation] = strconv.FormatInt(revision, 10)
		changed = true
	}
	if rs.Spec.MinReadySeconds != d.Spec.MinReadySeconds {
		rs.Spec.MinReadySeconds = d.Spec.MinReadySeconds
		changed = true
	}
	if !changed {
		return rs, nil
	}
	got, err := c.client.AppsV1().ReplicaSets(rs.Namespace).Update(ctx, rs, metav1.UpdateOptions{})
	if err != nil {
		return nil, fmt.Errorf("updating replicaset %s: %w", rs.Name, err)
	}
	return got, nil
}

// createNewRS creates `<deployment>-<pod-template-hash>`. A name clash
// with a ReplicaSet that is not ours bumps status.collisionCount so that
// the next attempt hashes to another name.
func (c *Controller) createNewRS(ctx context.Context, d *appsv1.Deployment, old []*appsv1.ReplicaSet, revision int64) (*appsv1.ReplicaSet, *appsv1.Deployment, error) {
	rs := c.newRSObject(d, old, revision)
	got, err := c.client.AppsV1().ReplicaSets(d.Namespace).Create(ctx, rs, metav1.CreateOptions{})
	if apierrors.IsAlreadyExists(err) {
		return c.resolveClash(ctx, d, rs)
	}
	if err != nil {
		msg := fmt.Sprintf("Failed to create new replica set %q: %v", rs.Name, err)
		c.recorder.Eventf(d, nil, corev1.EventTypeWarning, "FailedCreate", "Create", msg)
		setCondition(&d.Status, progressing(corev1.ConditionFalse, "ReplicaSetCreateError", msg, c.now()))
		_, _ = c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
		return nil, d, fmt.Errorf("creating replicaset %s: %w", rs.Name, err)
	}
	if n := replicasOf(got.Spec.Replicas); n > 0 {
		c.recorder.Eventf(d, got, corev1.EventTypeNormal, "ScalingReplicaSet", "Scaling",
			"Scaled up replica set %s from 0 to %d", got.Name, n)
	}
	setCondition(&d.Status, progressing(corev1.ConditionTrue, "NewReplicaSetCreated",
		fmt.Sprintf("Created new replica set %q", got.Name), c.now()))
	upd, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return got, d, fmt.Errorf("recording new replicaset on deployment: %w", err)
	}
	return got, upd, nil
}

func (c *Controller) newRSObject(d *appsv1.Deployment, old []*appsv1.ReplicaSet, revision int64) *appsv1.ReplicaSet {
	hash := ComputeHash(&d.Spec.Template, d.Status.CollisionCount)
	tmpl := d.Spec.Template.DeepCopy()
	if tmpl.Labels == nil {
		tmpl.Labels = map[string]string{}
	}
	tmpl.Labels[PodTemplateHashLabel] = hash
	sel := d.Spec.Selector.DeepCopy()
	if sel.MatchLabels == nil {
		sel.MatchLabels = map[string]string{}
	}
	sel.MatchLabels[PodTemplateHashLabel] = hash
	desired := replicasOf(d.Spec.Replicas)
	surge, _ := deploymentFenceposts(d)
	replicas := desired // Recreate starts the new ReplicaSet at full size
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		replicas = newRSTarget(desired, surge, 0, specSum(old))
	}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            d.Name + "-" + hash,
			Namespace:       d.Namespace,
			Labels:          copyLabels(tmpl.Labels),
			OwnerReferences: []metav1.OwnerReference{*ctrlutil.NewControllerRef(d, deploymentGVK)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        &replicas,
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        *tmpl,
		},
	}
	copyAnnotations(d, rs)
	setReplicaAnnotations(rs, desired, desired+surge)
	rs.Annotations[RevisionAnnotation] = strconv.FormatInt(revision, 10)
	return rs
}

// resolveClash handles AlreadyExists: our own ReplicaSet with our
// template (a stale cache) is simply used; anything else is a collision.
func (c *Controller) resolveClash(ctx context.Context, d *appsv1.Deployment, want *appsv1.ReplicaSet) (*appsv1.ReplicaSet, *appsv1.Deployment, error) {
	have, err := c.client.AppsV1().ReplicaSets(d.Namespace).Get(ctx, want.Name, metav1.GetOptions{})
	if err != nil {
		return nil, d, fmt.Errorf("reading clashing replicaset %s: %w", want.Name, err)
	}
	if ctrlutil.ControllerUID(have) == d.UID && equalIgnoreHash(&have.Spec.Template, &d.Spec.Template) {
		return have, d, nil
	}
	var n int32
	if d.Status.CollisionCount != nil {
		n = *d.Status.CollisionCount
	}
	n++
	d.Status.CollisionCount = &n
	if _, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{}); err != nil {
		return nil, d, fmt.Errorf("bumping collisionCount: %w", err)
	}
	return nil, d, fmt.Errorf("replicaset name %s is taken; collisionCount now %d", want.Name, n)
}

// syncDeploymentRevision copies the new ReplicaSet's revision onto the
// deployment (what `kubectl rollout history` shows as current).
func (c *Controller) syncDeploymentRevision(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet) (*appsv1.Deployment, error) {
	rev := newRS.Annotations[RevisionAnnotation]
	if rev == "" || d.Annotations[RevisionAnnotation] == rev {
		return d, c.foundNewRS(ctx, d)
	}
	patch, _ := json.Marshal(map[string]any{"metadata": map[string]any{
		"annotations": map[string]string{RevisionAnnotation: rev},
	}})
	got, err := c.client.AppsV1().Deployments(d.Namespace).Patch(ctx, d.Name, types.MergePatchType, patch, metav1.PatchOptions{})
	if err != nil {
		return d, fmt.Errorf("setting deployment revision: %w", err)
	}
	// Keep the status we are working on (it may hold unsaved conditions).
	got.Status = d.Status
	return got, c.foundNewRS(ctx, got)
}

// foundNewRS sets a first Progressing condition when none exists yet
// (a deployment whose ReplicaSet existed before the controller saw it).
func (c *Controller) foundNewRS(ctx context.Context, d *appsv1.Deployment) error {
	if getCondition(d.Status, appsv1.DeploymentProgressing) != nil || !hasProgressDeadline(d) {
		return nil
	}
	setCondition(&d.Status, progressing(corev1.ConditionTrue, "FoundNewReplicaSet", "Found new replica set", c.now()))
	return nil
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
