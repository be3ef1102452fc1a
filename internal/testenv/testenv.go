// Package testenv starts a real in-process API server for the integration
// tests of controllers and other components, and offers the small helpers those
// tests share (making pods "run" without a kubelet, waiting for a
// condition). It is imported by _test.go files only.
package testenv

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

// Env is a running API server with a client, a shared informer factory and
// an event recorder, as a controller manager would hand them out.
type Env struct {
	Server   *server.Server
	Client   kubernetes.Interface
	Factory  informers.SharedInformerFactory
	Recorder events.EventRecorder
	Ctx      context.Context
	events   events.EventBroadcaster
}

// RecorderFor records events as another component of the same test.
func (e *Env) RecorderFor(component string) events.EventRecorder {
	return e.events.NewRecorder(scheme.Scheme, component)
}

// Start runs an API server without its own controllers or agent; the
// server and every goroutine stop when the test or benchmark ends.
func Start(t testing.TB, component string) *Env {
	t.Helper()
	opts := server.DefaultOptions()
	opts.DataDir = t.TempDir()
	opts.BindAddress = "127.0.0.1"
	opts.SecurePort = freePort(t)
	opts.DisableAgent = true
	opts.DisableControllers = true
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	startCtx, startCancel := context.WithTimeout(ctx, 60*time.Second)
	defer startCancel()
	s, err := server.Start(startCtx, opts)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 5000, 10000 // benchmarks drive thousands of writes
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	b := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	b.StartRecordingToSink(ctx.Done())
	t.Cleanup(b.Shutdown)
	return &Env{
		Server:   s,
		Client:   client,
		Factory:  informers.NewSharedInformerFactory(client, 0),
		Recorder: b.NewRecorder(scheme.Scheme, component),
		Ctx:      ctx,
		events:   b,
	}
}

// StartFactory starts the informers requested so far; call it after the
// controller under test is constructed, as the controller manager does.
func (e *Env) StartFactory() { e.Factory.Start(e.Ctx.Done()) }

func freePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// Eventually polls cond until it holds or the deadline passes, then fails
// the test with what. Errors from cond are treated as "not yet".
func Eventually(t *testing.T, timeout time.Duration, what string, cond func(ctx context.Context) (bool, error)) {
	t.Helper()
	var last error
	err := wait.PollUntilContextTimeout(context.Background(), 50*time.Millisecond, timeout, true,
		func(ctx context.Context) (bool, error) {
			ok, err := cond(ctx)
			if err != nil {
				last = err
				return false, nil
			}
			return ok, nil
		})
	if err != nil {
		t.Fatalf("waiting for %s: %v (last error: %v)", what, err, last)
	}
}

// SetPodRunning plays the kubelet: it gives the pod an IP and marks it
// Running with Ready=ready.
func SetPodRunning(t *testing.T, c kubernetes.Interface, ns, name, ip string, ready bool) {
	t.Helper()
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		pod, err := c.CoreV1().Pods(ns).Get(context.Background(), name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		now := metav1.Now()
		pod.Status.Phase = corev1.PodRunning
		pod.Status.PodIP = ip
		pod.Status.PodIPs = []corev1.PodIP{{IP: ip}}
		pod.Status.StartTime = &now
		pod.Status.Conditions = setCondition(pod.Status.Conditions, corev1.PodCondition{
			Type: corev1.PodReady, Status: status, LastTransitionTime: now})
		pod.Status.ContainerStatuses = nil
		for _, ctr := range pod.Spec.Containers {
			pod.Status.ContainerStatuses = append(pod.Status.ContainerStatuses, corev1.ContainerStatus{
				Name: ctr.Name, Image: ctr.Image, Ready: ready,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}}})
		}
		_, err = c.CoreV1().Pods(ns).UpdateStatus(context.Background(), pod, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("marking pod %s/%s running: %v", ns, name, err)
	}
}

func setCondition(conds []corev1.PodCondition, c corev1.PodCondition) []corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

// Pod is a minimal valid pod with one container, optionally bound to node.
func Pod(ns, name, node string, labels map[string]string, ports ...corev1.ContainerPort) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			NodeName:   node,
			Containers: []corev1.Container{{Name: "c", Image: "busybox", Ports: ports}},
		},
	}
}

// Node is a minimal node, Ready when ready is true.
func Node(name string, ready bool) *corev1.Node {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	now := metav1.Now()
	return &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{
			Type: corev1.NodeReady, Status: status, Reason: "KubeletReady",
			LastHeartbeatTime: now, LastTransitionTime: now}}},
	}
}

// CreateNode creates node and sets its status (status is ignored on create).
func CreateNode(t *testing.T, c kubernetes.Interface, node *corev1.Node) *corev1.Node {
	t.Helper()
	ctx := context.Background()
	created, err := c.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("creating node %s: %v", node.Name, err)
	}
	var updated *corev1.Node
	// A controller under test may write the node meanwhile: retry on conflict.
	err = retry.RetryOnConflict(retry.DefaultRetry, func() error {
		cur, err := c.CoreV1().Nodes().Get(ctx, created.Name, metav1.GetOptions{})
		if err != nil {
			return err
		}
		cur.Status = node.Status
		updated, err = c.CoreV1().Nodes().UpdateStatus(ctx, cur, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatalf("setting node %s status: %v", node.Name, err)
	}
	return updated
}
