package deployment

import (
	"context"
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// calculateStatus sums the ReplicaSets' status and sets Available.
func (c *Controller) calculateStatus(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) appsv1.DeploymentStatus {
	st := *d.Status.DeepCopy()
	st.ObservedGeneration = d.Generation
	st.Replicas, st.ReadyReplicas, st.AvailableReplicas, st.UpdatedReplicas = 0, 0, 0, 0
	for _, rs := range all {
		st.Replicas += rs.Status.Replicas
		st.ReadyReplicas += rs.Status.ReadyReplicas
		st.AvailableReplicas += rs.Status.AvailableReplicas
	}
	if newRS != nil {
		st.UpdatedReplicas = newRS.Status.Replicas
	}
	st.UnavailableReplicas = max(specSum(all)-st.AvailableReplicas, 0)
	_, maxUnavailable := deploymentFenceposts(d)
	if st.AvailableReplicas >= replicasOf(d.Spec.Replicas)-maxUnavailable {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionTrue,
			"MinimumReplicasAvailable", "Deployment has minimum availability.", c.now()))
	} else {
		setCondition(&st, newCondition(appsv1.DeploymentAvailable, corev1.ConditionFalse,
			"MinimumReplicasUnavailable", "Deployment does not have minimum availability.", c.now()))
	}
	return st
}

// rolloutStatus adds the Progressing condition to calculateStatus for a
// deployment that is rolling out (not paused).
func (c *Controller) rolloutStatus(d *appsv1.Deployment, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) appsv1.DeploymentStatus {
	st := c.calculateStatus(d, newRS, all)
	if !hasProgressDeadline(d) {
		removeCondition(&st, appsv1.DeploymentProgressing)
	}
	cur := getCondition(d.Status, appsv1.DeploymentProgressing)
	done := st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == "NewReplicaSetAvailable"
	if hasProgressDeadline(d) && !done {
		what := fmt.Sprintf("Deployment %q", d.Name)
		if newRS != nil {
			what = fmt.Sprintf("ReplicaSet %q", newRS.Name)
		}
		now := c.now()
		switch {
		case deploymentComplete(d, &st):
			setCondition(&st, progressing(corev1.ConditionTrue, "NewReplicaSetAvailable", what+" has successfully progressed.", now))
		case deploymentProgressing(&d.Status, &st):
			c := progressing(corev1.ConditionTrue, "ReplicaSetUpdated", what+" is progressing.", now)
			// Progress refreshes lastUpdateTime (the deadline counts from it)
			// even when the message is unchanged.
			removeConditionKeepTransition(&st, &c)
			st.Conditions = append(st.Conditions, c)
		case timedOut(d, &st, now):
			setCondition(&st, progressing(corev1.ConditionFalse, "ProgressDeadlineExceeded", what+" has timed out progressing.", now))
		}
	}
	c.copyReplicaFailure(&st, newRS, all)
	return st
}

func removeConditionKeepTransition(st *appsv1.DeploymentStatus, c *appsv1.DeploymentCondition) {
	if cur := getCondition(*st, c.Type); cur != nil && cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	removeCondition(st, c.Type)
}

// copyReplicaFailure surfaces a ReplicaSet's ReplicaFailure (e.g. quota)
// on the deployment, where users look.
func (c *Controller) copyReplicaFailure(st *appsv1.DeploymentStatus, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) {
	ordered := all
	if newRS != nil {
		ordered = append([]*appsv1.ReplicaSet{newRS}, all...)
	}
	for _, rs := range ordered {
		for _, rc := range rs.Status.Conditions {
			if rc.Type == appsv1.ReplicaSetReplicaFailure && rc.Status == corev1.ConditionTrue {
				setCondition(st, appsv1.DeploymentCondition{
					Type: appsv1.DeploymentReplicaFailure, Status: rc.Status, Reason: rc.Reason,
					Message: rc.Message, LastUpdateTime: rc.LastTransitionTime, LastTransitionTime: rc.LastTransitionTime,
				})
				return
			}
		}
	}
	removeCondition(st, appsv1.DeploymentReplicaFailure)
}

// syncRolloutStatus writes the rollout status and, while the rollout is
// neither complete nor timed out, schedules a check at the deadline.
func (c *Controller) syncRolloutStatus(ctx context.Context, d *appsv1.Deployment, newRS *appsv1.ReplicaSet, all []*appsv1.ReplicaSet) error {
	st := c.rolloutStatus(d, newRS, all)
	if err := c.writeStatus(ctx, d, st); err != nil {
		return err
	}
	c.requeueAtDeadline(d, &st)
	return nil
}

func (c *Controller) requeueAtDeadline(d *appsv1.Deployment, st *appsv1.DeploymentStatus) {
	cond := getCondition(*st, appsv1.DeploymentProgressing)
	if !hasProgressDeadline(d) || cond == nil || deploymentComplete(d, st) || timedOut(d, st, c.now()) {
		return
	}
	if cond.Reason == "NewReplicaSetAvailable" || cond.Reason == "DeploymentPaused" {
		return
	}
	deadline := cond.LastUpdateTime.Add(time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second)
	c.queue.AddAfter(d.Namespace+"/"+d.Name, deadline.Sub(c.now())+time.Second)
}

// writeStatus updates the status subresource when it changed.
func (c *Controller) writeStatus(ctx context.Context, d *appsv1.Deployment, st appsv1.DeploymentStatus) error {
	if apiequality.Semantic.DeepEqual(d.Status, st) {
		return nil
	}
	d = d.DeepCopy()
	d.Status = st
	_, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil && !apierrors.IsNotFound(err) {
		return fmt.Errorf("updating deployment status: %w", err)
	}
	return nil
}

// checkPausedConditions records pause and resume in Progressing, so that
// the progress deadline does not run while a user holds the rollout.
func (c *Controller) checkPausedConditions(ctx context.Context, d *appsv1.Deployment) (*appsv1.Deployment, error) {
	if !hasProgressDeadline(d) {
		return d, nil
	}
	cond := getCondition(d.Status, appsv1.DeploymentProgressing)
	if cond != nil && cond.Reason == "ProgressDeadlineExceeded" {
		return d, nil
	}
	paused := cond != nil && cond.Reason == "DeploymentPaused"
	switch {
	case d.Spec.Paused && !paused:
		setCondition(&d.Status, progressing(corev1.ConditionUnknown, "DeploymentPaused", "Deployment is paused", c.now()))
	case !d.Spec.Paused && paused:
		setCondition(&d.Status, progressing(corev1.ConditionUnknown, "DeploymentResumed", "Deployment is resumed", c.now()))
	default:
		return d, nil
	}
	got, err := c.client.AppsV1().Deployments(d.Namespace).UpdateStatus(ctx, d, metav1.UpdateOptions{})
	if err != nil {
		return d, fmt.Errorf("recording pause state: %w", err)
	}
	return got, nil
}
