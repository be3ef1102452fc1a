package fake

import (
	"context"
	"rudder/internal/kubelet/runtime"
	"slices"
	"testing"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// podObjects creates a ready sandbox with one running container for the
// pod uid and returns their IDs.
func podObjects(t *testing.T, r *Runtime, uid string) (string, string) {
	t.Helper()
	ctx := context.Background()
	labels := map[string]string{runtime.LabelPodUID: uid, "app": "web"}
	sb, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: uid, Namespace: "ns", Uid: uid}, Labels: labels,
	}})
	if err != nil {
		t.Fatal(err)
	}
	c, err := r.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "c"}, Image: &runtimeapi.ImageSpec{Image: "busybox"}, Labels: labels,
	}})
	if err != nil {
		t.Fatal(err)
	}
	return sb.PodSandboxId, c.ContainerId
}

// listed lists the IDs of the sandboxes and containers a selector matches.
func listed(t *testing.T, r *Runtime, selector map[string]string) (sandboxes, containers []string) {
	t.Helper()
	ctx := context.Background()
	sbs, err := r.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: selector}})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range sbs.Items {
		sandboxes = append(sandboxes, s.Id)
	}
	cs, err := r.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: selector}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cs.Containers {
		containers = append(containers, c.Id)
	}
	slices.Sort(sandboxes)
	slices.Sort(containers)
	return sandboxes, containers
}

func TestListByPodUID(t *testing.T) {
	r, err := New("10.42.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sbA, cA := podObjects(t, r, "a")
	sbB, cB := podObjects(t, r, "b")
	check := func(step string, selector map[string]string, wantSandboxes, wantContainers []string) {
		t.Helper()
		slices.Sort(wantSandboxes)
		slices.Sort(wantContainers)
		sbs, cs := listed(t, r, selector)
		if !slices.Equal(sbs, wantSandboxes) || !slices.Equal(cs, wantContainers) {
			t.Errorf("%s, selector %v: sandboxes %v containers %v, want %v %v", step, selector, sbs, cs, wantSandboxes, wantContainers)
		}
	}
	podA, podB := map[string]string{runtime.LabelPodUID: "a"}, map[string]string{runtime.LabelPodUID: "b"}
	check("created", podA, []string{sbA}, []string{cA})
	check("created", map[string]string{runtime.LabelPodUID: "a", "app": "db"}, nil, nil)
	check("created", map[string]string{runtime.LabelPodUID: "c"}, nil, nil)
	check("created", map[string]string{"app": "web"}, []string{sbA, sbB}, []string{cA, cB})
	check("created", nil, []string{sbA, sbB}, []string{cA, cB})

	if _, err := r.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: cA}); err != nil {
		t.Fatal(err)
	}
	check("container of a removed", podA, []string{sbA}, nil)
	check("container of a removed", nil, []string{sbA, sbB}, []string{cB})

	if _, err := r.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sbB}); err != nil {
		t.Fatal(err)
	}
	check("sandbox of b removed", podB, nil, nil)
	check("sandbox of b removed", podA, []string{sbA}, nil)
	check("sandbox of b removed", nil, []string{sbA}, nil)
}
