package containerd

import (
	"bufio"
	"context"
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

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/runtime/cri"
)

// Cleanup removes everything of this instance, for tests and node reset:
// every pod sandbox (through CRI, so CNI releases addresses and netns),
// then containerd, any shim or container left over, the mounts under the
// data dir, and the files. It does not remove the bridge or routes; that is
// the cni package's Cleanup.
func (s *Supervisor) Cleanup() error {
	var errs []error
	if s.proc() != nil && alive(s.PID()) {
		errs = append(errs, s.removeSandboxes())
	}
	errs = append(errs, s.Stop())
	errs = append(errs, s.killLeftovers())
	errs = append(errs, unmountUnder(s.paths.base))
	if err := os.RemoveAll(s.paths.base); err != nil {
		errs = append(errs, fmt.Errorf("remove %s: %w", s.paths.base, err))
	}
	return errors.Join(errs...)
}

// removeSandboxes stops and removes every sandbox, which stops its
// containers.
func (s *Supervisor) removeSandboxes() error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c, err := cri.Dial(ctx, s.paths.socket)
	if err != nil {
		return fmt.Errorf("cleanup: %w", err)
	}
	defer c.Close()
	list, err := c.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		return fmt.Errorf("cleanup: list sandboxes: %w", err)
	}
	var errs []error
	for _, sb := range list.GetItems() {
		if _, err := c.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("cleanup: stop sandbox %s: %w", sb.Id, err))
			continue
		}
		if _, err := c.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: sb.Id}); err != nil {
			errs = append(errs, fmt.Errorf("cleanup: remove sandbox %s: %w", sb.Id, err))
		}
	}
	return errors.Join(errs...)
}

// killLeftovers ends what CRI could not: containers still known to this
// instance's runc root, then shims serving this instance's socket.
func (s *Supervisor) killLeftovers() error {
	var errs []error
	nsDirs, _ := os.ReadDir(s.paths.runcRoot)
	for _, ns := range nsDirs {
		root := filepath.Join(s.paths.runcRoot, ns.Name())
		out, err := exec.Command("runc", "--root", root, "list", "-q").Output()
		if err != nil {
			continue
		}
		for _, id := range strings.Fields(string(out)) {
			if out, err := exec.Command("runc", "--root", root, "delete", "--force", id).CombinedOutput(); err != nil {
				errs = append(errs, fmt.Errorf("runc delete %s: %w: %s", id, err, out))
			}
		}
	}
	for _, pid := range shimsOf(s.paths.socket) {
		_ = syscall.Kill(pid, syscall.SIGKILL)
	}
	return errors.Join(errs...)
}

// shimsOf finds containerd-shim processes started for the given socket
// (their command line carries -address <socket>).
func shimsOf(socket string) []int {
	var pids []int
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		raw, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err != nil {
			continue
		}
		args := strings.Split(strings.TrimRight(string(raw), "\x00"), "\x00")
		if !strings.HasPrefix(filepath.Base(args[0]), "containerd-shim") {
			continue
		}
		for i := 1; i+1 < len(args); i++ {
			if args[i] == "-address" && args[i+1] == socket {
				pids = append(pids, pid)
			}
		}
	}
	return pids
}

// unmountUnder detaches every mount at or below dir, deepest first
// (overlay rootfs, shm, netns bind mounts under the state dir).
func unmountUnder(dir string) error {
	mounts, err := mountsUnder(dir)
	if err != nil {
		return err
	}
	sort.Slice(mounts, func(i, j int) bool { return len(mounts[i]) > len(mounts[j]) })
	var errs []error
	for _, m := range mounts {
		if err := syscall.Unmount(m, syscall.MNT_DETACH); err != nil && !errors.Is(err, syscall.EINVAL) && !errors.Is(err, syscall.ENOENT) {
			errs = append(errs, fmt.Errorf("unmount %s: %w", m, err))
		}
	}
	return errors.Join(errs...)
}

func mountsUnder(dir string) ([]string, error) {
	f, err := os.Open("/proc/self/mountinfo")
	if err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 5 {
			continue
		}
		mp := unescapeMount(fields[4])
		if mp == dir || strings.HasPrefix(mp, dir+"/") {
			out = append(out, mp)
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("read mounts: %w", err)
	}
	return out, nil
}

// unescapeMount undoes mountinfo's octal escapes (\040 for a space...).
func unescapeMount(s string) string {
	if !strings.Contains(s, `\`) {
		return s
	}
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
