package fake

import (
	"context"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

type sandbox struct {
	id        string
	config    *runtimeapi.PodSandboxConfig
	state     runtimeapi.PodSandboxState
	createdAt int64
	ip        string
}

func (s *sandbox) hostNetwork() bool {
	ns := s.config.GetLinux().GetSecurityContext().GetNamespaceOptions()
	return ns.GetNetwork() == runtimeapi.NamespaceMode_NODE
}

// RunPodSandbox creates a ready sandbox with an IP from the pod CIDR.
func (r *Runtime) RunPodSandbox(_ context.Context, req *runtimeapi.RunPodSandboxRequest) (*runtimeapi.RunPodSandboxResponse, error) {
	if req.GetConfig().GetMetadata() == nil {
		return nil, status.Error(codes.InvalidArgument, "sandbox config metadata is required")
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	s := &sandbox{id: r.newID(), config: req.Config, state: runtimeapi.PodSandboxState_SANDBOX_READY, createdAt: r.now()}
	if !s.hostNetwork() {
		ip, err := r.ips.allocate()
		if err != nil {
			return nil, status.Error(codes.ResourceExhausted, err.Error())
		}
		s.ip = ip
	}
	r.sandboxes[s.id] = s
	r.sandboxesByPod.add(s.config.Labels, s.id, s)
	return &runtimeapi.RunPodSandboxResponse{PodSandboxId: s.id}, nil
}

// StopPodSandbox stops every container of the sandbox and frees its IP.
func (r *Runtime) StopPodSandbox(_ context.Context, req *runtimeapi.StopPodSandboxRequest) (*runtimeapi.StopPodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sandboxes[req.PodSandboxId]
	if s == nil {
		return &runtimeapi.StopPodSandboxResponse{}, nil
	}
	now := r.now()
	for _, c := range r.containers {
		if c.sandboxID == s.id {
			c.stop(now)
		}
	}
	if s.state == runtimeapi.PodSandboxState_SANDBOX_READY {
		s.state = runtimeapi.PodSandboxState_SANDBOX_NOTREADY
		r.ips.release(s.ip)
	}
	return &runtimeapi.StopPodSandboxResponse{}, nil
}

// RemovePodSandbox removes the sandbox and, forcibly, its containers.
func (r *Runtime) RemovePodSandbox(_ context.Context, req *runtimeapi.RemovePodSandboxRequest) (*runtimeapi.RemovePodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sandboxes[req.PodSandboxId]
	if s == nil {
		return &runtimeapi.RemovePodSandboxResponse{}, nil
	}
	for _, c := range r.containers {
		if c.sandboxID == s.id {
			r.removeContainer(c)
		}
	}
	if s.state == runtimeapi.PodSandboxState_SANDBOX_READY {
		r.ips.release(s.ip)
	}
	delete(r.sandboxes, s.id)
	r.sandboxesByPod.remove(s.config.Labels, s.id)
	return &runtimeapi.RemovePodSandboxResponse{}, nil
}

// PodSandboxStatus reports a sandbox's state and network.
func (r *Runtime) PodSandboxStatus(_ context.Context, req *runtimeapi.PodSandboxStatusRequest) (*runtimeapi.PodSandboxStatusResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.sandboxes[req.PodSandboxId]
	if s == nil {
		return nil, status.Errorf(codes.NotFound, "sandbox %q not found", req.PodSandboxId)
	}
	st := &runtimeapi.PodSandboxStatus{
		Id:          s.id,
		Metadata:    s.config.Metadata,
		State:       s.state,
		CreatedAt:   s.createdAt,
		Labels:      s.config.Labels,
		Annotations: s.config.Annotations,
		Linux: &runtimeapi.LinuxPodSandboxStatus{Namespaces: &runtimeapi.Namespace{
			Options: s.config.GetLinux().GetSecurityContext().GetNamespaceOptions(),
		}},
	}
	if s.ip != "" {
		st.Network = &runtimeapi.PodSandboxNetworkStatus{Ip: s.ip}
	}
	return &runtimeapi.PodSandboxStatusResponse{Status: st}, nil
}

// ListPodSandbox lists sandboxes matching the filter.
func (r *Runtime) ListPodSandbox(_ context.Context, req *runtimeapi.ListPodSandboxRequest) (*runtimeapi.ListPodSandboxResponse, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f := req.GetFilter()
	var out []*runtimeapi.PodSandbox
	for _, s := range r.sandboxesByPod.candidates(r.sandboxes, f.GetLabelSelector()) {
		if f.GetId() != "" && f.GetId() != s.id {
			continue
		}
		if f.GetState() != nil && f.GetState().State != s.state {
			continue
		}
		if !matchLabels(s.config.Labels, f.GetLabelSelector()) {
			continue
		}
		out = append(out, &runtimeapi.PodSandbox{
			Id: s.id, Metadata: s.config.Metadata, State: s.state, CreatedAt: s.createdAt,
			Labels: s.config.Labels, Annotations: s.config.Annotations,
		})
	}
	return &runtimeapi.ListPodSandboxResponse{Items: out}, nil
}

func matchLabels(labels, selector map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}
