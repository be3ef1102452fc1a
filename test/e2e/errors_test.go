package e2e

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rudder/test/e2e/cluster"
)

// TestErrors checks that bad requests get the status Kubernetes returns
// (code, reason, message naming the problem) and change nothing. The cases
// share one server, each in its own namespace.
func TestErrors(t *testing.T) {
	s := cluster.Start(t)
	cs := s.Clientset(t)
	t.Run("invalid-deployment", func(t *testing.T) { testInvalidDeployment(t, cs) })
	t.Run("strict-unknown-field", func(t *testing.T) { testStrictUnknownField(t, s, cs) })
	t.Run("stale-resource-version", func(t *testing.T) { testStaleResourceVersion(t, cs) })
	t.Run("already-exists", func(t *testing.T) { testAlreadyExists(t, cs) })
	t.Run("missing-namespace", func(t *testing.T) { testMissingNamespace(t, cs) })
	t.Run("too-large", func(t *testing.T) { testTooLarge(t, cs) })
	t.Run("kubectl-malformed-yaml", func(t *testing.T) { testMalformedYAML(t, s, cs) })
}

// expectStatus fails unless err is an API status error with this code and
// reason whose message contains every fragment.
func expectStatus(t *testing.T, err error, code int32, reason metav1.StatusReason, fragments ...string) {
	t.Helper()
	var se apierrors.APIStatus
	if !errors.As(err, &se) {
		t.Fatalf("want HTTP %d %s, got %v (%T)", code, reason, err, err)
	}
	st := se.Status()
	if st.Code != code || st.Reason != reason {
		t.Errorf("status = %d %s (%q), want %d %s", st.Code, st.Reason, st.Message, code, reason)
	}
	for _, f := range fragments {
		if !strings.Contains(st.Message, f) {
			t.Errorf("message %q lacks %q", st.Message, f)
		}
	}
}

// expectNoConfigMaps / expectNoDeployments assert a failed write left the
// namespace as it was.
func expectNoConfigMaps(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	list, err := cs.CoreV1().ConfigMaps(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing configmaps: %v", err)
	}
	if len(list.Items) != 0 {
		t.Errorf("namespace %s holds %d configmaps after a refused write", ns, len(list.Items))
	}
}

func expectNoDeployments(t *testing.T, cs kubernetes.Interface, ns string) {
	t.Helper()
	list, err := cs.AppsV1().Deployments(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing deployments: %v", err)
	}
	if len(list.Items) != 0 {
		t.Errorf("namespace %s holds %d deployments after a refused write", ns, len(list.Items))
	}
}

func testInvalidDeployment(t *testing.T, cs kubernetes.Interface) {
	ns := "err-invalid"
	createNamespace(t, cs, ns)
	for _, c := range []struct {
		name   string
		mutate func(*appsv1.Deployment)
		field  string
	}{
		{"negative-replicas", func(d *appsv1.Deployment) { d.Spec.Replicas = ptr(int32(-1)) }, "spec.replicas"},
		{"missing-selector", func(d *appsv1.Deployment) { d.Spec.Selector = nil }, "spec.selector"},
		{"selector-mismatch", func(d *appsv1.Deployment) { d.Spec.Template.Labels = map[string]string{"app": "other"} }, "spec.template.metadata.labels"},
		{"no-containers", func(d *appsv1.Deployment) { d.Spec.Template.Spec.Containers = nil }, "spec.template.spec.containers"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d := deployment("bad")
			c.mutate(d)
			_, err := cs.AppsV1().Deployments(ns).Create(context.Background(), d, metav1.CreateOptions{})
			expectStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, `Deployment.apps "bad" is invalid`, c.field)
			expectNoDeployments(t, cs, ns)
		})
	}
}

// testStrictUnknownField posts raw JSON, as kubectl apply does, with
// fieldValidation=Strict.
func testStrictUnknownField(t *testing.T, s *cluster.Server, cs *kubernetes.Clientset) {
	ns := "err-strict"
	createNamespace(t, cs, ns)
	body := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"strict"},
	  "spec":{"foo":1,"selector":{"matchLabels":{"app":"x"}},
	  "template":{"metadata":{"labels":{"app":"x"}},"spec":{"containers":[{"name":"c","image":"busybox"}]}}}}`
	err := cs.AppsV1().RESTClient().Post().Namespace(ns).Resource("deployments").
		Param("fieldValidation", "Strict").SetHeader("Content-Type", "application/json").
		Body([]byte(body)).Do(context.Background()).Error()
	expectStatus(t, err, http.StatusBadRequest, metav1.StatusReasonBadRequest, `strict decoding error: unknown field "spec.foo"`)
	expectNoDeployments(t, cs, ns)

	t.Run("kubectl", func(t *testing.T) {
		manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: strict\nfoo: bar\ndata:\n  a: b\n"
		r := s.KubectlStdin(t, "/usr/bin/kubectl", manifest, "apply", "-n", ns, "-f", "-")
		if r.Code == 0 || !strings.Contains(r.Stderr, `unknown field "foo"`) {
			t.Errorf("kubectl apply with an unknown field should fail naming it:\n%s", r)
		}
		expectNoConfigMaps(t, cs, ns)
	})
}

func testStaleResourceVersion(t *testing.T, cs kubernetes.Interface) {
	ns := "err-stale"
	createNamespace(t, cs, ns)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps(ns)
	first, err := cms.Create(ctx, configMap("cm", "v", "1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	second := first.DeepCopy()
	second.Data["v"] = "2"
	current, err := cms.Update(ctx, second, metav1.UpdateOptions{})
	if err != nil {
		t.Fatalf("update: %v", err)
	}
	stale := first.DeepCopy() // still carries the first resourceVersion
	stale.Data["v"] = "3"
	_, err = cms.Update(ctx, stale, metav1.UpdateOptions{})
	expectStatus(t, err, http.StatusConflict, metav1.StatusReasonConflict,
		`Operation cannot be fulfilled on configmaps "cm": the object has been modified`)
	got, err := cms.Get(ctx, "cm", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.Data["v"] != "2" || got.ResourceVersion != current.ResourceVersion {
		t.Errorf("after a refused stale update: v=%q rv=%s, want v=2 rv=%s", got.Data["v"], got.ResourceVersion, current.ResourceVersion)
	}
}

func testAlreadyExists(t *testing.T, cs kubernetes.Interface) {
	ns := "err-exists"
	createNamespace(t, cs, ns)
	ctx := context.Background()
	cms := cs.CoreV1().ConfigMaps(ns)
	orig, err := cms.Create(ctx, configMap("dup", "v", "1"), metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create: %v", err)
	}
	_, err = cms.Create(ctx, configMap("dup", "v", "2"), metav1.CreateOptions{})
	expectStatus(t, err, http.StatusConflict, metav1.StatusReasonAlreadyExists, `configmaps "dup" already exists`)
	got, err := cms.Get(ctx, "dup", metav1.GetOptions{})
	if err != nil {
		t.Fatalf("get: %v", err)
	}
	if got.UID != orig.UID || got.Data["v"] != "1" || got.ResourceVersion != orig.ResourceVersion {
		t.Errorf("duplicate create changed the original: %+v", got)
	}
}

func testMissingNamespace(t *testing.T, cs kubernetes.Interface) {
	ctx := context.Background()
	_, err := cs.CoreV1().ConfigMaps("nowhere").Create(ctx, configMap("cm", "v", "1"), metav1.CreateOptions{})
	expectStatus(t, err, http.StatusNotFound, metav1.StatusReasonNotFound, `namespaces "nowhere" not found`)
	list, err := cs.CoreV1().ConfigMaps("nowhere").List(ctx, metav1.ListOptions{})
	if err != nil {
		t.Fatalf("listing: %v", err)
	}
	if len(list.Items) != 0 {
		t.Errorf("%d configmaps stored in a namespace that does not exist", len(list.Items))
	}
	if _, err := cs.CoreV1().Namespaces().Get(ctx, "nowhere", metav1.GetOptions{}); !apierrors.IsNotFound(err) {
		t.Errorf("namespace nowhere should still not exist: %v", err)
	}
}

// testTooLarge covers the three size limits: a ConfigMap's 1 MiB of data
// (validation, 422 as in Kubernetes), an object over etcd's 1.5 MiB request
// limit (413), and a body over the 3 MiB request limit (413).
func testTooLarge(t *testing.T, cs *kubernetes.Clientset) {
	ns := "err-large"
	createNamespace(t, cs, ns)
	ctx := context.Background()
	big := strings.Repeat("x", 1600<<10) // 1.6 MiB

	t.Run("configmap-data", func(t *testing.T) {
		_, err := cs.CoreV1().ConfigMaps(ns).Create(ctx, configMap("big", "blob", big), metav1.CreateOptions{})
		expectStatus(t, err, http.StatusUnprocessableEntity, metav1.StatusReasonInvalid, "Too long", "1048576")
		expectNoConfigMaps(t, cs, ns)
	})
	t.Run("object-over-storage-limit", func(t *testing.T) {
		d := deployment("big")
		d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "BLOB", Value: big}}
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
		expectStatus(t, err, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge)
		expectNoDeployments(t, cs, ns)
	})
	t.Run("body-over-request-limit", func(t *testing.T) {
		d := deployment("huge")
		d.Spec.Template.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "BLOB", Value: strings.Repeat("y", 3500<<10)}}
		_, err := cs.AppsV1().Deployments(ns).Create(ctx, d, metav1.CreateOptions{})
		expectStatus(t, err, http.StatusRequestEntityTooLarge, metav1.StatusReasonRequestEntityTooLarge, "limit is 3145728")
		expectNoDeployments(t, cs, ns)
	})
}

// testMalformedYAML feeds kubectl a manifest that is not YAML.
func testMalformedYAML(t *testing.T, s *cluster.Server, cs kubernetes.Interface) {
	ns := "err-yaml"
	createNamespace(t, cs, ns)
	manifest := "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: broken\n data: [unclosed\n"
	r := s.KubectlStdin(t, "/usr/bin/kubectl", manifest, "apply", "-n", ns, "-f", "-")
	if r.Code == 0 || !strings.Contains(r.Stderr, "error") || !strings.Contains(r.Stderr, "yaml") {
		t.Errorf("malformed YAML should fail with a YAML error:\n%s", r)
	}
	expectNoConfigMaps(t, cs, ns)
}

func deployment(name string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: ptr(int32(1)),
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox:1.36"}}},
			},
		},
	}
}

func configMap(name, key, value string) *corev1.ConfigMap {
	return &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{key: value}}
}

func ptr[T any](v T) *T { return &v }
