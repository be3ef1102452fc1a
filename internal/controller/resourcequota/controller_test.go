package resourcequota

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/testenv"
)

func TestQuotaUsedFollowsObjects(t *testing.T) {
	env := testenv.Start(t, "resourcequota-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 1)
	ctx := context.Background()
	cs := env.Client.CoreV1()

	q := &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "q"},
		Spec: corev1.ResourceQuotaSpec{Hard: corev1.ResourceList{
			corev1.ResourcePods: resource.MustParse("10"), corev1.ResourceConfigMaps: resource.MustParse("10"),
			corev1.ResourceRequestsCPU: resource.MustParse("4"), "count/deployments.apps": resource.MustParse("5"),
		}}}
	if _, err := cs.ResourceQuotas("default").Create(ctx, q, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"a", "b"} {
		p := testenv.Pod("default", name, "", nil)
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("500m")}
		if _, err := cs.Pods("default").Create(ctx, p, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := cs.ConfigMaps("default").Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "cm"}}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	used := func(want map[corev1.ResourceName]string) func(context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			got, err := cs.ResourceQuotas("default").Get(ctx, "q", metav1.GetOptions{})
			if err != nil || len(got.Status.Hard) != 4 {
				return false, err
			}
			for k, v := range want {
				u, ok := got.Status.Used[k]
				if !ok || u.Cmp(resource.MustParse(v)) != 0 {
					return false, nil
				}
			}
			return true, nil
		}
	}
	// kube-root-ca.crt may or may not exist depending on other controllers:
	// count configmaps as the API server sees them.
	cms, err := cs.ConfigMaps("default").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "usage counted", used(map[corev1.ResourceName]string{
		corev1.ResourcePods: "2", corev1.ResourceRequestsCPU: "1", corev1.ResourceConfigMaps: resource.NewQuantity(int64(len(cms.Items)), resource.DecimalSI).String(),
		"count/deployments.apps": "0",
	}))
	if err := cs.Pods("default").Delete(ctx, "a", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "usage after delete", used(map[corev1.ResourceName]string{
		corev1.ResourcePods: "1", corev1.ResourceRequestsCPU: "500m"}))
}
