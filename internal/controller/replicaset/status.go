package replicaset

import (
	"context"
	"errors"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// computeStatus derives the status from the scan of the claimed active
// pods. A failed create or delete sets the ReplicaFailure condition; a
// clean sync clears it.
func (c *Controller) computeStatus(w *workload, scan *podScan, manageErr error) appsv1.ReplicaSetStatus {
	now := c.now()
	st := w.status
	st.ObservedGeneration = w.meta.GetGeneration()
	st.Replicas = int32(len(scan.pods))
	st.FullyLabeledReplicas = scan.counts.fullyLabeledReplicas
	st.ReadyReplicas = scan.counts.readyReplicas
	st.AvailableReplicas = scan.counts.availableAt(now)
	st.Conditions = failureCondition(st.Conditions, manageErr, len(scan.pods) < int(w.replicas), now)
	return st
}

// failureCondition sets or clears ReplicaFailure.
func failureCondition(conds []appsv1.ReplicaSetCondition, manageErr error, missing bool, now time.Time) []appsv1.ReplicaSetCondition {
	var keep []appsv1.ReplicaSetCondition
	var old *appsv1.ReplicaSetCondition
	for i := range conds {
		if conds[i].Type == appsv1.ReplicaSetReplicaFailure {
			old = &conds[i]
			continue
		}
		keep = append(keep, conds[i])
	}
	if manageErr == nil {
		return keep
	}
	reason := "FailedDelete"
	if missing {
		reason = "FailedCreate"
	}
	msg := failureMessage(manageErr)
	if old != nil && old.Reason == reason && old.Message == msg {
		return append(keep, *old)
	}
	return append(keep, appsv1.ReplicaSetCondition{
		Type: appsv1.ReplicaSetReplicaFailure, Status: corev1.ConditionTrue,
		LastTransitionTime: metav1.NewTime(now), Reason: reason, Message: msg,
	})
}

// failureMessage keeps the API server's own message (what kubectl users
// know, e.g. "exceeded quota: ..."), without our wrapping.
func failureMessage(err error) string {
	var se *apierrors.StatusError
	if errors.As(err, &se) {
		return se.ErrStatus.Message
	}
	return strings.TrimSpace(err.Error())
}

// writeStatus updates the status subresource when it changed.
func (c *Controller) writeStatus(ctx context.Context, w *workload, st appsv1.ReplicaSetStatus) error {
	if apiequality.Semantic.DeepEqual(w.status, st) {
		return nil
	}
	err := c.kind.updateStatus(ctx, w, st)
	if apierrors.IsNotFound(err) {
		return nil
	}
	return err
}
