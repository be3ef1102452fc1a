package cronjob

import (
	"context"
	"fmt"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/client-go/tools/cache"
)

// tooManyMissed is where Kubernetes starts warning about missed starts.
const tooManyMissed = 100

// sync reconciles one CronJob; the duration is when to look again.
func (c *Controller) sync(ctx context.Context, key string) (time.Duration, error) {
	ns, name, err := cache.SplitMetaNamespaceKey(key)
	if err != nil {
		return 0, nil
	}
	cached, err := c.cronJobs.CronJobs(ns).Get(name)
	if apierrors.IsNotFound(err) {
		return 0, nil
	}
	if err != nil {
		return 0, fmt.Errorf("reading cronjob %s: %w", key, err)
	}
	cj := cached.DeepCopy()
	jobs, err := c.ownedJobs(cj)
	if err != nil {
		return 0, err
	}
	if err := c.reconcileActive(ctx, cj, jobs); err != nil {
		return 0, err
	}
	next, err := c.schedule(ctx, cj, jobs)
	if err != nil {
		return 0, err
	}
	if !apiequality.Semantic.DeepEqual(cached.Status, cj.Status) {
		if _, err := c.client.BatchV1().CronJobs(ns).UpdateStatus(ctx, cj, metav1.UpdateOptions{}); err != nil {
			return 0, fmt.Errorf("updating status of cronjob %s: %w", key, err)
		}
	}
	return next, nil
}

// schedule prunes history and starts the job that is due, if any.
func (c *Controller) schedule(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) (time.Duration, error) {
	if cj.DeletionTimestamp != nil {
		return 0, nil
	}
	if err := c.cleanupHistory(ctx, cj, jobs); err != nil {
		return 0, err
	}
	if cj.Spec.Suspend != nil && *cj.Spec.Suspend {
		return 0, nil
	}
	loc, err := time.LoadLocation(ptrString(cj.Spec.TimeZone))
	if err != nil {
		c.event(cj, corev1.EventTypeWarning, "UnknownTimeZone", "Schedule", "invalid timeZone: %q: %s", ptrString(cj.Spec.TimeZone), err)
		return 0, nil
	}
	if cj.Spec.TimeZone == nil {
		loc = time.Local
	}
	sched, err := ParseSchedule(cj.Spec.Schedule, loc)
	if err != nil {
		c.event(cj, corev1.EventTypeWarning, "UnparseableSchedule", "Schedule", "unparseable schedule: %q : %s", cj.Spec.Schedule, err)
		return 0, nil
	}
	now := c.clock.Now()
	wake := untilNext(sched, now)
	due, missed := mostRecentUnmet(cj, sched, now)
	if due.IsZero() {
		return wake, nil
	}
	if missed > tooManyMissed {
		c.event(cj, corev1.EventTypeWarning, "TooManyMissedTimes", "Schedule",
			"too many missed start times: %d. Set or decrease .spec.startingDeadlineSeconds or check clock skew", missed)
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil && due.Add(time.Duration(*d)*time.Second).Before(now) {
		c.event(cj, corev1.EventTypeWarning, "MissSchedule", "Schedule", "Missed scheduled time to start a job: %s", due.UTC().Format(time.RFC1123Z))
		return wake, nil
	}
	return wake, c.startJob(ctx, cj, due, jobs)
}

// startJob applies the concurrency policy and creates the job due at t.
func (c *Controller) startJob(ctx context.Context, cj *batchv1.CronJob, t time.Time, jobs []*batchv1.Job) error {
	name := jobName(cj, t)
	if inActive(cj, func(r corev1.ObjectReference) bool { return r.Name == name }) {
		return nil
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		// status.active may come from a cached CronJob older than this
		// controller's own last status write; an unfinished owned Job in
		// the job cache counts as running too, so Forbid never doubles.
		if len(cj.Status.Active) > 0 || anyUnfinished(jobs) {
			// lastScheduleTime stays: the start happens when the running
			// job ends, if still within the starting deadline.
			c.event(cj, corev1.EventTypeNormal, "JobAlreadyActive", "Schedule",
				"Not starting job because prior execution is running and concurrency policy is Forbid")
			return nil
		}
	case batchv1.ReplaceConcurrent:
		for _, ref := range cj.Status.Active {
			if err := c.deleteJob(ctx, cj, ref.Name, ref.UID); err != nil {
				return err
			}
		}
	}
	job, err := c.client.BatchV1().Jobs(cj.Namespace).Create(ctx, newJob(cj, t), metav1.CreateOptions{})
	switch {
	case apierrors.IsAlreadyExists(err):
		// Created by an earlier sync whose status write was lost.
		existing, gerr := c.jobs.Jobs(cj.Namespace).Get(name)
		if gerr != nil || !ownedBy(existing, cj) {
			return fmt.Errorf("job %s exists but is not this cronjob's: %w", name, err)
		}
		job = existing
	case err != nil:
		c.event(cj, corev1.EventTypeWarning, "FailedCreate", "Create", "Error creating job: %v", err)
		return fmt.Errorf("creating job %s: %w", name, err)
	default:
		c.event(cj, corev1.EventTypeNormal, "SuccessfulCreate", "Create", "Created job %s", job.Name)
	}
	if finished, _ := jobFinished(job); !finished {
		cj.Status.Active = append(cj.Status.Active, refTo(job))
	}
	st := metav1.NewTime(t)
	cj.Status.LastScheduleTime = &st
	return nil
}

// mostRecentUnmet is the latest scheduled time after the last one served
// (or the CronJob's creation), not earlier than the starting deadline
// allows, and how many were missed.
func mostRecentUnmet(cj *batchv1.CronJob, sched Schedule, now time.Time) (time.Time, int) {
	earliest := cj.CreationTimestamp.Time
	if cj.Status.LastScheduleTime != nil {
		earliest = cj.Status.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if limit := now.Add(-time.Duration(*d) * time.Second); limit.After(earliest) {
			earliest = limit
		}
	}
	var last time.Time
	n := 0
	for t := sched.Next(earliest); !t.IsZero() && !t.After(now); t = sched.Next(t) {
		last = t
		n++
	}
	return last, n
}

// untilNext is how long to sleep until the next activation (a little
// after, so the clock has surely passed it).
func untilNext(sched Schedule, now time.Time) time.Duration {
	next := sched.Next(now)
	if next.IsZero() {
		return 0
	}
	return next.Sub(now) + 100*time.Millisecond
}

func (c *Controller) ownedJobs(cj *batchv1.CronJob) ([]*batchv1.Job, error) {
	all, err := c.jobs.Jobs(cj.Namespace).List(labels.Everything())
	if err != nil {
		return nil, fmt.Errorf("listing jobs of cronjob %s/%s: %w", cj.Namespace, cj.Name, err)
	}
	var out []*batchv1.Job
	for _, j := range all {
		if ownedBy(j, cj) {
			out = append(out, j)
		}
	}
	return out, nil
}

func ownedBy(job *batchv1.Job, cj *batchv1.CronJob) bool {
	ref := metav1.GetControllerOf(job)
	return ref != nil && ref.UID == cj.UID
}

func ptrString(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// anyUnfinished says whether one of the jobs is still running.
func anyUnfinished(jobs []*batchv1.Job) bool {
	for _, j := range jobs {
		if finished, _ := jobFinished(j); !finished && j.DeletionTimestamp == nil {
			return true
		}
	}
	return false
}
