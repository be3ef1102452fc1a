package volume

import (
	"errors"
	"fmt"
	"io/fs"
	"os"

	corev1 "k8s.io/api/core/v1"
)

// setUpHostPath checks (and for the *OrCreate types, creates) the host
// path. Simulated nodes (dry) check nothing: the path is not theirs.
func setUpHostPath(src *corev1.HostPathVolumeSource, dry bool) (Volume, error) {
	if dry {
		return Volume{}, nil
	}
	t := corev1.HostPathUnset
	if src.Type != nil {
		t = *src.Type
	}
	if err := checkHostPath(src.Path, t); err != nil {
		return Volume{}, fmt.Errorf("hostPath type check failed: %w", err)
	}
	return Volume{HostPath: src.Path}, nil
}

func checkHostPath(path string, t corev1.HostPathType) error {
	info, err := os.Stat(path)
	missing := errors.Is(err, fs.ErrNotExist)
	if err != nil && !missing {
		return fmt.Errorf("stat %s: %w", path, err)
	}
	switch t {
	case corev1.HostPathUnset:
		return nil
	case corev1.HostPathDirectoryOrCreate:
		if missing {
			if err := os.MkdirAll(path, 0o755); err != nil {
				return fmt.Errorf("create %s: %w", path, err)
			}
			return nil
		}
		return want(info.IsDir(), path, "a directory")
	case corev1.HostPathFileOrCreate:
		if missing {
			// As in Kubernetes, the parent directory is not created.
			f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o644)
			if err != nil {
				return fmt.Errorf("create %s: %w", path, err)
			}
			return f.Close()
		}
		return want(info.Mode().IsRegular(), path, "a file")
	}
	if missing {
		return fmt.Errorf("%s does not exist", path)
	}
	return checkExistingType(info, path, t)
}

func checkExistingType(info fs.FileInfo, path string, t corev1.HostPathType) error {
	switch t {
	case corev1.HostPathDirectory:
		return want(info.IsDir(), path, "a directory")
	case corev1.HostPathFile:
		return want(info.Mode().IsRegular(), path, "a file")
	case corev1.HostPathSocket:
		return want(info.Mode()&fs.ModeSocket != 0, path, "a socket file")
	case corev1.HostPathCharDev:
		return want(info.Mode()&fs.ModeCharDevice != 0, path, "a character device")
	case corev1.HostPathBlockDev:
		return want(info.Mode()&fs.ModeDevice != 0 && info.Mode()&fs.ModeCharDevice == 0, path, "a block device")
	}
	return fmt.Errorf("unknown hostPath type %q", t)
}

func want(ok bool, path, what string) error {
	if ok {
		return nil
	}
	return fmt.Errorf("%s is not %s", path, what)
}
