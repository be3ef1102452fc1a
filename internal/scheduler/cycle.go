package scheduler

import (
	"context"
	"errors"
	"fmt"
	"time"

	v1 "k8s.io/api/core/v1"

	fw "rudder/internal/scheduler/framework"
	"rudder/internal/scheduler/queue"
)

// Attempt results, as the metrics label them.
const (
	resultScheduled     = "scheduled"
	resultUnschedulable = "unschedulable"
	resultError         = "error"
)

// scheduleOne runs one scheduling cycle; false means the queue closed.
func (s *Scheduler) scheduleOne(ctx context.Context) bool {
	qpi, err := s.queue.Pop()
	if err != nil {
		return false
	}
	s.updatePendingMetric()
	pod := qpi.Pod
	if pod.DeletionTimestamp != nil || s.cache.IsAssumed(pod) {
		s.queue.Done(pod.UID)
		return true
	}
	start := s.opts.Clock.Now()
	cycle := s.queue.SchedulingCycle()
	state := fw.NewCycleState()
	s.cache.UpdateSnapshot(s.snapshot)

	res, err := s.algo.schedulePod(ctx, state, pod)
	if err != nil {
		s.handleScheduleError(ctx, state, qpi, err, cycle, start)
		return true
	}
	assumed := pod.DeepCopy()
	assumed.Spec.NodeName = res.host
	if err := s.cache.AssumePod(assumed); err != nil {
		s.fail(ctx, qpi, nil, err, cycle, start)
		return true
	}
	if st := s.fw.RunReservePlugins(ctx, state, assumed, res.host); !st.IsSuccess() {
		s.cache.ForgetPod(assumed)
		s.fail(ctx, qpi, nil, statusErr(st), cycle, start)
		return true
	}
	s.queue.DeleteNominatedPod(pod)
	s.startBinding(ctx, state, qpi, assumed, cycle, start)
	return true
}

// handleScheduleError runs PostFilter (preemption) for pods that fit
// nowhere, then reports the failure.
func (s *Scheduler) handleScheduleError(ctx context.Context, state *fw.CycleState, qpi *queue.QueuedPodInfo, err error, cycle int64, start time.Time) {
	var fitErr *fw.FitError
	if !errors.As(err, &fitErr) || !s.fw.HasPostFilterPlugins() {
		s.fail(ctx, qpi, nil, err, cycle, start)
		return
	}
	s.metrics.preemptions.Inc()
	res, st := s.fw.RunPostFilterPlugins(ctx, state, qpi.Pod, fitErr.Diagnosis.NodeToStatus)
	if st.Code() == fw.Error {
		s.log.Error("preemption failed", "pod", podKey(qpi.Pod), "err", st.Message())
	} else {
		fitErr.Diagnosis.PostFilterMsg = st.Message()
	}
	s.fail(ctx, qpi, res, fitErr, cycle, start)
}

// startBinding binds in a goroutine so the next pod's cycle does not wait
// for the API round trip; a full set of slots makes scheduling wait.
func (s *Scheduler) startBinding(ctx context.Context, state *fw.CycleState, qpi *queue.QueuedPodInfo, assumed *v1.Pod, cycle int64, start time.Time) {
	select {
	case s.bindSlots <- struct{}{}:
	case <-ctx.Done():
		s.cache.ForgetPod(assumed)
		s.queue.Done(assumed.UID)
		return
	}
	s.inflight.Add(1)
	go func() {
		defer s.inflight.Done()
		defer func() { <-s.bindSlots }()
		s.bind(ctx, state, qpi, assumed, cycle, start)
	}()
}

func (s *Scheduler) bind(ctx context.Context, state *fw.CycleState, qpi *queue.QueuedPodInfo, assumed *v1.Pod, cycle int64, start time.Time) {
	node := assumed.Spec.NodeName
	if st := s.fw.RunBindPlugins(ctx, state, assumed, node); !st.IsSuccess() {
		s.cache.ForgetPod(assumed)
		s.fw.RunUnreservePlugins(ctx, state, assumed, node)
		// The room this pod held is free again for others.
		s.queue.MoveAllToActiveOrBackoff(fw.EventAssignedPodDelete)
		s.fail(ctx, qpi, nil, statusErr(st), cycle, start)
		return
	}
	s.cache.FinishBinding(assumed)
	s.queue.Done(assumed.UID)
	s.observe(resultScheduled, start)
	s.recorder.Eventf(qpi.Pod, v1.EventTypeNormal, "Scheduled", "Successfully assigned %s/%s to %s",
		assumed.Namespace, assumed.Name, node)
}

func (s *Scheduler) observe(result string, start time.Time) {
	s.metrics.attempts.WithLabelValues(result, s.opts.SchedulerName).Inc()
	s.metrics.duration.WithLabelValues(result, s.opts.SchedulerName).Observe(s.opts.Clock.Since(start).Seconds())
}

func (s *Scheduler) updatePendingMetric() {
	a, b, u := s.queue.Pending()
	s.metrics.pending.WithLabelValues("active").Set(float64(a))
	s.metrics.pending.WithLabelValues("backoff").Set(float64(b))
	s.metrics.pending.WithLabelValues("unschedulable").Set(float64(u))
}

func podKey(p *v1.Pod) string { return fmt.Sprintf("%s/%s", p.Namespace, p.Name) }
