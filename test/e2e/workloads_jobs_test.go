package e2e

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testJobs: a Job runs its completions at most parallelism at a time; a
// failing Job stops after its backoff limit.
func (e *workloadEnv) testJobs(t *testing.T) {
	const ns = "jobs"
	e.namespace(t, ns)
	rec := recordPods(t, e.cs, ns, "app=count")
	// Both at once: the failing Job spends most of its time in backoff.
	e.apply(t, ns, exitingJob("count", 5, 2, 6, "0"), exitingJob("fail", 1, 1, 1, "1"))

	e.long(t, "wait", "-n", ns, "--for=condition=complete", "job/count", "--timeout=120s").OK(t)
	e.k.expectJSONPath(t, ns, "job/count", "{.status.succeeded}", "5")
	rec.Stop()
	most, succeeded := 0, map[string]bool{}
	var timeline []string // printed when the checks fail, to find the race
	rec.replay(t, func(state map[string]*corev1.Pod, ev *podEvent) {
		if ev != nil {
			timeline = append(timeline, fmt.Sprintf("%s %s rv=%s phase=%s finalizers=%d deleting=%v active=%d",
				ev.Type, ev.Pod.Name, ev.Pod.ResourceVersion, ev.Pod.Status.Phase, len(ev.Pod.Finalizers),
				ev.Pod.DeletionTimestamp != nil, countPods(state, active)))
		}
		most = max(most, countPods(state, active))
		for name, p := range state {
			if p.Status.Phase == corev1.PodSucceeded {
				succeeded[name] = true
			}
		}
	})
	if most > 2 {
		t.Errorf("up to %d pods of job count ran at once, parallelism is 2", most)
	}
	if len(succeeded) != 5 {
		t.Errorf("%d pods of job count succeeded, want 5", len(succeeded))
	}
	if t.Failed() {
		t.Logf("pod events of job count:\n%s", strings.Join(timeline, "\n"))
		t.Logf("events in %s:\n%s", ns, e.k.run(t, "get", "events", "-n", ns, "--sort-by=.lastTimestamp").Stdout)
	}

	e.long(t, "wait", "-n", ns, "--for=condition=failed", "job/fail", "--timeout=120s").OK(t)
	e.k.expectJSONPath(t, ns, "job/fail", `{.status.conditions[?(@.type=="Failed")].reason}`, "BackoffLimitExceeded")
	failed := 0
	for _, p := range e.pods(t, ns, "app=fail") {
		if p.Status.Phase == corev1.PodFailed {
			failed++
		}
	}
	if failed == 0 || failed > 2 {
		t.Errorf("job fail left %d failed pods, want 1 or 2 (backoffLimit 1)", failed)
	}
}

// startMinuteCronJob creates an every-minute CronJob whose first run the
// cronjob sub-test checks later in the suite.
func (e *workloadEnv) startMinuteCronJob(t *testing.T) time.Time {
	t.Helper()
	e.apply(t, "cron", cronJob("tick", "* * * * *"))
	return time.Now()
}

// testCronJob checks columns, manual runs and suspend, then schedules:
// with the server's fast CronJob clock, several runs of a five-minute
// schedule with history pruning and cascading deletion; with the real
// clock, only the first run of the CronJob created when the suite started.
func (e *workloadEnv) testCronJob(t *testing.T, tickCreated time.Time) {
	const ns = "cron"
	e.apply(t, ns, cronJob("manual", "@hourly"))
	e.checkCronColumns(t, ns, "manual", "@hourly", "False")

	e.k.ok(t, "create", "job", "-n", ns, "manual-run", "--from=cronjob/manual")
	e.long(t, "wait", "-n", ns, "--for=condition=complete", "job/manual-run", "--timeout=60s").OK(t)
	e.k.expectJSONPath(t, ns, "job/manual-run", "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}", "CronJob/manual")

	e.k.ok(t, "patch", "-n", ns, "cronjob/manual", "-p", `{"spec":{"suspend":true}}`)
	e.checkCronColumns(t, ns, "manual", "@hourly", "True")

	if e.fastCron {
		e.checkFastSchedule(t, ns)
		return
	}
	// The first run of an every-minute schedule is due at most a minute
	// after creation; allow the controller's resync on top.
	deadline := time.Until(tickCreated.Add(100 * time.Second))
	var job string
	waitFor(t, deadline, "a job of cronjob tick", func() (bool, string) {
		job = e.jobOwnedBy(t, ns, "tick")
		return job != "", "none yet"
	})
	e.long(t, "wait", "-n", ns, "--for=condition=complete", "job/"+job, "--timeout=60s").OK(t)
	if e.k.jsonpath(t, ns, "cronjob/tick", "{.status.lastScheduleTime}") == "" {
		t.Errorf("cronjob tick ran %s but has no status.lastScheduleTime", job)
	}
}

// checkFastSchedule runs a */5 schedule on the sped-up clock (a run every
// five real seconds): runs keep coming, finished ones beyond
// successfulJobsHistoryLimit are pruned, and deleting the CronJob deletes
// its Jobs.
func (e *workloadEnv) checkFastSchedule(t *testing.T, ns string) {
	cj := cronJob("fast", "*/5 * * * *")
	cj.Spec.SuccessfulJobsHistoryLimit = ptr(int32(1))
	e.apply(t, ns, cj)
	seen := map[string]bool{}
	waitFor(t, 90*time.Second, "three runs of cronjob fast, finished ones pruned to 1", func() (bool, string) {
		jobs := e.jobsOwnedBy(t, ns, "fast")
		finished := 0
		for _, j := range jobs {
			seen[j.Name] = true
			if jobFinished(j) {
				finished++
			}
		}
		return len(seen) >= 3 && finished <= 1, fmt.Sprintf("seen %d runs, %d finished kept", len(seen), finished)
	})
	if e.k.jsonpath(t, ns, "cronjob/fast", "{.status.lastScheduleTime}") == "" {
		t.Errorf("cronjob fast ran but has no status.lastScheduleTime")
	}
	e.k.ok(t, "delete", "-n", ns, "cronjob", "fast")
	waitFor(t, 30*time.Second, "jobs of deleted cronjob fast gone", func() (bool, string) {
		jobs := e.jobsOwnedBy(t, ns, "fast")
		return len(jobs) == 0, fmt.Sprintf("%d jobs left", len(jobs))
	})
}

func jobFinished(j batchv1.Job) bool {
	for _, c := range j.Status.Conditions {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

// checkCronColumns checks the SCHEDULE and SUSPEND columns of `kubectl get
// cronjob`.
func (e *workloadEnv) checkCronColumns(t *testing.T, ns, name, schedule, suspend string) {
	t.Helper()
	out := e.k.ok(t, "get", "cronjob", "-n", ns, name)
	ls := lines(out)
	if len(ls) < 2 {
		t.Fatalf("get cronjob printed:\n%s", out)
	}
	header := strings.Fields(ls[0])
	row := rowFor(out, 0, name)
	for col, want := range map[string]string{"SCHEDULE": schedule, "SUSPEND": suspend} {
		i := indexOf(header, col)
		switch {
		case i < 0:
			t.Errorf("get cronjob has no %s column:\n%s", col, out)
		case i >= len(row) || row[i] != want:
			t.Errorf("get cronjob %s = %v, want %s:\n%s", col, row, want, out)
		}
	}
}

func indexOf(fields []string, s string) int {
	for i, f := range fields {
		if f == s {
			return i
		}
	}
	return -1
}

// jobOwnedBy names a scheduled Job controlled by the CronJob, or "".
func (e *workloadEnv) jobOwnedBy(t *testing.T, ns, cronjob string) string {
	t.Helper()
	if jobs := e.jobsOwnedBy(t, ns, cronjob); len(jobs) > 0 {
		return jobs[0].Name
	}
	return ""
}

// jobsOwnedBy lists the scheduled Jobs controlled by the CronJob.
func (e *workloadEnv) jobsOwnedBy(t *testing.T, ns, cronjob string) []batchv1.Job {
	t.Helper()
	l, err := e.cs.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing jobs: %v", err)
	}
	var out []batchv1.Job
	for _, j := range l.Items {
		if isOwnedBy(j, cronjob) {
			out = append(out, j)
		}
	}
	return out
}

func isOwnedBy(j batchv1.Job, cronjob string) bool {
	for _, o := range j.OwnerReferences {
		if o.Kind == "CronJob" && o.Name == cronjob && o.Controller != nil && *o.Controller {
			// Manual runs are owned too; scheduled ones carry the time.
			_, err := strconv.ParseInt(strings.TrimPrefix(j.Name, cronjob+"-"), 10, 64)
			return err == nil
		}
	}
	return false
}
