package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// scaleClockTicks is USER_HZ, the unit of utime/stime in /proc/<pid>/stat.
// It is 100 on every Linux architecture Go supports; reading it with
// sysconf would need cgo.
const scaleClockTicks = 100

// scaleProc is one child process of the scale benchmark (the server or the
// agent), in its own process group so that cleanup reaches all of it.
type scaleProc struct {
	tb      testing.TB
	name    string
	logPath string
	cmd     *exec.Cmd
	exited  chan struct{}
}

// scaleStart launches bin with args, logging to <dir>/<name>.log, and
// kills it (SIGKILL to its group) when tb ends, passed or failed. dropEnv
// names environment variables the child must not inherit.
func scaleStart(tb testing.TB, dir, name, bin string, args []string, dropEnv ...string) *scaleProc {
	tb.Helper()
	p := &scaleProc{tb: tb, name: name, logPath: filepath.Join(dir, name+".log")}
	log, err := os.Create(p.logPath)
	if err != nil {
		tb.Fatalf("log of %s: %v", name, err)
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = scaleEnvWithout(os.Environ(), dropEnv...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("starting %s: %v", name, err)
	}
	p.cmd, p.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(p.exited) }()
	tb.Cleanup(p.kill)
	return p
}

func scaleEnvWithout(env []string, drop ...string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		if !scaleContains(drop, k) {
			out = append(out, kv)
		}
	}
	return out
}

func scaleContains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func (p *scaleProc) pid() int { return p.cmd.Process.Pid }

// alive reports whether the process is still running; a benchmark whose
// component died must fail rather than wait for its deadline.
func (p *scaleProc) alive() bool {
	select {
	case <-p.exited:
		return false
	default:
		return true
	}
}

// kill ends the whole group and waits for the leader; on failure it prints
// the log's tail so a crash is visible.
func (p *scaleProc) kill() {
	if err := syscall.Kill(-p.pid(), syscall.SIGKILL); err != nil && !errors.Is(err, syscall.ESRCH) {
		p.tb.Errorf("killing %s: %v", p.name, err)
	}
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		p.tb.Errorf("%s (pid %d) still running %s after SIGKILL", p.name, p.pid(), stopTimeout)
	}
	if p.tb.Failed() {
		p.tb.Logf("%s log (%s):\n%s", p.name, p.logPath, scaleTail(p.logPath))
	}
}

func scaleTail(path string) string {
	const max = 16 << 10
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(data) > max {
		data = append([]byte("...\n"), data[len(data)-max:]...)
	}
	return string(data)
}

// scaleUsage is one reading of a process's resources.
type scaleUsage struct {
	cpu     time.Duration // user + system since start
	rssMiB  float64       // VmRSS now
	peakMiB float64       // VmHWM: the peak resident set since start
}

// scaleReadUsage reads /proc/<pid>/stat and /proc/<pid>/status.
func scaleReadUsage(pid int) (scaleUsage, error) {
	cpu, err := scaleCPU(pid)
	if err != nil {
		return scaleUsage{}, err
	}
	rss, err := statusKiB(pid, "VmRSS")
	if err != nil {
		return scaleUsage{}, err
	}
	hwm, err := statusKiB(pid, "VmHWM")
	if err != nil {
		return scaleUsage{}, err
	}
	return scaleUsage{cpu: cpu, rssMiB: float64(rss) / 1024, peakMiB: float64(hwm) / 1024}, nil
}

// scaleCPU returns utime+stime of pid (fields 14 and 15 of its stat line,
// counted after the parenthesised command name, which may hold spaces).
func scaleCPU(pid int) (time.Duration, error) {
	data, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return 0, fmt.Errorf("reading stat of %d: %w", pid, err)
	}
	return scaleParseStatCPU(string(data))
}

func scaleParseStatCPU(stat string) (time.Duration, error) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("malformed stat line %q", stat)
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state), so utime (14) is f[11] and stime (15) f[12].
	if len(f) < 13 {
		return 0, fmt.Errorf("stat line has %d fields after the name, want at least 13", len(f))
	}
	var ticks int64
	for _, s := range f[11:13] {
		v, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("cpu ticks %q: %w", s, err)
		}
		ticks += v
	}
	return time.Duration(ticks) * time.Second / scaleClockTicks, nil
}

// scaleWait polls cond every interval until it holds, fails, ctx ends or
// one of the processes exits.
func scaleWait(ctx context.Context, interval time.Duration, procs []*scaleProc, cond func(context.Context) (bool, error)) error {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		ok, err := cond(ctx)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
		for _, p := range procs {
			if !p.alive() {
				return fmt.Errorf("%s exited", p.name)
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
}
