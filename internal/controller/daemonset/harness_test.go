package daemonset

import (
	"context"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/scheduler"
	"rudder/internal/testenv"
)

// cluster is an in-process API server with the DaemonSet controller and
// the scheduler running against it, plus a stand-in kubelet that makes
// bound pods Ready and completes graceful deletions.
type cluster struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	env := testenv.Start(t, "daemonset-controller")
	ctrl := New(env.Client, env.Factory, env.Recorder)
	sched, err := scheduler.New(env.Client, env.Factory, scheduler.Options{Registerer: prometheus.NewRegistry()})
	if err != nil {
		t.Fatal(err)
	}
	c := &cluster{client: env.Client, ctx: env.Ctx}
	kubeletInf := c.fakeKubelet(env.Factory)
	env.StartFactory()
	if !cache.WaitForCacheSync(env.Ctx.Done(), kubeletInf.HasSynced) {
		t.Fatal("informers did not sync")
	}
	go ctrl.Run(env.Ctx, 2)
	go sched.Run(env.Ctx)
	return c
}

// fakeKubelet plays every node's kubelet: a bound pod becomes Running and
// Ready, a terminating bound pod is removed. A periodic resync retries
// what lost a race.
func (c *cluster) fakeKubelet(factory informers.SharedInformerFactory) cache.SharedIndexInformer {
	inf := factory.Core().V1().Pods().Informer()
	handle := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if !ok || p.Spec.NodeName == "" {
			return
		}
		if p.DeletionTimestamp != nil {
			zero := int64(0)
			_ = c.client.CoreV1().Pods(p.Namespace).Delete(c.ctx, p.Name, metav1.DeleteOptions{
				GracePeriodSeconds: &zero, Preconditions: &metav1.Preconditions{UID: &p.UID}})
			return
		}
		if p.Status.Phase != corev1.PodRunning {
			_ = setReady(c.ctx, c.client, p)
		}
	}
	_, _ = inf.AddEventHandlerWithResyncPeriod(cache.ResourceEventHandlerFuncs{
		AddFunc: handle, UpdateFunc: func(_, n any) { handle(n) },
	}, time.Second)
	return inf
}

func setReady(ctx context.Context, client kubernetes.Interface, p *corev1.Pod) error {
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
	_, err := client.CoreV1().Pods(p.Namespace).UpdateStatus(ctx, p, metav1.UpdateOptions{})
	return err
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

// createNode registers a Ready node with room for pods.
func (c *cluster) createNode(t *testing.T, name string, taints ...corev1.Taint) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Spec: corev1.NodeSpec{Taints: taints}}
	n, err := c.client.CoreV1().Nodes().Create(c.ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	res := corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourceMemory: resource.MustParse("8Gi"),
		corev1.ResourcePods: resource.MustParse("110"),
	}
	n.Status.Capacity, n.Status.Allocatable = res, res
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue,
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(c.ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}
