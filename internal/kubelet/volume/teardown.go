package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"k8s.io/apimachinery/pkg/types"
)

// TearDown unmounts the pod's memory-backed emptyDirs and removes its
// directory. When an unmount fails the directory stays: removing it would
// delete through a live mount.
func (m *Manager) TearDown(uid types.UID) error {
	pd := m.PodDir(uid)
	if pd == "" {
		return nil
	}
	emptyDirs := filepath.Join(pd, "volumes", emptyDirPlugin)
	entries, err := os.ReadDir(emptyDirs)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("list emptyDirs: %w", err)
	}
	for _, e := range entries {
		dir := filepath.Join(emptyDirs, e.Name())
		mounted, err := m.o.Mounter.IsMountPoint(dir)
		if err != nil {
			return fmt.Errorf("check mount point %s: %w", dir, err)
		}
		if mounted {
			if err := m.o.Mounter.Unmount(dir); err != nil {
				return err
			}
		}
	}
	if err := os.RemoveAll(pd); err != nil {
		return fmt.Errorf("remove pod dir: %w", err)
	}
	return nil
}

// PodDirs lists the UIDs that have a pod directory, so the kubelet can
// remove those of pods it no longer knows (after a restart).
func (m *Manager) PodDirs() ([]types.UID, error) {
	if m.o.RootDir == "" {
		return nil, nil
	}
	entries, err := os.ReadDir(filepath.Join(m.o.RootDir, "pods"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list pod dirs: %w", err)
	}
	out := make([]types.UID, 0, len(entries))
	for _, e := range entries {
		if e.IsDir() {
			out = append(out, types.UID(e.Name()))
		}
	}
	return out, nil
}
