package ttlafterfinished

import (
	"context"
	"net"
	"testing"
	"time"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	clocktesting "k8s.io/utils/clock/testing"
	"k8s.io/utils/ptr"

	"rudder/internal/server"
)

func TestRemaining(t *testing.T) {
	done := metav1.Unix(1000, 0)
	finished := func(ttl *int32) *batchv1.Job {
		return &batchv1.Job{Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ttl}, Status: batchv1.JobStatus{
			CompletionTime: &done,
			Conditions:     []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: done}}}}
	}
	cases := []struct {
		name string
		job  *batchv1.Job
		now  int64
		want time.Duration
	}{
		{"no ttl", finished(nil), 5000, -1},
		{"not finished", &batchv1.Job{Spec: batchv1.JobSpec{TTLSecondsAfterFinished: ptr.To[int32](0)}}, 5000, -1},
		{"waiting", finished(ptr.To[int32](100)), 1040, 60 * time.Second},
		{"expired exactly", finished(ptr.To[int32](100)), 1100, 0},
		{"ttl zero", finished(ptr.To[int32](0)), 1000, 0},
	}
	for _, c := range cases {
		if got := remaining(c.job, time.Unix(c.now, 0)); got != c.want {
			t.Errorf("%s: remaining = %v, want %v", c.name, got, c.want)
		}
	}
}

func TestFinishedJobDeletedAfterTTL(t *testing.T) {
	client := startServer(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	clk := clocktesting.NewFakeClock(time.Now())
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, nil, Options{Clock: clk})
	factory.Start(ctx.Done())
	go c.Run(ctx, 1)

	finish(t, client, "done", 60, clk.Now())
	clk.Step(30 * time.Second)
	// The queue is FIFO and has one worker: once a later job with TTL 0 is
	// gone, "done" has been looked at with the clock 30s past its finish.
	finish(t, client, "barrier", 0, clk.Now())
	waitGone(t, client, "barrier")
	if _, err := client.BatchV1().Jobs("default").Get(ctx, "done", metav1.GetOptions{}); err != nil {
		t.Fatalf("job deleted before its TTL: %v", err)
	}
	clk.Step(31 * time.Second)
	waitGone(t, client, "done")
}

// finish creates a job and marks it Complete at the given time.
func finish(t *testing.T, client kubernetes.Interface, name string, ttl int32, at time.Time) {
	t.Helper()
	ctx := context.Background()
	job := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: batchv1.JobSpec{TTLSecondsAfterFinished: &ttl, Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}},
	}
	job, err := client.BatchV1().Jobs("default").Create(ctx, job, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	now := metav1.NewTime(at)
	job.Status.StartTime, job.Status.CompletionTime = &now, &now
	job.Status.Conditions = []batchv1.JobCondition{
		{Type: batchv1.JobSuccessCriteriaMet, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: batchv1.JobComplete, Status: corev1.ConditionTrue, LastTransitionTime: now}}
	job.Status.Succeeded = 1
	if _, err := client.BatchV1().Jobs("default").UpdateStatus(ctx, job, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func waitGone(t *testing.T, client kubernetes.Interface, name string) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(ctx context.Context) (bool, error) {
		_, err := client.BatchV1().Jobs("default").Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
	if err != nil {
		t.Fatalf("job %s not deleted: %v", name, err)
	}
}

func startServer(t *testing.T) kubernetes.Interface {
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
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	s, err := server.Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}
