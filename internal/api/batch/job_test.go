package batch

import (
	"reflect"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// createdJob runs a job through what the server does on create:
// Default, then PrepareForCreate (the uid is already set by testMeta).
func createdJob() *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: testMeta("pi"),
		Spec:       batchv1.JobSpec{Template: testTemplate(nil)},
	}
	defaultJob(j)
	prepareJobForCreate(j)
	return j
}

func TestJobDefaults(t *testing.T) {
	cases := []struct {
		name                     string
		completions, parallelism *int32
		wantC, wantP             *int32
	}{
		{"neither", nil, nil, ptr(int32(1)), ptr(int32(1))},
		{"completions only", ptr(int32(5)), nil, ptr(int32(5)), ptr(int32(1))},
		{"parallelism only (work queue)", nil, ptr(int32(3)), nil, ptr(int32(3))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := &batchv1.Job{Spec: batchv1.JobSpec{Completions: c.completions, Parallelism: c.parallelism}}
			defaultJob(j)
			if !reflect.DeepEqual(j.Spec.Completions, c.wantC) || !reflect.DeepEqual(j.Spec.Parallelism, c.wantP) {
				t.Errorf("completions %v parallelism %v", j.Spec.Completions, j.Spec.Parallelism)
			}
			s := j.Spec
			if *s.BackoffLimit != 6 || *s.CompletionMode != batchv1.NonIndexedCompletion || *s.Suspend ||
				*s.ManualSelector || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed {
				t.Errorf("defaults = %+v", s)
			}
		})
	}

	// With a pod failure policy, pods are replaced only once failed, and
	// condition patterns default to status True.
	j := &batchv1.Job{Spec: batchv1.JobSpec{PodFailurePolicy: &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{
		Action: batchv1.PodFailurePolicyActionIgnore, OnPodConditions: []batchv1.PodFailurePolicyOnPodConditionsPattern{{Type: "DisruptionTarget"}},
	}}}}}
	defaultJob(j)
	if *j.Spec.PodReplacementPolicy != batchv1.Failed || j.Spec.PodFailurePolicy.Rules[0].OnPodConditions[0].Status != corev1.ConditionTrue {
		t.Errorf("failure policy defaults = %+v", j.Spec)
	}

	// Per-index backoff makes the global limit unbounded.
	j = &batchv1.Job{Spec: batchv1.JobSpec{BackoffLimitPerIndex: ptr(int32(1))}}
	defaultJob(j)
	if *j.Spec.BackoffLimit != 2147483647 {
		t.Errorf("backoffLimit = %d", *j.Spec.BackoffLimit)
	}
}

func TestJobPrepareForCreate(t *testing.T) {
	j := createdJob()
	wantLabels := map[string]string{
		"batch.kubernetes.io/controller-uid": "uid-1", "controller-uid": "uid-1",
		"batch.kubernetes.io/job-name": "pi", "job-name": "pi",
	}
	if !reflect.DeepEqual(j.Spec.Template.Labels, wantLabels) {
		t.Errorf("template labels = %v", j.Spec.Template.Labels)
	}
	if !reflect.DeepEqual(j.Labels, wantLabels) {
		t.Errorf("job labels = %v", j.Labels)
	}
	wantSel := &metav1.LabelSelector{MatchLabels: map[string]string{"batch.kubernetes.io/controller-uid": "uid-1"}}
	if !reflect.DeepEqual(j.Spec.Selector, wantSel) {
		t.Errorf("selector = %v", j.Spec.Selector)
	}
	checkErrors(t, validateJob(j))

	// A manual selector is left alone.
	m := &batchv1.Job{ObjectMeta: testMeta("m"), Spec: batchv1.JobSpec{
		ManualSelector: ptr(true),
		Selector:       &metav1.LabelSelector{MatchLabels: map[string]string{"a": "b"}},
		Template:       testTemplate(map[string]string{"a": "b"}),
	}}
	defaultJob(m)
	prepareJobForCreate(m)
	if len(m.Spec.Template.Labels) != 1 || len(m.Spec.Selector.MatchLabels) != 1 {
		t.Errorf("manual selector job changed: %+v", m.Spec)
	}
	checkErrors(t, validateJob(m))
}

func TestJobValidate(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*batchv1.Job)
		want   []wantErr
	}{
		{"valid", func(*batchv1.Job) {}, nil},
		{"on failure", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure }, nil},
		{"restart always", func(j *batchv1.Job) { j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.template.spec.restartPolicy"}}},
		{"negative parallelism", func(j *batchv1.Job) { j.Spec.Parallelism = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.parallelism"}}},
		{"negative backoff", func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.backoffLimit"}}},
		{"negative ttl", func(j *batchv1.Job) { j.Spec.TTLSecondsAfterFinished = ptr(int32(-1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.ttlSecondsAfterFinished"}}},
		{"bad mode", func(j *batchv1.Job) { j.Spec.CompletionMode = ptr(batchv1.CompletionMode("Sorted")) },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.completionMode"}}},
		{"indexed without completions", func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
			j.Spec.Completions = nil
		}, []wantErr{{field.ErrorTypeRequired, "spec.completions"}}},
		{"per index needs indexed", func(j *batchv1.Job) { j.Spec.BackoffLimitPerIndex = ptr(int32(1)) },
			[]wantErr{{field.ErrorTypeInvalid, "spec.backoffLimitPerIndex"}}},
		{"bad replacement policy", func(j *batchv1.Job) { j.Spec.PodReplacementPolicy = ptr(batchv1.PodReplacementPolicy("Never")) },
			[]wantErr{{field.ErrorTypeNotSupported, "spec.podReplacementPolicy"}}},
		{"failure policy rule without matcher", func(j *batchv1.Job) {
			j.Spec.PodReplacementPolicy = ptr(batchv1.Failed)
			j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{{Action: batchv1.PodFailurePolicyActionFailJob}}}
		}, []wantErr{{field.ErrorTypeInvalid, "spec.podFailurePolicy.rules[0]"}}},
		{"no selector", func(j *batchv1.Job) { j.Spec.Selector = nil },
			[]wantErr{{field.ErrorTypeRequired, "spec.selector"}}},
		{"selector not generated", func(j *batchv1.Job) {
			j.Spec.Selector.MatchLabels["batch.kubernetes.io/controller-uid"] = "other"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.selector"}}},
		{"template label wrong uid", func(j *batchv1.Job) {
			j.Spec.Template.Labels["batch.kubernetes.io/controller-uid"] = "other"
		}, []wantErr{{field.ErrorTypeInvalid, "spec.template.metadata.labels[batch.kubernetes.io/controller-uid]"}}},
		{"template label missing", func(j *batchv1.Job) { delete(j.Spec.Template.Labels, "batch.kubernetes.io/job-name") },
			[]wantErr{{field.ErrorTypeRequired, "spec.template.metadata.labels[batch.kubernetes.io/job-name]"}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := createdJob()
			c.mutate(j)
			checkErrors(t, validateJob(j), c.want...)
		})
	}
}

func TestJobValidateUpdate(t *testing.T) {
	old := createdJob()
	j := createdJob()
	j.Spec.Parallelism = ptr(int32(4))
	j.Spec.Suspend = ptr(true)
	j.Status.Succeeded = 1
	checkErrors(t, validateJobUpdate(j, old))

	cases := []struct {
		name   string
		mutate func(*batchv1.Job)
		want   wantErr
	}{
		{"image", func(j *batchv1.Job) { j.Spec.Template.Spec.Containers[0].Image = "other" }, wantErr{field.ErrorTypeInvalid, "spec.template"}},
		{"node selector", func(j *batchv1.Job) { j.Spec.Template.Spec.NodeSelector = map[string]string{"a": "b"} }, wantErr{field.ErrorTypeInvalid, "spec.template"}},
		{"selector", func(j *batchv1.Job) { j.Spec.Selector.MatchLabels["x"] = "y" }, wantErr{field.ErrorTypeInvalid, "spec.selector"}},
		{"completions", func(j *batchv1.Job) { j.Spec.Completions = ptr(int32(3)) }, wantErr{field.ErrorTypeInvalid, "spec.completions"}},
		{"mode", func(j *batchv1.Job) {
			j.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
		}, wantErr{field.ErrorTypeInvalid, "spec.completionMode"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			j := createdJob()
			c.mutate(j)
			checkErrors(t, validateJobUpdate(j, old), c.want)
		})
	}
}

func TestJobSuspendedSchedulingDirectives(t *testing.T) {
	old := createdJob()
	old.Spec.Suspend = ptr(true)
	j := old.DeepCopy()
	j.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	j.Spec.Template.Spec.Tolerations = []corev1.Toleration{{Key: "k", Operator: corev1.TolerationOpExists}}
	j.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{}}
	j.Spec.Template.Annotations = map[string]string{"queue": "q1"}
	checkErrors(t, validateJobUpdate(j, old))

	j.Spec.Template.Spec.Containers[0].Image = "other"
	checkErrors(t, validateJobUpdate(j, old), wantErr{field.ErrorTypeInvalid, "spec.template"})

	// Once started, the job's template is frozen.
	started := old.DeepCopy()
	started.Status.StartTime = &metav1.Time{Time: time.Now()}
	k := started.DeepCopy()
	k.Spec.Template.Spec.NodeSelector = map[string]string{"zone": "a"}
	checkErrors(t, validateJobUpdate(k, started), wantErr{field.ErrorTypeInvalid, "spec.template"})
}

func TestElasticIndexedJob(t *testing.T) {
	old := createdJob()
	old.Spec.CompletionMode = ptr(batchv1.IndexedCompletion)
	old.Spec.Completions, old.Spec.Parallelism = ptr(int32(3)), ptr(int32(3))
	j := old.DeepCopy()
	j.Spec.Completions, j.Spec.Parallelism = ptr(int32(5)), ptr(int32(5))
	checkErrors(t, validateJobUpdate(j, old))
	j.Spec.Parallelism = ptr(int32(4))
	checkErrors(t, validateJobUpdate(j, old), wantErr{field.ErrorTypeInvalid, "spec.completions"})
}

func TestJobRow(t *testing.T) {
	if got, want := columnNames(jobColumns), []string{"Name", "Status", "Completions", "Duration", "Age"}; !reflect.DeepEqual(got, want) {
		t.Errorf("columns = %v, want %v", got, want)
	}
	checkRow(t, jobRow(&batchv1.Job{}), jobColumns, "")

	start := metav1.NewTime(time.Now().Add(-time.Hour))
	done := metav1.NewTime(start.Add(90 * time.Second))
	complete := createdJob()
	complete.Status = batchv1.JobStatus{Succeeded: 1, StartTime: &start, CompletionTime: &done,
		Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}
	row := jobRow(complete)
	checkRow(t, row, jobColumns, "pi")
	if row[1] != "Complete" || row[2] != "1/1" || row[3] != "90s" || row[7] != "batch.kubernetes.io/controller-uid=uid-1" {
		t.Errorf("row = %#v", row)
	}

	cases := []struct {
		name string
		job  batchv1.Job
		want [2]string // status, completions
	}{
		{"running", batchv1.Job{Spec: batchv1.JobSpec{Completions: ptr(int32(3))}, Status: batchv1.JobStatus{Succeeded: 1}}, [2]string{"Running", "1/3"}},
		{"work queue", batchv1.Job{Spec: batchv1.JobSpec{Parallelism: ptr(int32(4))}}, [2]string{"Running", "0/1 of 4"}},
		{"suspended", batchv1.Job{Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobSuspended, Status: corev1.ConditionTrue}}}}, [2]string{"Suspended", "0/1"}},
		{"failed", batchv1.Job{Status: batchv1.JobStatus{Conditions: []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}}}, [2]string{"Failed", "0/1"}},
		{"terminating", batchv1.Job{ObjectMeta: metav1.ObjectMeta{DeletionTimestamp: &start}}, [2]string{"Terminating", "0/1"}},
	}
	for _, c := range cases {
		row := jobRow(&c.job)
		if row[1] != c.want[0] || row[2] != c.want[1] {
			t.Errorf("%s: status %v completions %v, want %v", c.name, row[1], row[2], c.want)
		}
	}

	if got := jobKind().Fields(complete); !reflect.DeepEqual(got, fields.Set{"status.successful": "1"}) {
		t.Errorf("fields = %v", got)
	}
}
