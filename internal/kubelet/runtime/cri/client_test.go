package cri

import (
	"context"
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// fakeCRI is a real gRPC server on a unix socket that records what it
// receives; it checks the client's wiring, not containerd.
type fakeCRI struct {
	runtimeapi.UnimplementedRuntimeServiceServer
	runtimeapi.UnimplementedImageServiceServer

	mu             sync.Mutex
	statusCalls    int
	readyAfter     int // Status reports NetworkReady from this call on
	deadlines      map[string]time.Duration
	sandboxConfigs []*runtimeapi.PodSandboxConfig
}

func (f *fakeCRI) record(ctx context.Context, method string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if d, ok := ctx.Deadline(); ok {
		f.deadlines[method] = time.Until(d)
	}
}

func (f *fakeCRI) Version(ctx context.Context, _ *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	f.record(ctx, "Version")
	return &runtimeapi.VersionResponse{RuntimeName: "fakecri", RuntimeApiVersion: "v1"}, nil
}

func (f *fakeCRI) Status(ctx context.Context, _ *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	f.mu.Lock()
	f.statusCalls++
	netReady := f.statusCalls >= f.readyAfter
	f.mu.Unlock()
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		{Type: runtimeapi.NetworkReady, Status: netReady, Reason: "NetworkPluginNotReady"},
	}}}, nil
}

func (f *fakeCRI) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	f.record(ctx, "RunPodSandbox")
	f.mu.Lock()
	f.sandboxConfigs = append(f.sandboxConfigs, req.GetConfig())
	f.mu.Unlock()
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: "sb-" + req.GetConfig().GetMetadata().GetUid()}, nil
}

func (f *fakeCRI) PodSandboxStatus(context.Context, *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	return nil, status.Error(codes.NotFound, "no such sandbox")
}

func (f *fakeCRI) StopContainer(ctx context.Context, _ *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	f.record(ctx, "StopContainer")
	return &runtimeapi.StopContainerResponse{}, nil
}

func (f *fakeCRI) PullImage(ctx context.Context, req *runtimeapi.PullImageRequest) (*runtimeapi.PullImageResponse, error) {
	f.record(ctx, "PullImage")
	return &runtimeapi.PullImageResponse{ImageRef: "sha256:" + req.GetImage().GetImage()}, nil
}

func startFake(t *testing.T, f *fakeCRI) *Client {
	t.Helper()
	dir, err := os.MkdirTemp("", "cri-") // short: unix socket paths are limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	sock := filepath.Join(dir, "cri.sock")
	lis, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	f.deadlines = map[string]time.Duration{}
	srv := grpc.NewServer()
	runtimeapi.RegisterRuntimeServiceServer(srv, f)
	runtimeapi.RegisterImageServiceServer(srv, f)
	go srv.Serve(lis)
	t.Cleanup(srv.Stop)

	c, err := Dial(context.Background(), sock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	return c
}

func TestDialRejectsRelativePath(t *testing.T) {
	if _, err := Dial(context.Background(), "run/containerd.sock"); err == nil {
		t.Fatal("Dial with a relative path succeeded")
	}
}

func TestWaitReadyWaitsForNetwork(t *testing.T) {
	f := &fakeCRI{readyAfter: 3}
	c := startFake(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.statusCalls < 3 {
		t.Errorf("WaitReady returned after %d Status calls, network ready only from the 3rd", f.statusCalls)
	}
}

func TestWaitReadyReportsWhyWhenContextEnds(t *testing.T) {
	c := startFake(t, &fakeCRI{readyAfter: 1 << 30})
	ctx, cancel := context.WithTimeout(context.Background(), 300*time.Millisecond)
	defer cancel()
	err := c.WaitReady(ctx)
	if err == nil {
		t.Fatal("WaitReady succeeded though the network never became ready")
	}
	if want := "NetworkPluginNotReady"; !strings.Contains(err.Error(), want) {
		t.Errorf("error %q does not say %q", err, want)
	}
}

func TestCallsForwardRequestsAndErrors(t *testing.T) {
	f := &fakeCRI{}
	c := startFake(t, f)
	ctx := context.Background()
	resp, err := c.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "p", Namespace: "ns", Uid: "u1"},
		Labels:   map[string]string{"io.kubernetes.pod.uid": "u1"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	if resp.PodSandboxId != "sb-u1" {
		t.Errorf("sandbox id %q, want sb-u1", resp.PodSandboxId)
	}
	if got := f.sandboxConfigs[0].GetLabels()["io.kubernetes.pod.uid"]; got != "u1" {
		t.Errorf("labels not forwarded: %q", got)
	}
	_, err = c.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: "gone"})
	if status.Code(err) != codes.NotFound {
		t.Errorf("PodSandboxStatus error %v, want code NotFound", err)
	}
	_, err = c.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if status.Code(err) != codes.Unimplemented {
		t.Errorf("ListContainers error %v, want the server's Unimplemented", err)
	}
}

func TestCallsCarryTimeouts(t *testing.T) {
	f := &fakeCRI{}
	c := startFake(t, f)
	ctx := context.Background()
	if _, err := c.Version(ctx, &runtimeapi.VersionRequest{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: "x"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.StopContainer(ctx, &runtimeapi.StopContainerRequest{ContainerId: "c", Timeout: 600}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	tests := []struct {
		method  string
		atLeast time.Duration
		atMost  time.Duration
	}{
		{"Version", time.Second, QueryTimeout},
		{"PullImage", ChangeTimeout, PullTimeout},
		// the stop grace period extends the call beyond the default
		{"StopContainer", ChangeTimeout + 5*time.Minute, ChangeTimeout + 10*time.Minute},
	}
	for _, tt := range tests {
		d, ok := f.deadlines[tt.method]
		if !ok {
			t.Errorf("%s reached the server without a deadline", tt.method)
			continue
		}
		if d < tt.atLeast || d > tt.atMost {
			t.Errorf("%s deadline in %v, want between %v and %v", tt.method, d, tt.atLeast, tt.atMost)
		}
	}
}

func TestCallerDeadlineWins(t *testing.T) {
	f := &fakeCRI{}
	c := startFake(t, f)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := c.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: "x"}}); err != nil {
		t.Fatal(err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if d := f.deadlines["PullImage"]; d > 5*time.Second {
		t.Errorf("PullImage deadline in %v, the caller allowed 5s", d)
	}
}
