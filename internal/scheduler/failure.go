package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	v1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	fw "rudder/internal/scheduler/framework"
	"rudder/internal/scheduler/queue"
)

// fail requeues a pod whose attempt failed, records the FailedScheduling
// event and writes the PodScheduled=False condition (and the nominated node
// when preemption made room or gave up).
func (s *Scheduler) fail(ctx context.Context, qpi *queue.QueuedPodInfo, nomination *fw.PostFilterResult, err error, cycle int64, start time.Time) {
	pod := qpi.Pod
	reason, unschedulable := v1.PodReasonSchedulerError, false
	var fitErr *fw.FitError
	switch {
	case errors.As(err, &fitErr):
		reason, unschedulable = v1.PodReasonUnschedulable, true
		qpi.UnschedulablePlugins = fitErr.Diagnosis.UnschedulablePlugins
	case errors.Is(err, errNoNodesAvailable):
		reason, unschedulable = v1.PodReasonUnschedulable, true
		qpi.UnschedulablePlugins = nil
	}
	result := resultError
	if unschedulable {
		result = resultUnschedulable
	}
	s.observe(result, start)

	// A pod deleted or bound meanwhile needs nothing more.
	current, getErr := s.pods.Pods(pod.Namespace).Get(pod.Name)
	if getErr != nil || current.UID != pod.UID || current.Spec.NodeName != "" {
		s.queue.Done(pod.UID)
		return
	}
	if nomination != nil {
		if nomination.NominatedNodeName != "" {
			s.queue.AddNominatedPod(fw.NewPodInfo(pod), nomination.NominatedNodeName)
		} else {
			s.queue.DeleteNominatedPod(pod)
		}
	}
	s.queue.AddUnschedulable(qpi, unschedulable, cycle)

	msg := err.Error()
	s.log.Info("unable to schedule pod", "pod", podKey(pod), "reason", reason, "message", msg)
	s.recorder.Event(current, v1.EventTypeWarning, "FailedScheduling", msg)
	s.patchCondition(ctx, current, reason, msg, nomination)
}

// patchCondition writes the condition unless it is already there, keeping
// lastTransitionTime when the status does not change.
func (s *Scheduler) patchCondition(ctx context.Context, pod *v1.Pod, reason, msg string, nomination *fw.PostFilterResult) {
	nominated := pod.Status.NominatedNodeName
	if nomination != nil {
		nominated = nomination.NominatedNodeName
	}
	transition := metav1.Now()
	for _, c := range pod.Status.Conditions {
		if c.Type != v1.PodScheduled {
			continue
		}
		if c.Status == v1.ConditionFalse && c.Reason == reason && c.Message == msg && nominated == pod.Status.NominatedNodeName {
			return
		}
		if c.Status == v1.ConditionFalse {
			transition = c.LastTransitionTime
		}
	}
	status := map[string]any{
		"conditions": []map[string]any{{
			"type": v1.PodScheduled, "status": v1.ConditionFalse, "reason": reason, "message": msg,
			"lastProbeTime": nil, "lastTransitionTime": transition,
		}},
	}
	if nominated != pod.Status.NominatedNodeName {
		if nominated == "" {
			status["nominatedNodeName"] = nil
		} else {
			status["nominatedNodeName"] = nominated
		}
	}
	patch, err := json.Marshal(map[string]any{"status": status})
	if err != nil {
		return
	}
	select {
	case s.bindSlots <- struct{}{}:
	case <-ctx.Done():
		return
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer func() { <-s.bindSlots }()
		_, err := s.client.CoreV1().Pods(pod.Namespace).Patch(ctx, pod.Name, types.StrategicMergePatchType, patch, metav1.PatchOptions{}, "status")
		if err != nil && !apierrors.IsNotFound(err) && ctx.Err() == nil {
			s.log.Error("updating pod condition", "pod", podKey(pod), "err", err)
		}
	}()
}
