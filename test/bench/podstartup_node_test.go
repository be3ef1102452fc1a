package bench

import (
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

	"rudder/test/e2e/cluster"
)

// The machine runs one real node in its network namespace at a time (bridge
// rudder0, pod CIDR 10.42.0.0/24, nft table rudder-masq). The e2e harness
// serialises its nodes with a flock on this path; the benchmark takes the
// same lock, and also waits for any other agent-ful `rudder server`.
const (
	startupHostLock     = "/tmp/rudder-e2e-host-node.lock"
	startupOthersWait   = 15 * time.Minute
	startupOthersPoll   = 20 * time.Second
	startupNodeReadyMax = 2 * time.Minute
)

// startupNode is a `rudder server` with its in-process agent, on a short
// data dir under /tmp (containerd's socket path must fit 108 bytes).
type startupNode struct {
	*server
	lock *os.File
	uids func() []string // pods whose cgroups cleanup removes
}

// startupStartNode waits for the machine's node slot, starts the server
// with its agent and registers the cleanup of everything it leaves on the
// host, which runs whether the benchmark passed or not.
func startupStartNode(b *testing.B) *startupNode {
	b.Helper()
	bin := rudderBinary(b) // before the lock: the build is slow
	n := &startupNode{lock: startupTakeHost(b)}
	base, err := os.MkdirTemp("/tmp", "rdr-bench-")
	if err != nil {
		n.releaseLock()
		b.Fatalf("data dir: %v", err)
	}
	n.server = &server{tb: b, bin: bin, base: base, dataDir: filepath.Join(base, "d"),
		port: freePort(b), logPath: filepath.Join(base, "rudder.log")}
	b.Cleanup(n.cleanup)
	if err := os.MkdirAll(n.dataDir, 0o700); err != nil {
		b.Fatalf("data dir: %v", err)
	}
	if err := n.launchWithAgent(); err != nil {
		b.Fatalf("starting rudder server with its agent: %v\nlog:\n%s", err, n.logTail())
	}
	return n
}

// launchWithAgent is server.launch without --disable-agent.
func (n *startupNode) launchWithAgent() error {
	log, err := os.OpenFile(n.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(n.bin, "server", "--data-dir", n.dataDir,
		"--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(n.port))
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Env = os.Environ()
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", n.bin, err)
	}
	n.cmd, n.exited = cmd, make(chan struct{})
	go func() { _ = cmd.Wait(); close(n.exited) }()
	return n.waitReady()
}

func (n *startupNode) agentDir() string { return filepath.Join(n.dataDir, "agent") }
func (n *startupNode) criSocket() string {
	return filepath.Join(n.agentDir(), "containerd", "containerd.sock")
}

// cleanup kills the server, then removes what its agent left: containers,
// containerd and shims, mounts, pod cgroups, the bridge and nft table, and
// finally the data dir. containerd outlives the server by design.
func (n *startupNode) cleanup() {
	b := n.tb
	var uids []string
	if n.uids != nil {
		uids = n.uids()
	}
	if err := n.signalAndWait(syscall.SIGKILL); err != nil {
		b.Errorf("killing rudder server: %v", err)
	}
	if b.Failed() {
		b.Logf("rudder server log (%s):\n%s", n.logPath, n.logTail())
	}
	n.keepLogs()
	node := cluster.NodeFiles{DataDir: n.agentDir(), Bridge: cluster.DefaultBridge, PodUIDs: uids}
	if err := cluster.CleanupNode(node); err != nil {
		b.Errorf("cleaning up the node: %v", err)
	}
	// Anything else naming the data dir (nothing expected) and its mounts.
	if err := cluster.CleanupNode(cluster.NodeFiles{DataDir: n.dataDir}); err != nil {
		b.Errorf("cleaning up %s: %v", n.dataDir, err)
	}
	if err := os.RemoveAll(n.base); err != nil {
		b.Errorf("removing %s: %v", n.base, err)
	}
	n.releaseLock()
}

// keepLogs copies the server's and containerd's logs (containerd's carry
// millisecond stamps of every CRI call) to $RUDDER_STARTUP_LOG_DIR, for
// finding where startup time goes; the data dir is removed afterwards.
func (n *startupNode) keepLogs() {
	dir := os.Getenv("RUDDER_STARTUP_LOG_DIR")
	if dir == "" {
		return
	}
	for src, dst := range map[string]string{
		n.logPath: "podstartup-server.log",
		filepath.Join(n.agentDir(), "containerd", "containerd.log"): "podstartup-containerd.log",
	} {
		if data, err := os.ReadFile(src); err == nil {
			_ = os.WriteFile(filepath.Join(dir, dst), data, 0o644)
		}
	}
}

func (n *startupNode) releaseLock() {
	if n.lock != nil {
		_ = n.lock.Close() // closing drops the flock
		n.lock = nil
	}
}

// startupTakeHost waits (up to startupOthersWait) for the host-node lock
// and for no other `rudder server` running an agent; past the deadline it
// proceeds and says so, as the brief allows.
func startupTakeHost(b *testing.B) *os.File {
	b.Helper()
	deadline := time.Now().Add(startupOthersWait)
	lock, err := startupFlock(startupHostLock, deadline)
	if err != nil {
		b.Logf("NOTE: proceeding without the host-node lock: %v", err)
	}
	for {
		others := startupOtherNodes()
		if len(others) == 0 {
			return lock
		}
		if time.Now().After(deadline) {
			b.Logf("NOTE: proceeding although other agent-ful servers run: %v", others)
			return lock
		}
		b.Logf("waiting for other agent-ful rudder servers to end: %v", others)
		time.Sleep(startupOthersPoll) // polling other people's processes, not our system under test
	}
}

// startupFlock takes an exclusive flock on path, polling until deadline.
func startupFlock(path string, deadline time.Time) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("flock %s: %w", path, err)
		}
		time.Sleep(time.Second) // another process holds it; poll
	}
}

// startupOtherNodes lists command lines like `pgrep -af 'rudder server'`
// that lack --disable-agent, i.e. servers running a node on this host.
func startupOtherNodes() []string {
	var out []string
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil || pid == os.Getpid() {
			continue
		}
		line := startupCmdline(pid)
		if strings.Contains(line, "rudder server") && !strings.Contains(line, "--disable-agent") {
			out = append(out, fmt.Sprintf("%d: %s", pid, line))
		}
	}
	return out
}

// startupCmdline is /proc/<pid>/cmdline with spaces between arguments.
func startupCmdline(pid int) string {
	raw, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "cmdline"))
	if err != nil {
		return ""
	}
	return strings.ReplaceAll(strings.TrimRight(string(raw), "\x00"), "\x00", " ")
}
