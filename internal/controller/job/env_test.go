package job

import (
	"context"
	"net"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/events"
	"k8s.io/client-go/util/retry"

	"rudder/internal/server"
)

// env is a real API server with the job controller running against it.
type env struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startEnv(t *testing.T, opts Options) *env {
	t.Helper()
	sopts := server.DefaultOptions()
	sopts.DataDir = t.TempDir()
	sopts.BindAddress = "127.0.0.1"
	sopts.SecurePort = freePort(t)
	sopts.DisableAgent = true
	sopts.DisableControllers = true
	startCtx, cancelStart := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelStart()
	s, err := server.Start(startCtx, sopts)
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
	factory := informers.NewSharedInformerFactory(client, 0)
	c := New(client, factory, bc.NewRecorder(scheme.Scheme, "job-controller"), opts)
	factory.Start(ctx.Done())
	go c.Run(ctx, 2)
	return &env{client: client, ctx: ctx}
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
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
