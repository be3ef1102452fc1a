package gc

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/runtime"
)

// ContainerCollector removes dead containers (and their log files) and
// stopped sandboxes per a ContainerPolicy.
type ContainerCollector struct {
	Runtime runtime.Runtime
	Policy  ContainerPolicy
	// PodExists says whether a pod UID is still on the node (API or static
	// pod). Objects without a pod UID label are not the kubelet's: kept.
	PodExists func(uid string) bool
	// PodLogsDir, when set, is where pod log directories
	// (<ns>_<name>_<uid>) are removed with a deleted pod's last sandbox.
	PodLogsDir string
	Clock      clock.PassiveClock
	Logger     *slog.Logger
}

// Collect runs one collection: it lists the runtime, plans and removes.
func (g *ContainerCollector) Collect(ctx context.Context) error {
	cs, sbs, meta, err := g.list(ctx)
	if err != nil {
		return err
	}
	plan := PlanContainers(g.Policy, cs, sbs, g.PodExists, g.Clock.Now())
	var errs []error
	for _, c := range plan.Containers {
		errs = append(errs, g.removeContainer(ctx, c.ID))
	}
	for _, sb := range plan.Sandboxes {
		errs = append(errs, g.removeSandbox(ctx, sb, meta[sb.ID]))
	}
	return errors.Join(errs...)
}

func (g *ContainerCollector) list(ctx context.Context) ([]Container, []Sandbox, map[string]*runtimeapi.PodSandboxMetadata, error) {
	lc, err := g.Runtime.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("gc: list containers: %w", err)
	}
	ls, err := g.Runtime.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return nil, nil, nil, fmt.Errorf("gc: list sandboxes: %w", err)
	}
	var cs []Container
	for _, c := range lc.Containers {
		uid := c.Labels[runtime.LabelPodUID]
		if uid == "" {
			continue
		}
		cs = append(cs, Container{
			ID: c.Id, SandboxID: c.PodSandboxId, PodUID: uid, Name: c.Labels[runtime.LabelContainerName],
			CreatedAt: time.Unix(0, c.CreatedAt),
			Dead:      c.State == runtimeapi.ContainerState_CONTAINER_EXITED || c.State == runtimeapi.ContainerState_CONTAINER_UNKNOWN,
		})
	}
	var sbs []Sandbox
	meta := map[string]*runtimeapi.PodSandboxMetadata{}
	for _, sb := range ls.Items {
		uid := sb.Labels[runtime.LabelPodUID]
		if uid == "" {
			continue
		}
		meta[sb.Id] = sb.Metadata
		sbs = append(sbs, Sandbox{ID: sb.Id, PodUID: uid, Ready: sb.State == runtimeapi.PodSandboxState_SANDBOX_READY, CreatedAt: time.Unix(0, sb.CreatedAt)})
	}
	return cs, sbs, meta, nil
}

func (g *ContainerCollector) removeContainer(ctx context.Context, id string) error {
	if err := RemoveContainer(ctx, g.Runtime, id); err != nil {
		return err
	}
	g.Logger.Debug("removed dead container", "id", id)
	return nil
}

// RemoveContainer removes a container and then its log file, which the
// runtime leaves behind (the kubelet owns the pod log directories).
func RemoveContainer(ctx context.Context, rt runtime.RuntimeService, id string) error {
	logPath := ""
	if st, err := rt.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id}); err == nil {
		logPath = st.GetStatus().GetLogPath()
	}
	if _, err := rt.RemoveContainer(ctx, &runtimeapi.RemoveContainerRequest{ContainerId: id}); err != nil && !notFound(err) {
		return fmt.Errorf("remove container %s: %w", id, err)
	}
	if logPath != "" {
		if err := os.Remove(logPath); err != nil && !errors.Is(err, os.ErrNotExist) {
			return fmt.Errorf("remove log of container %s: %w", id, err)
		}
	}
	return nil
}

func (g *ContainerCollector) removeSandbox(ctx context.Context, sb Sandbox, meta *runtimeapi.PodSandboxMetadata) error {
	if _, err := g.Runtime.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.ID}); err != nil && !notFound(err) {
		return fmt.Errorf("gc: remove sandbox %s: %w", sb.ID, err)
	}
	g.Logger.Debug("removed sandbox", "id", sb.ID)
	if g.PodLogsDir == "" || meta == nil || g.PodExists(sb.PodUID) {
		return nil
	}
	dir := filepath.Join(g.PodLogsDir, fmt.Sprintf("%s_%s_%s", meta.Namespace, meta.Name, meta.Uid))
	if err := os.RemoveAll(dir); err != nil {
		return fmt.Errorf("gc: remove pod log dir: %w", err)
	}
	return nil
}

func notFound(err error) bool { return status.Code(err) == codes.NotFound }
