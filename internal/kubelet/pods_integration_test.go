package kubelet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"

	"rudder/internal/kubelet/runtime/fake"
)

func (c *cluster) create(t *testing.T, pod *corev1.Pod) *corev1.Pod {
	t.Helper()
	pod.Namespace = "default"
	out, err := c.client.CoreV1().Pods("default").Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create pod %s: %v", pod.Name, err)
	}
	return out
}

// podEvents lists the events about a pod.
func (c *cluster) podEvents(name string) ([]corev1.Event, error) {
	sel := fields.Set{"involvedObject.name": name}.AsSelector().String()
	list, err := c.client.CoreV1().Events("default").List(context.Background(), metav1.ListOptions{FieldSelector: sel})
	if err != nil {
		return nil, err
	}
	return list.Items, nil
}

func findEvent(events []corev1.Event, reason, msgPart string) *corev1.Event {
	for i := range events {
		if events[i].Reason == reason && strings.Contains(events[i].Message, msgPart) {
			return &events[i]
		}
	}
	return nil
}

func TestPodsAsKubernetesRunsThem(t *testing.T) {
	c := startCluster(t, 1)
	ctx := context.Background()
	cms := c.client.CoreV1().ConfigMaps("default")

	t.Run("missing configmap gives CreateContainerConfigError until it exists", func(t *testing.T) {
		c.create(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "needs-cm"}, Spec: corev1.PodSpec{NodeName: nodeName(0),
			Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36", Env: []corev1.EnvVar{{Name: "COLOR",
				ValueFrom: &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{
					LocalObjectReference: corev1.LocalObjectReference{Name: "late"}, Key: "color"}}}}}}}})
		eventually(t, "CreateContainerConfigError", func() error {
			p, err := c.pod("needs-cm")
			if err != nil || len(p.Status.ContainerStatuses) == 0 {
				return fmt.Errorf("no status (%v)", err)
			}
			w := p.Status.ContainerStatuses[0].State.Waiting
			if w == nil || w.Reason != "CreateContainerConfigError" || w.Message != `configmap "late" not found` {
				return fmt.Errorf("state %+v", p.Status.ContainerStatuses[0].State)
			}
			return nil
		})
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "late"}, Data: map[string]string{"color": "red"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		c.waitRunningReady(t, "needs-cm")
	})

	t.Run("configMap volume is written and updated in place", func(t *testing.T) {
		if _, err := cms.Create(ctx, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: "app-config"}, Data: map[string]string{"mode": "v1"}}, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		pod := c.create(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "with-volume"}, Spec: corev1.PodSpec{NodeName: nodeName(0),
			Volumes: []corev1.Volume{{Name: "cfg", VolumeSource: corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{
				LocalObjectReference: corev1.LocalObjectReference{Name: "app-config"}}}}},
			Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36", VolumeMounts: []corev1.VolumeMount{{Name: "cfg", MountPath: "/etc/app"}}}}}})
		c.waitRunningReady(t, "with-volume")
		file := filepath.Join(c.roots[0], "pods", string(pod.UID), "volumes", "kubernetes.io~configmap", "cfg", "mode")
		readIs := func(want string) func() error {
			return func() error {
				b, err := os.ReadFile(file)
				if err != nil || string(b) != want {
					return fmt.Errorf("%s = %q (%v), want %q", file, b, err, want)
				}
				return nil
			}
		}
		eventually(t, "volume written", readIs("v1"))
		for _, f := range []string{"etc-hosts", "resolv.conf"} {
			if _, err := os.Stat(filepath.Join(c.roots[0], "pods", string(pod.UID), f)); err != nil {
				t.Fatalf("pod %s: %v", f, err)
			}
		}
		cm, _ := cms.Get(ctx, "app-config", metav1.GetOptions{})
		cm.Data["mode"] = "v2"
		if _, err := cms.Update(ctx, cm, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "volume updated", readIs("v2"))
		if err := c.client.CoreV1().Pods("default").Delete(ctx, "with-volume", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "pod dir removed", func() error {
			if _, err := os.Stat(filepath.Join(c.roots[0], "pods", string(pod.UID))); !os.IsNotExist(err) {
				return fmt.Errorf("still there (%v)", err)
			}
			return nil
		})
	})

	t.Run("failing liveness probe restarts the container", func(t *testing.T) {
		c.create(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "sick", Annotations: map[string]string{fake.ExecExitCodeAnnotation: "1"}},
			Spec: corev1.PodSpec{NodeName: nodeName(0), Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36",
				LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"false"}}},
					PeriodSeconds: 1, FailureThreshold: 1}}}}})
		eventually(t, "restarted after liveness failure", func() error {
			p, err := c.pod("sick")
			if err != nil || len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].RestartCount < 1 {
				return fmt.Errorf("not restarted yet (%v)", err)
			}
			events, err := c.podEvents("sick")
			if err != nil {
				return err
			}
			if findEvent(events, "Unhealthy", "Liveness probe failed") == nil {
				return fmt.Errorf("no Unhealthy event in %d events", len(events))
			}
			if findEvent(events, "Killing", "Container main failed liveness probe, will be restarted") == nil {
				return fmt.Errorf("no Killing event")
			}
			return nil
		})
	})

	t.Run("events come from the kubelet of the node", func(t *testing.T) {
		eventually(t, "Started event", func() error {
			events, err := c.podEvents("needs-cm")
			if err != nil {
				return err
			}
			ev := findEvent(events, "Started", "Started container main")
			if ev == nil {
				return fmt.Errorf("no Started event in %d", len(events))
			}
			if ev.ReportingController != "kubelet" || ev.ReportingInstance != nodeName(0) || ev.InvolvedObject.FieldPath != "spec.containers{main}" {
				t.Fatalf("event source %q/%q fieldPath %q", ev.ReportingController, ev.ReportingInstance, ev.InvolvedObject.FieldPath)
			}
			if findEvent(events, "Failed", `Error: configmap "late" not found`) == nil {
				return fmt.Errorf("no Failed event for the config error")
			}
			return nil
		})
	})
}
