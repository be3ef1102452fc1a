package server

import (
	"context"
	"fmt"
	"sort"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// The CRI labels the kubelet puts on what it creates (runtime.Label*) are
// how this server finds a pod's containers without asking the kubelet's
// in-memory state.
const (
	labelPodName       = runtime.LabelPodName
	labelPodNamespace  = runtime.LabelPodNamespace
	labelContainerName = runtime.LabelContainerName
)

// instances returns the runtime's instances of one container of a pod,
// newest attempt first.
func (s *Server) instances(ctx context.Context, ns, pod, container string) ([]*runtimeapi.Container, error) {
	resp, err := s.cfg.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{
		LabelSelector: map[string]string{labelPodNamespace: ns, labelPodName: pod, labelContainerName: container},
	}})
	if err != nil {
		return nil, fmt.Errorf("listing containers of %s/%s: %w", ns, pod, err)
	}
	out := resp.Containers
	sort.Slice(out, func(i, j int) bool {
		if out[i].GetMetadata().GetAttempt() != out[j].GetMetadata().GetAttempt() {
			return out[i].GetMetadata().GetAttempt() > out[j].GetMetadata().GetAttempt()
		}
		return out[i].CreatedAt > out[j].CreatedAt
	})
	return out, nil
}

// pickInstance chooses the current instance, or with previous the one
// before it, as `kubectl logs [--previous]` means.
func (s *Server) pickInstance(ctx context.Context, ns, pod, container string, previous bool) (*runtimeapi.ContainerStatus, error) {
	all, err := s.instances(ctx, ns, pod, container)
	if err != nil {
		return nil, err
	}
	i := 0
	if previous {
		i = 1
	}
	if len(all) <= i {
		if previous {
			return nil, badRequest("previous terminated container %q in pod %q not found", container, pod)
		}
		return nil, badRequest("container %q in pod %q is waiting to start", container, pod)
	}
	st, err := s.cfg.Runtime.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: all[i].Id})
	if err != nil {
		return nil, fmt.Errorf("status of container %s: %w", all[i].Id, err)
	}
	return st.Status, nil
}

// runningContainer returns the ID of the running instance of a container.
func (s *Server) runningContainer(ctx context.Context, ns, pod, container string) (string, error) {
	all, err := s.instances(ctx, ns, pod, container)
	if err != nil {
		return "", err
	}
	for _, c := range all {
		if c.State == runtimeapi.ContainerState_CONTAINER_RUNNING {
			return c.Id, nil
		}
	}
	if len(all) == 0 {
		return "", apierrors.NewNotFound(schema.GroupResource{Resource: "containers"}, container)
	}
	return "", badRequest("container %q in pod %q is not running", container, pod)
}

// readySandbox returns the ID of the pod's ready sandbox.
func (s *Server) readySandbox(ctx context.Context, ns, pod string) (string, error) {
	resp, err := s.cfg.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{
		State:         &runtimeapi.PodSandboxStateValue{State: runtimeapi.PodSandboxState_SANDBOX_READY},
		LabelSelector: map[string]string{labelPodNamespace: ns, labelPodName: pod},
	}})
	if err != nil {
		return "", fmt.Errorf("listing sandboxes of %s/%s: %w", ns, pod, err)
	}
	if len(resp.Items) == 0 {
		return "", apierrors.NewNotFound(schema.GroupResource{Resource: "pods"}, pod)
	}
	return resp.Items[0].Id, nil
}
