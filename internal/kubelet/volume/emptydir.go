package volume

import (
	"fmt"
	"os"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

const emptyDirPlugin = "kubernetes.io~empty-dir"

// setUpEmptyDir creates the directory (world-writable, as Kubernetes makes
// it) and, for medium Memory, mounts a tmpfs sized by sizeLimit on it.
func (m *Manager) setUpEmptyDir(pod *corev1.Pod, name string, src *corev1.EmptyDirVolumeSource) (Volume, error) {
	dir := m.volumeDir(pod.UID, emptyDirPlugin, name)
	if dir == "" {
		return Volume{}, nil
	}
	if err := os.MkdirAll(dir, 0o777); err != nil {
		return Volume{}, fmt.Errorf("create emptyDir: %w", err)
	}
	if src.Medium == corev1.StorageMediumMemory {
		if err := m.mountTmpfs(dir, src.SizeLimit); err != nil {
			return Volume{}, err
		}
	}
	// MkdirAll's mode is masked by the umask, and a fresh tmpfs is 1777.
	if err := os.Chmod(dir, 0o777); err != nil {
		return Volume{}, fmt.Errorf("chmod emptyDir: %w", err)
	}
	return Volume{HostPath: dir}, nil
}

func (m *Manager) mountTmpfs(dir string, limit *resource.Quantity) error {
	mounted, err := m.o.Mounter.IsMountPoint(dir)
	if err != nil {
		return fmt.Errorf("check mount point %s: %w", dir, err)
	}
	if mounted {
		return nil
	}
	var size int64 // 0: the kernel's default (half of RAM)
	if limit != nil {
		size = limit.Value()
	}
	if err := m.o.Mounter.MountTmpfs(dir, size); err != nil {
		return fmt.Errorf("mount tmpfs on %s: %w", dir, err)
	}
	return nil
}
