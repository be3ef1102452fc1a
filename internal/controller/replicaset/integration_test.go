package replicaset

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"

	"rudder/internal/controller/ctrlutil"
)

func newRS(name string, replicas int32, labels map[string]string) *appsv1.ReplicaSet {
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: appsv1.ReplicaSetSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: template(labels),
		},
	}
}

func ownedBy(p *corev1.Pod, uid types.UID) bool {
	ref := metav1.GetControllerOf(p)
	return ref != nil && ref.UID == uid
}

func (c *cluster) ownedPods(t *testing.T, sel string, uid types.UID) []corev1.Pod {
	var out []corev1.Pod
	for _, p := range c.pods(t, "default", sel) {
		if ownedBy(&p, uid) && p.DeletionTimestamp == nil {
			out = append(out, p)
		}
	}
	return out
}

func TestReplicaSetCreatesReportsAndScalesDown(t *testing.T) {
	c := startCluster(t)
	labels := map[string]string{"app": "web"}
	rs, err := c.client.AppsV1().ReplicaSets("default").Create(c.ctx, newRS("web", 3, labels), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	c.eventually(t, "3 owned pods", func() (bool, error) {
		pods = c.ownedPods(t, "app=web", rs.UID)
		return len(pods) == 3, nil
	})
	for _, p := range pods {
		if !strings.HasPrefix(p.Name, "web-") || p.Labels["app"] != "web" {
			t.Errorf("pod %s: bad name or labels %v", p.Name, p.Labels)
		}
	}
	// keep: ready; cheap: ready but with a low deletion cost; the third
	// stays not ready. Scaling to 1 must delete the third, then cheap.
	keep, cheap := &pods[0], &pods[1]
	c.markReady(t, keep)
	patch := `{"metadata":{"annotations":{"` + ctrlutil.PodDeletionCostAnnotation + `":"-10"}}}`
	if _, err := c.client.CoreV1().Pods("default").Patch(c.ctx, cheap.Name, types.MergePatchType, []byte(patch), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	cheapNow, _ := c.client.CoreV1().Pods("default").Get(c.ctx, cheap.Name, metav1.GetOptions{})
	c.markReady(t, cheapNow)

	c.eventually(t, "status 3 replicas, 2 ready", func() (bool, error) {
		got, err := c.client.AppsV1().ReplicaSets("default").Get(c.ctx, "web", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		s := got.Status
		return s.Replicas == 3 && s.FullyLabeledReplicas == 3 && s.ReadyReplicas == 2 &&
			s.AvailableReplicas == 2 && s.ObservedGeneration == got.Generation, nil
	})

	scale := `{"spec":{"replicas":1}}`
	if _, err := c.client.AppsV1().ReplicaSets("default").Patch(c.ctx, "web", types.MergePatchType, []byte(scale), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "scale down to the ready, costly pod", func() (bool, error) {
		left := c.ownedPods(t, "app=web", rs.UID)
		return len(left) == 1 && left[0].Name == keep.Name, nil
	})
	c.eventually(t, "status 1 replica", func() (bool, error) {
		got, err := c.client.AppsV1().ReplicaSets("default").Get(c.ctx, "web", metav1.GetOptions{})
		return err == nil && got.Status.Replicas == 1 && got.Status.ReadyReplicas == 1 &&
			got.Status.ObservedGeneration == got.Generation, err
	})
	c.eventually(t, "SuccessfulCreate and SuccessfulDelete events", func() (bool, error) {
		evs, err := c.client.EventsV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		seen := map[string]int{}
		for _, e := range evs.Items {
			if e.Regarding.UID == rs.UID {
				seen[e.Reason]++
			}
		}
		return seen["SuccessfulCreate"] >= 1 && seen["SuccessfulDelete"] >= 1, nil
	})
}

func TestReplicaSetAdoptsAndReleases(t *testing.T) {
	c := startCluster(t)
	labels := map[string]string{"app": "adopt"}
	orphan := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "orphan", Namespace: "default", Labels: labels},
		Spec:       template(labels).Spec,
	}
	if _, err := c.client.CoreV1().Pods("default").Create(c.ctx, orphan, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	rs, err := c.client.AppsV1().ReplicaSets("default").Create(c.ctx, newRS("adopt", 2, labels), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "orphan adopted and one more created", func() (bool, error) {
		pods := c.ownedPods(t, "app=adopt", rs.UID)
		if len(pods) != 2 {
			return false, nil
		}
		for _, p := range pods {
			if p.Name == "orphan" {
				return true, nil
			}
		}
		return false, nil
	})
	// Relabel the adopted pod out of the selector: it is released and replaced.
	relabel := `{"metadata":{"labels":{"app":"elsewhere"}}}`
	if _, err := c.client.CoreV1().Pods("default").Patch(c.ctx, "orphan", types.MergePatchType, []byte(relabel), metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "released pod has no controller, replacement created", func() (bool, error) {
		p, err := c.client.CoreV1().Pods("default").Get(c.ctx, "orphan", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return metav1.GetControllerOf(p) == nil && len(c.ownedPods(t, "app=adopt", rs.UID)) == 2, nil
	})
}

func TestReplicationControllerSharesTheLogic(t *testing.T) {
	c := startCluster(t)
	labels := map[string]string{"app": "legacy"}
	tmpl := template(labels)
	two := int32(2)
	rc := &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "legacy", Namespace: "default"},
		Spec:       corev1.ReplicationControllerSpec{Replicas: &two, Selector: labels, Template: &tmpl},
	}
	rc, err := c.client.CoreV1().ReplicationControllers("default").Create(c.ctx, rc, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var pods []corev1.Pod
	c.eventually(t, "2 pods owned by the RC", func() (bool, error) {
		pods = c.ownedPods(t, "app=legacy", rc.UID)
		return len(pods) == 2, nil
	})
	if ref := metav1.GetControllerOf(&pods[0]); ref.Kind != "ReplicationController" || ref.APIVersion != "v1" {
		t.Errorf("owner reference %+v", ref)
	}
	c.markReady(t, &pods[0])
	c.eventually(t, "RC status", func() (bool, error) {
		got, err := c.client.CoreV1().ReplicationControllers("default").Get(c.ctx, "legacy", metav1.GetOptions{})
		return err == nil && got.Status.Replicas == 2 && got.Status.ReadyReplicas == 1 &&
			got.Status.AvailableReplicas == 1 && got.Status.ObservedGeneration == got.Generation, err
	})
}

// TestFailedCreateSetsReplicaFailure uses a pod template the API server
// refuses (unknown PriorityClass, as a quota would refuse it) and checks
// the condition and event, then that creation resumes once fixed.
func TestFailedCreateSetsReplicaFailure(t *testing.T) {
	c := startCluster(t)
	labels := map[string]string{"app": "refused"}
	rs := newRS("refused", 3, labels)
	rs.Spec.Template.Spec.PriorityClassName = "missing-class"
	rs, err := c.client.AppsV1().ReplicaSets("default").Create(c.ctx, rs, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "ReplicaFailure condition", func() (bool, error) {
		got, err := c.client.AppsV1().ReplicaSets("default").Get(c.ctx, "refused", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		for _, cond := range got.Status.Conditions {
			if cond.Type == appsv1.ReplicaSetReplicaFailure && cond.Status == corev1.ConditionTrue &&
				cond.Reason == "FailedCreate" && strings.Contains(cond.Message, "missing-class") {
				return true, nil
			}
		}
		return false, nil
	})
	c.eventually(t, "FailedCreate event", func() (bool, error) {
		evs, err := c.client.EventsV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		for _, e := range evs.Items {
			if e.Regarding.UID == rs.UID && e.Reason == "FailedCreate" && e.Type == corev1.EventTypeWarning {
				return true, nil
			}
		}
		return false, nil
	})
	pc := &schedulingv1.PriorityClass{ObjectMeta: metav1.ObjectMeta{Name: "missing-class"}, Value: 10}
	if _, err := c.client.SchedulingV1().PriorityClasses().Create(c.ctx, pc, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "pods created and condition cleared", func() (bool, error) {
		got, err := c.client.AppsV1().ReplicaSets("default").Get(c.ctx, "refused", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		b, _ := json.Marshal(got.Status.Conditions)
		return got.Status.Replicas == 3 && !strings.Contains(string(b), "ReplicaFailure"), nil
	})
}

// TestCreationNeverWaitsForStatusBatching: with status-only syncs held
// back for an hour, a scale-up in several bursts still completes, and the
// status counts every pod: each burst starts from the sync that the last
// observed creation of the previous one triggers at once.
func TestCreationNeverWaitsForStatusBatching(t *testing.T) {
	c := startCluster(t, WithStatusBatchDelay(time.Hour), WithBurstReplicas(4))
	labels := map[string]string{"app": "bursts"}
	rs, err := c.client.AppsV1().ReplicaSets("default").Create(c.ctx, newRS("bursts", 20, labels), metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c.eventually(t, "20 pods in bursts of 4 and status replicas 20", func() (bool, error) {
		got, err := c.client.AppsV1().ReplicaSets("default").Get(c.ctx, "bursts", metav1.GetOptions{})
		if err != nil {
			return false, err
		}
		return len(c.ownedPods(t, "app=bursts", rs.UID)) == 20 && got.Status.Replicas == 20, nil
	})
}
