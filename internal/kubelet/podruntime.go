package kubelet

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// sandboxInfo is what the kubelet knows of one sandbox of a pod.
type sandboxInfo struct {
	ID        string
	Attempt   uint32
	Ready     bool
	CreatedAt int64
	IPs       []string
}

// containerInfo is one instance (attempt) of a container of a pod.
type containerInfo struct {
	ID         string
	SandboxID  string
	Name       string
	Attempt    uint32
	State      runtimeapi.ContainerState
	CreatedAt  int64
	StartedAt  int64
	FinishedAt int64
	ExitCode   int32
	Reason     string
	Message    string
	Image      string
	ImageRef   string
	Hash       string
}

func (c *containerInfo) running() bool { return c.State == runtimeapi.ContainerState_CONTAINER_RUNNING }

// exited is true for exited and unknown containers: neither will run again.
func (c *containerInfo) exited() bool {
	return c.State == runtimeapi.ContainerState_CONTAINER_EXITED || c.State == runtimeapi.ContainerState_CONTAINER_UNKNOWN
}

func (c *containerInfo) finished() time.Time { return time.Unix(0, c.FinishedAt) }

// podRuntime is the runtime's view of one pod, read fresh on every sync:
// the kubelet keeps no other record of what it started, which is what makes
// adoption after a restart free.
type podRuntime struct {
	Sandboxes  []*sandboxInfo              // newest first
	Containers map[string][]*containerInfo // by container name, newest first
}

// sandbox returns the newest sandbox, or nil.
func (p *podRuntime) sandbox() *sandboxInfo {
	if p == nil || len(p.Sandboxes) == 0 {
		return nil
	}
	return p.Sandboxes[0]
}

// latest returns the newest instance of a container, or nil.
func (p *podRuntime) latest(name string) *containerInfo {
	if p == nil || len(p.Containers[name]) == 0 {
		return nil
	}
	return p.Containers[name][0]
}

// previous returns the instance before the newest, or nil.
func (p *podRuntime) previous(name string) *containerInfo {
	if p == nil || len(p.Containers[name]) < 2 {
		return nil
	}
	return p.Containers[name][1]
}

func (p *podRuntime) empty() bool { return len(p.Sandboxes) == 0 && len(p.Containers) == 0 }

// inspectPod lists the sandboxes and containers labelled with the pod UID.
func (k *Kubelet) inspectPod(ctx context.Context, uid types.UID) (*podRuntime, error) {
	sel := map[string]string{labelPodUID: string(uid)}
	sbs, err := k.rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list sandboxes of pod %s: %w", uid, err)
	}
	p := &podRuntime{Sandboxes: make([]*sandboxInfo, 0, len(sbs.Items)), Containers: map[string][]*containerInfo{}}
	for _, sb := range sbs.Items {
		info, err := k.sandboxInfo(ctx, sb)
		if err != nil {
			return nil, err
		}
		p.Sandboxes = append(p.Sandboxes, info)
	}
	// slices.SortFunc, not sort.Slice: this runs on every sync, and
	// sort.Slice allocates.
	slices.SortFunc(p.Sandboxes, func(a, b *sandboxInfo) int {
		return newerFirst(a.Attempt, a.CreatedAt, b.Attempt, b.CreatedAt)
	})
	cs, err := k.rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list containers of pod %s: %w", uid, err)
	}
	for _, c := range cs.Containers {
		info, err := k.containerInfo(ctx, c)
		if err != nil {
			if isNotFound(err) {
				continue // removed since the list
			}
			return nil, err
		}
		p.Containers[info.Name] = append(p.Containers[info.Name], info)
	}
	for _, list := range p.Containers {
		slices.SortFunc(list, func(a, b *containerInfo) int {
			return newerFirst(a.Attempt, a.CreatedAt, b.Attempt, b.CreatedAt)
		})
	}
	return p, nil
}

// newerFirst orders instances newest first: by attempt, then creation.
func newerFirst(attemptA uint32, createdA int64, attemptB uint32, createdB int64) int {
	if c := cmp.Compare(attemptB, attemptA); c != 0 {
		return c
	}
	return cmp.Compare(createdB, createdA)
}

func (k *Kubelet) sandboxInfo(ctx context.Context, sb *runtimeapi.PodSandbox) (*sandboxInfo, error) {
	info := &sandboxInfo{ID: sb.Id, Attempt: sb.GetMetadata().GetAttempt(), CreatedAt: sb.CreatedAt,
		Ready: sb.State == runtimeapi.PodSandboxState_SANDBOX_READY}
	if !info.Ready {
		return info, nil // a stopped sandbox's network is gone
	}
	st, err := k.rt.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: sb.Id})
	if err != nil {
		if isNotFound(err) {
			info.Ready = false
			return info, nil
		}
		return nil, fmt.Errorf("status of sandbox %s: %w", sb.Id, err)
	}
	if n := st.Status.GetNetwork(); n != nil && n.Ip != "" {
		info.IPs = append(info.IPs, n.Ip)
		for _, ip := range n.AdditionalIps {
			info.IPs = append(info.IPs, ip.Ip)
		}
	}
	return info, nil
}

func (k *Kubelet) containerInfo(ctx context.Context, c *runtimeapi.Container) (*containerInfo, error) {
	resp, err := k.rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
	if err != nil {
		return nil, fmt.Errorf("status of container %s: %w", c.Id, err)
	}
	st := resp.Status
	info := &containerInfo{
		ID: st.Id, SandboxID: c.PodSandboxId, Name: st.Labels[labelContainerName], Attempt: st.GetMetadata().GetAttempt(),
		State: st.State, CreatedAt: st.CreatedAt, StartedAt: st.StartedAt, FinishedAt: st.FinishedAt,
		ExitCode: st.ExitCode, Reason: st.Reason, Message: st.Message,
		Image: st.GetImage().GetImage(), ImageRef: st.ImageRef, Hash: st.Annotations[annotationHash],
	}
	if info.Name == "" {
		info.Name = st.GetMetadata().GetName()
	}
	if rc, err := strconv.ParseUint(st.Annotations[annotationRestartCount], 10, 32); err == nil {
		info.Attempt = uint32(rc)
	}
	return info, nil
}
