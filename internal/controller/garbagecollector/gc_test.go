package garbagecollector

import (
	"context"
	"fmt"
	"net"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/utils/ptr"

	"rudder/internal/server"
)

type env struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startEnv(t *testing.T) *env {
	t.Helper()
	opts := server.DefaultOptions()
	opts.DataDir = t.TempDir()
	opts.BindAddress = "127.0.0.1"
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	opts.SecurePort = l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts.DisableAgent, opts.DisableControllers = true, true
	startCtx, cancelStart := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancelStart()
	s, err := server.Start(startCtx, opts)
	if err != nil {
		t.Fatalf("starting server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	// One list and one watch per resource: the default 5 QPS would make
	// start-up take seconds.
	cfg.QPS, cfg.Burst = 500, 1000
	client := kubernetes.NewForConfigOrDie(cfg)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	gc := New(client, metadata.NewForConfigOrDie(cfg), Options{})
	go gc.Run(ctx, 2)
	return &env{client: client, ctx: ctx}
}

func ownedBy(owner metav1.Object, kind string, block bool) []metav1.OwnerReference {
	return []metav1.OwnerReference{{APIVersion: "v1", Kind: kind, Name: owner.GetName(), UID: owner.GetUID(), BlockOwnerDeletion: ptr.To(block)}}
}

func (e *env) configMap(t *testing.T, name string, owners []metav1.OwnerReference, finalizers ...string) *corev1.ConfigMap {
	t.Helper()
	cm, err := e.client.CoreV1().ConfigMaps("default").Create(e.ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{
		Name: name, OwnerReferences: owners, Finalizers: finalizers}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return cm
}

func (e *env) deleteConfigMap(t *testing.T, name string, policy metav1.DeletionPropagation) {
	t.Helper()
	if err := e.client.CoreV1().ConfigMaps("default").Delete(e.ctx, name, metav1.DeleteOptions{PropagationPolicy: &policy}); err != nil {
		t.Fatal(err)
	}
}

func (e *env) getCM(name string) (*corev1.ConfigMap, bool) {
	cm, err := e.client.CoreV1().ConfigMaps("default").Get(e.ctx, name, metav1.GetOptions{})
	return cm, err == nil
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	err := wait.PollUntilContextTimeout(context.Background(), 20*time.Millisecond, 30*time.Second, true, func(context.Context) (bool, error) {
		return cond(), nil
	})
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

func (e *env) gone(names ...string) func() bool {
	return func() bool {
		for _, n := range names {
			if _, ok := e.getCM(n); ok {
				return false
			}
		}
		return true
	}
}

func TestBackgroundDeletionRemovesDependents(t *testing.T) {
	e := startEnv(t)
	owner := e.configMap(t, "owner", nil)
	child := e.configMap(t, "child", ownedBy(owner, "ConfigMap", true))
	e.configMap(t, "grandchild", ownedBy(child, "ConfigMap", false))
	keeper := e.configMap(t, "keeper", nil)
	shared := e.configMap(t, "shared", append(ownedBy(owner, "ConfigMap", false), ownedBy(keeper, "ConfigMap", false)...))
	e.deleteConfigMap(t, "owner", metav1.DeletePropagationBackground)
	eventually(t, "child and grandchild deleted", e.gone("owner", "child", "grandchild"))
	// An object with another living owner stays, minus the dead reference.
	eventually(t, "shared keeps only its living owner", func() bool {
		cm, ok := e.getCM("shared")
		return ok && cm.UID == shared.UID && len(cm.OwnerReferences) == 1 && cm.OwnerReferences[0].UID == keeper.UID
	})
}

func TestDanglingOwnerAtCreation(t *testing.T) {
	e := startEnv(t)
	e.configMap(t, "orphan", []metav1.OwnerReference{{APIVersion: "v1", Kind: "ConfigMap", Name: "never", UID: types.UID("no-such-uid")}})
	eventually(t, "dependent of a missing owner deleted", e.gone("orphan"))
}

func TestForegroundDeletesDependentsFirst(t *testing.T) {
	e := startEnv(t)
	owner := e.configMap(t, "fg-owner", nil)
	e.configMap(t, "fg-child", ownedBy(owner, "ConfigMap", true), "test.rudder.io/hold")
	e.configMap(t, "fg-loose", ownedBy(owner, "ConfigMap", false))
	e.deleteConfigMap(t, "fg-owner", metav1.DeletePropagationForeground)
	eventually(t, "blocking dependent marked for deletion", func() bool {
		cm, ok := e.getCM("fg-child")
		return ok && cm.DeletionTimestamp != nil
	})
	eventually(t, "non-blocking dependent deleted", e.gone("fg-loose"))
	// The blocking dependent is still there (held by its finalizer), so
	// the owner must be too.
	if cm, ok := e.getCM("fg-owner"); !ok || cm.DeletionTimestamp == nil {
		t.Fatalf("owner gone (or not deleting) before its blocking dependent: %v", cm)
	}
	patch := []byte(`{"metadata":{"finalizers":null}}`)
	if _, err := e.client.CoreV1().ConfigMaps("default").Patch(e.ctx, "fg-child", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "owner deleted after its dependent", e.gone("fg-child", "fg-owner"))
}

func TestOrphanKeepsDependents(t *testing.T) {
	e := startEnv(t)
	owner := e.configMap(t, "or-owner", nil)
	child := e.configMap(t, "or-child", ownedBy(owner, "ConfigMap", true))
	e.deleteConfigMap(t, "or-owner", metav1.DeletePropagationOrphan)
	eventually(t, "owner deleted", e.gone("or-owner"))
	eventually(t, "dependent kept without the owner reference", func() bool {
		cm, ok := e.getCM("or-child")
		return ok && cm.UID == child.UID && len(cm.OwnerReferences) == 0
	})
}

func TestDeploymentBackgroundDeletionRemovesReplicaSetsAndPods(t *testing.T) {
	e := startEnv(t)
	labels := map[string]string{"app": "web"}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	d, err := e.client.AppsV1().Deployments("default").Create(e.ctx, &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "web"},
		Spec: appsv1.DeploymentSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	ctrl := func(apiVersion, kind string, o metav1.Object) []metav1.OwnerReference {
		return []metav1.OwnerReference{{APIVersion: apiVersion, Kind: kind, Name: o.GetName(), UID: o.GetUID(),
			Controller: ptr.To(true), BlockOwnerDeletion: ptr.To(true)}}
	}
	rs, err := e.client.AppsV1().ReplicaSets("default").Create(e.ctx, &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "web-1", OwnerReferences: ctrl("apps/v1", "Deployment", d)},
		Spec:       appsv1.ReplicaSetSpec{Selector: &metav1.LabelSelector{MatchLabels: labels}, Template: tmpl}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 2; i++ {
		pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("web-1-%d", i), Labels: labels,
			OwnerReferences: ctrl("apps/v1", "ReplicaSet", rs)}, Spec: tmpl.Spec}
		if _, err := e.client.CoreV1().Pods("default").Create(e.ctx, pod, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	bg := metav1.DeletePropagationBackground
	if err := e.client.AppsV1().Deployments("default").Delete(e.ctx, "web", metav1.DeleteOptions{PropagationPolicy: &bg}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "replicaset and pods deleted", func() bool {
		_, err := e.client.AppsV1().ReplicaSets("default").Get(e.ctx, "web-1", metav1.GetOptions{})
		pods, perr := e.client.CoreV1().Pods("default").List(e.ctx, metav1.ListOptions{})
		return apierrors.IsNotFound(err) && perr == nil && len(pods.Items) == 0
	})
}
