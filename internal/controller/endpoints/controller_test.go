package endpoints

import (
	"context"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"rudder/internal/testenv"
)

func TestEndpointsFollowPods(t *testing.T) {
	env := testenv.Start(t, "endpoint-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{APIServerAddress: "192.0.2.10", APIServerPort: 6443})
	env.StartFactory()
	go c.Run(env.Ctx, 2)
	ctx := context.Background()
	cs := env.Client.CoreV1()

	port := corev1.ContainerPort{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}
	for _, name := range []string{"a", "b"} {
		if _, err := cs.Pods("default").Create(ctx, testenv.Pod("default", name, "", map[string]string{"app": "web"}, port), metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	testenv.SetPodRunning(t, env.Client, "default", "a", "10.42.0.10", true)
	testenv.SetPodRunning(t, env.Client, "default", "b", "10.42.0.11", false)
	svc := &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}}},
	}
	if _, err := cs.Services("default").Create(ctx, svc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	want := func(ready, notReady string) func(ctx context.Context) (bool, error) {
		return func(ctx context.Context) (bool, error) {
			ep, err := cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
			if err != nil || len(ep.Subsets) != 1 {
				return false, err
			}
			s := ep.Subsets[0]
			return addrIs(s.Addresses, ready) && addrIs(s.NotReadyAddresses, notReady) &&
				len(s.Ports) == 1 && s.Ports[0].Port == 8080 && s.Ports[0].Name == "http" &&
				ep.Annotations[TriggerTimeAnnotation] != "", nil
		}
	}
	testenv.Eventually(t, 20*time.Second, "endpoints with a ready and a not-ready address", want("10.42.0.10", "10.42.0.11"))
	testenv.SetPodRunning(t, env.Client, "default", "a", "10.42.0.10", false)
	testenv.SetPodRunning(t, env.Client, "default", "b", "10.42.0.11", true)
	testenv.Eventually(t, 20*time.Second, "readiness change reflected", want("10.42.0.11", "10.42.0.10"))

	// The kubernetes Service points at the API server.
	testenv.Eventually(t, 20*time.Second, "kubernetes endpoints", func(ctx context.Context) (bool, error) {
		s, err := cs.Services("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		if err != nil || s.Spec.ClusterIP != "10.43.0.1" {
			return false, err
		}
		ep, err := cs.Endpoints("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		if err != nil || len(ep.Subsets) != 1 || !addrIs(ep.Subsets[0].Addresses, "192.0.2.10") || ep.Subsets[0].Ports[0].Port != 6443 {
			return false, err
		}
		sl, err := env.Client.DiscoveryV1().EndpointSlices("default").Get(ctx, "kubernetes", metav1.GetOptions{})
		return err == nil && len(sl.Endpoints) == 1 && sl.Endpoints[0].Addresses[0] == "192.0.2.10", err
	})

	// Deleting the Service removes its Endpoints.
	if err := cs.Services("default").Delete(ctx, "web", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "endpoints removed", func(ctx context.Context) (bool, error) {
		_, err := cs.Endpoints("default").Get(ctx, "web", metav1.GetOptions{})
		return apierrors.IsNotFound(err), nil
	})
}

func TestSelectorlessServiceLeftAlone(t *testing.T) {
	env := testenv.Start(t, "endpoint-controller")
	c := New(env.Client, env.Factory, env.Recorder, Options{})
	env.StartFactory()
	go c.Run(env.Ctx, 1)
	ctx := context.Background()
	cs := env.Client.CoreV1()
	manual := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "ext"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.0.2.1"}},
			Ports: []corev1.EndpointPort{{Port: 5432}}}},
	}
	if _, err := cs.Endpoints("default").Create(ctx, manual, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	ext := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "ext"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Port: 5432}}}}
	if _, err := cs.Services("default").Create(ctx, ext, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	// A selector service created afterwards proves the controller has
	// processed events after the selectorless one.
	sel := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "marker"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"x": "y"}, Ports: []corev1.ServicePort{{Port: 80}}}}
	if _, err := cs.Services("default").Create(ctx, sel, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	testenv.Eventually(t, 20*time.Second, "marker endpoints", func(ctx context.Context) (bool, error) {
		_, err := cs.Endpoints("default").Get(ctx, "marker", metav1.GetOptions{})
		return err == nil, nil
	})
	got, err := cs.Endpoints("default").Get(ctx, "ext", metav1.GetOptions{})
	if err != nil || len(got.Subsets) != 1 || !addrIs(got.Subsets[0].Addresses, "192.0.2.1") {
		t.Fatalf("selectorless endpoints changed: %+v %v", got, err)
	}
}

func addrIs(a []corev1.EndpointAddress, ip string) bool {
	if ip == "" {
		return len(a) == 0
	}
	return len(a) == 1 && a[0].IP == ip
}
