package nodelifecycle

import (
	"context"
	"testing"
	"time"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/util/retry"
	"k8s.io/utils/ptr"

	"rudder/internal/testenv"
)

func TestSilentNodeIsTaintedAndEvicted(t *testing.T) {
	env := testenv.Start(t, "node-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{
		GracePeriod: time.Second, MonitorPeriod: 100 * time.Millisecond, DefaultEvictionTimeout: time.Second})
	env.StartFactory()
	go c.Run(env.Ctx, 2)
	ctx := context.Background()
	cs := env.Client.CoreV1()

	testenv.CreateNode(t, env.Client, testenv.Node("n1", true))
	now := metav1.NowMicro()
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Namespace: LeaseNamespace, Name: "n1"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: ptr.To("n1"), LeaseDurationSeconds: ptr.To[int32](40), RenewTime: &now}}
	if _, err := env.Client.CoordinationV1().Leases(LeaseNamespace).Create(ctx, lease, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The API server's admission gives every pod 300 s tolerations for
	// unreachable; a short explicit one stands in for it here.
	plain := testenv.Pod("default", "plain", "n1", nil)
	plain.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists,
		Effect: corev1.TaintEffectNoExecute, TolerationSeconds: ptr.To[int64](1)}}
	tolerant := testenv.Pod("default", "tolerant", "n1", nil)
	tolerant.Spec.Tolerations = []corev1.Toleration{{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute}}
	for _, p := range []*corev1.Pod{plain, tolerant} {
		if _, err := cs.Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		testenv.SetPodRunning(t, env.Client, "default", p.Name, "10.42.0.5", true)
	}

	// The lease is never renewed: the node goes Unknown and gets tainted.
	testenv.Eventually(t, 30*time.Second, "node unknown and tainted", func(ctx context.Context) (bool, error) {
		n, err := cs.Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		c := condition(n, corev1.NodeReady)
		k := keys(n.Spec.Taints)
		return c.Status == corev1.ConditionUnknown && c.Reason == "NodeStatusUnknown" &&
			k["node.kubernetes.io/unreachable:NoExecute"] && k["node.kubernetes.io/unreachable:NoSchedule"], nil
	})
	// After its toleration runs out the plain pod is deleted;
	// the pod tolerating unreachable forever stays, marked not ready.
	testenv.Eventually(t, 30*time.Second, "plain pod evicted", func(ctx context.Context) (bool, error) {
		p, err := cs.Pods("default").Get(ctx, "plain", metav1.GetOptions{})
		if apierrors.IsNotFound(err) {
			return true, nil
		}
		return err == nil && p.DeletionTimestamp != nil, err
	})
	testenv.Eventually(t, 30*time.Second, "tolerant pod not ready", func(ctx context.Context) (bool, error) {
		p, err := cs.Pods("default").Get(ctx, "tolerant", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, c := range p.Status.Conditions {
			if c.Type == corev1.PodReady {
				return c.Status == corev1.ConditionFalse, nil
			}
		}
		return false, nil
	})
	if p, err := cs.Pods("default").Get(ctx, "tolerant", metav1.GetOptions{}); err != nil || p.DeletionTimestamp != nil {
		t.Fatalf("tolerant pod evicted: %v", err)
	}

	// The kubelet comes back: taints go away.
	err := retry.RetryOnConflict(retry.DefaultRetry, func() error {
		n, err := cs.Nodes().Get(ctx, "n1", metav1.GetOptions{})
		if err != nil {
			return err
		}
		c := condition(n, corev1.NodeReady)
		c.Status, c.Reason, c.LastHeartbeatTime = corev1.ConditionTrue, "KubeletReady", metav1.Now()
		_, err = cs.Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 30*time.Second, "taints removed", func(ctx context.Context) (bool, error) {
		n, err := cs.Nodes().Get(ctx, "n1", metav1.GetOptions{})
		return err == nil && len(n.Spec.Taints) == 0, err
	})
}

func TestNotReadyNodeGetsNotReadyTaint(t *testing.T) {
	env := testenv.Start(t, "node-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{MonitorPeriod: time.Hour})
	env.StartFactory()
	go c.Run(env.Ctx, 1)
	testenv.CreateNode(t, env.Client, testenv.Node("n2", false))
	testenv.Eventually(t, 30*time.Second, "not-ready taints", func(ctx context.Context) (bool, error) {
		n, err := env.Client.CoreV1().Nodes().Get(ctx, "n2", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		k := keys(n.Spec.Taints)
		return k["node.kubernetes.io/not-ready:NoExecute"] && k["node.kubernetes.io/not-ready:NoSchedule"], nil
	})
}
