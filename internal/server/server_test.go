package server

import (
	"context"
	"net"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
	applyappsv1 "k8s.io/client-go/applyconfigurations/apps/v1"
	applycorev1 "k8s.io/client-go/applyconfigurations/core/v1"
	applymetav1 "k8s.io/client-go/applyconfigurations/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"
)

// startTestServer runs a control plane in-process on a free loopback port.
func startTestServer(t *testing.T, mutate ...func(*Options)) *Server {
	t.Helper()
	opts := DefaultOptions()
	opts.DataDir = t.TempDir()
	opts.BindAddress = "127.0.0.1"
	opts.SecurePort = freePort(t)
	opts.DisableAgent = true
	for _, m := range mutate {
		m(&opts)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := Start(ctx, opts)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(s.Close)
	return s
}

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func clientFor(t *testing.T, s *Server, protobuf bool) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	if protobuf {
		cfg.ContentType = "application/vnd.kubernetes.protobuf"
		cfg.AcceptContentTypes = "application/vnd.kubernetes.protobuf,application/json"
	}
	c, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func TestDefaultNamespacesExist(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	for _, ns := range []string{"default", "kube-system", "kube-public", "kube-node-lease"} {
		n, err := c.CoreV1().Namespaces().Get(context.Background(), ns, metav1.GetOptions{})
		if err != nil {
			t.Fatalf("namespace %s: %v", ns, err)
		}
		if n.Status.Phase != corev1.NamespaceActive {
			t.Errorf("namespace %s phase %q, want Active", ns, n.Status.Phase)
		}
	}
}

// TestProtobufRoundTrip drives create, get, update, list and watch with
// client-go speaking protobuf.
func TestProtobufRoundTrip(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, true)
	ctx := context.Background()
	cms := c.CoreV1().ConfigMaps("default")
	w, err := cms.Watch(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("watch: %v", err)
	}
	defer w.Stop()
	cm, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"x": "1"}}, Data: map[string]string{"k": "v"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if cm.UID == "" || cm.ResourceVersion == "" || cm.CreationTimestamp.IsZero() {
		t.Errorf("server metadata missing: %+v", cm.ObjectMeta)
	}
	cm.Data["k"] = "w"
	upd, err := cms.Update(ctx, cm, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	if upd.ResourceVersion == cm.ResourceVersion {
		t.Error("update did not change resourceVersion")
	}
	if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); !apierrors.IsConflict(err) {
		t.Errorf("stale update: got %v, want Conflict", err)
	}
	list, err := cms.List(ctx, metav1.ListOptions{LabelSelector: "x=1"})
	if err != nil || len(list.Items) != 1 || list.Items[0].Data["k"] != "w" {
		t.Fatalf("list: %v %+v", err, list)
	}
	want := []watch.EventType{watch.Added, watch.Modified}
	for _, typ := range want {
		select {
		case ev := <-w.ResultChan():
			if ev.Type != typ {
				t.Fatalf("event %s, want %s", ev.Type, typ)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no %s event", typ)
		}
	}
}

// TestGenerationAndStatus: generation moves on spec changes only, status
// writes go through /status only.
func TestGenerationAndStatus(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx := context.Background()
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "web"}},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}},
			},
		},
		Status: appsv1.DeploymentStatus{Replicas: 7},
	}
	got, err := c.AppsV1().Deployments("default").Create(ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	if got.Generation != 1 || got.Status.Replicas != 0 || *got.Spec.Replicas != 1 {
		t.Fatalf("create: generation %d, status.replicas %d (status must be reset), replicas %v", got.Generation, got.Status.Replicas, *got.Spec.Replicas)
	}
	got.Labels = map[string]string{"l": "v"}
	got, err = c.AppsV1().Deployments("default").Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || got.Generation != 1 {
		t.Fatalf("metadata update: %v generation %d, want 1", err, got.Generation)
	}
	got.Spec.Replicas = ptr.To[int32](3)
	got.Status.Replicas = 9
	got, err = c.AppsV1().Deployments("default").Update(ctx, got, metav1.UpdateOptions{})
	if err != nil || got.Generation != 2 || got.Status.Replicas != 0 {
		t.Fatalf("spec update: %v generation %d status %d", err, got.Generation, got.Status.Replicas)
	}
	got.Status.Replicas = 3
	got, err = c.AppsV1().Deployments("default").UpdateStatus(ctx, got, metav1.UpdateOptions{})
	if err != nil || got.Status.Replicas != 3 || got.Generation != 2 {
		t.Fatalf("status update: %v %+v", err, got.Status)
	}
	sc, err := c.AppsV1().Deployments("default").GetScale(ctx, "web", metav1.GetOptions{})
	if err != nil || sc.Spec.Replicas != 3 || sc.Status.Selector != "app=web" {
		t.Fatalf("scale: %v %+v", err, sc)
	}
}

// TestServerSideApply covers create by apply, a conflict between managers
// and forcing it.
func TestServerSideApply(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	c := clientFor(t, s, false)
	ctx := context.Background()
	cm := applycorev1.ConfigMap("cfg", "default").WithData(map[string]string{"a": "1"})
	got, err := c.CoreV1().ConfigMaps("default").Apply(ctx, cm, metav1.ApplyOptions{FieldManager: "alice"})
	if err != nil {
		t.Fatalf("apply create: %v", err)
	}
	if len(got.ManagedFields) != 1 || got.ManagedFields[0].Manager != "alice" || got.ManagedFields[0].Operation != metav1.ManagedFieldsOperationApply {
		t.Fatalf("managedFields: %+v", got.ManagedFields)
	}
	other := applycorev1.ConfigMap("cfg", "default").WithData(map[string]string{"a": "2"})
	if _, err := c.CoreV1().ConfigMaps("default").Apply(ctx, other, metav1.ApplyOptions{FieldManager: "bob"}); !apierrors.IsConflict(err) {
		t.Fatalf("conflicting apply: got %v, want Conflict", err)
	}
	got, err = c.CoreV1().ConfigMaps("default").Apply(ctx, other, metav1.ApplyOptions{FieldManager: "bob", Force: true})
	if err != nil || got.Data["a"] != "2" {
		t.Fatalf("forced apply: %v %+v", err, got.Data)
	}
	dep := applyappsv1.Deployment("d", "default").WithSpec(applyappsv1.DeploymentSpec().
		WithSelector(applymetav1.LabelSelector().WithMatchLabels(map[string]string{"app": "d"})).
		WithTemplate(applycorev1.PodTemplateSpec().WithLabels(map[string]string{"app": "d"}).
			WithSpec(applycorev1.PodSpec().WithContainers(applycorev1.Container().WithName("c").WithImage("busybox")))))
	if _, err := c.AppsV1().Deployments("default").Apply(ctx, dep, metav1.ApplyOptions{FieldManager: "alice"}); err != nil {
		t.Fatalf("apply deployment: %v", err)
	}
}
