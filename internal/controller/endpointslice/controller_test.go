package endpointslice

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"rudder/internal/testenv"
)

func TestSlicesFollowPods(t *testing.T) {
	env := testenv.Start(t, "endpointslice-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 2)
	ctx := context.Background()
	cs := env.Client.CoreV1()

	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web", Labels: map[string]string{"tier": "front"}},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}}},
	}
	created, err := cs.Services("default").Create(ctx, svc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	// First an empty placeholder slice.
	testenv.Eventually(t, 20*time.Second, "placeholder slice", func(ctx context.Context) (bool, error) {
		sl, err := slicesOf(ctx, env, "web")
		return err == nil && len(sl) == 1 && len(sl[0].Endpoints) == 0, err
	})
	port := corev1.ContainerPort{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}
	for _, name := range []string{"a", "b"} {
		if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", name, "", map[string]string{"app": "web"}, port), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	testenv.SetPodRunning(t, env.Client, "default", "a", "10.42.0.10", true)
	testenv.SetPodRunning(t, env.Client, "default", "b", "10.42.0.11", false)

	var got discoveryv1.EndpointSlice
	testenv.Eventually(t, 20*time.Second, "slice with a ready and a not-ready endpoint", func(ctx context.Context) (bool, error) {
		sl, err := slicesOf(ctx, env, "web")
		if err != nil || len(sl) != 1 || len(sl[0].Endpoints) != 2 {
			return false, err
		}
		got = sl[0]
		return true, nil
	})
	want := map[string]bool{"10.42.0.10": true, "10.42.0.11": false}
	for _, e := range got.Endpoints {
		if r, ok := want[e.Addresses[0]]; !ok || *e.Conditions.Ready != r || *e.Conditions.Serving != r || *e.Conditions.Terminating {
			t.Errorf("endpoint %v conditions %+v", e.Addresses, e.Conditions)
		}
		if e.TargetRef == nil || e.TargetRef.Kind != "Pod" {
			t.Errorf("endpoint %v without pod targetRef", e.Addresses)
		}
	}
	if len(got.Ports) != 1 || *got.Ports[0].Port != 8080 || *got.Ports[0].Name != "http" {
		t.Errorf("ports %+v", got.Ports)
	}
	if got.Labels["tier"] != "front" || got.Annotations[TriggerTimeAnnotation] == "" {
		t.Errorf("labels %v annotations %v", got.Labels, got.Annotations)
	}
	if len(got.OwnerReferences) != 1 || got.OwnerReferences[0].UID != created.UID || !*got.OwnerReferences[0].Controller {
		t.Errorf("owner %+v", got.OwnerReferences)
	}

	// A deleted slice is recreated.
	if err := env.Client.DiscoveryV1().EndpointSlices("default").Delete(ctx, got.Name, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "slice recreated", func(ctx context.Context) (bool, error) {
		sl, err := slicesOf(ctx, env, "web")
		return err == nil && len(sl) == 1 && sl[0].Name != got.Name && len(sl[0].Endpoints) == 2, err
	})
}

func slicesOf(ctx context.Context, env *testenv.Env, svc string) ([]discoveryv1.EndpointSlice, error) {
	l, err := env.Client.DiscoveryV1().EndpointSlices("default").List(ctx, metav1.ListOptions{
		LabelSelector: discoveryv1.LabelServiceName + "=" + svc + "," + discoveryv1.LabelManagedBy + "=" + ManagedBy})
	if err != nil {
		return nil, err
	}
	return l.Items, nil
}
