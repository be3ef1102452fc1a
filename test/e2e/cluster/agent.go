package cluster

import (
	"context"
	"errors"
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

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// AgentReadyTimeout bounds how long StartAgent waits for its nodes to be
// registered and Ready.
const AgentReadyTimeout = 30 * time.Second

// Agent is one `rudder agent --runtime=fake` process simulating Count
// nodes named <Prefix>-0 … <Prefix>-<Count-1>.
type Agent struct {
	t       testing.TB
	Prefix  string
	Count   int
	LogPath string

	proc *process
	once sync.Once
}

// agentSeq numbers agents, so each one gets its own node and pod address
// ranges: separate processes cannot coordinate them.
var agentSeq struct {
	mu sync.Mutex
	n  int
}

func nextAgentIndex() int {
	agentSeq.mu.Lock()
	defer agentSeq.mu.Unlock()
	i := agentSeq.n
	agentSeq.n++
	return i
}

// StartAgent runs `rudder agent --runtime=fake --count count
// --node-name-prefix prefix` against s, with extraArgs appended (e.g.
// "--cpu", "64"), and waits until all its nodes are Ready. The process
// is killed when the test ends; on failure its log is printed.
func StartAgent(t testing.TB, s *Server, count int, prefix string, extraArgs ...string) *Agent {
	t.Helper()
	idx := nextAgentIndex()
	a := &Agent{t: t, Prefix: prefix, Count: count,
		LogPath: filepath.Join(s.base, fmt.Sprintf("agent-%d-%s.log", idx, prefix))}
	args := append([]string{"agent", "--runtime=fake",
		"--kubeconfig", s.Kubeconfig(),
		"--count", strconv.Itoa(count),
		"--node-name-prefix", prefix,
		// Distinct ranges per process: node i of agent k gets 10.42.(32k+i).0/24.
		"--pod-cidr-base", fmt.Sprintf("10.42.%d.0/19", (idx%8)*32),
		"--node-ip-base", fmt.Sprintf("172.%d.0.0/16", 20+idx%10),
	}, extraArgs...)
	if err := a.launch(s.bin, args); err != nil {
		t.Fatalf("starting rudder agent %s: %v", prefix, err)
	}
	t.Cleanup(a.cleanup)
	if err := a.waitNodesReady(s); err != nil {
		t.Fatalf("agent %s: %v\n%s", prefix, err, tail(a.LogPath))
	}
	return a
}

// NodeNames lists the nodes this agent simulates.
func (a *Agent) NodeNames() []string {
	out := make([]string, a.Count)
	for i := range out {
		out[i] = fmt.Sprintf("%s-%d", a.Prefix, i)
	}
	return out
}

func (a *Agent) launch(bin string, args []string) error {
	log, err := os.OpenFile(a.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening agent log: %w", err)
	}
	defer log.Close()
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	a.proc = p
	return nil
}

// waitNodesReady polls the API until every node of this agent reports
// Ready, the process exits, or AgentReadyTimeout passes.
func (a *Agent) waitNodesReady(s *Server) error {
	cs := s.Clientset(a.t)
	ctx, cancel := context.WithTimeout(context.Background(), AgentReadyTimeout)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		missing := a.notReady(ctx, cs.CoreV1().Nodes())
		if missing == "" {
			return nil
		}
		select {
		case <-a.proc.exited:
			return fmt.Errorf("agent exited before its nodes were Ready: %v", a.proc.err)
		case <-ctx.Done():
			return fmt.Errorf("node %s not Ready after %s", missing, AgentReadyTimeout)
		case <-tick.C:
		}
	}
}

type nodeGetter interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*corev1.Node, error)
}

// notReady names the first node of the agent that is not Ready, or "".
func (a *Agent) notReady(ctx context.Context, nodes nodeGetter) string {
	for _, name := range a.NodeNames() {
		n, err := nodes.Get(ctx, name, metav1.GetOptions{})
		if err != nil || !nodeReady(n) {
			return name
		}
	}
	return ""
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Kill sends SIGKILL to the agent's process group and waits until it is
// gone: its nodes stop heartbeating at once, as when a machine dies.
func (a *Agent) Kill() {
	a.t.Helper()
	if err := a.signalAndWait(syscall.SIGKILL); err != nil {
		a.t.Fatalf("killing agent %s: %v", a.Prefix, err)
	}
}

// Stop asks the agent to shut down (SIGTERM) and waits for it, killing it
// when it takes longer than 15 s.
func (a *Agent) Stop() {
	a.t.Helper()
	if err := a.signalAndWait(syscall.SIGTERM); err != nil {
		a.t.Logf("graceful agent stop failed (%v); killing", err)
		a.Kill()
	}
}

func (a *Agent) signalAndWait(sig syscall.Signal) error {
	p := a.proc
	select {
	case <-p.exited:
		return nil
	default:
	}
	pid := p.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %v to group %d: %w", sig, pid, err)
	}
	select {
	case <-p.exited:
		_ = syscall.Kill(-pid, syscall.SIGKILL)
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("agent %d still running %s after %v", pid, stopTimeout, sig)
	}
}

func (a *Agent) cleanup() {
	a.once.Do(func() {
		if err := a.signalAndWait(syscall.SIGKILL); err != nil {
			a.t.Errorf("agent cleanup: %v", err)
		}
		if a.t.Failed() {
			a.t.Logf("rudder agent %s log (%s):\n%s", a.Prefix, a.LogPath, tail(a.LogPath))
		}
	})
}

// tail returns the last 32 KiB of a log file.
func tail(path string) string {
	const max = 32 << 10
	data, err := os.ReadFile(path)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(data) > max {
		data = append([]byte("...\n"), data[len(data)-max:]...)
	}
	return string(data)
}

// flagProbes caches which flags of which commands this build accepts.
var flagProbes struct {
	mu    sync.Mutex
	known map[string]bool
}

// Supports reports whether `rudder <command>` accepts flag (e.g. "agent",
// "--node-lease-duration"), hidden flags included, so tests can use newer
// flags when present and fall back otherwise. It asks the binary itself:
// pflag reports an unknown flag as such, and a known one given last
// without its value as missing an argument.
func Supports(t testing.TB, command, flag string) bool {
	t.Helper()
	bin := Build(t)
	flagProbes.mu.Lock()
	defer flagProbes.mu.Unlock()
	if flagProbes.known == nil {
		flagProbes.known = map[string]bool{}
	}
	key := command + " " + flag
	known, ok := flagProbes.known[key]
	if !ok {
		out, _ := exec.Command(bin, command, "--help", flag).CombinedOutput()
		known = !strings.Contains(string(out), "unknown flag")
		flagProbes.known[key] = known
	}
	return known
}
