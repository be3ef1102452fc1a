package eviction

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// NodeSource observes the real machine: memory from /proc/meminfo
// (MemAvailable of MemTotal), PIDs from /proc/sys/kernel/pid_max and the
// task count of /proc/loadavg, filesystems with statfs.
type NodeSource struct {
	ProcDir string // default /proc
	// NodeFsPath is on the filesystem holding the kubelet's root dir and
	// pod logs (nodefs); empty: not observed.
	NodeFsPath string
	// ImageFsPath is on the runtime's image filesystem (imagefs); empty:
	// not observed.
	ImageFsPath string
}

// Observe reads every signal it can; a signal it cannot read is an error.
func (s NodeSource) Observe(context.Context) (Observations, error) {
	proc := s.ProcDir
	if proc == "" {
		proc = "/proc"
	}
	obs := Observations{}
	mem, err := readMemory(proc)
	if err != nil {
		return nil, err
	}
	obs[MemoryAvailable] = mem
	pid, err := readPIDs(proc)
	if err != nil {
		return nil, err
	}
	obs[PIDAvailable] = pid
	for _, fs := range []struct {
		path         string
		bytes, nodes Signal
	}{{s.NodeFsPath, NodeFsAvailable, NodeFsInodesFree}, {s.ImageFsPath, ImageFsAvailable, ImageFsInodesFree}} {
		if fs.path == "" {
			continue
		}
		st, err := Statfs(fs.path)
		if err != nil {
			return nil, err
		}
		obs[fs.bytes] = Observation{Available: int64(st.Available), Capacity: int64(st.Capacity)}
		obs[fs.nodes] = Observation{Available: int64(st.InodesFree), Capacity: int64(st.Inodes)}
	}
	return obs, nil
}

func readMemory(proc string) (Observation, error) {
	b, err := os.ReadFile(filepath.Join(proc, "meminfo"))
	if err != nil {
		return Observation{}, fmt.Errorf("eviction: read meminfo: %w", err)
	}
	fields := map[string]int64{}
	for _, line := range strings.Split(string(b), "\n") {
		name, rest, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		if kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 10, 64); err == nil {
			fields[name] = kb * 1024
		}
	}
	total, okT := fields["MemTotal"]
	avail, okA := fields["MemAvailable"]
	if !okT || !okA {
		return Observation{}, fmt.Errorf("eviction: no MemTotal/MemAvailable in %s/meminfo", proc)
	}
	return Observation{Available: avail, Capacity: total}, nil
}

// readPIDs: the capacity is pid_max; what is used is the number of tasks
// (threads included, they take PIDs too), the 4th field of loadavg
// ("running/total").
func readPIDs(proc string) (Observation, error) {
	b, err := os.ReadFile(filepath.Join(proc, "sys", "kernel", "pid_max"))
	if err != nil {
		return Observation{}, fmt.Errorf("eviction: read pid_max: %w", err)
	}
	max, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil {
		return Observation{}, fmt.Errorf("eviction: parse pid_max: %w", err)
	}
	b, err = os.ReadFile(filepath.Join(proc, "loadavg"))
	if err != nil {
		return Observation{}, fmt.Errorf("eviction: read loadavg: %w", err)
	}
	f := strings.Fields(string(b))
	if len(f) < 4 {
		return Observation{}, fmt.Errorf("eviction: loadavg %q", string(b))
	}
	_, totalStr, _ := strings.Cut(f[3], "/")
	total, err := strconv.ParseInt(totalStr, 10, 64)
	if err != nil {
		return Observation{}, fmt.Errorf("eviction: parse loadavg tasks %q: %w", f[3], err)
	}
	return Observation{Available: max - total, Capacity: max}, nil
}

// FsStats are a filesystem's sizes: bytes available to unprivileged
// users, as df shows them.
type FsStats struct {
	Capacity, Available uint64
	Inodes, InodesFree  uint64
}

// Statfs reads the filesystem holding path.
func Statfs(path string) (FsStats, error) {
	var st syscall.Statfs_t
	if err := syscall.Statfs(path, &st); err != nil {
		return FsStats{}, fmt.Errorf("statfs %s: %w", path, err)
	}
	bs := uint64(st.Bsize)
	return FsStats{Capacity: st.Blocks * bs, Available: st.Bavail * bs, Inodes: st.Files, InodesFree: st.Ffree}, nil
}
