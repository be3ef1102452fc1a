package e2e

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/test/e2e/cluster"
)

// TestCronJobSchedule drives a `*/1 * * * *` CronJob with the real kubectl
// against a server whose CronJob controller clock runs 60 times faster
// (the hidden --debug-cronjob-clock-speed flag), so a scheduled minute
// passes in about a second of real time and the test never waits minutes.
func TestCronJobSchedule(t *testing.T) {
	s := cluster.Start(t, cluster.WithArgs("--debug-cronjob-clock-speed", "60"))
	cs := s.Clientset(t)
	createNamespace(t, cs, "cron")
	s.Kubectl(t, "/usr/bin/kubectl", "-n", "cron", "create", "cronjob", "tick",
		"--image=busybox", "--schedule=*/1 * * * *", "--", "true").OK(t)
	s.Kubectl(t, "/usr/bin/kubectl", "-n", "cron", "patch", "cronjob", "tick", "--type=merge",
		"-p", `{"spec":{"successfulJobsHistoryLimit":10,"failedJobsHistoryLimit":10}}`).OK(t)

	waitFor(t, 60*time.Second, "the CronJob to create at least 2 Jobs", func() (bool, string) {
		jobs, err := cs.BatchV1().Jobs("cron").List(context.Background(), metav1.ListOptions{})
		if err != nil {
			return false, err.Error()
		}
		n := 0
		for _, j := range jobs.Items {
			if len(j.OwnerReferences) == 1 && j.OwnerReferences[0].Kind == "CronJob" && j.OwnerReferences[0].Name == "tick" &&
				strings.HasPrefix(j.Name, "tick-") && j.Annotations["batch.kubernetes.io/cronjob-scheduled-timestamp"] != "" {
				n++
			}
		}
		return n >= 2, fmt.Sprintf("%d jobs owned by the CronJob", n)
	})
	out := s.Kubectl(t, "/usr/bin/kubectl", "-n", "cron", "get", "cronjob", "tick").OK(t)
	for _, col := range []string{"NAME", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE", "LAST SCHEDULE", "AGE", "*/1 * * * *", "False"} {
		if !strings.Contains(out, col) {
			t.Errorf("kubectl get cronjob output lacks %q:\n%s", col, out)
		}
	}
	// Suspend is stored, and a Job can be made from the CronJob's template
	// by hand, as users do.
	s.Kubectl(t, "/usr/bin/kubectl", "-n", "cron", "patch", "cronjob", "tick", "--type=merge", "-p", `{"spec":{"suspend":true}}`).OK(t)
	cj, err := cs.BatchV1().CronJobs("cron").Get(context.Background(), "tick", metav1.GetOptions{})
	if err != nil || cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
		t.Fatalf("suspend not stored: %v", err)
	}
	out = s.Kubectl(t, "/usr/bin/kubectl", "-n", "cron", "create", "job", "manual", "--from=cronjob/tick").OK(t)
	if !strings.Contains(out, "job.batch/manual created") {
		t.Errorf("create job --from=cronjob: %s", out)
	}
}
