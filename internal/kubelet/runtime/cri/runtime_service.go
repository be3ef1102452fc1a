package cri

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Version asks the runtime's name and CRI version.
func (c *Client) Version(ctx context.Context, req *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return call(ctx, QueryTimeout, c.rs.Version, req)
}

// Status reports the runtime and network conditions.
func (c *Client) Status(ctx context.Context, req *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	return call(ctx, QueryTimeout, c.rs.Status, req)
}

// RunPodSandbox creates and starts a pod sandbox (network namespace and pause).
func (c *Client) RunPodSandbox(ctx context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.RunPodSandbox, req)
}

// StopPodSandbox stops a sandbox's containers and tears down its network.
func (c *Client) StopPodSandbox(ctx context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.StopPodSandbox, req)
}

// RemovePodSandbox deletes a stopped sandbox.
func (c *Client) RemovePodSandbox(ctx context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.RemovePodSandbox, req)
}

// PodSandboxStatus reports one sandbox.
func (c *Client) PodSandboxStatus(ctx context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	return call(ctx, QueryTimeout, c.rs.PodSandboxStatus, req)
}

// ListPodSandbox lists sandboxes matching the filter.
func (c *Client) ListPodSandbox(ctx context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ListPodSandbox, req)
}

// CreateContainer creates a container in a sandbox.
func (c *Client) CreateContainer(ctx context.Context, req *runtimeapi.CreateContainerRequest) (*runtimeapi.CreateContainerResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.CreateContainer, req)
}

// StartContainer starts a created container.
func (c *Client) StartContainer(ctx context.Context, req *runtimeapi.StartContainerRequest) (*runtimeapi.StartContainerResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.StartContainer, req)
}

// StopContainer stops a container; the call may last the grace period.
func (c *Client) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	return call(ctx, graceTimeout(req.GetTimeout()), c.rs.StopContainer, req)
}

// RemoveContainer deletes a container.
func (c *Client) RemoveContainer(ctx context.Context, req *runtimeapi.RemoveContainerRequest) (*runtimeapi.RemoveContainerResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.RemoveContainer, req)
}

// ListContainers lists containers matching the filter.
func (c *Client) ListContainers(ctx context.Context, req *runtimeapi.ListContainersRequest) (*runtimeapi.ListContainersResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ListContainers, req)
}

// ContainerStatus reports one container.
func (c *Client) ContainerStatus(ctx context.Context, req *runtimeapi.ContainerStatusRequest) (*runtimeapi.ContainerStatusResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ContainerStatus, req)
}

// ExecSync runs a command in a container; the call may last the command's
// own timeout.
func (c *Client) ExecSync(ctx context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	return call(ctx, graceTimeout(req.GetTimeout()), c.rs.ExecSync, req)
}

// UpdateRuntimeConfig passes the node's pod CIDR to the runtime.
func (c *Client) UpdateRuntimeConfig(ctx context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.UpdateRuntimeConfig, req)
}

// ReopenContainerLog asks the runtime to reopen a container's log file.
func (c *Client) ReopenContainerLog(ctx context.Context, req *runtimeapi.ReopenContainerLogRequest) (*runtimeapi.ReopenContainerLogResponse, error) {
	return call(ctx, ChangeTimeout, c.rs.ReopenContainerLog, req)
}
