package deployment

import (
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/watch"

	"rudder/internal/controller/ctrlutil"
)

// podView follows the pods of an app through a watch, so that invariants
// are checked at every single change, not only when the test looks.
type podView struct {
	mu         sync.Mutex
	pods       map[string]*corev1.Pod
	maxTotal   int
	minReady   int
	violations []string
}

func (c *cluster) watchPods(t *testing.T, app string, check func(v *podView) string) *podView {
	t.Helper()
	l, err := c.client.CoreV1().Pods("default").List(c.ctx, metav1.ListOptions{LabelSelector: "app=" + app})
	if err != nil {
		t.Fatal(err)
	}
	v := &podView{pods: map[string]*corev1.Pod{}, minReady: 1 << 30}
	for i := range l.Items {
		v.pods[l.Items[i].Name] = &l.Items[i]
	}
	w, err := c.client.CoreV1().Pods("default").Watch(c.ctx, metav1.ListOptions{
		LabelSelector: "app=" + app, ResourceVersion: l.ResourceVersion})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(w.Stop)
	go func() {
		for ev := range w.ResultChan() {
			p, ok := ev.Object.(*corev1.Pod)
			if !ok {
				continue
			}
			v.mu.Lock()
			if ev.Type == watch.Deleted {
				delete(v.pods, p.Name)
			} else {
				v.pods[p.Name] = p
			}
			v.maxTotal = max(v.maxTotal, len(v.pods))
			v.minReady = min(v.minReady, v.ready(""))
			if msg := check(v); msg != "" {
				v.violations = append(v.violations, fmt.Sprintf("after %s %s: %s", ev.Type, p.Name, msg))
			}
			v.mu.Unlock()
		}
	}()
	return v
}

// ready counts live ready pods, of one pod-template-hash or all ("").
func (v *podView) ready(hash string) int {
	n := 0
	for _, p := range v.pods {
		if p.DeletionTimestamp == nil && ctrlutil.IsPodReady(p) && (hash == "" || p.Labels[PodTemplateHashLabel] == hash) {
			n++
		}
	}
	return n
}

func (v *podView) count(hash string) int {
	v.mu.Lock()
	defer v.mu.Unlock()
	n := 0
	for _, p := range v.pods {
		if p.Labels[PodTemplateHashLabel] == hash {
			n++
		}
	}
	return n
}

func (v *podView) failures() []string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return append([]string(nil), v.violations...)
}

func TestRollingUpdateKeepsAvailabilityAndCompletes(t *testing.T) {
	c := startCluster(t)
	d := newDeployment("web", 4, "web:1")
	d.Spec.Strategy = rolling(intstr.FromInt32(1), intstr.FromInt32(0))
	c.create(t, d)
	d = c.rollOut(t, "web")
	if d.Annotations[RevisionAnnotation] != "1" {
		t.Errorf("revision %q, want 1", d.Annotations[RevisionAnnotation])
	}
	first := c.replicaSets(t, "web")["1"]
	if first == nil {
		t.Fatal("no ReplicaSet with revision 1")
	}

	const desired, surge = 4, 1
	view := c.watchPods(t, "web", func(v *podView) string {
		if n := len(v.pods); n > desired+surge {
			return fmt.Sprintf("%d pods exceed %d", n, desired+surge)
		}
		if r := v.ready(""); r < desired {
			return fmt.Sprintf("%d ready pods, below %d", r, desired)
		}
		return ""
	})
	c.setImage(t, "web", "web:2")

	// Play the kubelet one pod at a time: wait for a new unready pod,
	// check the invariants, make it ready, repeat until complete.
	for step := 0; ; step++ {
		var next *corev1.Pod
		done := false
		c.eventually(t, fmt.Sprintf("step %d", step), func() (bool, error) {
			if done = complete(c.get(t, "web")) && c.get(t, "web").Annotations[RevisionAnnotation] == "2"; done {
				return true, nil
			}
			for _, p := range c.livePods(t, "web") {
				if p.Labels[PodTemplateHashLabel] != first.Labels[PodTemplateHashLabel] && !ctrlutil.IsPodReady(&p) {
					next = p.DeepCopy()
					return true, nil
				}
			}
			return false, nil
		})
		if f := view.failures(); len(f) > 0 {
			t.Fatalf("step %d: invariants broken: %v", step, f)
		}
		if done {
			break
		}
		c.markReady(t, next)
	}
	if view.maxTotal != desired+surge {
		t.Errorf("never surged: max %d pods seen", view.maxTotal)
	}
	if view.minReady < desired {
		t.Errorf("ready pods dropped to %d", view.minReady)
	}

	d = c.get(t, "web")
	s := d.Status
	if s.ObservedGeneration != d.Generation || s.Replicas != 4 || s.UpdatedReplicas != 4 ||
		s.ReadyReplicas != 4 || s.AvailableReplicas != 4 || s.UnavailableReplicas != 0 {
		t.Errorf("status %+v", s)
	}
	if cnd := getCondition(s, appsv1.DeploymentAvailable); cnd == nil || cnd.Status != corev1.ConditionTrue || cnd.Reason != "MinimumReplicasAvailable" {
		t.Errorf("Available condition %+v", cnd)
	}
	rss := c.replicaSets(t, "web")
	second := rss["2"]
	if second == nil || rss["1"] == nil || replicasOf(rss["1"].Spec.Replicas) != 0 {
		t.Fatalf("ReplicaSets after rollout: %v", rss)
	}
	hash := second.Labels[PodTemplateHashLabel]
	if second.Name != "web-"+hash || second.Spec.Selector.MatchLabels[PodTemplateHashLabel] != hash ||
		second.Spec.Template.Labels[PodTemplateHashLabel] != hash {
		t.Errorf("new ReplicaSet %s not named/labelled by hash %s", second.Name, hash)
	}
	if second.Annotations[DesiredReplicasAnnotation] != "4" || second.Annotations[MaxReplicasAnnotation] != "5" {
		t.Errorf("replica annotations %v", second.Annotations)
	}
	if ref := metav1.GetControllerOf(second); ref == nil || ref.UID != d.UID {
		t.Errorf("new ReplicaSet not controlled by the deployment: %v", ref)
	}
	c.eventually(t, "ScalingReplicaSet events", func() (bool, error) {
		evs, err := c.client.EventsV1().Events("default").List(c.ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		up := fmt.Sprintf("Scaled up replica set %s from 0 to 1", second.Name)
		for _, e := range evs.Items {
			if e.Regarding.UID == d.UID && e.Reason == "ScalingReplicaSet" && e.Note == up {
				return true, nil
			}
		}
		return false, nil
	})
}

// TestUndoReusesOldReplicaSet does what `kubectl rollout undo` does: copy
// an old ReplicaSet's template (without the hash label) into the
// deployment; the controller must reuse that ReplicaSet and give it the
// next revision.
func TestUndoReusesOldReplicaSet(t *testing.T) {
	c := startCluster(t)
	c.create(t, newDeployment("undo", 2, "undo:1"))
	c.rollOut(t, "undo")
	c.setImage(t, "undo", "undo:2")
	c.rollOut(t, "undo")
	old := c.replicaSets(t, "undo")["1"]
	if old == nil {
		t.Fatal("no revision 1")
	}
	tmpl := old.Spec.Template.DeepCopy()
	delete(tmpl.Labels, PodTemplateHashLabel)
	ops, _ := json.Marshal([]map[string]any{{"op": "replace", "path": "/spec/template", "value": tmpl}})
	if _, err := c.client.AppsV1().Deployments("default").Patch(c.ctx, "undo", types.JSONPatchType, ops, metav1.PatchOptions{}); err != nil {
		t.Fatal(err)
	}
	d := c.rollOut(t, "undo")
	rss := c.replicaSets(t, "undo")
	if len(rss) != 2 {
		t.Fatalf("want 2 ReplicaSets (old one reused), got %d", len(rss))
	}
	if rss["3"] == nil || rss["3"].UID != old.UID {
		t.Errorf("revision 3 should be the reused ReplicaSet %s, got %v", old.Name, rss["3"])
	}
	if d.Annotations[RevisionAnnotation] != "3" {
		t.Errorf("deployment revision %q, want 3", d.Annotations[RevisionAnnotation])
	}
}

func TestRecreateRemovesOldPodsFirst(t *testing.T) {
	c := startCluster(t)
	d := newDeployment("rec", 3, "rec:1")
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RecreateDeploymentStrategyType}
	c.create(t, d)
	c.rollOut(t, "rec")
	oldHash := c.replicaSets(t, "rec")["1"].Labels[PodTemplateHashLabel]
	view := c.watchPods(t, "rec", func(v *podView) string {
		oldN, newN := 0, 0
		for _, p := range v.pods {
			if p.Labels[PodTemplateHashLabel] == oldHash {
				oldN++
			} else {
				newN++
			}
		}
		if oldN > 0 && newN > 0 {
			return fmt.Sprintf("%d old and %d new pods at once", oldN, newN)
		}
		return ""
	})
	c.setImage(t, "rec", "rec:2")
	c.rollOut(t, "rec")
	if f := view.failures(); len(f) > 0 {
		t.Fatalf("old and new pods overlapped: %v", f)
	}
	if view.count(oldHash) != 0 {
		t.Error("old pods left")
	}
}

func TestRevisionHistoryLimit(t *testing.T) {
	c := startCluster(t)
	d := newDeployment("hist", 1, "hist:1")
	one := int32(1)
	d.Spec.RevisionHistoryLimit = &one
	c.create(t, d)
	c.rollOut(t, "hist")
	for _, img := range []string{"hist:2", "hist:3"} {
		c.setImage(t, "hist", img)
		c.rollOut(t, "hist")
	}
	c.eventually(t, "only revisions 2 and 3 kept", func() (bool, error) {
		rss := c.replicaSets(t, "hist")
		return len(rss) == 2 && rss["2"] != nil && rss["3"] != nil, nil
	})
}

func TestPauseAndResume(t *testing.T) {
	c := startCluster(t)
	c.create(t, newDeployment("pause", 2, "pause:1"))
	c.rollOut(t, "pause")
	c.patch(t, "pause", `{"spec":{"paused":true}}`)
	c.setImage(t, "pause", "pause:2")
	c.eventually(t, "paused condition for the latest generation", func() (bool, error) {
		d := c.get(t, "pause")
		cnd := getCondition(d.Status, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && cnd != nil && cnd.Reason == "DeploymentPaused", nil
	})
	if n := len(c.replicaSets(t, "pause")); n != 1 {
		t.Fatalf("a paused deployment created a ReplicaSet: %d", n)
	}
	c.patch(t, "pause", `{"spec":{"paused":false}}`)
	d := c.rollOut(t, "pause")
	if d.Annotations[RevisionAnnotation] != "2" || len(c.replicaSets(t, "pause")) != 2 {
		t.Errorf("resume did not roll out: revision %q", d.Annotations[RevisionAnnotation])
	}
}

func TestRestartAnnotationRollsOut(t *testing.T) {
	c := startCluster(t)
	c.create(t, newDeployment("restart", 1, "restart:1"))
	c.rollOut(t, "restart")
	c.patch(t, "restart", `{"spec":{"template":{"metadata":{"annotations":{"kubectl.kubernetes.io/restartedAt":"2025-01-01T00:00:00Z"}}}}}`)
	d := c.rollOut(t, "restart")
	if d.Annotations[RevisionAnnotation] != "2" {
		t.Errorf("revision %q after restart", d.Annotations[RevisionAnnotation])
	}
}

func TestProgressDeadlineExceeded(t *testing.T) {
	c := startCluster(t)
	d := newDeployment("stuck", 1, "stuck:1")
	one := int32(1)
	d.Spec.ProgressDeadlineSeconds = &one
	c.create(t, d) // pods never become ready
	c.eventually(t, "ProgressDeadlineExceeded", func() (bool, error) {
		d := c.get(t, "stuck")
		cnd := getCondition(d.Status, appsv1.DeploymentProgressing)
		return cnd != nil && cnd.Status == corev1.ConditionFalse && cnd.Reason == "ProgressDeadlineExceeded" &&
			strings.Contains(cnd.Message, "has timed out progressing"), nil
	})
	if cnd := getCondition(c.get(t, "stuck").Status, appsv1.DeploymentAvailable); cnd == nil || cnd.Status != corev1.ConditionFalse {
		t.Errorf("Available condition %+v", cnd)
	}
}

// TestScaleDuringRolloutIsProportional scales a deployment whose rollout
// is stuck (new pods never ready) and checks both ReplicaSets grew.
func TestScaleDuringRolloutIsProportional(t *testing.T) {
	c := startCluster(t)
	d := newDeployment("prop", 10, "prop:1")
	d.Spec.Strategy = rolling(intstr.FromInt32(3), intstr.FromInt32(2))
	c.create(t, d)
	c.rollOut(t, "prop")
	c.setImage(t, "prop", "prop:2")
	c.eventually(t, "rollout stuck at 13 pods", func() (bool, error) {
		rss := c.replicaSets(t, "prop")
		return rss["1"] != nil && rss["2"] != nil && replicasOf(rss["1"].Spec.Replicas) == 8 &&
			replicasOf(rss["2"].Spec.Replicas) == 5, nil
	})
	c.patch(t, "prop", `{"spec":{"replicas":20}}`)
	c.eventually(t, "both grew in proportion (8:5 of 13 -> 14:9 of 23 = 20+surge 3)", func() (bool, error) {
		rss := c.replicaSets(t, "prop")
		return replicasOf(rss["1"].Spec.Replicas) == 14 && replicasOf(rss["2"].Spec.Replicas) == 9, nil
	})
}
