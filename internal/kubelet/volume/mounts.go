package volume

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	corev1 "k8s.io/api/core/v1"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
)

// ContainerMounts turns a container's volumeMounts into CRI mounts.
// expand resolves $(VAR) in subPathExpr with the container's environment.
// In dry run (no host paths) it returns no mounts.
func ContainerMounts(c *corev1.Container, vols map[string]Volume, expand func(string) string) ([]*runtimeapi.Mount, error) {
	var out []*runtimeapi.Mount
	for _, vm := range c.VolumeMounts {
		v, ok := vols[vm.Name]
		if !ok {
			return nil, fmt.Errorf("cannot find volume %q to mount into container %q", vm.Name, c.Name)
		}
		if v.HostPath == "" {
			continue
		}
		host := v.HostPath
		sub := vm.SubPath
		if vm.SubPathExpr != "" {
			sub = expand(vm.SubPathExpr)
		}
		if sub != "" {
			p, err := subPath(v, sub)
			if err != nil {
				return nil, fmt.Errorf("volume %q subPath: %w", vm.Name, err)
			}
			host = p
		}
		out = append(out, &runtimeapi.Mount{
			ContainerPath: vm.MountPath, HostPath: host,
			Readonly:    vm.ReadOnly || v.ReadOnly,
			Propagation: propagation(vm.MountPropagation),
		})
	}
	return out, nil
}

// subPath is the path inside the volume, which must stay inside it; a
// missing subPath of a writable volume is created as a directory, as in
// Kubernetes.
func subPath(v Volume, sub string) (string, error) {
	if filepath.IsAbs(sub) {
		return "", fmt.Errorf("%q must be a relative path", sub)
	}
	for _, part := range strings.Split(sub, "/") {
		if part == ".." {
			return "", fmt.Errorf("%q must not contain '..'", sub)
		}
	}
	p := filepath.Join(v.HostPath, sub)
	if _, err := os.Lstat(p); os.IsNotExist(err) && !v.ReadOnly {
		if err := os.MkdirAll(p, 0o777); err != nil {
			return "", fmt.Errorf("create subPath %s: %w", sub, err)
		}
	}
	resolved, err := filepath.EvalSymlinks(p)
	if err != nil {
		return "", fmt.Errorf("resolve subPath %s: %w", sub, err)
	}
	base, err := filepath.EvalSymlinks(v.HostPath)
	if err != nil {
		return "", fmt.Errorf("resolve volume path: %w", err)
	}
	if resolved != base && !strings.HasPrefix(resolved, base+string(filepath.Separator)) {
		return "", fmt.Errorf("%q leaves the volume", sub)
	}
	return resolved, nil
}

func propagation(p *corev1.MountPropagationMode) runtimeapi.MountPropagation {
	if p == nil {
		return runtimeapi.MountPropagation_PROPAGATION_PRIVATE
	}
	switch *p {
	case corev1.MountPropagationHostToContainer:
		return runtimeapi.MountPropagation_PROPAGATION_HOST_TO_CONTAINER
	case corev1.MountPropagationBidirectional:
		return runtimeapi.MountPropagation_PROPAGATION_BIDIRECTIONAL
	default:
		return runtimeapi.MountPropagation_PROPAGATION_PRIVATE
	}
}
