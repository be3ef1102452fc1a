package statefulset

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func newSet(name string, n int32, policy appsv1.PodManagementPolicyType) *appsv1.StatefulSet {
	labels := map[string]string{"app": name}
	return &appsv1.StatefulSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.StatefulSetSpec{
			Replicas:            &n,
			ServiceName:         name,
			PodManagementPolicy: policy,
			Selector:            &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "app", Image: "nginx:1"}}},
			},
			VolumeClaimTemplates: []corev1.PersistentVolumeClaim{{
				ObjectMeta: metav1.ObjectMeta{Name: "www"},
				Spec: corev1.PersistentVolumeClaimSpec{
					AccessModes: []corev1.PersistentVolumeAccessMode{corev1.ReadWriteOnce},
					Resources: corev1.VolumeResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceStorage: resource.MustParse("1Gi"),
					}},
				},
			}},
		},
	}
}

func (c *cluster) set(t *testing.T, name string) *appsv1.StatefulSet {
	t.Helper()
	s, err := c.client.AppsV1().StatefulSets("default").Get(c.ctx, name, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// waitSynced waits until the controller has reported on the set's current
// generation with the given number of pods, so that what it did not do
// by then it decided not to do.
func (c *cluster) waitSynced(t *testing.T, name string, pods int32) {
	t.Helper()
	c.eventually(t, fmt.Sprintf("status of %s with %d pods", name, pods), func() (bool, error) {
		s := c.set(t, name)
		return s.Status.ObservedGeneration == s.Generation && s.Status.Replicas == pods, nil
	})
}

func TestOrderedReadyCreatesInOrderAndScalesDownInReverse(t *testing.T) {
	c := startCluster(t)
	c.createNode(t, "n1")
	if _, err := c.client.AppsV1().StatefulSets("default").Create(c.ctx, newSet("web", 3, appsv1.OrderedReadyPodManagement), metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		name := fmt.Sprintf("web-%d", i)
		var p *corev1.Pod
		c.eventually(t, name+" created", func() (bool, error) { p = c.pod(t, name); return p != nil, nil })
		c.waitSynced(t, "web", int32(i+1))
		if next := fmt.Sprintf("web-%d", i+1); c.pod(t, next) != nil {
			t.Fatalf("%s created before %s was ready", next, name)
		}
		checkIdentity(t, p, i)
		if _, err := c.client.CoreV1().PersistentVolumeClaims("default").Get(c.ctx, "www-"+name, metav1.GetOptions{}); err != nil {
			t.Errorf("claim www-%s: %v", name, err)
		}
		c.bind(t, p, "n1")
		c.markReady(t, c.pod(t, name))
	}
	c.eventually(t, "3 ready replicas", func() (bool, error) {
		s := c.set(t, "web").Status
		return s.ReadyReplicas == 3 && s.AvailableReplicas == 3 && s.CurrentReplicas == 3 &&
			s.UpdatedReplicas == 3 && s.CurrentRevision != "" && s.CurrentRevision == s.UpdateRevision, nil
	})
	c.expectEvent(t, "SuccessfulCreate", "create Pod web-1 in StatefulSet web successful")

	// Scale to 0: the bound pods terminate gracefully, so each stays
	// terminating until we (the kubelet) remove it; the next must wait.
	patch := []byte(`{"spec":{"replicas":0}}`)
	if _, err := c.client.AppsV1().StatefulSets("default").Patch(c.ctx, "web", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var order []string
	for i := 2; i >= 0; i-- {
		name := fmt.Sprintf("web-%d", i)
		c.eventually(t, name+" terminating", func() (bool, error) {
			p := c.pod(t, name)
			return p != nil && p.DeletionTimestamp != nil, nil
		})
		for j := 0; j < i; j++ {
			if p := c.pod(t, fmt.Sprintf("web-%d", j)); p == nil || p.DeletionTimestamp != nil {
				t.Fatalf("web-%d deleted while %s still terminating", j, name)
			}
		}
		order = append(order, name)
		c.finishDeletion(t, name)
	}
	if want := []string{"web-2", "web-1", "web-0"}; !slices.Equal(order, want) {
		t.Errorf("deletion order %v, want %v", order, want)
	}
	c.waitSynced(t, "web", 0)
	c.expectEvent(t, "SuccessfulDelete", "delete Pod web-2 in StatefulSet web successful")
	// Retain (the default) keeps the claims.
	if _, err := c.client.CoreV1().PersistentVolumeClaims("default").Get(c.ctx, "www-web-2", metav1.GetOptions{}); err != nil {
		t.Errorf("claim www-web-2 after scale down: %v", err)
	}
}

func checkIdentity(t *testing.T, p *corev1.Pod, ord int) {
	t.Helper()
	if p.Spec.Hostname != p.Name || p.Spec.Subdomain != "web" {
		t.Errorf("%s: hostname %q subdomain %q", p.Name, p.Spec.Hostname, p.Spec.Subdomain)
	}
	if p.Labels[podNameLabel] != p.Name || p.Labels[podIndexLabel] != fmt.Sprint(ord) ||
		!strings.HasPrefix(p.Labels[revisionLabel], "web-") {
		t.Errorf("%s: labels %v", p.Name, p.Labels)
	}
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "StatefulSet" || ref.Name != "web" {
		t.Errorf("%s: controller %v", p.Name, ref)
	}
	found := false
	for _, v := range p.Spec.Volumes {
		if v.Name == "www" && v.PersistentVolumeClaim != nil && v.PersistentVolumeClaim.ClaimName == "www-"+p.Name {
			found = true
		}
	}
	if !found {
		t.Errorf("%s: no volume for claim www-%s in %v", p.Name, p.Name, p.Spec.Volumes)
	}
}

func (c *cluster) expectEvent(t *testing.T, reason, note string) {
	t.Helper()
	var seen []string
	c.eventually(t, "event "+reason+": "+note, func() (bool, error) {
		l, err := c.client.EventsV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		seen = seen[:0]
		for _, e := range l.Items {
			seen = append(seen, e.Regarding.Kind+"/"+e.Regarding.Name+" "+e.Reason+": "+e.Note)
			if e.Reason == reason && e.Note == note && e.Regarding.Name == "web" {
				return true, nil
			}
		}
		if len(seen) > 0 {
			t.Logf("events so far: %q", seen)
		}
		return false, nil
	})
}

func TestRollingUpdateRespectsPartition(t *testing.T) {
	c := startCluster(t)
	c.autoKubelet(t)
	set := newSet("web", 3, appsv1.ParallelPodManagement)
	two := int32(2)
	set.Spec.UpdateStrategy = appsv1.StatefulSetUpdateStrategy{
		Type:          appsv1.RollingUpdateStatefulSetStrategyType,
		RollingUpdate: &appsv1.RollingUpdateStatefulSetStrategy{Partition: &two},
	}
	if _, err := c.client.AppsV1().StatefulSets("default").Create(c.ctx, set, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var oldRev string
	c.eventually(t, "3 ready", func() (bool, error) {
		s := c.set(t, "web").Status
		oldRev = s.CurrentRevision
		return s.ReadyReplicas == 3 && s.UpdatedReplicas == 3 && oldRev != "", nil
	})
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"app","image":"nginx:2"}]}}}}`)
	if _, err := c.client.AppsV1().StatefulSets("default").Patch(c.ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	var st appsv1.StatefulSetStatus
	c.eventually(t, "web-2 updated and ready", func() (bool, error) {
		s := c.set(t, "web")
		st = s.Status
		return s.Status.ObservedGeneration == s.Generation && st.UpdatedReplicas == 1 &&
			st.ReadyReplicas == 3 && st.UpdateRevision != oldRev, nil
	})
	if st.CurrentRevision != oldRev || st.CurrentReplicas != 2 {
		t.Errorf("current revision %s (%d pods), want %s (2)", st.CurrentRevision, st.CurrentReplicas, oldRev)
	}
	for i, want := range []string{oldRev, oldRev, st.UpdateRevision} {
		p := c.pod(t, fmt.Sprintf("web-%d", i))
		if p == nil || p.Labels[revisionLabel] != want {
			t.Errorf("web-%d: revision %v, want %s", i, p.Labels, want)
			continue
		}
		wantImage := map[bool]string{true: "nginx:2", false: "nginx:1"}[i == 2]
		if img := p.Spec.Containers[0].Image; img != wantImage {
			t.Errorf("web-%d runs %s, want %s", i, img, wantImage)
		}
	}
	revs, err := c.client.AppsV1().ControllerRevisions("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=web"})
	if err != nil {
		t.Fatal(err)
	}
	numbers := map[string]int64{}
	for _, r := range revs.Items {
		numbers[r.Name] = r.Revision
	}
	if len(numbers) != 2 || numbers[oldRev] != 1 || numbers[st.UpdateRevision] != 2 {
		t.Errorf("revisions %v, want %s=1 and %s=2", numbers, oldRev, st.UpdateRevision)
	}

	// Lowering the partition to 0 finishes the rollout.
	patch = []byte(`{"spec":{"updateStrategy":{"rollingUpdate":{"partition":0}}}}`)
	if _, err := c.client.AppsV1().StatefulSets("default").Patch(c.ctx, "web", types.StrategicMergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "rollout complete", func() (bool, error) {
		s := c.set(t, "web").Status
		return s.UpdatedReplicas == 3 && s.ReadyReplicas == 3 && s.CurrentRevision == s.UpdateRevision &&
			s.CurrentReplicas == 3, nil
	})
}

func TestClaimRetentionPolicyOwnerReferences(t *testing.T) {
	c := startCluster(t)
	c.autoKubelet(t)
	set := newSet("db", 2, appsv1.ParallelPodManagement)
	set.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{
		WhenDeleted: appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
		WhenScaled:  appsv1.DeletePersistentVolumeClaimRetentionPolicyType,
	}
	created, err := c.client.AppsV1().StatefulSets("default").Create(c.ctx, set, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "2 ready", func() (bool, error) { return c.set(t, "db").Status.ReadyReplicas == 2, nil })
	claim, err := c.client.CoreV1().PersistentVolumeClaims("default").Get(c.ctx, "www-db-1", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(claim.OwnerReferences) != 1 || claim.OwnerReferences[0].UID != created.UID {
		t.Errorf("claim owners %+v, want the set", claim.OwnerReferences)
	}
	if claim.Labels["app"] != "db" {
		t.Errorf("claim labels %v", claim.Labels)
	}
	// Scaling to 1 hands www-db-1 to the condemned pod db-1 so that the
	// garbage collector deletes it with the pod.
	pod1 := c.pod(t, "db-1")
	patch := []byte(`{"spec":{"replicas":1}}`)
	if _, err := c.client.AppsV1().StatefulSets("default").Patch(c.ctx, "db", types.MergePatchType, patch, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "www-db-1 owned by pod db-1", func() (bool, error) {
		cl, err := c.client.CoreV1().PersistentVolumeClaims("default").Get(c.ctx, "www-db-1", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, r := range cl.OwnerReferences {
			if r.Kind == "Pod" && r.UID == pod1.UID {
				return true, nil
			}
		}
		return false, nil
	})
	c.waitSynced(t, "db", 1)
}
