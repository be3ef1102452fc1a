package e2e

import (
	"context"
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
	rec.replay(t, func(state map[string]*corev1.Pod, _ *podEvent) {
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
	createNamespace(t, e.cs, "cron")
	e.apply(t, "cron", cronJob("tick", "* * * * *"))
	return time.Now()
}

// testCronJob checks what can be checked without waiting minutes: columns,
// manual runs, suspend, and the first scheduled run of the CronJob created
// when the suite started. Rudder has no flag to speed the controller's
// clock, so schedules beyond the next minute are left to the controller's
// own tests with a fake clock.
func (e *workloadEnv) testCronJob(t *testing.T, tickCreated time.Time) {
	const ns = "cron"
	e.apply(t, ns, cronJob("manual", "@hourly"))
	e.checkCronColumns(t, ns, "manual", "@hourly", "False")

	e.k.ok(t, "create", "job", "-n", ns, "manual-run", "--from=cronjob/manual")
	e.long(t, "wait", "-n", ns, "--for=condition=complete", "job/manual-run", "--timeout=60s").OK(t)
	e.k.expectJSONPath(t, ns, "job/manual-run", "{.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}", "CronJob/manual")

	e.k.ok(t, "patch", "-n", ns, "cronjob/manual", "-p", `{"spec":{"suspend":true}}`)
	e.checkCronColumns(t, ns, "manual", "@hourly", "True")

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

// jobOwnedBy names a Job controlled by the CronJob, or "".
func (e *workloadEnv) jobOwnedBy(t *testing.T, ns, cronjob string) string {
	t.Helper()
	l, err := e.cs.BatchV1().Jobs(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing jobs: %v", err)
	}
	for _, j := range l.Items {
		if isOwnedBy(j, cronjob) {
			return j.Name
		}
	}
	return ""
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
