package cgroup

import (
	"os"
	"path/filepath"
	"syscall"
)

var syscallEROFS error = syscall.EROFS

// rmdir removes a cgroup directory. On cgroupfs its control files vanish
// with it; on an ordinary filesystem (tests) they are removed first.
func rmdir(dir string) error {
	err := syscall.Rmdir(dir)
	if err == syscall.ENOTEMPTY || err == syscall.EEXIST {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !e.IsDir() {
				os.Remove(filepath.Join(dir, e.Name()))
			}
		}
		err = syscall.Rmdir(dir)
	}
	if err == syscall.ENOENT {
		return os.ErrNotExist
	}
	if err != nil {
		return &os.PathError{Op: "rmdir", Path: dir, Err: err}
	}
	return nil
}
