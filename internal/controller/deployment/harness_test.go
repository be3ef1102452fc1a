package deployment

import (
	"context"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"

	"rudder/internal/controller/ctrlutil"
	"rudder/internal/controller/replicaset"
	"rudder/internal/testenv"
)

// cluster is an in-process API server running the ReplicaSet and
// Deployment controllers; the test plays the kubelet.
type cluster struct {
	client kubernetes.Interface
	ctx    context.Context
}

func startCluster(t *testing.T) *cluster {
	t.Helper()
	env := testenv.Start(t, "deployment-controller")
	rsc := replicaset.New(env.Client, env.Factory, env.RecorderFor("replicaset-controller"))
	dc := New(env.Client, env.Factory, env.Recorder)
	env.StartFactory()
	go rsc.Run(env.Ctx, 2)
	go dc.Run(env.Ctx, 2)
	return &cluster{client: env.Client, ctx: env.Ctx}
}

func (c *cluster) eventually(t *testing.T, what string, cond func() (bool, error)) {
	t.Helper()
	err := wait.PollUntilContextTimeout(c.ctx, 50*time.Millisecond, 30*time.Second, true,
		func(context.Context) (bool, error) { return cond() })
	if err != nil {
		t.Fatalf("waiting for %s: %v", what, err)
	}
}

// livePods are the pods of app not being deleted.
func (c *cluster) livePods(t *testing.T, app string) []corev1.Pod {
	t.Helper()
	l, err := c.client.CoreV1().Pods("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	var out []corev1.Pod
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

// markReady plays the kubelet: the pod runs and is Ready.
func (c *cluster) markReady(t *testing.T, p *corev1.Pod) {
	t.Helper()
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
	if _, err := c.client.CoreV1().Pods(p.Namespace).UpdateStatus(c.ctx, p, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("marking %s ready: %v", p.Name, err)
	}
}

func (c *cluster) get(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	d, err := c.client.AppsV1().Deployments("default").Get(c.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// complete is what `kubectl rollout status` waits for.
func complete(d *appsv1.Deployment) bool {
	want := replicasOf(d.Spec.Replicas)
	cond := getCondition(d.Status, appsv1.DeploymentProgressing)
	return d.Status.ObservedGeneration >= d.Generation && d.Status.UpdatedReplicas == want &&
		d.Status.Replicas == want && d.Status.AvailableReplicas == want &&
		cond != nil && cond.Reason == "NewReplicaSetAvailable"
}

// rollOut marks every pod ready as it appears until the rollout is complete.
func (c *cluster) rollOut(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	var d *appsv1.Deployment
	c.eventually(t, "rollout of "+name, func() (bool, error) {
		for _, p := range c.livePods(t, name) {
			if !ctrlutil.IsPodReady(&p) {
				c.markReady(t, &p)
			}
		}
		d = c.get(t, name)
		return complete(d), nil
	})
	return d
}

func newDeployment(name string, replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: image}}},
			},
		},
	}
}

func rolling(surge, unavail intstr.IntOrString) appsv1.DeploymentStrategy {
	return appsv1.DeploymentStrategy{
		Type:          appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavail},
	}
}

func (c *cluster) create(t *testing.T, d *appsv1.Deployment) *appsv1.Deployment {
	t.Helper()
	got, err := c.client.AppsV1().Deployments("default").Create(c.ctx, d, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (c *cluster) setImage(t *testing.T, name, image string) {
	t.Helper()
	c.patch(t, name, `{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"`+image+`"}]}}}}`)
}

func (c *cluster) patch(t *testing.T, name, patch string) {
	t.Helper()
	_, err := c.client.AppsV1().Deployments("default").Patch(c.ctx, name, "application/strategic-merge-patch+json", []byte(patch), metav1.PatchOptions{})
	if err != nil {
		t.Fatalf("patching %s: %v", name, err)
	}
}

// replicaSets lists the ReplicaSets of app by revision.
func (c *cluster) replicaSets(t *testing.T, app string) map[string]*appsv1.ReplicaSet {
	t.Helper()
	l, err := c.client.AppsV1().ReplicaSets("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*appsv1.ReplicaSet{}
	for i := range l.Items {
		rs := &l.Items[i]
		out[rs.Annotations[RevisionAnnotation]] = rs
	}
	return out
}
