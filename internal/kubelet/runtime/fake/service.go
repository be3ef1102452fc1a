package fake

import (
	"context"
	"fmt"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// Version reports the fake runtime's identity.
func (r *Runtime) Version(context.Context, *runtimeapi.VersionRequest) (*runtimeapi.VersionResponse, error) {
	return &runtimeapi.VersionResponse{Version: "0.1.0", RuntimeName: RuntimeName, RuntimeVersion: "0.1.0", RuntimeApiVersion: "v1"}, nil
}

// Status reports the runtime and its network ready, always.
func (r *Runtime) Status(context.Context, *runtimeapi.StatusRequest) (*runtimeapi.StatusResponse, error) {
	return &runtimeapi.StatusResponse{Status: &runtimeapi.RuntimeStatus{Conditions: []*runtimeapi.RuntimeCondition{
		{Type: runtimeapi.RuntimeReady, Status: true},
		{Type: runtimeapi.NetworkReady, Status: true},
	}}}, nil
}

// UpdateRuntimeConfig switches new sandboxes to another pod CIDR; running
// sandboxes keep their IPs.
func (r *Runtime) UpdateRuntimeConfig(_ context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	cidr := req.GetRuntimeConfig().GetNetworkConfig().GetPodCidr()
	if cidr == "" {
		return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
	}
	pool, err := newIPPool(cidr)
	if err != nil {
		return nil, fmt.Errorf("update runtime config: %w", err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if pool.prefix == r.ips.prefix {
		return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
	}
	for _, s := range r.sandboxes {
		if s.ip != "" && s.state == runtimeapi.PodSandboxState_SANDBOX_READY {
			pool.markUsed(s.ip)
		}
	}
	r.ips = pool
	return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
}
