package job

import (
	"context"
	"fmt"
	"strconv"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func newJob(name string, mutate func(*batchv1.Job)) *batchv1.Job {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "work", Image: "busybox"}},
		}}},
	}
	mutate(j)
	return j
}

func (e *env) create(t *testing.T, j *batchv1.Job) *batchv1.Job {
	t.Helper()
	out, err := e.client.BatchV1().Jobs("default").Create(e.ctx, j, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating job: %v", err)
	}
	return out
}

func (e *env) getJob(t *testing.T, name string) *batchv1.Job {
	t.Helper()
	j, err := e.client.BatchV1().Jobs("default").Get(e.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func (e *env) waitCondition(t *testing.T, name string, ct batchv1.JobConditionType) *batchv1.Job {
	t.Helper()
	var job *batchv1.Job
	eventually(t, fmt.Sprintf("job %s condition %s", name, ct), func(ctx context.Context) (bool, error) {
		job = e.getJob(t, name)
		return hasTrueCondition(&job.Status, ct), nil
	})
	return job
}

func TestJobRunsToCompletionWithinParallelism(t *testing.T) {
	e := startEnv(t, Options{PodBackoffBase: 10 * time.Millisecond})
	e.create(t, newJob("pi", func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](5), ptr.To[int32](2)
	}))
	for done := 0; done < 5; {
		var active []corev1.Pod
		eventually(t, "an active pod", func(ctx context.Context) (bool, error) {
			active = e.activePods(t, "pi")
			return len(active) > 0, nil
		})
		if len(active) > 2 {
			t.Fatalf("%d active pods, parallelism is 2", len(active))
		}
		pod := active[0]
		if !hasFinalizer(&pod) || metav1.GetControllerOf(&pod) == nil || pod.Labels["batch.kubernetes.io/job-name"] != "pi" {
			t.Fatalf("pod %s lacks finalizer, controller ref or labels: %+v", pod.Name, pod.ObjectMeta)
		}
		e.finishPod(t, &pod, corev1.PodSucceeded, 0)
		done++
	}
	job := e.waitCondition(t, "pi", batchv1.JobComplete)
	if job.Status.Succeeded != 5 || job.Status.Failed != 0 || job.Status.CompletionTime == nil || job.Status.StartTime == nil {
		t.Errorf("status = %+v", job.Status)
	}
	if !hasTrueCondition(&job.Status, batchv1.JobSuccessCriteriaMet) {
		t.Errorf("no SuccessCriteriaMet condition: %+v", job.Status.Conditions)
	}
	pods, _ := e.client.CoreV1().Pods("default").List(e.ctx, metav1.ListOptions{LabelSelector: "job-name=pi"})
	for _, p := range pods.Items {
		if hasFinalizer(&p) {
			t.Errorf("pod %s still has the tracking finalizer", p.Name)
		}
	}
	if len(pods.Items) != 5 {
		t.Errorf("%d pods created, want 5", len(pods.Items))
	}
	eventually(t, "SuccessfulCreate event", e.hasEvent("SuccessfulCreate", "pi"))
	eventually(t, "Completed event", e.hasEvent("Completed", "pi"))
}

func TestJobFailsAfterBackoffLimit(t *testing.T) {
	e := startEnv(t, Options{PodBackoffBase: 10 * time.Millisecond})
	e.create(t, newJob("flaky", func(j *batchv1.Job) { j.Spec.BackoffLimit = ptr.To[int32](1) }))
	var job *batchv1.Job
	eventually(t, "job failed", func(ctx context.Context) (bool, error) {
		job = e.getJob(t, "flaky")
		if hasTrueCondition(&job.Status, batchv1.JobFailed) {
			return true, nil
		}
		for _, p := range e.activePods(t, "flaky") {
			e.finishPod(t, &p, corev1.PodFailed, 1)
		}
		return false, nil
	})
	c := findCondition(&job.Status, batchv1.JobFailed)
	if c.Reason != reasonBackoffLimit || job.Status.Failed != 2 {
		t.Errorf("condition %+v, failed %d; want reason %s, failed 2", c, job.Status.Failed, reasonBackoffLimit)
	}
	pods, _ := e.client.CoreV1().Pods("default").List(e.ctx, metav1.ListOptions{LabelSelector: "job-name=flaky"})
	if len(pods.Items) > 2 {
		t.Errorf("%d pods created, want at most 2", len(pods.Items))
	}
	eventually(t, "BackoffLimitExceeded event", e.hasEvent(reasonBackoffLimit, "flaky"))
}

func TestIndexedJob(t *testing.T) {
	e := startEnv(t, Options{})
	e.create(t, newJob("idx", func(j *batchv1.Job) {
		j.Spec.Completions, j.Spec.Parallelism = ptr.To[int32](3), ptr.To[int32](3)
		j.Spec.CompletionMode = ptr.To(batchv1.IndexedCompletion)
	}))
	byIndex := map[string]corev1.Pod{}
	eventually(t, "three indexed pods", func(ctx context.Context) (bool, error) {
		byIndex = map[string]corev1.Pod{}
		for _, p := range e.activePods(t, "idx") {
			byIndex[p.Annotations[indexAnnotation]] = p
		}
		return len(byIndex) == 3, nil
	})
	for i := 0; i < 3; i++ {
		p, ok := byIndex[strconv.Itoa(i)]
		if !ok {
			t.Fatalf("no pod for index %d", i)
		}
		if p.Spec.Hostname != fmt.Sprintf("idx-%d", i) || p.Spec.Containers[0].Env[0].Name != indexEnv {
			t.Errorf("pod %s: hostname %q env %+v", p.Name, p.Spec.Hostname, p.Spec.Containers[0].Env)
		}
	}
	e.finishPod(t, ptr.To(byIndex["0"]), corev1.PodSucceeded, 0)
	e.finishPod(t, ptr.To(byIndex["2"]), corev1.PodSucceeded, 0)
	eventually(t, "completedIndexes 0,2", func(ctx context.Context) (bool, error) {
		return e.getJob(t, "idx").Status.CompletedIndexes == "0,2", nil
	})
	e.finishPod(t, ptr.To(byIndex["1"]), corev1.PodSucceeded, 0)
	job := e.waitCondition(t, "idx", batchv1.JobComplete)
	if job.Status.CompletedIndexes != "0-2" || job.Status.Succeeded != 3 {
		t.Errorf("status = %+v", job.Status)
	}
}

func TestJobActiveDeadline(t *testing.T) {
	e := startEnv(t, Options{})
	e.create(t, newJob("slow", func(j *batchv1.Job) {
		j.Spec.ActiveDeadlineSeconds = ptr.To[int64](1)
		j.Spec.Parallelism, j.Spec.Completions = ptr.To[int32](2), ptr.To[int32](2)
	}))
	job := e.waitCondition(t, "slow", batchv1.JobFailed)
	if c := findCondition(&job.Status, batchv1.JobFailed); c.Reason != reasonDeadline {
		t.Errorf("reason %s, want %s", c.Reason, reasonDeadline)
	}
	if n := len(e.activePods(t, "slow")); n != 0 || job.Status.Active != 0 {
		t.Errorf("%d pods still active (status.active %d)", n, job.Status.Active)
	}
}

func TestPodFailurePolicy(t *testing.T) {
	e := startEnv(t, Options{PodBackoffBase: 10 * time.Millisecond})
	e.create(t, newJob("pfp", func(j *batchv1.Job) {
		j.Spec.BackoffLimit = ptr.To[int32](3)
		j.Spec.PodFailurePolicy = &batchv1.PodFailurePolicy{Rules: []batchv1.PodFailurePolicyRule{
			{Action: batchv1.PodFailurePolicyActionIgnore, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{7}}},
			{Action: batchv1.PodFailurePolicyActionFailJob, OnExitCodes: &batchv1.PodFailurePolicyOnExitCodesRequirement{
				Operator: batchv1.PodFailurePolicyOnExitCodesOpIn, Values: []int32{42}}},
		}}
	}))
	first := e.waitActive(t, "pfp", "")
	e.finishPod(t, &first, corev1.PodFailed, 7) // ignored: replaced, not counted
	second := e.waitActive(t, "pfp", first.Name)
	if f := e.getJob(t, "pfp").Status.Failed; f != 0 {
		t.Errorf("ignored failure counted: failed=%d", f)
	}
	e.finishPod(t, &second, corev1.PodFailed, 42)
	job := e.waitCondition(t, "pfp", batchv1.JobFailed)
	if c := findCondition(&job.Status, batchv1.JobFailed); c.Reason != reasonPodFailurePolicy || job.Status.Failed != 1 {
		t.Errorf("condition %+v failed=%d", c, job.Status.Failed)
	}
}

// waitActive waits for an active pod other than the named one.
func (e *env) waitActive(t *testing.T, job, not string) corev1.Pod {
	t.Helper()
	var pod corev1.Pod
	eventually(t, "an active pod of "+job, func(ctx context.Context) (bool, error) {
		for _, p := range e.activePods(t, job) {
			if p.Name != not {
				pod = p
				return true, nil
			}
		}
		return false, nil
	})
	return pod
}

func TestSuspendedJobRunsNothing(t *testing.T) {
	e := startEnv(t, Options{})
	e.create(t, newJob("later", func(j *batchv1.Job) { j.Spec.Suspend = ptr.To(true) }))
	job := e.waitCondition(t, "later", batchv1.JobSuspended)
	if n := len(e.activePods(t, "later")); n != 0 || job.Status.StartTime != nil {
		t.Fatalf("suspended job has %d pods, startTime %v", n, job.Status.StartTime)
	}
	job.Spec.Suspend = ptr.To(false)
	if _, err := e.client.BatchV1().Jobs("default").Update(e.ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	pod := e.waitActive(t, "later", "")
	// The sync that creates the pod writes the job's status afterwards.
	eventually(t, "job later resumed, with a start time", func(ctx context.Context) (bool, error) {
		job = e.getJob(t, "later")
		c := findCondition(&job.Status, batchv1.JobSuspended)
		return c != nil && c.Status == corev1.ConditionFalse && job.Status.StartTime != nil, nil
	})
	e.finishPod(t, &pod, corev1.PodSucceeded, 0)
	e.waitCondition(t, "later", batchv1.JobComplete)
}
