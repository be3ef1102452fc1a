package job

import (
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Condition reasons and messages, as Kubernetes 1.32 writes them.
const (
	reasonBackoffLimit     = "BackoffLimitExceeded"
	reasonDeadline         = "DeadlineExceeded"
	reasonPodFailurePolicy = "PodFailurePolicy"
	reasonMaxFailedIndexes = "MaxFailedIndexesExceeded"
	reasonFailedIndexes    = "FailedIndexes"
	reasonCompletions      = "CompletionsReached"

	msgBackoffLimit     = "Job has reached the specified backoff limit"
	msgDeadline         = "Job was active longer than specified deadline"
	msgMaxFailedIndexes = "Job has exceeded the specified maximal number of failed indexes"
	msgFailedIndexes    = "Job has failed indexes"
	msgCompletions      = "Reached expected number of succeeded pods"
)

func findCondition(s *batchv1.JobStatus, t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range s.Conditions {
		if s.Conditions[i].Type == t {
			return &s.Conditions[i]
		}
	}
	return nil
}

func hasTrueCondition(s *batchv1.JobStatus, t batchv1.JobConditionType) bool {
	c := findCondition(s, t)
	return c != nil && c.Status == corev1.ConditionTrue
}

// isFinished: Complete or Failed is final; nothing changes afterwards.
func isFinished(s *batchv1.JobStatus) bool {
	return hasTrueCondition(s, batchv1.JobComplete) || hasTrueCondition(s, batchv1.JobFailed)
}

// setCondition sets a condition, keeping lastTransitionTime when the
// status does not change. It reports whether anything changed.
func setCondition(s *batchv1.JobStatus, t batchv1.JobConditionType, status corev1.ConditionStatus, reason, msg string, now metav1.Time) bool {
	c := findCondition(s, t)
	if c == nil {
		s.Conditions = append(s.Conditions, batchv1.JobCondition{Type: t, Status: status, Reason: reason, Message: msg,
			LastProbeTime: now, LastTransitionTime: now})
		return true
	}
	if c.Status == status && c.Reason == reason && c.Message == msg {
		return false
	}
	if c.Status != status {
		c.LastTransitionTime = now
	}
	c.Status, c.Reason, c.Message, c.LastProbeTime = status, reason, msg, now
	return true
}

// verdict is what the counts say about the job's end, before its pods are
// all gone: a failure target (reason/message) or success criteria met.
type verdict struct {
	failed  bool
	success bool
	reason  string
	message string
}

// counts summarises a job's pods and status for judgement.
type counts struct {
	active, succeeded, failed int32
	completed, failedIdx      int // Indexed: completed and failed indexes
	pastDeadline              bool
	policyFailure             *policyMatch // a FailJob rule matched
}

// judge decides whether the job has failed or succeeded, in Kubernetes'
// order: pod failure policy, backoff limit, per-index limits, deadline,
// then success.
func judge(job *batchv1.Job, n counts) verdict {
	switch {
	case n.policyFailure != nil:
		return verdict{failed: true, reason: reasonPodFailurePolicy, message: n.policyFailure.message}
	case job.Spec.BackoffLimit != nil && n.failed > *job.Spec.BackoffLimit:
		return verdict{failed: true, reason: reasonBackoffLimit, message: msgBackoffLimit}
	case job.Spec.MaxFailedIndexes != nil && n.failedIdx > int(*job.Spec.MaxFailedIndexes):
		return verdict{failed: true, reason: reasonMaxFailedIndexes, message: msgMaxFailedIndexes}
	case n.pastDeadline:
		return verdict{failed: true, reason: reasonDeadline, message: msgDeadline}
	}
	if isIndexed(job) {
		total := int(completionsOf(job))
		if n.failedIdx > 0 && n.completed+n.failedIdx >= total {
			return verdict{failed: true, reason: reasonFailedIndexes, message: msgFailedIndexes}
		}
		if n.completed >= total {
			return verdict{success: true, reason: reasonCompletions, message: msgCompletions}
		}
		return verdict{}
	}
	if job.Spec.Completions == nil {
		// A work-queue job is done when one pod succeeded and none run.
		if n.succeeded > 0 && n.active == 0 {
			return verdict{success: true, reason: reasonCompletions, message: msgCompletions}
		}
		return verdict{}
	}
	if n.succeeded >= *job.Spec.Completions {
		return verdict{success: true, reason: reasonCompletions, message: msgCompletions}
	}
	return verdict{}
}

func completionsOf(job *batchv1.Job) int32 {
	if job.Spec.Completions == nil {
		return 0
	}
	return *job.Spec.Completions
}

func parallelismOf(job *batchv1.Job) int32 {
	if job.Spec.Parallelism == nil {
		return 1
	}
	return *job.Spec.Parallelism
}

// wantActive is how many pods a NonIndexed job should run now.
func wantActive(job *batchv1.Job, succeeded, active int32) int32 {
	par := parallelismOf(job)
	if job.Spec.Completions == nil {
		// Once a work-queue pod succeeded, no new pods start.
		if succeeded > 0 {
			return min(active, par)
		}
		return par
	}
	left := *job.Spec.Completions - succeeded
	return max(0, min(left, par))
}
