package job

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/util/retry"

	"rudder/internal/testenv"
)

// env is a real API server with the job controller running against it.
type env struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startEnv(t *testing.T, opts Options) *env {
	t.Helper()
	te := testenv.Start(t, "job-controller")
	c := New(te.Client, te.Factory, te.Recorder, opts)
	te.StartFactory()
	go c.Run(te.Ctx, 2)
	return &env{client: te.Client, ctx: te.Ctx}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t *testing.T, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, cond)
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// finishPod plays the kubelet: the pod ends with the given phase and its
// container with the exit code.
func (e *env) finishPod(t *testing.T, pod *corev1.Pod, phase corev1.PodPhase, exitCode int32) {
	t.Helper()
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		p, err := e.client.CoreV1().Pods(pod.Namespace).Get(e.ctx, pod.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		p.Status.Phase = phase
		now := metav1.Now()
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{
			Name: p.Spec.Containers[0].Name, Image: p.Spec.Containers[0].Image,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: exitCode, FinishedAt: now}},
		}}
		_, err = e.client.CoreV1().Pods(p.Namespace).UpdateStatus(e.ctx, p, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("finishing pod %s: %v", pod.Name, err)
	}
}

// activePods lists the job's pods that are neither finished nor deleted.
func (e *env) activePods(t *testing.T, jobName string) []corev1.Pod {
	t.Helper()
	list, err := e.client.CoreV1().Pods("default").List(e.ctx, metav1.ListOptions{LabelSelector: "job-name=" + jobName})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range list.Items {
		if isActive(&p) {
			out = append(out, p)
		}
	}
	return out
}

func (e *env) hasEvent(reason, name string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		list, err := e.client.EventsV1().Events("default").List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, nil
		}
		for _, ev := range list.Items {
			if ev.Reason == reason && ev.Regarding.Name == name {
				return true, nil
			}
		}
		return false, nil
	}
}
