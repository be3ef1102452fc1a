package serviceaccount

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/testenv"
)

func TestEveryNamespaceHasDefaultAccount(t *testing.T) {
	env := testenv.Start(t, "serviceaccount-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 1)
	ctx := context.Background()
	cs := env.Client.CoreV1()
	if _, err := cs.Namespaces().Create(ctx, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team-a"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	exists := func(ns string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			_, err := cs.ServiceAccounts(ns).Get(ctx, "default", metav1.GetOptions{})
			return err == nil, nil
		}
	}
	for _, ns := range []string{"default", "kube-system", "team-a"} {
		testenv.Eventually(t, 20*time.Second, "default service account in "+ns, exists(ns))
	}
	old, err := cs.ServiceAccounts("team-a").Get(ctx, "default", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := cs.ServiceAccounts("team-a").Delete(ctx, "default", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "default service account recreated", func(ctx context.Context) (bool, error) {
		sa, err := cs.ServiceAccounts("team-a").Get(ctx, "default", metav1.GetOptions{})
		return err == nil && sa.UID != old.UID, nil
	})
}
