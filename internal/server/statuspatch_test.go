package server

import (
	"context"
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// TestStatusPatches: patches of pods/status (the kubelet's write) change
// the status only, honour uid and resourceVersion preconditions carried
// in the patch, and leave spec, labels and generation alone, for each
// patch type.
func TestStatusPatches(t *testing.T) {
	s := startTestServer(t, func(o *Options) { o.DisableAgent = true })
	ctx := context.Background()
	pods := clientFor(t, s, false).CoreV1().Pods("default")
	p, err := pods.Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "st", Labels: map[string]string{"app": "x"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	patches := []struct {
		pt    types.PatchType
		patch string
		ip    string
	}{
		{types.StrategicMergePatchType, `{"metadata":{"uid":"%s","labels":{"app":"changed"}},"spec":{"nodeName":"elsewhere"},"status":{"podIP":"10.0.0.1","conditions":[{"type":"Ready","status":"True"}]}}`, "10.0.0.1"},
		{types.MergePatchType, `{"metadata":{"uid":"%s"},"status":{"podIP":"10.0.0.2"}}`, "10.0.0.2"},
		{types.JSONPatchType, `[{"op":"test","path":"/metadata/uid","value":"%s"},{"op":"test","path":"/spec/containers/0/name","value":"c"},{"op":"replace","path":"/status/podIP","value":"10.0.0.3"}]`, "10.0.0.3"},
	}
	for _, c := range patches {
		got, err := pods.Patch(ctx, "st", c.pt, []byte(fmt.Sprintf(c.patch, p.UID)), metav1.PatchOptions{}, "status")
		if err != nil {
			t.Fatalf("%s: %v", c.pt, err)
		}
		if got.Status.PodIP != c.ip || got.Labels["app"] != "x" || got.Spec.NodeName != "" || got.Generation != p.Generation {
			t.Errorf("%s: podIP %q labels %v nodeName %q generation %d; want podIP %s and nothing else changed",
				c.pt, got.Status.PodIP, got.Labels, got.Spec.NodeName, got.Generation, c.ip)
		}
	}
	if got, _ := pods.Get(ctx, "st", metav1.GetOptions{}); len(got.Status.Conditions) == 0 {
		t.Errorf("strategic patch's condition lost: %+v", got.Status)
	}
	wrongUID := `{"metadata":{"uid":"not-the-uid"},"status":{"podIP":"10.9.9.9"}}`
	if _, err := pods.Patch(ctx, "st", types.StrategicMergePatchType, []byte(wrongUID), metav1.PatchOptions{}, "status"); !apierrors.IsConflict(err) {
		t.Errorf("patch with another uid: got %v, want Conflict", err)
	}
	staleRV := fmt.Sprintf(`{"metadata":{"resourceVersion":"%s"},"status":{"podIP":"10.9.9.9"}}`, p.ResourceVersion)
	if _, err := pods.Patch(ctx, "st", types.MergePatchType, []byte(staleRV), metav1.PatchOptions{}, "status"); !apierrors.IsConflict(err) {
		t.Errorf("patch with a stale resourceVersion: got %v, want Conflict", err)
	}
	if got, _ := pods.Get(ctx, "st", metav1.GetOptions{}); got.Status.PodIP != "10.0.0.3" {
		t.Errorf("refused patches changed the pod: podIP %q", got.Status.PodIP)
	}
}
