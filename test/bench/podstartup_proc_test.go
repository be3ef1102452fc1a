package bench

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// startupUsage is CPU and memory of the node at one instant: the server
// process (API server, etcd, scheduler, controllers and the agent all run
// in it) and, apart, containerd with its shims.
type startupUsage struct {
	serverCPU    time.Duration
	serverRSSMiB float64
	runtimeCPU   time.Duration // containerd + shims alive now
	runtimeRSS   float64       // MiB, containerd + shims
	runtimePSS   float64       // MiB, the same with shared pages divided among sharers
	shims        int
}

// startupReadUsage samples the server and every process whose command line
// names the data dir (containerd's --config, shims' -address), except the
// server itself. Processes that exit between listing and reading are
// skipped: their figures are gone anyway.
func startupReadUsage(serverPID int, dataDir string) startupUsage {
	var u startupUsage
	if cpu, err := scaleCPU(serverPID); err == nil {
		u.serverCPU = cpu
	}
	if kib, err := statusKiB(serverPID, "VmRSS"); err == nil {
		u.serverRSSMiB = float64(kib) / 1024
	}
	for _, pid := range startupRuntimePIDs(serverPID, dataDir) {
		cpu, err := scaleCPU(pid)
		if err != nil {
			continue
		}
		kib, err := statusKiB(pid, "VmRSS")
		if err != nil {
			continue
		}
		u.runtimeCPU += cpu
		u.runtimeRSS += float64(kib) / 1024
		if pss, err := startupPSSKiB(pid); err == nil {
			u.runtimePSS += float64(pss) / 1024
		}
		if strings.Contains(startupCmdline(pid), "containerd-shim") {
			u.shims++
		}
	}
	return u
}

// startupRuntimePIDs lists processes naming dataDir in their command line,
// other than the server and this test process.
func startupRuntimePIDs(serverPID int, dataDir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == serverPID || pid == os.Getpid() {
			continue
		}
		if strings.Contains(startupCmdline(pid), dataDir+"/") {
			pids = append(pids, pid)
		}
	}
	return pids
}

// startupPSSKiB reads Pss from /proc/<pid>/smaps_rollup: RSS counts the
// shim binary's pages once per shim, PSS shares them out.
func startupPSSKiB(pid int) (int64, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup"))
	if err != nil {
		return 0, fmt.Errorf("smaps_rollup of %d: %w", pid, err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		if v, ok := strings.CutPrefix(line, "Pss:"); ok {
			return strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		}
	}
	return 0, fmt.Errorf("no Pss in smaps_rollup of %d", pid)
}
