package streamtest

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime"
)

// RunPod creates a ready sandbox labelled as the kubelet labels them, with
// its log directory under logsDir; it returns the sandbox ID and the
// directory.
func RunPod(ctx context.Context, rt runtime.Runtime, logsDir, namespace, name string) (string, string, error) {
	dir := filepath.Join(logsDir, namespace+"_"+name)
	resp, err := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: name, Namespace: namespace, Uid: namespace + "-" + name},
		LogDirectory: dir,
		Labels:       map[string]string{"io.kubernetes.pod.name": name, "io.kubernetes.pod.namespace": namespace},
	}})
	if err != nil {
		return "", "", fmt.Errorf("running sandbox: %w", err)
	}
	return resp.PodSandboxId, dir, nil
}

// StartContainer creates and starts attempt of a container in the sandbox;
// its CRI log file is <dir>/<container>/<attempt>.log (not created).
func StartContainer(ctx context.Context, rt runtime.Runtime, sandbox, dir, namespace, pod, container string, attempt uint32) (string, string, error) {
	rel := filepath.Join(container, fmt.Sprintf("%d.log", attempt))
	resp, err := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sandbox, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: container, Attempt: attempt},
		Image:    &runtimeapi.ImageSpec{Image: "busybox"},
		Labels: map[string]string{"io.kubernetes.pod.name": pod, "io.kubernetes.pod.namespace": namespace,
			"io.kubernetes.container.name": container},
		LogPath: rel,
	}})
	if err != nil {
		return "", "", fmt.Errorf("creating container: %w", err)
	}
	if _, err := rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: resp.ContainerId}); err != nil {
		return "", "", fmt.Errorf("starting container: %w", err)
	}
	return resp.ContainerId, filepath.Join(dir, rel), nil
}

// CRILine formats one CRI log line (with its newline): tag is "F" for a
// full line, "P" for a fragment.
func CRILine(ts time.Time, stream, tag, content string) string {
	return ts.UTC().Format(time.RFC3339Nano) + " " + stream + " " + tag + " " + content + "\n"
}
