package daemonset

import (
	"slices"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func newDaemonSet(name string) *appsv1.DaemonSet {
	labels := map[string]string{"app": name}
	return &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "agent", Image: "agent:1"}}},
			},
		},
	}
}

// podNodes returns the nodes of the set's live pods, sorted.
func (c *cluster) podNodes(t *testing.T) ([]string, []corev1.Pod) {
	t.Helper()
	l, err := c.client.CoreV1().Pods("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	var pods []corev1.Pod
	for _, p := range l.Items {
		if p.DeletionTimestamp == nil {
			nodes = append(nodes, p.Spec.NodeName)
			pods = append(pods, p)
		}
	}
	slices.Sort(nodes)
	return nodes, pods
}

func (c *cluster) waitNodes(t *testing.T, want ...string) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	var got []string
	c.eventually(t, "pods on nodes", func() (bool, error) {
		got, pods = c.podNodes(t)
		return slices.Equal(got, want), nil
	})
	return pods
}

func (c *cluster) waitStatus(t *testing.T, what string, ok func(appsv1.DaemonSetStatus) bool) {
	t.Helper()
	c.eventually(t, what, func() (bool, error) {
		ds, err := c.client.AppsV1().DaemonSets("default").Get(c.ctx, "agent", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return ds.Status.ObservedGeneration == ds.Generation && ok(ds.Status), nil
	})
}

func TestDaemonSetFollowsNodes(t *testing.T) {
	c := startCluster(t)
	c.createNode(t, "n1")
	c.createNode(t, "n2")
	c.createNode(t, "n3", corev1.Taint{Key: "dedicated", Value: "db", Effect: corev1.TaintEffectNoSchedule})
	ds, err := c.client.AppsV1().DaemonSets("default").Create(c.ctx, newDaemonSet("agent"), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pods := c.waitNodes(t, "n1", "n2")
	c.waitStatus(t, "status for 2 nodes", func(s appsv1.DaemonSetStatus) bool {
		return s.DesiredNumberScheduled == 2 && s.CurrentNumberScheduled == 2 && s.NumberReady == 2 &&
			s.NumberAvailable == 2 && s.UpdatedNumberScheduled == 2 && s.NumberMisscheduled == 0 && s.NumberUnavailable == 0
	})
	for _, p := range pods {
		checkDaemonPod(t, &p, ds.UID)
	}

	c.createNode(t, "n4")
	c.waitNodes(t, "n1", "n2", "n4")

	if err := c.client.CoreV1().Nodes().Delete(c.ctx, "n2", metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	c.waitNodes(t, "n1", "n4")
	c.waitStatus(t, "status for 2 nodes after n2 left", func(s appsv1.DaemonSetStatus) bool {
		return s.DesiredNumberScheduled == 2 && s.NumberReady == 2
	})
}

// checkDaemonPod checks what the controller adds to the template.
func checkDaemonPod(t *testing.T, p *corev1.Pod, owner types.UID) {
	t.Helper()
	if ref := metav1.GetControllerOf(p); ref == nil || ref.UID != owner {
		t.Errorf("%s: controller %v", p.Name, ref)
	}
	if targetNode(&corev1.Pod{Spec: corev1.PodSpec{Affinity: p.Spec.Affinity}}) != p.Spec.NodeName {
		t.Errorf("%s on %s: affinity %+v does not pin it there", p.Name, p.Spec.NodeName, p.Spec.Affinity)
	}
	if p.Labels[hashLabel] == "" {
		t.Errorf("%s: no %s label: %v", p.Name, hashLabel, p.Labels)
	}
	for _, want := range defaultTolerations(false) {
		if !slices.ContainsFunc(p.Spec.Tolerations, func(got corev1.Toleration) bool {
			return got.Key == want.Key && got.Effect == want.Effect && got.Operator == corev1.TolerationOpExists
		}) {
			t.Errorf("%s: missing default toleration %s:%s", p.Name, want.Key, want.Effect)
		}
	}
}

func TestDaemonSetRollingUpdate(t *testing.T) {
	c := startCluster(t)
	for _, n := range []string{"n1", "n2", "n3"} {
		c.createNode(t, n)
	}
	if _, err := c.client.AppsV1().DaemonSets("default").Create(c.ctx, newDaemonSet("agent"), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	old := c.waitNodes(t, "n1", "n2", "n3")
	c.waitStatus(t, "3 available", func(s appsv1.DaemonSetStatus) bool { return s.NumberAvailable == 3 })
	oldHash := old[0].Labels[hashLabel]

	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"agent","image":"agent:2"}]}}}}`)
	if _, err := c.client.AppsV1().DaemonSets("default").Patch(c.ctx, "agent", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	c.waitStatus(t, "all updated and available", func(s appsv1.DaemonSetStatus) bool {
		return s.UpdatedNumberScheduled == 3 && s.NumberAvailable == 3 && s.DesiredNumberScheduled == 3
	})
	_, pods := c.podNodes(t)
	if len(pods) != 3 {
		t.Fatalf("%d pods after the update, want 3", len(pods))
	}
	oldNames := map[string]bool{}
	for _, p := range old {
		oldNames[p.Name] = true
	}
	for _, p := range pods {
		if oldNames[p.Name] || p.Labels[hashLabel] == oldHash || p.Spec.Containers[0].Image != "agent:2" {
			t.Errorf("pod %s (hash %s, image %s) was not replaced", p.Name, p.Labels[hashLabel], p.Spec.Containers[0].Image)
		}
	}
	revs, err := c.client.AppsV1().ControllerRevisions("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=agent"})
	if err != nil {
		t.Fatal(err)
	}
	if len(revs.Items) != 2 {
		t.Errorf("%d revisions, want 2", len(revs.Items))
	}
}
