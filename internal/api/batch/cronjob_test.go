package batch

import (
	"reflect"
	"strings"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

func validCronJob() *batchv1.CronJob {
	c := &batchv1.CronJob{
		ObjectMeta: testMeta("backup"),
		Spec: batchv1.CronJobSpec{
			Schedule:    "*/10 * * * *",
			JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: testTemplate(nil)}},
		},
	}
	defaultCronJob(c)
	return c
}

func TestCronJobDefaults(t *testing.T) {
	c := validCronJob()
	s := c.Spec
	if s.ConcurrencyPolicy != batchv1.AllowConcurrent || *s.Suspend || *s.SuccessfulJobsHistoryLimit != 3 || *s.FailedJobsHistoryLimit != 1 {
		t.Errorf("defaults = %+v", s)
	}
	// Job-level defaults are applied per job, not in the template.
	if s.JobTemplate.Spec.BackoffLimit != nil || s.JobTemplate.Spec.Completions != nil {
		t.Errorf("job template got job defaults: %+v", s.JobTemplate.Spec)
	}
	if s.JobTemplate.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("pod template not defaulted: %+v", s.JobTemplate.Spec.Template.Spec)
	}
}

func TestCronJobValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*batchv1.CronJob)
		want   []wantErr
	}{
		{"valid", func(*batchv1.CronJob) {}, nil},
		{"macro and zone", func(c *batchv1.CronJob) {
			c.Spec.Schedule = "@hourly"
			c.Spec.TimeZone = ptr("Europe/Paris")
		}, nil},
		{"no schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "" }, []wantErr{{field.ErrorTypeRequired, "spec.schedule"}}},
		{"bad schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "every minute" }, []wantErr{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"TZ in schedule", func(c *batchv1.CronJob) { c.Spec.Schedule = "TZ=UTC * * * * *" }, []wantErr{{field.ErrorTypeInvalid, "spec.schedule"}}},
		{"unknown zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("Mars/Olympus") }, []wantErr{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"Local zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("Local") }, []wantErr{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"empty zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("") }, []wantErr{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"path zone", func(c *batchv1.CronJob) { c.Spec.TimeZone = ptr("../etc/passwd") }, []wantErr{{field.ErrorTypeInvalid, "spec.timeZone"}}},
		{"bad concurrency", func(c *batchv1.CronJob) { c.Spec.ConcurrencyPolicy = "Sometimes" },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.concurrencyPolicy"}}},
		{"negative deadline", func(c *batchv1.CronJob) { c.Spec.StartingDeadlineSeconds = ptr(int64(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.startingDeadlineSeconds"}}},
		{"negative history", func(c *batchv1.CronJob) { c.Spec.FailedJobsHistoryLimit = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.failedJobsHistoryLimit"}}},
		{"long name", func(c *batchv1.CronJob) { c.Name = strings.Repeat("a", 53) }, []wantErr{{field.ErrorTypeInvalid, "metadata.name"}}},
		{"selector given", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.jobTemplate.spec.selector"}}},
		{"manual selector", func(c *batchv1.CronJob) { c.Spec.JobTemplate.Spec.ManualSelector = ptr(true) },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.jobTemplate.spec.manualSelector"}}},
		{"restart always", func(c *batchv1.CronJob) {
			c.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		},
			[]wantErr{{field.ErrorTypeNotSupported, "spec.jobTemplate.spec.template.spec.restartPolicy"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cj := validCronJob()
			c.mutate(cj)
			checkErrors(t, validateCronJob(cj), c.want...)
		})
	}
}

func TestCronJobValidateUpdate(t *testing.T) {
	// Old objects with long names or TZ= schedules stay updatable.
	old := validCronJob()
	old.Name = strings.Repeat("a", 60)
	old.Spec.Schedule = "TZ=UTC 0 * * * *"
	c := old.DeepCopy()
	c.Spec.Suspend = ptr(true)
	checkErrors(t, validateCronJobUpdate(c, old))

	c.Spec.TimeZone = ptr("UTC")
	checkErrors(t, validateCronJobUpdate(c, old), wantErr{field.ErrorTypeInvalid, "spec.schedule"})

	fresh := validCronJob()
	moved := fresh.DeepCopy()
	moved.Spec.Schedule = "CRON_TZ=UTC 0 * * * *"
	checkErrors(t, validateCronJobUpdate(moved, fresh), wantErr{field.ErrorTypeInvalid, "spec.schedule"})
}

func TestCronJobRow(t *testing.T) {
	want := []string{"Name", "Schedule", "Timezone", "Suspend", "Active", "Last Schedule", "Age"}
	if got := columnNames(cronJobColumns); !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	empty := cronJobRow(&batchv1.CronJob{})
	checkRow(t, empty, cronJobColumns, "")
	if empty[2] != "<none>" || empty[3] != "<unset>" || empty[5] != "<none>" {
		t.Errorf("empty row = %#v", empty)
	}
	c := validCronJob()
	c.Spec.TimeZone = ptr("UTC")
	last := metav1.NewTime(time.Now().Add(-5 * time.Minute))
	c.Status = batchv1.CronJobStatus{Active: []corev1.ObjectReference{{Name: "backup-1"}}, LastScheduleTime: &last}
	row := cronJobRow(c)
	checkRow(t, row, cronJobColumns, "backup")
	if row[1] != "*/10 * * * *" || row[2] != "UTC" || row[3] != "False" || row[4] != int64(1) || row[5] != "5m" {
		t.Errorf("row = %#v", row)
	}
}
