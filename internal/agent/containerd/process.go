package containerd

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// proc is a running containerd: one the supervisor started (and reaps) or
// one it found running from an earlier agent.
type proc struct {
	pid     int
	started time.Time
	done    chan struct{} // closed when the process has exited
}

// launch starts containerd detached from the agent: its own session and
// process group (a signal to the agent's group does not reach it), output
// to a file rather than a pipe (a pipe would break, and SIGPIPE containerd,
// when the agent dies).
func launch(o Options, p paths) (*proc, error) {
	// A socket left by a killed containerd would make the new one fail to
	// listen; only called when no containerd of ours is running.
	if err := os.Remove(p.socket); err != nil && !os.IsNotExist(err) {
		return nil, fmt.Errorf("remove stale socket: %w", err)
	}
	logf, err := os.OpenFile(p.log, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open containerd log: %w", err)
	}
	defer logf.Close() // the child holds its own descriptor
	name, args := o.Binary, []string{"--config", p.config}
	if o.NetNS != "" {
		// nsenter execs containerd in place: the pid stays containerd's.
		name, args = "nsenter", append([]string{"--net=" + o.NetNS, "--", o.Binary}, args...)
	}
	cmd := exec.Command(name, args...)
	cmd.Env = childEnv()
	cmd.Stdout, cmd.Stderr = logf, logf
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", o.Binary, err)
	}
	pr := &proc{pid: cmd.Process.Pid, started: time.Now(), done: make(chan struct{})}
	go func() { // ends when containerd exits; reaps it
		_ = cmd.Wait()
		close(pr.done)
	}()
	if err := os.WriteFile(p.pidFile, []byte(strconv.Itoa(pr.pid)+"\n"), 0o644); err != nil {
		return pr, fmt.Errorf("write pid file: %w", err)
	}
	return pr, nil
}

// childEnv makes sure containerd finds runc (/usr/sbin) and its shim
// (/usr/bin) whatever PATH the agent was started with.
func childEnv() []string {
	env := make([]string, 0, len(os.Environ())+1)
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "PATH=") {
			env = append(env, kv)
		}
	}
	return append(env, "PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
}

// findRunning returns the pid of a live containerd using this instance's
// config: first the pid file, then a scan of /proc (the pid file may be
// missing if the agent died between start and write).
func findRunning(p paths) (int, bool) {
	if data, err := os.ReadFile(p.pidFile); err == nil {
		if pid, err := strconv.Atoi(strings.TrimSpace(string(data))); err == nil && isOurs(pid, p.config) {
			return pid, true
		}
	}
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err == nil && isOurs(pid, p.config) {
			return pid, true
		}
	}
	return 0, false
}

// isOurs reports whether pid is a live (not zombie) containerd started with
// --config configPath; checking the command line guards against pid reuse.
func isOurs(pid int, configPath string) bool {
	if !alive(pid) {
		return false
	}
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return false
	}
	args := strings.Split(string(bytes.TrimRight(raw, "\x00")), "\x00")
	if len(args) == 0 || filepath.Base(args[0]) != "containerd" {
		return false
	}
	for i := 1; i+1 < len(args); i++ {
		if args[i] == "--config" && args[i+1] == configPath {
			return true
		}
	}
	return false
}

// alive reports whether pid exists and is not a zombie.
func alive(pid int) bool {
	stat, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return false
	}
	// The state follows the parenthesised command name, which may itself
	// contain spaces or parentheses.
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 || i+2 >= len(stat) {
		return false
	}
	return stat[i+2] != 'Z' && stat[i+2] != 'X'
}

// adopt watches a containerd that another agent process started: it is not
// our child, so its exit is noticed by polling. The watcher ends with ctx.
func adopt(ctx context.Context, pid int, configPath string) *proc {
	pr := &proc{pid: pid, started: time.Now(), done: make(chan struct{})}
	go func() {
		t := time.NewTicker(250 * time.Millisecond)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if !isOurs(pid, configPath) {
					close(pr.done)
					return
				}
			}
		}
	}()
	return pr
}

// terminate sends SIGTERM, then SIGKILL if containerd has not exited by
// the deadline, and waits until it is gone.
func terminate(ctx context.Context, pid int, configPath string) error {
	if !isOurs(pid, configPath) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGTERM)
	if waitGone(ctx, pid, configPath, 10*time.Second) {
		return nil
	}
	_ = syscall.Kill(pid, syscall.SIGKILL)
	if waitGone(ctx, pid, configPath, 10*time.Second) {
		return nil
	}
	return fmt.Errorf("containerd (pid %d) did not exit", pid)
}

func waitGone(ctx context.Context, pid int, configPath string, limit time.Duration) bool {
	deadline := time.NewTimer(limit)
	defer deadline.Stop()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for isOurs(pid, configPath) {
		select {
		case <-ctx.Done():
			return false
		case <-deadline.C:
			return false
		case <-t.C:
		}
	}
	return true
}
