package cri

import (
	"context"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Exec returns the URL of the runtime's streaming server for an exec.
func (c *Client) Exec(ctx context.Context, req *runtimeapi.ExecRequest) (*runtimeapi.ExecResponse, error) {
	return call(ctx, QueryTimeout, c.rs.Exec, req)
}

// Attach returns the streaming URL to attach to a container.
func (c *Client) Attach(ctx context.Context, req *runtimeapi.AttachRequest) (*runtimeapi.AttachResponse, error) {
	return call(ctx, QueryTimeout, c.rs.Attach, req)
}

// PortForward returns the streaming URL to forward ports into a sandbox.
func (c *Client) PortForward(ctx context.Context, req *runtimeapi.PortForwardRequest) (*runtimeapi.PortForwardResponse, error) {
	return call(ctx, QueryTimeout, c.rs.PortForward, req)
}

// ContainerStats reports one container's resource usage.
func (c *Client) ContainerStats(ctx context.Context, req *runtimeapi.ContainerStatsRequest) (*runtimeapi.ContainerStatsResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ContainerStats, req)
}

// ListContainerStats reports usage of the containers matching the filter.
func (c *Client) ListContainerStats(ctx context.Context, req *runtimeapi.ListContainerStatsRequest) (*runtimeapi.ListContainerStatsResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ListContainerStats, req)
}

// PodSandboxStats reports one sandbox's resource usage.
func (c *Client) PodSandboxStats(ctx context.Context, req *runtimeapi.PodSandboxStatsRequest) (*runtimeapi.PodSandboxStatsResponse, error) {
	return call(ctx, QueryTimeout, c.rs.PodSandboxStats, req)
}

// ListPodSandboxStats reports usage of the sandboxes matching the filter.
func (c *Client) ListPodSandboxStats(ctx context.Context, req *runtimeapi.ListPodSandboxStatsRequest) (*runtimeapi.ListPodSandboxStatsResponse, error) {
	return call(ctx, QueryTimeout, c.rs.ListPodSandboxStats, req)
}
