package cluster

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Names the real node agent uses on the host. The harness knows them from
// the outside, as an operator resetting a machine would.
const (
	DefaultBridge = "rudder0"     // CNI bridge of a node's pods
	MasqTable     = "rudder-masq" // nftables table (family ip) with the masquerade rule
	routeProto    = "82"          // protocol number marking the agent's routes to other nodes
)

// NodeFiles says what one real node left on this machine.
type NodeFiles struct {
	// DataDir is the agent's data dir (containerd lives in DataDir/containerd).
	DataDir string
	// Bridge, when set, is removed from the host's network namespace, with
	// the masquerade table and the agent's routes. Leave it empty for a
	// node in its own network namespace: deleting the namespace does that.
	Bridge string
	// PodUIDs are the pods whose cgroups (<controller>/kubepods/.../pod<uid>)
	// are removed: containerd never removes pod-level cgroups and a killed
	// kubelet cannot.
	PodUIDs []string
}

// CleanupNode removes what a real node agent leaves behind once its process
// is gone: containers (runc), containerd and its shims, the mounts under
// the data dir (deepest first), and on the host the bridge, the masquerade
// table and the routes. It works from the data dir alone, so it also
// cleans up after a crashed agent. Everything already gone is not an error.
func CleanupNode(n NodeFiles) error {
	dir, err := filepath.Abs(n.DataDir)
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	var errs []error
	errs = append(errs, deleteContainers(filepath.Join(dir, "containerd", "state", "runc")))
	errs = append(errs, killProcessesMentioning(dir))
	errs = append(errs, unmountUnder(dir))
	errs = append(errs, removePodCgroups(n.PodUIDs))
	if n.Bridge != "" {
		errs = append(errs, removeHostNetwork(n.Bridge))
	}
	return errors.Join(errs...)
}

// deleteContainers force-deletes every container runc knows under root
// (one sub-directory per containerd namespace): this kills the container's
// processes, which die with their shim otherwise only by chance.
func deleteContainers(runcRoot string) error {
	namespaces, err := os.ReadDir(runcRoot)
	if err != nil {
		return nil // no containers were ever started
	}
	var errs []error
	for _, ns := range namespaces {
		root := filepath.Join(runcRoot, ns.Name())
		out, err := exec.Command("runc", "--root", root, "list", "-q").Output()
		if err != nil {
			continue
		}
		for _, id := range strings.Fields(string(out)) {
			if msg, err := exec.Command("runc", "--root", root, "delete", "--force", id).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("runc delete %s: %w: %s", id, err, bytes.TrimSpace(msg)))
			}
		}
	}
	return errors.Join(errs...)
}

// killProcessesMentioning SIGKILLs every process whose command line names
// something under dir (agents with --data-dir, containerd with --config,
// shims with -address) and waits until they are gone.
func killProcessesMentioning(dir string) error {
	pids := processesMentioning(dir)
	for _, pid := range pids {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	deadline := time.Now().Add(10 * time.Second)
	for _, pid := range pids {
		for processAlive(pid) {
			if time.Now().After(deadline) {
				return fmt.Errorf("process %d (%s) survived SIGKILL", pid, cmdline(pid))
			}
			time.Sleep(20 * time.Millisecond) // polling the kernel, not synchronising with the system under test
		}
	}
	return nil
}

func processesMentioning(dir string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		for _, arg := range strings.Split(cmdline(pid), "\x00") {
			if arg == dir || strings.HasPrefix(arg, dir+"/") || strings.Contains(arg, "="+dir) {
				pids = append(pids, pid)
				break
			}
		}
	}
	return pids
}

func cmdline(pid int) string {
	raw, _ := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	return strings.TrimRight(string(raw), "\x00")
}

// processAlive is true while pid exists and is not a zombie (a zombie is
// dead; its parent reaps it whenever it likes).
func processAlive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	i := bytes.LastIndexByte(stat, ')')
	return i >= 0 && i+2 < len(stat) && stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// unmountUnder lazily detaches every mount at or below dir, deepest first
// (overlay rootfs, shm, network namespace bind mounts).
func unmountUnder(dir string) error {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	var errs []error
	for _, m := range mounts {
		err := syscall.Unmount(m, syscall.MNT_DETACH)
		if err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("umount -l %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}

func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeOctal(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("reading mounts: %w", err)
	}
	return out, nil
}

// unescapeOctal undoes mountinfo's escapes (\040 for a space...).
func unescapeOctal(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == '\\' && i+4 <= len(s) {
			if n, err := strconv.ParseUint(s[i+1:i+4], 8, 8); err == nil {
				b.WriteByte(byte(n))
				i += 3
				continue
			}
		}
		b.WriteByte(s[i])
	}
	return b.String()
}

// removeHostNetwork deletes the bridge, the masquerade table and the routes
// the agent marked as its own, from the host's network namespace.
func removeHostNetwork(bridge string) error {
	var errs []error
	if run("ip", "link", "show", "dev", bridge) == nil {
		errs = append(errs, run("ip", "link", "del", bridge))
	}
	if run("nft", "list", "table", "ip", MasqTable) == nil {
		errs = append(errs, run("nft", "delete", "table", "ip", MasqTable))
	}
	errs = append(errs, run("ip", "route", "flush", "proto", routeProto))
	return errors.Join(errs...)
}

// run executes a command, returning its output in the error.
func run(name string, args ...string) error {
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, bytes.TrimSpace(out))
	}
	return nil
}

// cgroupRoot is where cgroup v1 controllers are mounted on these machines.
const cgroupRoot = "/sys/fs/cgroup"

// removePodCgroups removes the cgroup directories of the given pods in
// every controller, children first. A cgroup still holding a process stays
// and is reported.
func removePodCgroups(uids []string) error {
	if len(uids) == 0 {
		return nil
	}
	want := map[string]bool{}
	for _, u := range uids {
		want["pod"+u] = true
	}
	var dirs []string
	controllers, _ := os.ReadDir(cgroupRoot)
	for _, c := range controllers {
		base := filepath.Join(cgroupRoot, c.Name(), "kubepods")
		_ = filepath.WalkDir(base, func(path string, d os.DirEntry, err error) error {
			if err != nil || !d.IsDir() {
				return nil
			}
			if want[d.Name()] {
				dirs = append(dirs, treeBelow(path)...)
				return filepath.SkipDir
			}
			return nil
		})
	}
	var errs []error
	for _, d := range dirs {
		if err := syscall.Rmdir(d); err != nil && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("rmdir %s: %w", d, err))
		}
	}
	return errors.Join(errs...)
}

// treeBelow lists dir and its sub-directories, deepest first.
func treeBelow(dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.IsDir() {
			out = append(out, path)
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return len(out[i]) > len(out[j]) })
	return out
}
