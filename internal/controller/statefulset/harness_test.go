package statefulset

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"

	"rudder/internal/testenv"
)

// cluster is an in-process API server with the StatefulSet controller
// running against it, as the controller manager would run it.
type cluster struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	env := testenv.Start(t, "statefulset-controller")
	ctrl := New(env.Client, env.Factory, env.Recorder)
	env.StartFactory()
	go ctrl.Run(env.Ctx, 2)
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

// pod returns the named pod, or nil when it does not exist.
func (c *cluster) pod(t *testing.T, name string) *corev1.Pod {
	t.Helper()
	p, err := c.client.CoreV1().Pods("default").Get(c.ctx, name, metav1.GetOptions{})
	if err != nil {
		return nil
	}
	return p
}

// markReady plays the kubelet: the pod runs and is Ready.
func (c *cluster) markReady(t *testing.T, p *corev1.Pod) {
	t.Helper()
	if err := setReady(c.ctx, c.client, p); err != nil {
		t.Fatalf("marking %s ready: %v", p.Name, err)
	}
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

// bind plays the scheduler: the pod goes to node, so that deleting it is
// graceful (it stays, terminating, until "the kubelet" removes it).
func (c *cluster) bind(t *testing.T, p *corev1.Pod, node string) {
	t.Helper()
	err := c.client.CoreV1().Pods(p.Namespace).Bind(c.ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: p.Name, Namespace: p.Namespace, UID: p.UID},
		Target:     corev1.ObjectReference{Kind: "Node", Name: node},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("binding %s: %v", p.Name, err)
	}
}

// finishDeletion plays the kubelet removing a terminating pod.
func (c *cluster) finishDeletion(t *testing.T, name string) {
	t.Helper()
	zero := int64(0)
	err := c.client.CoreV1().Pods("default").Delete(c.ctx, name, metav1.DeleteOptions{GracePeriodSeconds: &zero})
	if err != nil {
		t.Fatalf("finishing deletion of %s: %v", name, err)
	}
}

func (c *cluster) createNode(t *testing.T, name string) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n, err := c.client.CoreV1().Nodes().Create(c.ctx, n, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	if _, err := c.client.CoreV1().Nodes().UpdateStatus(c.ctx, n, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

// autoKubelet makes every pod of the namespace Running and Ready as soon
// as it appears, until the test ends (the resync retries lost races).
func (c *cluster) autoKubelet(t *testing.T) {
	t.Helper()
	factory := informers.NewSharedInformerFactoryWithOptions(c.client, time.Second, informers.WithNamespace("default"))
	inf := factory.Core().V1().Pods().Informer()
	handle := func(obj any) {
		p, ok := obj.(*corev1.Pod)
		if ok && p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodRunning {
			_ = setReady(c.ctx, c.client, p) // a conflict is retried on the next event
		}
	}
	_, _ = inf.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: handle, UpdateFunc: func(_, n any) { handle(n) },
	})
	ctx, cancel := context.WithCancel(c.ctx)
	factory.Start(ctx.Done())
	t.Cleanup(func() { cancel(); factory.Shutdown() })
}
