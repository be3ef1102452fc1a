package bench

import (
	"context"
	"fmt"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// CRI labels the kubelet puts on sandboxes and containers (Kubernetes'
// keys, which crictl users know too).
const (
	startupLabelUID = "io.kubernetes.pod.uid"
	startupLabelNS  = "io.kubernetes.pod.namespace"
)

// startupRuntimeMarks asks the node's containerd, over CRI, when each pod
// of ns got its sandbox and its container created and started: nanosecond
// timestamps that split the kubelet's part of startup. Keyed by pod UID;
// for a pod with several sandboxes or containers, the first of each.
func startupRuntimeMarks(ctx context.Context, socket, ns string) (map[string]startupMarks, error) {
	conn, err := grpc.NewClient("unix://"+socket, grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		return nil, fmt.Errorf("dial CRI %s: %w", socket, err)
	}
	defer conn.Close()
	rt := runtimeapi.NewRuntimeServiceClient(conn)
	sel := map[string]string{startupLabelNS: ns}
	out := map[string]startupMarks{}
	sbs, err := rt.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{Filter: &runtimeapi.PodSandboxFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list sandboxes: %w", err)
	}
	for _, sb := range sbs.Items {
		m := out[sb.Labels[startupLabelUID]]
		m.sandbox = startupEarliest(m.sandbox, time.Unix(0, sb.CreatedAt))
		out[sb.Labels[startupLabelUID]] = m
	}
	cs, err := rt.ListContainers(ctx, &runtimeapi.ListContainersRequest{Filter: &runtimeapi.ContainerFilter{LabelSelector: sel}})
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	for _, c := range cs.Containers {
		st, err := rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: c.Id})
		if err != nil {
			return nil, fmt.Errorf("status of container %s: %w", c.Id, err)
		}
		uid := c.Labels[startupLabelUID]
		m := out[uid]
		m.ctrCreated = startupEarliest(m.ctrCreated, time.Unix(0, c.CreatedAt))
		if st.Status.StartedAt > 0 {
			m.ctrStarted = startupEarliest(m.ctrStarted, time.Unix(0, st.Status.StartedAt))
		}
		out[uid] = m
	}
	return out, nil
}

func startupEarliest(a, b time.Time) time.Time {
	if a.IsZero() || b.Before(a) {
		return b
	}
	return a
}
