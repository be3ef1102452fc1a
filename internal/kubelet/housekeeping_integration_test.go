package kubelet_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet"
	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/runtime/fake"
)

// runningContainers lists the running containers of a pod (by name) on a
// fake runtime.
func runningContainers(rt *fake.Runtime, podName string) ([]string, error) {
	resp, err := rt.ListContainers(context.Background(), &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		LabelSelector: map[string]string{"io.kubernetes.pod.name": podName},
		State:         &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
	}})
	if err != nil {
		return nil, err
	}
	var ids []string
	for _, c := range resp.Containers {
		ids = append(ids, c.Id)
	}
	return ids, nil
}

func nodeCondition(n *corev1.Node, t corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == t {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// TestEvictionUnderMemoryPressure: the node's memory is low while the
// BestEffort "hog" runs; the kubelet evicts it (not the Guaranteed pod),
// reports MemoryPressure, and clears it once memory recovers.
func TestEvictionUnderMemoryPressure(t *testing.T) {
	c := startClusterWith(t, 1, func(_ int, cfg *kubelet.Config) {
		rt := cfg.Runtime.(*fake.Runtime)
		cfg.EvictionSignals = eviction.SignalSourceFunc(func(context.Context) (eviction.Observations, error) {
			avail := int64(2 << 30)
			if hog, err := runningContainers(rt, "hog"); err == nil && len(hog) > 0 {
				avail = 50 << 20 // below the 100Mi default threshold
			}
			return eviction.Observations{eviction.MemoryAvailable: {Available: avail, Capacity: 4 << 30}}, nil
		})
		cfg.EvictionMonitoringInterval = 100 * time.Millisecond
		cfg.EvictionPressureTransitionPeriod = 4 * time.Second
	})
	ctx := context.Background()
	res := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("64Mi")}
	c.create(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "guaranteed"}, Spec: corev1.PodSpec{NodeName: nodeName(0),
		Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36", Resources: corev1.ResourceRequirements{Requests: res, Limits: res}}}}})
	c.waitRunningReady(t, "guaranteed")
	c.create(t, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "hog"}, Spec: corev1.PodSpec{NodeName: nodeName(0),
		Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}}}})

	eventually(t, "hog evicted", func() error {
		p, err := c.pod("hog")
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodFailed || p.Status.Reason != "Evicted" {
			return fmt.Errorf("phase %s reason %q", p.Status.Phase, p.Status.Reason)
		}
		if !strings.HasPrefix(p.Status.Message, "The node was low on resource: memory. Threshold quantity: 100Mi") {
			return fmt.Errorf("message %q", p.Status.Message)
		}
		if podCondition(p, corev1.DisruptionTarget) != corev1.ConditionTrue {
			return fmt.Errorf("no DisruptionTarget condition: %+v", p.Status.Conditions)
		}
		return nil
	})
	eventually(t, "node MemoryPressure", func() error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, nodeName(0), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if mp := nodeCondition(n, corev1.NodeMemoryPressure); mp == nil || mp.Status != corev1.ConditionTrue || mp.Reason != "KubeletHasInsufficientMemory" {
			return fmt.Errorf("MemoryPressure %+v", mp)
		}
		return nil
	})
	eventually(t, "hog's containers stopped", func() error {
		if ids, err := runningContainers(c.runtimes[0], "hog"); err != nil || len(ids) > 0 {
			return fmt.Errorf("running %v (%v)", ids, err)
		}
		return nil
	})
	eventually(t, "MemoryPressure cleared", func() error {
		n, err := c.client.CoreV1().Nodes().Get(ctx, nodeName(0), metav1.GetOptions{})
		if err != nil {
			return err
		}
		if mp := nodeCondition(n, corev1.NodeMemoryPressure); mp == nil || mp.Status != corev1.ConditionFalse || mp.Reason != "KubeletHasSufficientMemory" {
			return fmt.Errorf("MemoryPressure %+v", mp)
		}
		return nil
	})
	p, err := c.pod("guaranteed")
	if err != nil {
		t.Fatal(err)
	}
	if p.Status.Phase != corev1.PodRunning || p.Status.Reason != "" {
		t.Errorf("guaranteed pod: phase %s reason %q, want Running", p.Status.Phase, p.Status.Reason)
	}
	if p, _ := c.pod("hog"); p.Status.Phase != corev1.PodFailed {
		t.Errorf("evicted pod left Failed: %s", p.Status.Phase)
	}
	eventually(t, "Evicted event", func() error {
		if events, err := c.podEvents("hog"); err != nil || findEvent(events, "Evicted", "low on resource: memory") == nil {
			return fmt.Errorf("no Evicted event (%v)", err)
		}
		return nil
	})
}

const staticManifest = `apiVersion: v1
kind: Pod
metadata:
  name: web
  labels: {tier: static}
spec:
  containers:
  - name: main
    image: busybox:IMAGE
`

// TestStaticPods: a manifest in the folder runs as a pod with a mirror in
// the API; an edit restarts it; a deleted mirror comes back; removing the
// file removes both.
func TestStaticPods(t *testing.T) {
	dir := t.TempDir()
	c := startClusterWith(t, 1, func(_ int, cfg *kubelet.Config) {
		cfg.StaticPodPath, cfg.StaticPodCheckPeriod = dir, 200*time.Millisecond
	})
	ctx := context.Background()
	mirrorName := "web-" + nodeName(0)
	write := func(image string) {
		// Written aside then renamed: the kubelet never reads half a file.
		tmp := filepath.Join(dir, ".web.yaml.tmp")
		if err := os.WriteFile(tmp, []byte(strings.Replace(staticManifest, "IMAGE", image, 1)), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Rename(tmp, filepath.Join(dir, "web.yaml")); err != nil {
			t.Fatal(err)
		}
	}
	// waitMirror waits for a Running mirror of the image and returns it
	// with the ID of its one running container.
	waitMirror := func(image string) (*corev1.Pod, string) {
		var mirror *corev1.Pod
		var id string
		eventually(t, "mirror pod running "+image, func() error {
			p, err := c.pod(mirrorName)
			if err != nil {
				return err
			}
			if p.Annotations["kubernetes.io/config.source"] != "file" || p.Annotations["kubernetes.io/config.mirror"] == "" {
				return fmt.Errorf("annotations %v", p.Annotations)
			}
			if len(p.OwnerReferences) != 1 || p.OwnerReferences[0].Kind != "Node" || p.OwnerReferences[0].Name != nodeName(0) {
				return fmt.Errorf("owners %+v", p.OwnerReferences)
			}
			if p.Spec.Containers[0].Image != image || p.Status.Phase != corev1.PodRunning || podCondition(p, corev1.PodReady) != corev1.ConditionTrue {
				return fmt.Errorf("image %s phase %s", p.Spec.Containers[0].Image, p.Status.Phase)
			}
			ids, err := runningContainers(c.runtimes[0], mirrorName)
			if err != nil || len(ids) != 1 {
				return fmt.Errorf("running containers %v (%v)", ids, err)
			}
			if cs := p.Status.ContainerStatuses; len(cs) != 1 || cs[0].ContainerID != "fake://"+ids[0] {
				return fmt.Errorf("status %+v, running %s", cs, ids[0])
			}
			mirror, id = p, ids[0]
			return nil
		})
		return mirror, id
	}

	write("1.36")
	first, firstID := waitMirror("busybox:1.36")

	write("1.37")
	second, secondID := waitMirror("busybox:1.37")
	if secondID == firstID || second.UID == first.UID {
		t.Errorf("edit did not restart the pod: container %s→%s, mirror %s→%s", firstID, secondID, first.UID, second.UID)
	}

	if err := c.client.CoreV1().Pods("default").Delete(ctx, mirrorName, metav1.DeleteOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, "mirror recreated", func() error {
		p, err := c.pod(mirrorName)
		if err != nil {
			return err
		}
		if p.UID == second.UID || p.DeletionTimestamp != nil || p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("uid %s deleting %v phase %s", p.UID, p.DeletionTimestamp, p.Status.Phase)
		}
		return nil
	})
	if ids, err := runningContainers(c.runtimes[0], mirrorName); err != nil || len(ids) != 1 || ids[0] != secondID {
		t.Errorf("deleting the mirror touched the static pod: running %v (%v), want %s", ids, err, secondID)
	}

	if err := os.Remove(filepath.Join(dir, "web.yaml")); err != nil {
		t.Fatal(err)
	}
	eventually(t, "static pod gone", func() error {
		if _, err := c.pod(mirrorName); !apierrors.IsNotFound(err) {
			return fmt.Errorf("mirror still there (%v)", err)
		}
		resp, err := c.runtimes[0].ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
			LabelSelector: map[string]string{"io.kubernetes.pod.name": mirrorName}}})
		if err != nil || len(resp.Containers) > 0 {
			return fmt.Errorf("containers left %d (%v)", len(resp.GetContainers()), err)
		}
		return nil
	})
}
