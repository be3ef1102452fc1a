package cronjob

import (
	"context"
	"fmt"
	"net"
	"sort"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/events"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"rudder/internal/server"
)

func TestMostRecentUnmet(t *testing.T) {
	sched, err := ParseSchedule("*/1 * * * *", time.UTC)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2024, 5, 1, 10, 0, 30, 0, time.UTC)
	cases := []struct {
		name     string
		last     *time.Time
		deadline *int64
		now      time.Time
		want     time.Time
		missed   int
	}{
		{"nothing due yet", nil, nil, created.Add(20 * time.Second), time.Time{}, 0},
		{"first minute", nil, nil, created.Add(40 * time.Second), time.Date(2024, 5, 1, 10, 1, 0, 0, time.UTC), 1},
		{"after last", ptr.To(time.Date(2024, 5, 1, 10, 1, 0, 0, time.UTC)), nil, time.Date(2024, 5, 1, 10, 1, 59, 0, time.UTC), time.Time{}, 0},
		{"three missed", ptr.To(time.Date(2024, 5, 1, 10, 1, 0, 0, time.UTC)), nil, time.Date(2024, 5, 1, 10, 4, 10, 0, time.UTC), time.Date(2024, 5, 1, 10, 4, 0, 0, time.UTC), 3},
		{"many missed", nil, nil, created.Add(200 * time.Minute), time.Date(2024, 5, 1, 13, 20, 0, 0, time.UTC), 200},
		{"deadline bounds the search", nil, ptr.To[int64](120), created.Add(200 * time.Minute), time.Date(2024, 5, 1, 13, 20, 0, 0, time.UTC), 2},
	}
	for _, c := range cases {
		cj := &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{CreationTimestamp: metav1.NewTime(created)}}
		cj.Spec.StartingDeadlineSeconds = c.deadline
		if c.last != nil {
			cj.Status.LastScheduleTime = &metav1.Time{Time: *c.last}
		}
		got, n := mostRecentUnmet(cj, sched, c.now)
		if !got.Equal(c.want) || n != c.missed {
			t.Errorf("%s: got %s/%d, want %s/%d", c.name, got, n, c.want, c.missed)
		}
	}
}

type env struct {
	client kubernetes.Interface
	clock  *clocktesting.FakeClock
	ctx    context.Context
}

func startEnv(t *testing.T) *env {
	t.Helper()
	opts := server.DefaultOptions()
	opts.DataDir = t.TempDir()
	opts.BindAddress = "127.0.0.1"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.SecurePort = l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts.DisableAgent, opts.DisableControllers = true, true
	startCtx, cancelStart := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelStart()
	s, err := server.Start(startCtx, opts)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	bc := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	_ = bc.StartRecordingToSinkWithContext(ctx)
	t.Cleanup(bc.Shutdown)
	clk := clocktesting.NewFakeClock(time.Now())
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, bc.NewRecorder(scheme.Scheme, "cronjob-controller"), Options{Clock: clk})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)
	return &env{client: client, clock: clk, ctx: ctx}
}

func (e *env) createCronJob(t *testing.T, name string, mutate func(*batchv1.CronJob)) {
	t.Helper()
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.CronJobSpec{Schedule: "*/1 * * * *", JobTemplate: batchv1.JobTemplateSpec{
			ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
			Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}}}},
	}
	if mutate != nil {
		mutate(cj)
	}
	if _, err := e.client.BatchV1().CronJobs("default").Create(e.ctx, cj, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// jobs lists the cronjob's jobs, oldest first.
func (e *env) jobs(t *testing.T, app string) []batchv1.Job {
	t.Helper()
	list, err := e.client.BatchV1().Jobs("default").List(e.ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	sort.Slice(list.Items, func(i, j int) bool { return list.Items[i].Name < list.Items[j].Name })
	return list.Items
}

func (e *env) waitJobs(t *testing.T, app string, n int) []batchv1.Job {
	t.Helper()
	var jobs []batchv1.Job
	e.eventually(t, fmt.Sprintf("%d jobs of %s", n, app), func() bool {
		jobs = e.jobs(t, app)
		return len(jobs) == n
	})
	return jobs
}

func (e *env) eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(e.ctx, 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func (e *env) cronJob(t *testing.T, name string) *batchv1.CronJob {
	t.Helper()
	cj, err := e.client.BatchV1().CronJobs("default").Get(e.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cj
}

func (e *env) hasEvent(t *testing.T, reason, name string) bool {
	list, err := e.client.EventsV1().Events("default").List(e.ctx, metav1.ListOptions{})
	if err != nil {
		return false
	}
	for _, ev := range list.Items {
		if ev.Reason == reason && ev.Regarding.Name == name {
			return true
		}
	}
	return false
}

// complete plays the job controller: the job finishes successfully.
func (e *env) complete(t *testing.T, job batchv1.Job) {
	t.Helper()
	now := metav1.NewTime(e.clock.Now())
	job.Status.StartTime, job.Status.CompletionTime, job.Status.Succeeded = &now, &now, 1
	job.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	if _, err := e.client.BatchV1().Jobs("default").UpdateStatus(e.ctx, &job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestEveryMinuteCreatesAJobPerTick(t *testing.T) {
	e := startEnv(t)
	e.createCronJob(t, "tick", nil)
	for i := 1; i <= 3; i++ {
		e.clock.Step(time.Minute)
		jobs := e.waitJobs(t, "tick", i)
		last := jobs[len(jobs)-1]
		cj := e.cronJob(t, "tick")
		want := jobName(cj, e.clock.Now().Truncate(time.Minute))
		if last.Name != want || last.Annotations[batchv1.CronJobScheduledTimestampAnnotation] == "" {
			t.Fatalf("tick %d: job %s annotations %v, want name %s", i, last.Name, last.Annotations, want)
		}
		if ref := metav1.GetControllerOf(&last); ref == nil || ref.UID != cj.UID {
			t.Fatalf("job %s not controlled by the cronjob", last.Name)
		}
		e.eventually(t, "status records the run", func() bool {
			cj = e.cronJob(t, "tick")
			return len(cj.Status.Active) == i && cj.Status.LastScheduleTime != nil &&
				cj.Status.LastScheduleTime.Time.Equal(e.clock.Now().Truncate(time.Minute))
		})
	}
	e.eventually(t, "SuccessfulCreate event", func() bool { return e.hasEvent(t, "SuccessfulCreate", "tick") })
}

func TestForbidSkipsWhileAJobRuns(t *testing.T) {
	e := startEnv(t)
	e.createCronJob(t, "solo", func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = batchv1.ForbidConcurrent })
	e.clock.Step(time.Minute)
	first := e.waitJobs(t, "solo", 1)[0]
	e.eventually(t, "first job active", func() bool { return len(e.cronJob(t, "solo").Status.Active) == 1 })
	e.clock.Step(time.Minute)
	e.eventually(t, "JobAlreadyActive event", func() bool { return e.hasEvent(t, "JobAlreadyActive", "solo") })
	if n := len(e.jobs(t, "solo")); n != 1 {
		t.Fatalf("%d jobs while the first runs, want 1", n)
	}
	// Once the running job ends, the skipped start (still due) happens.
	e.complete(t, first)
	jobs := e.waitJobs(t, "solo", 2)
	if jobs[1].Name != jobName(e.cronJob(t, "solo"), e.clock.Now().Truncate(time.Minute)) {
		t.Errorf("second job %s", jobs[1].Name)
	}
	e.eventually(t, "lastSuccessfulTime and SawCompletedJob", func() bool {
		cj := e.cronJob(t, "solo")
		return cj.Status.LastSuccessfulTime != nil && e.hasEvent(t, "SawCompletedJob", "solo")
	})
}

func TestHistoryLimitPrunesFinishedJobs(t *testing.T) {
	e := startEnv(t)
	e.createCronJob(t, "hist", func(cj *batchv1.CronJob) { cj.Spec.SuccessfulJobsHistoryLimit = ptr.To[int32](1) })
	var names []string
	for i := 0; i < 3; i++ {
		e.clock.Step(time.Minute)
		var job batchv1.Job
		e.eventually(t, "a new job", func() bool {
			for _, j := range e.jobs(t, "hist") {
				if done, _ := jobFinished(&j); !done {
					job = j
					return true
				}
			}
			return false
		})
		names = append(names, job.Name)
		e.complete(t, job)
	}
	e.eventually(t, "only the newest finished job kept", func() bool {
		jobs := e.jobs(t, "hist")
		return len(jobs) == 1 && jobs[0].Name == names[2]
	})
	e.eventually(t, "SuccessfulDelete event", func() bool { return e.hasEvent(t, "SuccessfulDelete", "hist") })
}
