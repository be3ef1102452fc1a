package podgc

import (
	"context"
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"

	"rudder/internal/testenv"
)

func gone(cs *testenv.Env, name string) func(context.Context) (bool, error) {
	return func(ctx context.Context) (bool, error) {
		_, err := cs.Client.CoreV1().Pods("default").Get(ctx, name, metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	}
}

func TestPodGC(t *testing.T) {
	env := testenv.Start(t, "pod-garbage-collector")
	c := New(env.Client, env.Factory, env.Recorder, Options{
		TerminatedPodThreshold: 2, Period: 100 * time.Millisecond, OrphanQuarantine: 200 * time.Millisecond})
	env.StartFactory()
	ctx := context.Background()
	cs := env.Client.CoreV1()

	// Four finished pods, threshold two: the two oldest go.
	for i := 0; i < 4; i++ {
		name := fmt.Sprintf("done-%d", i)
		if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", name, "", nil), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		p, err := cs.Pods("default").Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		p.Status.Phase = corev1.PodSucceeded
		if _, err := cs.Pods("default").UpdateStatus(ctx, p, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	// A pod bound to a node that does not exist.
	if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", "orphan", "ghost", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A pod terminating on a NotReady node whose kubelet will never finish it.
	testenv.CreateNode(t, env.Client, testenv.Node("dead", false))
	if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", "stuck", "dead", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := cs.Pods("default").Delete(ctx, "stuck", metav1.DeleteOptions{GracePeriodSeconds: ptr.To[int64](1)}); err != nil {
		t.Fatal(err)
	}
	// A bound pod on a healthy node stays.
	testenv.CreateNode(t, env.Client, testenv.Node("alive", true))
	if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", "keeper", "alive", nil), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}

	go c.Run(env.Ctx, 1)
	for _, name := range []string{"done-0", "done-1", "orphan", "stuck"} {
		testenv.Eventually(t, 30*time.Second, name+" collected", gone(env, name))
	}
	for _, name := range []string{"done-2", "done-3", "keeper"} {
		if _, err := cs.Pods("default").Get(ctx, name, metav1.GetOptions{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
