package fake

import (
	"context"
	"net/netip"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"
)

func runPod(t *testing.T, r *Runtime, annotations map[string]string) (string, string) {
	t.Helper()
	ctx := context.Background()
	sb, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata:    &runtimeapi.PodSandboxMetadata{Name: "p", Namespace: "ns", Uid: "u1"},
		Labels:      map[string]string{"io.kubernetes.pod.uid": "u1"},
		Annotations: annotations,
	}})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	c, err := r.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "c"}, Image: &runtimeapi.ImageSpec{Image: "busybox"},
		Labels: map[string]string{"io.kubernetes.pod.uid": "u1"},
	}})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := r.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	return sb.PodSandboxId, c.ContainerId
}

func containerStatus(t *testing.T, r *Runtime, id string) *runtimeapi.ContainerStatus {
	t.Helper()
	st, err := r.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if err != nil {
		t.Fatalf("ContainerStatus: %v", err)
	}
	return st.Status
}

func TestExitAfter(t *testing.T) {
	cases := []struct {
		name        string
		annotations map[string]string
		wantExit    bool
		wantCode    int32
	}{
		{"no annotation runs forever", nil, false, 0},
		{"exit 0 by default", map[string]string{ExitAfterAnnotation: "5s"}, true, 0},
		{"exit code from annotation", map[string]string{ExitAfterAnnotation: "5s", ExitCodeAnnotation: "3"}, true, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			clk := clocktesting.NewFakeClock(time.Unix(1000, 0))
			r, err := New("10.42.0.0/24", WithClock(clk))
			if err != nil {
				t.Fatal(err)
			}
			_, id := runPod(t, r, tc.annotations)
			clk.Step(4 * time.Second)
			if st := containerStatus(t, r, id); st.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
				t.Fatalf("before the delay: state %s, want running", st.State)
			}
			clk.Step(2 * time.Second)
			st := containerStatus(t, r, id)
			if !tc.wantExit {
				if st.State != runtimeapi.ContainerState_CONTAINER_RUNNING {
					t.Fatalf("state %s, want running", st.State)
				}
				return
			}
			if st.State != runtimeapi.ContainerState_CONTAINER_EXITED || st.ExitCode != tc.wantCode {
				t.Fatalf("state %s code %d, want exited with %d", st.State, st.ExitCode, tc.wantCode)
			}
			if want := time.Unix(1005, 0).UnixNano(); st.FinishedAt != want {
				t.Fatalf("finishedAt %d, want the scheduled exit time %d", st.FinishedAt, want)
			}
			list, _ := r.ListContainers(context.Background(), &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
				State: &runtimeapi.ContainerStateValue{State: runtimeapi.ContainerState_CONTAINER_RUNNING},
			}})
			if len(list.Containers) != 0 {
				t.Fatalf("exited container listed as running")
			}
		})
	}
}

func TestBadExitAnnotationFailsCreate(t *testing.T) {
	r, _ := New("10.42.0.0/24")
	ctx := context.Background()
	sb, _ := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "p"}, Annotations: map[string]string{ExitAfterAnnotation: "soon"},
	}})
	_, err := r.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "c"}, Image: &runtimeapi.ImageSpec{Image: "x"},
	}})
	if err == nil {
		t.Fatal("CreateContainer accepted an invalid exit-after annotation")
	}
}

func TestSandboxIPs(t *testing.T) {
	r, err := New("10.42.7.0/30")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sb1, _ := runPod(t, r, nil)
	st, err := r.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb1})
	if err != nil {
		t.Fatal(err)
	}
	if st.Status.Network.GetIp() != "10.42.7.2" {
		t.Fatalf("ip %q, want 10.42.7.2 (first host after the gateway)", st.Status.Network.GetIp())
	}
	if _, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "q"}}}); err == nil {
		t.Fatal("a /30 gave a second pod IP")
	}
	if _, err := r.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb1}); err != nil {
		t.Fatal(err)
	}
	if c := containerStatus(t, r, firstContainer(t, r)); c.State != runtimeapi.ContainerState_CONTAINER_EXITED {
		t.Fatalf("container of a stopped sandbox is %s", c.State)
	}
	if _, err := r.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{Metadata: &runtimeapi.PodSandboxMetadata{Name: "q"}}}); err != nil {
		t.Fatalf("IP not released on stop: %v", err)
	}
}

func firstContainer(t *testing.T, r *Runtime) string {
	list, _ := r.ListContainers(context.Background(), &runtimeapi.ListContainersRequest{})
	if len(list.Containers) == 0 {
		t.Fatal("no containers")
	}
	return list.Containers[0].Id
}

func TestUpdateRuntimeConfigChangesCIDR(t *testing.T) {
	r, _ := New("10.42.0.0/24")
	ctx := context.Background()
	_, err := r.UpdateRuntimeConfig(ctx, &runtimeapi.UpdateRuntimeConfigRequest{RuntimeConfig: &runtimeapi.RuntimeConfig{
		NetworkConfig: &runtimeapi.NetworkConfig{PodCidr: "10.99.1.0/24"}}})
	if err != nil {
		t.Fatal(err)
	}
	sb, _ := runPod(t, r, nil)
	st, _ := r.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb})
	ip := netip.MustParseAddr(st.Status.Network.Ip)
	if !netip.MustParsePrefix("10.99.1.0/24").Contains(ip) {
		t.Fatalf("ip %s not in the new CIDR", ip)
	}
}

func TestLabelFilterAndImages(t *testing.T) {
	r, _ := New("10.42.0.0/24")
	ctx := context.Background()
	runPod(t, r, nil)
	got, _ := r.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: map[string]string{"io.kubernetes.pod.uid": "other"}}})
	if len(got.Items) != 0 {
		t.Fatalf("label selector matched %d sandboxes of another pod", len(got.Items))
	}
	img := &runtimeapi.ImageSpec{Image: "nginx"}
	if st, _ := r.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: img}); st.Image != nil {
		t.Fatal("image present before pull")
	}
	if _, err := r.PullImage(ctx, &runtimeapi.PullImageRequest{Image: img}); err != nil {
		t.Fatal(err)
	}
	if st, _ := r.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: img}); st.Image == nil {
		t.Fatal("image absent after pull")
	}
}

func TestExecExitCodeAnnotation(t *testing.T) {
	cases := []struct {
		annotations map[string]string
		want        int32
	}{
		{nil, 0},
		{map[string]string{ExecExitCodeAnnotation: "1"}, 1},
		{map[string]string{ExecExitCodeAnnotation: "1", ExecExitCodeAnnotation + ".c": "7"}, 7},
		{map[string]string{ExecExitCodeAnnotation + ".other": "7"}, 0},
	}
	for _, tc := range cases {
		r, _ := New("10.42.0.0/24")
		_, id := runPod(t, r, tc.annotations)
		resp, err := r.ExecSync(context.Background(), &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"true"}})
		if err != nil || resp.ExitCode != tc.want {
			t.Errorf("%v: exit %v, %v; want %d", tc.annotations, resp, err, tc.want)
		}
	}
}
