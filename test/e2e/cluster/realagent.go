package cluster

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// RealAgentReadyTimeout bounds how long a real node may take to join and
// report Ready (containerd start, CNI, image pulls are not part of it).
const RealAgentReadyTimeout = 60 * time.Second

// RealAgentConfig describes one `rudder agent --runtime=cri` node.
type RealAgentConfig struct {
	NodeName string
	// NetNS, when set, names a network namespace (/var/run/netns/<name>)
	// the agent runs in; only the network namespace is entered. Empty: the
	// host's, which Start locks machine-wide (one host node at a time).
	NetNS string
	// ServerURL is where the node joins and pulls images; default s.URL().
	ServerURL string
	NodeIP    string // --node-ip, when set
	Bridge    string // --bridge-name; default rudder0
	PodCIDR   string // --pod-cidr, when set (else node IPAM assigns one)
	ExtraArgs []string
}

// RealAgent is one real node agent process joined with the server's token.
// Kill and Start act on the process only: containerd and the containers
// stay, as when an agent crashes.
type RealAgent struct {
	t       testing.TB
	s       *Server
	cfg     RealAgentConfig
	dir     string // base dir, removed at cleanup
	DataDir string
	LogPath string
	host    *hostNode

	mu   sync.Mutex
	proc *process
	once sync.Once
}

// StartRealAgent runs a real node agent that joins s with --server and
// --token, and waits until its node is Ready. When the test ends the agent,
// its containerd, containers, mounts and host network state are removed.
func StartRealAgent(t testing.TB, s *Server, cfg RealAgentConfig) *RealAgent {
	t.Helper()
	a := &RealAgent{t: t, s: s, cfg: cfg}
	if cfg.NetNS == "" {
		a.host = takeHostNode(t, "a")
		a.dir = a.host.dir
	} else {
		dir, err := ShortTempDir()
		if err != nil {
			t.Fatal(err)
		}
		a.dir = dir
	}
	a.DataDir = filepath.Join(a.dir, "a")
	a.LogPath = filepath.Join(a.dir, "agent.log")
	t.Cleanup(a.cleanup)
	a.Start()
	return a
}

// args is the agent's command line (without the binary).
func (a *RealAgent) args() []string {
	url := a.cfg.ServerURL
	if url == "" {
		url = a.s.URL()
	}
	args := []string{"agent", "--runtime=cri",
		"--server", url, "--token", a.s.Token(a.t),
		"--data-dir", a.DataDir,
		"--node-name", a.cfg.NodeName,
		"--registry-url", url,
		// Written by joining, before containerd needs it.
		"--registry-ca-file", filepath.Join(a.DataDir, "ca.crt"),
	}
	for flag, v := range map[string]string{"--node-ip": a.cfg.NodeIP, "--bridge-name": a.cfg.Bridge, "--pod-cidr": a.cfg.PodCIDR} {
		if v != "" {
			args = append(args, flag, v)
		}
	}
	return append(args, a.cfg.ExtraArgs...)
}

// Start launches the agent process (again, after Kill) and waits until its
// node is Ready.
func (a *RealAgent) Start() {
	a.t.Helper()
	if err := a.launch(); err != nil {
		a.t.Fatalf("starting agent %s: %v", a.cfg.NodeName, err)
	}
	if err := a.waitReady(); err != nil {
		a.t.Fatalf("agent %s: %v\n%s", a.cfg.NodeName, err, tail(a.LogPath))
	}
}

func (a *RealAgent) launch() error {
	log, err := os.OpenFile(a.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening agent log: %w", err)
	}
	defer log.Close()
	name, args := a.s.bin, a.args()
	if a.cfg.NetNS != "" {
		// Only the network namespace: `ip netns exec` would remount /sys
		// and hide the cgroup mounts from runc.
		args = append([]string{"--net=/var/run/netns/" + a.cfg.NetNS, "--", name}, args...)
		name = "nsenter"
	}
	fmt.Fprintf(log, "=== %s %s\n", name, strings.Join(args, " "))
	cmd := exec.Command(name, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", name, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	a.mu.Lock()
	a.proc = p
	a.mu.Unlock()
	return nil
}

// waitReady polls the node until it is Ready, the process exits, or
// RealAgentReadyTimeout passes.
func (a *RealAgent) waitReady() error {
	cs := a.s.Clientset(a.t)
	ctx, cancel := context.WithTimeout(context.Background(), RealAgentReadyTimeout)
	defer cancel()
	a.mu.Lock()
	p := a.proc
	a.mu.Unlock()
	tick := time.NewTicker(200 * time.Millisecond)
	defer tick.Stop()
	for {
		n, err := cs.CoreV1().Nodes().Get(ctx, a.cfg.NodeName, metav1.GetOptions{})
		if err == nil && nodeReady(n) {
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("agent exited before its node was Ready: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("node %s not Ready after %s", a.cfg.NodeName, RealAgentReadyTimeout)
		case <-tick.C:
		}
	}
}

// Kill sends SIGKILL to the agent process group. containerd runs in its
// own session and survives, with every container.
func (a *RealAgent) Kill() {
	a.t.Helper()
	a.mu.Lock()
	p := a.proc
	a.mu.Unlock()
	if p == nil {
		return
	}
	select {
	case <-p.exited:
		return
	default:
	}
	if err := syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL); err != nil {
		a.t.Fatalf("killing agent: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(stopTimeout):
		a.t.Fatalf("agent %d still running after SIGKILL", p.cmd.Process.Pid)
	}
}

// Exited is closed when the current agent process has exited.
func (a *RealAgent) Exited() <-chan struct{} {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.proc.exited
}

// ContainerdPID is the pid of the node's containerd, from its pid file.
func (a *RealAgent) ContainerdPID() (int, error) {
	b, err := os.ReadFile(filepath.Join(a.DataDir, "containerd", "containerd.pid"))
	if err != nil {
		return 0, fmt.Errorf("containerd pid file: %w", err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return 0, fmt.Errorf("containerd pid file: %w", err)
	}
	return pid, nil
}

// Log is the end of the agent's log.
func (a *RealAgent) Log() string { return tail(a.LogPath) }

func (a *RealAgent) cleanup() {
	a.once.Do(func() {
		var pods []string
		if a.s.running() {
			pods = a.s.podUIDs(a.cfg.NodeName)
		}
		a.mu.Lock()
		p := a.proc
		a.mu.Unlock()
		if p != nil {
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			<-p.exited
		}
		if a.t.Failed() {
			a.t.Logf("rudder agent %s log (%s):\n%s", a.cfg.NodeName, a.LogPath, tail(a.LogPath))
		}
		if a.host != nil {
			a.host.release(a.t, pods)
			return
		}
		// In its own network namespace: the bridge, table and routes
		// there go with the namespace.
		if err := CleanupNode(NodeFiles{DataDir: a.DataDir, PodUIDs: pods}); err != nil {
			a.t.Errorf("cleaning up node %s: %v", a.cfg.NodeName, err)
		}
		if err := os.RemoveAll(a.dir); err != nil {
			a.t.Errorf("removing %s: %v", a.dir, err)
		}
	})
}
