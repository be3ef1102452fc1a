package job

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/sets"
)

// syncState is one pass over one job: a private copy of the job whose
// status is rebuilt, and the pods it owns as the informer shows them.
type syncState struct {
	c    *Controller
	key  string
	job  *batchv1.Job
	pods []*corev1.Pod
	now  metav1.Time

	// mayManage: no pod creation or deletion was outstanding when the
	// pods were listed, so they may be created or deleted by count.
	mayManage     bool
	policyFailure *policyMatch // a FailJob rule matched a newly failed pod
	released      sets.Set[types.UID]
	created       int
	deleted       sets.Set[types.UID]
	requeue       time.Duration
}

// sync reconciles one job; the duration asks for a later look (deadline,
// backoff).
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := splitKey(key)
	if err != nil {
		return 0, nil
	}
	job, err := c.jobs.Jobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, c.jobGone(ctx, key, ns, name)
	}
	if err != nil {
		return 0, fmt.Errorf("reading job %s: %w", key, err)
	}
	if c.written.newer(key, job.ResourceVersion) {
		// The cache does not show our last status write yet: counting
		// from it would miss pods already counted and create their
		// replacements again. Its update event syncs the job soon.
		return staleCacheRetry, nil
	}
	if err := c.releaseStrays(ctx, key, job.UID); err != nil {
		return 0, err
	}
	// Expectations are read before the pods: once they are met, every
	// pod this controller created or deleted is in the pod cache, so the
	// list read next shows it. Read later, they could be met by a pod that
	// arrived after the list, and manage would create that pod again.
	mayManage := c.expect.satisfied(key)
	pods := c.ownedPods(key, job.UID)
	if !c.releases.shown(key, pods) {
		// A cached pod still has a tracking finalizer this controller
		// removed, and the job's status may count it already: it would be
		// counted twice. Its update event syncs the job soon.
		return staleCacheRetry, nil
	}
	if job.DeletionTimestamp != nil || isFinished(&job.Status) {
		// Nothing more will be counted: let every pod go.
		return 0, c.releaseAll(ctx, pods)
	}
	s := &syncState{c: c, key: key, job: job.DeepCopy(), pods: pods, now: metav1.NewTime(c.clock.Now()),
		mayManage: mayManage, released: sets.New[types.UID](), deleted: sets.New[types.UID]()}
	if err := s.run(ctx); err != nil {
		return 0, err
	}
	return s.requeue, nil
}

// jobGone releases the pods of a deleted job, after checking with the API
// server that the job is really gone and not just missing from the cache.
func (c *Controller) jobGone(ctx context.Context, key, ns, name string) error {
	live, err := c.client.BatchV1().Jobs(ns).Get(ctx, name, metav1.GetOptions{})
	current := types.UID("")
	switch {
	case err == nil:
		current = live.UID
	case !apierrors.IsNotFound(err):
		return fmt.Errorf("reading job %s: %w", key, err)
	default:
		c.expect.forget(key)
		c.resetBackoff(key)
		c.written.forget(key)
		c.releases.forget(key)
	}
	return c.releaseStrays(ctx, key, current)
}

// ownedPods lists the pods whose controller reference is this job.
func (c *Controller) ownedPods(key string, uid types.UID) []*corev1.Pod {
	objs, _ := c.podIndex.ByIndex(podsByJobIndex, key)
	var out []*corev1.Pod
	for _, o := range objs {
		pod := o.(*corev1.Pod)
		if ref := metav1.GetControllerOf(pod); ref != nil && ref.UID == uid {
			out = append(out, pod)
		}
	}
	return out
}

func (s *syncState) run(ctx context.Context) error {
	if err := s.track(ctx); err != nil {
		return err
	}
	if s.handleSuspend(ctx) {
		return s.writeStatus(ctx)
	}
	if s.job.Status.StartTime == nil {
		s.job.Status.StartTime = &s.now
	}
	v := s.verdict()
	if v.failed || v.success {
		s.finish(ctx, v)
		return s.writeStatus(ctx)
	}
	s.scheduleDeadline()
	if s.mayManage {
		if err := s.manage(ctx); err != nil {
			_ = s.writeStatus(ctx)
			return err
		}
	}
	return s.writeStatus(ctx)
}

// verdict keeps an interim condition already reached, or judges anew.
func (s *syncState) verdict() verdict {
	st := &s.job.Status
	if c := findCondition(st, batchv1.JobFailureTarget); c != nil && c.Status == corev1.ConditionTrue {
		return verdict{failed: true, reason: c.Reason, message: c.Message}
	}
	if c := findCondition(st, batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		return verdict{success: true, reason: c.Reason, message: c.Message}
	}
	n := counts{
		active:        int32(len(s.activePods())),
		succeeded:     st.Succeeded + int32(len(st.UncountedTerminatedPods.Succeeded)),
		failed:        st.Failed + int32(len(st.UncountedTerminatedPods.Failed)),
		policyFailure: s.policyFailure,
		pastDeadline:  s.pastDeadline(),
	}
	if isIndexed(s.job) {
		n.completed = parseIndexes(st.CompletedIndexes, completionsOf(s.job)).Len()
		n.failedIdx = parseIndexes(ptrString(st.FailedIndexes), completionsOf(s.job)).Len()
	}
	return judge(s.job, n)
}

func (s *syncState) pastDeadline() bool {
	ads, start := s.job.Spec.ActiveDeadlineSeconds, s.job.Status.StartTime
	if ads == nil || start == nil {
		return false
	}
	return !s.now.Time.Before(start.Add(time.Duration(*ads) * time.Second))
}

// scheduleDeadline asks for a sync when the active deadline passes.
func (s *syncState) scheduleDeadline() {
	ads, start := s.job.Spec.ActiveDeadlineSeconds, s.job.Status.StartTime
	if ads == nil || start == nil {
		return
	}
	s.wantRequeue(start.Add(time.Duration(*ads)*time.Second).Sub(s.now.Time) + 10*time.Millisecond)
}

func (s *syncState) wantRequeue(d time.Duration) {
	if d <= 0 {
		d = time.Millisecond
	}
	if s.requeue == 0 || d < s.requeue {
		s.requeue = d
	}
}

// finish drives a job whose fate is known: mark the interim condition,
// stop its pods, and once none is left unaccounted, the final condition.
func (s *syncState) finish(ctx context.Context, v verdict) {
	st := &s.job.Status
	interim, final := batchv1.JobFailureTarget, batchv1.JobFailed
	if v.success {
		interim, final = batchv1.JobSuccessCriteriaMet, batchv1.JobComplete
	}
	setCondition(st, interim, corev1.ConditionTrue, v.reason, v.message, s.now)
	active := s.activePods()
	s.deletePods(ctx, active)
	if !s.allSettled() {
		return
	}
	setCondition(st, final, corev1.ConditionTrue, v.reason, v.message, s.now)
	if v.success {
		st.CompletionTime = &s.now
		s.c.event(s.job, corev1.EventTypeNormal, "Completed", "Complete", "Job completed")
		return
	}
	s.c.event(s.job, corev1.EventTypeWarning, v.reason, "Fail", v.message)
}

// allSettled: no pod runs or terminates, and every outcome is counted.
func (s *syncState) allSettled() bool {
	u := s.job.Status.UncountedTerminatedPods
	if u != nil && len(u.Succeeded)+len(u.Failed) > 0 {
		return false
	}
	for _, p := range s.pods {
		if s.deleted.Has(p.UID) || isActive(p) {
			return false
		}
		if hasFinalizer(p) && !s.released.Has(p.UID) {
			return false
		}
		if isTerminating(p) && !isFailed(s.job, p) {
			return false
		}
	}
	return true
}

// handleSuspend stops a suspended job's pods; it reports whether the job
// is suspended.
func (s *syncState) handleSuspend(ctx context.Context) bool {
	st := &s.job.Status
	if s.job.Spec.Suspend != nil && *s.job.Spec.Suspend {
		s.deletePods(ctx, s.activePods())
		if setCondition(st, batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended", s.now) {
			s.c.event(s.job, corev1.EventTypeNormal, "Suspended", "Suspend", "Job suspended")
		}
		return true
	}
	if c := findCondition(st, batchv1.JobSuspended); c != nil && c.Status == corev1.ConditionTrue {
		setCondition(st, batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed", s.now)
		s.c.event(s.job, corev1.EventTypeNormal, "Resumed", "Resume", "Job resumed")
		// The active deadline counts from the resume, not the first start.
		st.StartTime = &s.now
	}
	return false
}

// activePods are the job's pods still running, minus those this sync
// deleted.
func (s *syncState) activePods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, p := range s.pods {
		if isActive(p) && !s.deleted.Has(p.UID) {
			out = append(out, p)
		}
	}
	return out
}

// writeStatus fills the pod counts and writes the status if it changed.
func (s *syncState) writeStatus(ctx context.Context) error {
	st := &s.job.Status
	active := s.activePods()
	ready, terminating := int32(0), int32(len(s.deleted))
	for _, p := range active {
		if isReady(p) {
			ready++
		}
	}
	for _, p := range s.pods {
		if isTerminating(p) {
			terminating++
		}
	}
	st.Active = int32(len(active) + s.created)
	st.Ready = &ready
	st.Terminating = &terminating
	if isIndexed(s.job) {
		st.Succeeded = int32(parseIndexes(st.CompletedIndexes, completionsOf(s.job)).Len())
	}
	return s.putStatus(ctx)
}

func (s *syncState) putStatus(ctx context.Context) error {
	cur, err := s.c.jobs.Jobs(s.job.Namespace).Get(s.job.Name)
	if err == nil && cur.ResourceVersion == s.job.ResourceVersion && apiequality.Semantic.DeepEqual(cur.Status, s.job.Status) {
		return nil
	}
	out, err := s.c.client.BatchV1().Jobs(s.job.Namespace).UpdateStatus(ctx, s.job, metav1.UpdateOptions{})
	if err != nil {
		return fmt.Errorf("updating status of job %s: %w", s.key, err)
	}
	s.job = out
	s.c.written.record(s.key, out.ResourceVersion)
	return nil
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}
