package cronjob

import (
	"context"
	"fmt"
	"sort"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// jobName is <cronjob>-<scheduled time in minutes since the epoch>: the
// same time always gives the same name, so a job is never started twice
// for one schedule.
func jobName(cj *batchv1.CronJob, t time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, t.Unix()/60)
}

// newJob builds the Job for scheduled time t from the template.
func newJob(cj *batchv1.CronJob, t time.Time) *batchv1.Job {
	tmpl := cj.Spec.JobTemplate
	annotations := map[string]string{}
	for k, v := range tmpl.Annotations {
		annotations[k] = v
	}
	loc, err := time.LoadLocation(ptrString(cj.Spec.TimeZone))
	if err != nil {
		loc = time.UTC
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = t.In(loc).Format(time.RFC3339)
	lbls := map[string]string{}
	for k, v := range tmpl.Labels {
		lbls[k] = v
	}
	return &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            jobName(cj, t),
			Namespace:       cj.Namespace,
			Labels:          lbls,
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(cj, batchv1.SchemeGroupVersion.WithKind("CronJob"))},
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
}

func refTo(job *batchv1.Job) corev1.ObjectReference {
	return corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: job.Namespace, Name: job.Name,
		UID: job.UID, ResourceVersion: job.ResourceVersion}
}

// jobFinished reports Complete or Failed.
func jobFinished(job *batchv1.Job) (bool, batchv1.JobConditionType) {
	for _, c := range job.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true, c.Type
		}
	}
	return false, ""
}

func inActive(cj *batchv1.CronJob, match func(corev1.ObjectReference) bool) bool {
	for _, r := range cj.Status.Active {
		if match(r) {
			return true
		}
	}
	return false
}

func removeActive(cj *batchv1.CronJob, uid types.UID) {
	var keep []corev1.ObjectReference
	for _, r := range cj.Status.Active {
		if r.UID != uid {
			keep = append(keep, r)
		}
	}
	cj.Status.Active = keep
}

// reconcileActive brings status.active in line with the jobs: finished
// ones leave (SawCompletedJob), vanished ones leave (MissingJob, after a
// live check).
func (c *Controller) reconcileActive(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	seen := map[types.UID]bool{}
	for _, j := range jobs {
		seen[j.UID] = true
		listed := inActive(cj, func(r corev1.ObjectReference) bool { return r.UID == j.UID })
		finished, how := jobFinished(j)
		if finished && listed {
			removeActive(cj, j.UID)
			c.event(cj, corev1.EventTypeNormal, "SawCompletedJob", "Observe", "Saw completed job: %s, condition: %v", j.Name, how)
		}
		// An unfinished job missing from the list is not adopted, as in
		// Kubernetes: the list may simply be older than the jobs.
		if how == batchv1.JobComplete && j.Status.CompletionTime != nil {
			if last := cj.Status.LastSuccessfulTime; last == nil || last.Before(j.Status.CompletionTime) {
				cj.Status.LastSuccessfulTime = j.Status.CompletionTime.DeepCopy()
			}
		}
	}
	for _, r := range cj.Status.Active {
		if seen[r.UID] {
			continue
		}
		live, err := c.client.BatchV1().Jobs(cj.Namespace).Get(ctx, r.Name, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err) || (err == nil && live.UID != r.UID):
			removeActive(cj, r.UID)
			c.event(cj, corev1.EventTypeNormal, "MissingJob", "Observe", "Active job went missing: %v", r.Name)
		case err != nil:
			return fmt.Errorf("checking active job %s: %w", r.Name, err)
		}
	}
	return nil
}

// cleanupHistory deletes the oldest finished jobs beyond the successful
// and failed history limits.
func (c *Controller) cleanupHistory(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job) error {
	var ok, failed []*batchv1.Job
	for _, j := range jobs {
		if j.DeletionTimestamp != nil {
			continue
		}
		switch _, how := jobFinished(j); how {
		case batchv1.JobComplete:
			ok = append(ok, j)
		case batchv1.JobFailed:
			failed = append(failed, j)
		}
	}
	if err := c.prune(ctx, cj, ok, cj.Spec.SuccessfulJobsHistoryLimit); err != nil {
		return err
	}
	return c.prune(ctx, cj, failed, cj.Spec.FailedJobsHistoryLimit)
}

func (c *Controller) prune(ctx context.Context, cj *batchv1.CronJob, jobs []*batchv1.Job, limit *int32) error {
	if limit == nil || len(jobs) <= int(*limit) {
		return nil
	}
	sort.Slice(jobs, func(i, k int) bool { return startOf(jobs[i]).Before(startOf(jobs[k])) })
	for _, j := range jobs[:len(jobs)-int(*limit)] {
		if err := c.deleteJob(ctx, cj, j.Name, j.UID); err != nil {
			return err
		}
	}
	return nil
}

func startOf(j *batchv1.Job) time.Time {
	if j.Status.StartTime != nil {
		return j.Status.StartTime.Time
	}
	return j.CreationTimestamp.Time
}

// deleteJob deletes a job and its pods (Background) and forgets it.
func (c *Controller) deleteJob(ctx context.Context, cj *batchv1.CronJob, name string, uid types.UID) error {
	bg := metav1.DeletePropagationBackground
	opts := metav1.DeleteOptions{PropagationPolicy: &bg}
	if uid != "" {
		opts.Preconditions = &metav1.Preconditions{UID: &uid}
	}
	err := c.client.BatchV1().Jobs(cj.Namespace).Delete(ctx, name, opts)
	if err != nil && !apierrors.IsNotFound(err) {
		c.event(cj, corev1.EventTypeWarning, "FailedDelete", "Delete", "Deleted job: %v", err)
		return fmt.Errorf("deleting job %s: %w", name, err)
	}
	removeActive(cj, uid)
	if err == nil {
		c.event(cj, corev1.EventTypeNormal, "SuccessfulDelete", "Delete", "Deleted job %v", name)
	}
	return nil
}
