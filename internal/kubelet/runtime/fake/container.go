package fake

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

type container struct {
	id         string
	sandboxID  string
	config     *runtimeapi.ContainerConfig
	imageRef   string
	state      runtimeapi.ContainerState
	createdAt  int64
	startedAt  int64
	finishedAt int64
	exitCode   int32
	reason     string
	logPath    string

	exitAfter    time.Duration // 0: runs until stopped
	exitCodeWant int32
}

// refresh applies a scheduled exit that is due at now.
func (c *container) refresh(now int64) {
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING || c.exitAfter <= 0 {
		return
	}
	if due := c.startedAt + int64(c.exitAfter); now >= due {
		c.exit(due, c.exitCodeWant)
	}
}

func (c *container) exit(at int64, code int32) {
	c.state = runtimeapi.ContainerState_CONTAINER_EXITED
	c.finishedAt = at
	c.exitCode = code
	c.reason = "Completed"
	if code != 0 {
		c.reason = "Error"
	}
}

// stop is a graceful stop: fake processes honour SIGTERM and exit 0.
func (c *container) stop(now int64) {
	c.refresh(now)
	switch c.state {
	case runtimeapi.ContainerState_CONTAINER_RUNNING:
		c.exit(now, 0)
	case runtimeapi.ContainerState_CONTAINER_CREATED:
		c.state = runtimeapi.ContainerState_CONTAINER_EXITED
		c.finishedAt = now
	}
}

// exitPlan reads the fake-exit annotations of the pod.
func exitPlan(annotations map[string]string) (time.Duration, int32, error) {
	raw, ok := annotations[ExitAfterAnnotation]
	if !ok {
		return 0, 0, nil
	}
	d, err := time.ParseDuration(raw)
	if err != nil || d <= 0 {
		return 0, 0, status.Errorf(codes.InvalidArgument, "annotation %s=%q is not a positive duration", ExitAfterAnnotation, raw)
	}
	code := int64(0)
	if rawCode, ok := annotations[ExitCodeAnnotation]; ok {
		code, err = strconv.ParseInt(rawCode, 10, 32)
		if err != nil || code < 0 || code > 255 {
			return 0, 0, status.Errorf(codes.InvalidArgument, "annotation %s=%q is not an exit code", ExitCodeAnnotation, rawCode)
		}
	}
	return d, int32(code), nil
}

func imageRef(image string) string {
	sum := sha256.Sum256([]byte(image))
	return "sha256:" + hex.EncodeToString(sum[:])
}

// CreateContainer creates a container in a ready sandbox.
func (r *Runtime) CreateContainer(_ context.Context, req *runtimeapi.CreateContainerRequest) (*runtimeapi.CreateContainerResponse, error) {
	if req.GetConfig().GetMetadata() == nil || req.GetConfig().GetImage() == nil {
		return nil, status.Error(codes.InvalidArgument, "container config metadata and image are required")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sandboxes[req.PodSandboxId]
	if s == nil {
		return nil, status.Errorf(codes.NotFound, "sandbox %q not found", req.PodSandboxId)
	}
	if s.state != runtimeapi.PodSandboxState_SANDBOX_READY {
		return nil, status.Errorf(codes.FailedPrecondition, "sandbox %q is not ready", s.id)
	}
	after, code, err := exitPlan(s.config.Annotations)
	if err != nil {
		return nil, err
	}
	c := &container{
		id: r.newID(), sandboxID: s.id, config: req.Config,
		imageRef: imageRef(req.Config.Image.Image), state: runtimeapi.ContainerState_CONTAINER_CREATED,
		createdAt: r.now(), exitAfter: after, exitCodeWant: code,
	}
	if req.Config.LogPath != "" {
		c.logPath = s.config.LogDirectory + "/" + req.Config.LogPath
	}
	r.containers[c.id] = c
	r.containersByPod.add(c.config.Labels, c.id, c)
	return &runtimeapi.CreateContainerResponse{ContainerId: c.id}, nil
}

// StartContainer starts a created container; it is running at once.
func (r *Runtime) StartContainer(_ context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.containers[req.ContainerId]
	if c == nil {
		return nil, status.Errorf(codes.NotFound, "container %q not found", req.ContainerId)
	}
	if c.state != runtimeapi.ContainerState_CONTAINER_CREATED {
		return nil, status.Errorf(codes.FailedPrecondition, "container %q is in state %s, not created", c.id, c.state)
	}
	c.state = runtimeapi.ContainerState_CONTAINER_RUNNING
	c.startedAt = r.now()
	return &runtimeapi.StartContainerResponse{}, nil
}

// StopContainer stops a container; fake processes exit 0 on SIGTERM, so
// the timeout never matters.
func (r *Runtime) StopContainer(_ context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.containers[req.ContainerId]; c != nil {
		c.stop(r.now())
	}
	return &runtimeapi.StopContainerResponse{}, nil
}

// RemoveContainer removes a container, running or not.
func (r *Runtime) RemoveContainer(_ context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c := r.containers[req.ContainerId]; c != nil {
		r.removeContainer(c)
	}
	return &runtimeapi.RemoveContainerResponse{}, nil
}

// ListContainers lists containers matching the filter.
func (r *Runtime) ListContainers(_ context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f, now := req.GetFilter(), r.now()
	var out []*runtimeapi.Container
	for _, c := range r.containersByPod.candidates(r.containers, f.GetLabelSelector()) {
		if !c.matches(f) {
			continue
		}
		c.refresh(now)
		if f.GetState() != nil && f.GetState().State != c.state {
			continue
		}
		out = append(out, &runtimeapi.Container{
			Id: c.id, PodSandboxId: c.sandboxID, Metadata: c.config.Metadata,
			Image: c.config.Image, ImageRef: c.imageRef, State: c.state, CreatedAt: c.createdAt,
			Labels: c.config.Labels, Annotations: c.config.Annotations,
		})
	}
	return &runtimeapi.ListContainersResponse{Containers: out}, nil
}

// removeContainer forgets a container. Callers hold mu.
func (r *Runtime) removeContainer(c *container) {
	delete(r.containers, c.id)
	r.containersByPod.remove(c.config.Labels, c.id)
}

func (c *container) matches(f *runtimeapi.ContainerFilter) bool {
	if f.GetId() != "" && f.GetId() != c.id {
		return false
	}
	if f.GetPodSandboxId() != "" && f.GetPodSandboxId() != c.sandboxID {
		return false
	}
	return matchLabels(c.config.Labels, f.GetLabelSelector())
}

// ContainerStatus reports a container's state, times and exit code.
func (r *Runtime) ContainerStatus(_ context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.containers[req.ContainerId]
	if c == nil {
		return nil, status.Errorf(codes.NotFound, "container %q not found", req.ContainerId)
	}
	c.refresh(r.now())
	return &runtimeapi.ContainerStatusResponse{Status: &runtimeapi.ContainerStatus{
		Id: c.id, Metadata: c.config.Metadata, State: c.state,
		CreatedAt: c.createdAt, StartedAt: c.startedAt, FinishedAt: c.finishedAt,
		ExitCode: c.exitCode, Image: c.config.Image, ImageRef: c.imageRef, Reason: c.reason,
		Labels: c.config.Labels, Annotations: c.config.Annotations, LogPath: c.logPath,
	}}, nil
}

// ExecSync succeeds with no output in a running container, unless the
// pod sets ExecExitCodeAnnotation.
func (r *Runtime) ExecSync(_ context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.containers[req.ContainerId]
	if c == nil {
		return nil, status.Errorf(codes.NotFound, "container %q not found", req.ContainerId)
	}
	c.refresh(r.now())
	if c.state != runtimeapi.ContainerState_CONTAINER_RUNNING {
		return nil, status.Errorf(codes.FailedPrecondition, "container %q is not running", c.id)
	}
	code, err := r.execExitCode(c)
	if err != nil {
		return nil, err
	}
	return &runtimeapi.ExecSyncResponse{ExitCode: code}, nil
}
