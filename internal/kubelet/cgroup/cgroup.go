// Package cgroup manages pod-level cgroups with the cgroupfs driver.
package cgroup

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// ErrNotWritable: the cgroup filesystem cannot be changed by this process.
var ErrNotWritable = errors.New("cgroups are not writable")

// Resources are pod-level limits; zero values mean unlimited/default.
type Resources struct {
	CPUShares   int64 // cgroup v1 cpu.shares (v2: converted to cpu.weight)
	CPUQuota    int64 // µs per CPUPeriod; 0: unlimited
	CPUPeriod   int64
	MemoryLimit int64 // bytes; 0: unlimited
}

// Manager writes cgroups under one cgroup filesystem root.
type Manager struct {
	v1 []string // hierarchy dirs of cgroup v1 controllers
	v2 string   // cgroup2 dir (pure or hybrid "unified"), "" if none
	// pureV2 says limits go to v2 files (no v1 controllers).
	pureV2 bool
}

// New inspects root (normally /sys/fs/cgroup).
func New(root string) (*Manager, error) {
	if _, err := os.Stat(filepath.Join(root, "cgroup.controllers")); err == nil {
		return &Manager{v2: root, pureV2: true}, nil
	}
	entries, err := os.ReadDir(root)
	if err != nil {
		return nil, fmt.Errorf("read cgroup root %s: %w", root, err)
	}
	m := &Manager{}
	for _, e := range entries {
		dir := filepath.Join(root, e.Name())
		if !e.IsDir() { // cpu and cpuacct are symlinks to "cpu,cpuacct"
			continue
		}
		if e.Name() == "unified" {
			if _, err := os.Stat(filepath.Join(dir, "cgroup.controllers")); err == nil {
				m.v2 = dir
			}
			continue
		}
		m.v1 = append(m.v1, dir)
	}
	sort.Strings(m.v1)
	return m, nil
}

// Ensure creates the cgroup (and its parents) in every hierarchy and sets
// the limits. A nil r sets no limits (QoS parents).
func (m *Manager) Ensure(path string, r *Resources) error {
	for _, h := range m.v1 {
		if err := mkdirCgroup(h, path); err != nil {
			return err
		}
		if r != nil && !m.pureV2 {
			if err := writeV1(h, path, r); err != nil {
				return err
			}
		}
	}
	if m.v2 != "" {
		if err := mkdirCgroup(m.v2, path); err != nil {
			return err
		}
		if r != nil && m.pureV2 {
			if err := writeV2(filepath.Join(m.v2, path), r); err != nil {
				return err
			}
		}
	}
	return nil
}

// mkdirCgroup creates each level of path; a new cpuset level copies its
// parent's cpus and mems (the kernel leaves them empty, which forbids tasks).
func mkdirCgroup(hierarchy, path string) error {
	cur := hierarchy
	for _, part := range strings.Split(strings.Trim(path, "/"), "/") {
		parent := cur
		cur = filepath.Join(cur, part)
		err := os.Mkdir(cur, 0o755)
		if errors.Is(err, fs.ErrExist) {
			continue
		}
		if errors.Is(err, fs.ErrPermission) || errors.Is(err, syscallEROFS) {
			return fmt.Errorf("%w: %v", ErrNotWritable, err)
		}
		if err != nil {
			return fmt.Errorf("create cgroup %s: %w", cur, err)
		}
		if _, err := os.Stat(filepath.Join(hierarchy, "cpuset.cpus")); err == nil {
			for _, f := range []string{"cpuset.cpus", "cpuset.mems"} {
				if v, err := os.ReadFile(filepath.Join(parent, f)); err == nil {
					_ = os.WriteFile(filepath.Join(cur, f), v, 0o644)
				}
			}
		}
	}
	return nil
}

// writeV1 writes the limits a hierarchy has controls for: which
// controllers a hierarchy carries is told by its files, not its name
// (cpu and cpuacct may be mounted together or apart).
func writeV1(hierarchy, path string, r *Resources) error {
	dir := filepath.Join(hierarchy, path)
	files := map[string]string{}
	has := func(f string) bool { _, err := os.Stat(filepath.Join(hierarchy, f)); return err == nil }
	if has("cpu.shares") {
		quota := r.CPUQuota
		if quota == 0 {
			quota = -1
		}
		if r.CPUShares > 0 {
			files["cpu.shares"] = itoa(r.CPUShares)
		}
		if r.CPUPeriod > 0 && has("cpu.cfs_period_us") {
			files["cpu.cfs_period_us"] = itoa(r.CPUPeriod)
		}
		if has("cpu.cfs_quota_us") {
			files["cpu.cfs_quota_us"] = itoa(quota)
		}
	}
	if has("memory.limit_in_bytes") {
		limit := r.MemoryLimit
		if limit == 0 {
			limit = -1
		}
		files["memory.limit_in_bytes"] = itoa(limit)
	}
	return writeFiles(dir, files)
}

func writeV2(dir string, r *Resources) error {
	files := map[string]string{"memory.max": "max", "cpu.max": "max"}
	if r.MemoryLimit > 0 {
		files["memory.max"] = itoa(r.MemoryLimit)
	}
	period := r.CPUPeriod
	if period == 0 {
		period = 100000
	}
	if r.CPUQuota > 0 {
		files["cpu.max"] = itoa(r.CPUQuota) + " " + itoa(period)
	} else {
		files["cpu.max"] = "max " + itoa(period)
	}
	if r.CPUShares > 0 {
		// The conversion the OCI runtimes use from shares [2, 262144] to weight [1, 10000].
		files["cpu.weight"] = itoa(1 + ((r.CPUShares-2)*9999)/262142)
	}
	return writeFiles(dir, files)
}

func writeFiles(dir string, files map[string]string) error {
	for name, v := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(v), 0o644); err != nil {
			return fmt.Errorf("write %s/%s: %w", dir, name, err)
		}
	}
	return nil
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// Remove deletes the cgroup from every hierarchy, children first (the
// runtime may leave container cgroups behind). Missing is fine.
func (m *Manager) Remove(path string) error {
	var errs []error
	for _, h := range append(append([]string(nil), m.v1...), m.v2) {
		if h == "" {
			continue
		}
		errs = append(errs, rmdirTree(filepath.Join(h, path)))
	}
	return errors.Join(errs...)
}

// rmdirTree removes a cgroup dir and its sub-cgroups with rmdir (cgroup
// files cannot be unlinked; a cgroup with tasks refuses, which is right).
func rmdirTree(dir string) error {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("read cgroup %s: %w", dir, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			if err := rmdirTree(filepath.Join(dir, e.Name())); err != nil {
				return err
			}
		}
	}
	if err := rmdir(dir); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("remove cgroup %s: %w", dir, err)
	}
	return nil
}
