package replicaset

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"rudder/internal/testenv"
)

// cluster is an in-process API server with this package's controllers
// running against it, as the controller manager would run them.
type cluster struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startCluster(t *testing.T, opts ...Option) *cluster {
	t.Helper()
	env := testenv.Start(t, "replicaset-controller")
	rs := New(env.Client, env.Factory, env.Recorder, opts...)
	rc := NewReplicationController(env.Client, env.Factory, env.Recorder, opts...)
	env.StartFactory()
	go rs.Run(env.Ctx, 2)
	go rc.Run(env.Ctx, 2)
	return &cluster{client: env.Client, ctx: env.Ctx}
}

// eventually polls cond until it holds or 30 s pass.
func (c *cluster) eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(c.ctx, 50*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) { return cond() })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// pods lists the pods of ns matching a label selector.
func (c *cluster) pods(t *testing.T, ns, selector string) []corev1.Pod {
	t.Helper()
	l, err := c.client.CoreV1().Pods(ns).List(c.ctx, metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatal(err)
	}
	return l.Items
}

// markReady plays the kubelet: the pod runs and is Ready.
func (c *cluster) markReady(t *testing.T, p *corev1.Pod) {
	t.Helper()
	p = p.DeepCopy()
	now := metav1.Now()
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{
		{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
		{Type: corev1.ContainersReady, Status: corev1.ConditionTrue, LastTransitionTime: now},
	}
	p.Status.ContainerStatuses = nil
	for _, ctr := range p.Spec.Containers {
		p.Status.ContainerStatuses = append(p.Status.ContainerStatuses, corev1.ContainerStatus{
			Name: ctr.Name, Image: ctr.Image, Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: now}},
		})
	}
	if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(c.ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("marking %s ready: %v", p.Name, err)
	}
}

func template(labels map[string]string) corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{
		ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "busybox"}}},
	}
}
