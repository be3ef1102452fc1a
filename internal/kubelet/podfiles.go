package kubelet

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// writePodFiles writes the pod's own /etc/hosts and /etc/resolv.conf into
// its pod dir and returns the mounts that put them into every container
// (the runtime would otherwise copy the node's). No files in dry run.
func (k *Kubelet) writePodFiles(pod *corev1.Pod, podIPs []string) ([]*runtimeapi.Mount, error) {
	dir := k.volumes.PodDir(pod.UID)
	if dir == "" {
		return nil, nil
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create pod dir: %w", err)
	}
	var hostFile []byte
	if pod.Spec.HostNetwork {
		var err error
		if hostFile, err = os.ReadFile(k.cfg.HostsFile); err != nil {
			return nil, fmt.Errorf("read node hosts file: %w", err)
		}
	}
	hosts := filepath.Join(dir, "etc-hosts")
	if err := writeIfChanged(hosts, []byte(podHostsFile(pod, podIPs, k.cfg.ClusterDomain, hostFile))); err != nil {
		return nil, err
	}
	resolv := filepath.Join(dir, "resolv.conf")
	if err := writeIfChanged(resolv, []byte(k.podResolver(pod).render())); err != nil {
		return nil, err
	}
	return []*runtimeapi.Mount{
		{ContainerPath: "/etc/hosts", HostPath: hosts, Propagation: runtimeapi.MountPropagation_PROPAGATION_PRIVATE},
		{ContainerPath: "/etc/resolv.conf", HostPath: resolv, Propagation: runtimeapi.MountPropagation_PROPAGATION_PRIVATE},
	}, nil
}

// writeIfChanged rewrites the file in place (not by rename): a container
// that bind-mounted it then sees the new content.
func writeIfChanged(path string, data []byte) error {
	if old, err := os.ReadFile(path); err == nil && bytes.Equal(old, data) {
		return nil
	}
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
