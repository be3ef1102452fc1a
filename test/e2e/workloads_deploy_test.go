package e2e

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/watch"
)

// testRollout: set image rolls without ever dropping below the replica
// count; history, undo, pause/resume and restart behave as kubectl users
// expect.
func (e *workloadEnv) testRollout(t *testing.T) {
	const ns, img1, img2 = "rollout", "busybox:1.36", "busybox:1.37"
	e.namespace(t, ns)
	e.apply(t, ns, rollingDeployment("web", 4, img1))
	e.rolloutStatus(t, ns, "deploy/web")
	e.waitServing(t, ns, "app=web", 4, 30*time.Second, withImage(img1))

	rec := recordPods(t, e.cs, ns, "app=web")
	e.k.ok(t, "set", "image", "-n", ns, "deploy/web", "app="+img2)
	e.rolloutStatus(t, ns, "deploy/web")
	e.waitServing(t, ns, "app=web", 4, 30*time.Second, withImage(img2))
	rec.Stop()
	e.checkNeverBelow(t, rec, 4, img2)

	if got := revisions(e.k.ok(t, "rollout", "history", "-n", ns, "deploy/web")); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("rollout history revisions = %v, want [1 2]", got)
	}

	e.k.ok(t, "rollout", "undo", "-n", ns, "deploy/web")
	e.k.expectJSONPath(t, ns, "deploy/web", "{.spec.template.spec.containers[0].image}", img1)
	e.rolloutStatus(t, ns, "deploy/web")
	e.waitServing(t, ns, "app=web", 4, 30*time.Second, withImage(img1))
	if got := revisions(e.k.ok(t, "rollout", "history", "-n", ns, "deploy/web")); !slices.Equal(got, []string{"2", "3"}) {
		t.Errorf("rollout history after undo = %v, want [2 3] (undo reuses revision 1 as 3)", got)
	}

	t.Run("pause-resume", func(t *testing.T) { e.checkPauseResume(t, ns) })
	t.Run("restart", func(t *testing.T) { e.checkRestart(t, ns) })
}

// checkNeverBelow replays the recorded pod events: after every event at
// least min pods of the old or new template were Ready and not
// terminating, and the new image was really rolled out.
func (e *workloadEnv) checkNeverBelow(t *testing.T, rec *podRecorder, min int, newImage string) {
	t.Helper()
	lowest, sawNew, steps := 1<<30, false, 0
	lowestAt := ""
	rec.replay(t, func(state map[string]*corev1.Pod, ev *podEvent) {
		steps++
		if n := countPods(state, serving); n < lowest {
			lowest, lowestAt = n, describeEvent(ev)
		}
		if ev != nil && ev.Type == watch.Added && ev.Pod.Spec.Containers[0].Image == newImage {
			sawNew = true
		}
	})
	if !sawNew {
		t.Errorf("the watch saw no pod of image %s created during the rollout (%d states)", newImage, steps)
	}
	if lowest < min {
		t.Errorf("ready pods dropped to %d (< %d) at %s", lowest, min, lowestAt)
	}
}

func describeEvent(ev *podEvent) string {
	if ev == nil {
		return "the start"
	}
	return fmt.Sprintf("%s %s (ready=%v, terminating=%v)", ev.Type, ev.Pod.Name, podReady(ev.Pod), ev.Pod.DeletionTimestamp != nil)
}

// checkPauseResume: a paused Deployment records a template change without
// rolling it; resume rolls it.
func (e *workloadEnv) checkPauseResume(t *testing.T, ns string) {
	const img3 = "busybox:1.38"
	e.k.ok(t, "rollout", "pause", "-n", ns, "deploy/web")
	e.k.expectJSONPath(t, ns, "deploy/web", "{.spec.paused}", "true")
	e.k.ok(t, "set", "image", "-n", ns, "deploy/web", "app="+img3)
	// Once the controller has observed the new generation, a paused
	// Deployment must not have made a ReplicaSet for the new template.
	waitFor(t, 30*time.Second, "paused deployment observed", func() (bool, string) {
		d := e.deployment(t, ns, "web")
		c := deploymentCondition(d, appsv1.DeploymentProgressing)
		return d.Status.ObservedGeneration == d.Generation && c != nil && c.Reason == "DeploymentPaused",
			fmt.Sprintf("observedGeneration %d of %d, progressing %+v", d.Status.ObservedGeneration, d.Generation, c)
	})
	for _, rs := range e.replicaSets(t, ns, "app=web") {
		if rs.Spec.Template.Spec.Containers[0].Image == img3 {
			t.Errorf("paused deployment created ReplicaSet %s for %s", rs.Name, img3)
		}
	}
	e.k.ok(t, "rollout", "resume", "-n", ns, "deploy/web")
	e.rolloutStatus(t, ns, "deploy/web")
	e.waitServing(t, ns, "app=web", 4, 30*time.Second, withImage(img3))
}

// checkRestart: `rollout restart` replaces every pod with the same image.
func (e *workloadEnv) checkRestart(t *testing.T, ns string) {
	before := map[string]bool{}
	for _, p := range e.pods(t, ns, "app=web") {
		before[p.Name] = true
	}
	e.k.ok(t, "rollout", "restart", "-n", ns, "deploy/web")
	if e.k.jsonpath(t, ns, "deploy/web", `{.spec.template.metadata.annotations.kubectl\.kubernetes\.io/restartedAt}`) == "" {
		t.Errorf("rollout restart did not stamp restartedAt on the pod template")
	}
	e.rolloutStatus(t, ns, "deploy/web")
	e.waitServing(t, ns, "app=web", 4, 30*time.Second, func(p *corev1.Pod) string {
		if before[p.Name] {
			return "still there from before the restart"
		}
		return ""
	})
}

// testGarbageCollector: deleting a Deployment removes its ReplicaSets and
// their pods.
func (e *workloadEnv) testGarbageCollector(t *testing.T) {
	const ns = "gc"
	e.namespace(t, ns)
	e.apply(t, ns, rollingDeployment("doomed", 3, "busybox:1.36"))
	e.rolloutStatus(t, ns, "deploy/doomed")
	e.k.ok(t, "delete", "-n", ns, "deployment", "doomed")
	waitFor(t, 30*time.Second, "replicasets and pods of doomed gone", func() (bool, string) {
		rss, pods := e.replicaSets(t, ns, "app=doomed"), e.pods(t, ns, "app=doomed")
		return len(rss) == 0 && len(pods) == 0, fmt.Sprintf("%d replicasets, pods %s", len(rss), describePods(pods))
	})
}

// testRestartMidRollout: SIGKILL of the control plane while a Deployment
// rolls loses no acknowledged write, and the rollout completes after the
// restart.
func (e *workloadEnv) testRestartMidRollout(t *testing.T) {
	const ns, img1, img2 = "restart", "busybox:1.36", "busybox:1.37"
	e.namespace(t, ns)
	d := rollingDeployment("phoenix", 6, img1)
	// minReadySeconds makes each step of the rollout take a while, so the
	// kill lands in the middle.
	d.Spec.MinReadySeconds = 2
	e.apply(t, ns, d)
	e.rolloutStatus(t, ns, "deploy/phoenix")
	e.k.ok(t, "create", "configmap", "marker", "-n", ns, "--from-literal=k=v")
	e.k.ok(t, "set", "image", "-n", ns, "deploy/phoenix", "app="+img2)
	waitFor(t, 60*time.Second, "rollout under way", func() (bool, string) {
		d := e.deployment(t, ns, "phoenix")
		s := d.Status
		return d.Status.ObservedGeneration == d.Generation && s.UpdatedReplicas >= 1 && s.UpdatedReplicas < 6,
			fmt.Sprintf("%+v", s)
	})
	e.s.Kill()
	e.s.Restart()

	e.k.expectJSONPath(t, ns, "configmap/marker", "{.data.k}", "v")
	e.k.expectJSONPath(t, ns, "deploy/phoenix", "{.spec.template.spec.containers[0].image}", img2)
	e.rolloutStatus(t, ns, "deploy/phoenix")
	e.waitServing(t, ns, "app=phoenix", 6, 60*time.Second, withImage(img2))
	if got := revisions(e.k.ok(t, "rollout", "history", "-n", ns, "deploy/phoenix")); !slices.Equal(got, []string{"1", "2"}) {
		t.Errorf("rollout history after restart = %v, want [1 2]", got)
	}
}

func (e *workloadEnv) deployment(t *testing.T, ns, name string) *appsv1.Deployment {
	t.Helper()
	d, err := e.cs.AppsV1().Deployments(ns).Get(context.Background(), name, metav1.GetOptions{})
	if err != nil {
		t.Fatalf("getting deployment %s/%s: %v", ns, name, err)
	}
	return d
}

func (e *workloadEnv) replicaSets(t *testing.T, ns, selector string) []appsv1.ReplicaSet {
	t.Helper()
	l, err := e.cs.AppsV1().ReplicaSets(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatalf("listing replicasets in %s: %v", ns, err)
	}
	return l.Items
}

func deploymentCondition(d *appsv1.Deployment, typ appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == typ {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}
