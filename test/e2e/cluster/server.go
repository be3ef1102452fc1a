package cluster

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// ReadyTimeout bounds how long Start and Restart wait for /readyz.
const ReadyTimeout = 30 * time.Second

// stopTimeout bounds a graceful stop before it turns into SIGKILL.
const stopTimeout = 15 * time.Second

// Server is one `rudder server` process with its own data dir and port. It
// survives Kill and Restart: the data dir, port and kubectl cache stay.
type Server struct {
	t        testing.TB
	bin      string
	args     []string
	base     string // temp dir holding everything below
	DataDir  string
	Port     int
	LogPath  string
	cacheDir string
	homeDir  string

	mu   sync.Mutex
	proc *process // nil when not running
	runs int

	// agent runs the server's own node agent (no --disable-agent); see
	// WithAgent.
	agent bool
	// hostNode holds the machine-wide lock and the node's cleanup while
	// the server runs an agent.
	hostNode *hostNode
}

// process is one run of the binary; exited is closed once it is reaped.
type process struct {
	cmd    *exec.Cmd
	exited chan struct{}
	err    error
}

// Option changes how Start runs the server.
type Option func(*Server)

// WithArgs appends flags to `rudder server`'s command line.
func WithArgs(args ...string) Option {
	return func(s *Server) { s.args = append(s.args, args...) }
}

// WithAgent runs the server with its own node agent (real containerd, the
// rudder0 bridge, pod CIDR 10.42.0.0/24): a one-node cluster. Only one such
// node can run on a machine at a time, so Start takes a machine-wide lock;
// the data dir is a short path under /tmp (containerd's socket must fit
// 108 bytes). Cleanup removes containers, containerd, mounts, the bridge,
// the masquerade table and routes, whether the test passed or not.
func WithAgent() Option {
	return func(s *Server) { s.agent = true }
}

// Start runs `rudder server --disable-agent` (WithAgent: with its node) on a
// free loopback port with a fresh data dir and waits until /readyz answers
// ok. The process is killed
// when the test ends, whether it passed or not; on failure its log is
// printed.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin := Build(t)
	base := t.TempDir()
	s := &Server{
		t:        t,
		bin:      bin,
		base:     base,
		DataDir:  filepath.Join(base, "data"),
		Port:     freePort(t),
		LogPath:  filepath.Join(base, "rudder.log"),
		cacheDir: filepath.Join(base, "kubectl-cache"),
		homeDir:  filepath.Join(base, "home"),
	}
	for _, o := range opts {
		o(s)
	}
	if s.agent {
		s.hostNode = takeHostNode(t, "d/agent")
		s.useShortDirs(s.hostNode.dir)
	}
	for _, d := range []string{s.DataDir, s.cacheDir, s.homeDir} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatalf("creating %s: %v", d, err)
		}
	}
	// Registered after TempDir, so it runs before the dir is removed.
	t.Cleanup(s.cleanup)
	if err := s.launch(); err != nil {
		t.Fatalf("starting rudder server: %v", err)
	}
	return s
}

// URL is the server's HTTPS base URL.
func (s *Server) URL() string { return "https://127.0.0.1:" + strconv.Itoa(s.Port) }

// Kubeconfig is the admin kubeconfig the server writes into its data dir.
func (s *Server) Kubeconfig() string { return filepath.Join(s.DataDir, "admin.kubeconfig") }

// Kill sends SIGKILL to the server's process group and waits until it is
// gone: nothing gets a chance to flush or shut down cleanly.
func (s *Server) Kill() {
	s.t.Helper()
	if err := s.signalAndWait(syscall.SIGKILL, stopTimeout); err != nil {
		s.t.Fatalf("killing rudder server: %v", err)
	}
}

// Stop asks the server to shut down (SIGTERM) and waits for it to exit,
// killing it if it takes longer than 15 s.
func (s *Server) Stop() {
	s.t.Helper()
	start := time.Now()
	defer func() { s.t.Logf("rudder server stopped after %s", time.Since(start).Round(time.Millisecond)) }()
	if err := s.signalAndWait(syscall.SIGTERM, stopTimeout); err != nil {
		s.t.Logf("graceful stop failed (%v); killing", err)
		s.Kill()
	}
}

// Restart stops the server gracefully if it is still running and starts it
// again on the same data dir and port, waiting for /readyz.
func (s *Server) Restart() {
	s.t.Helper()
	if s.running() {
		s.Stop()
	}
	if err := s.launch(); err != nil {
		s.t.Fatalf("restarting rudder server: %v", err)
	}
}

func (s *Server) running() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.proc != nil
}

// launch starts one run and waits until it is ready.
func (s *Server) launch() error {
	log, err := os.OpenFile(s.LogPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("opening log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	s.runs++
	fmt.Fprintf(log, "=== run %d of rudder server on port %d ===\n", s.runs, s.Port)
	args := []string{"server",
		"--data-dir", s.DataDir,
		"--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(s.Port),
	}
	if !s.agent {
		args = append(args, "--disable-agent")
	}
	args = append(args, s.args...)
	cmd := exec.Command(s.bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	// Own process group, so Kill also reaches anything the server spawns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("starting %s: %w", s.bin, err)
	}
	p := &process{cmd: cmd, exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	s.mu.Lock()
	s.proc = p
	s.mu.Unlock()
	if err := s.waitReady(p); err != nil {
		return fmt.Errorf("%w\n%s", err, s.logTail())
	}
	return nil
}

// waitReady polls /readyz (unauthenticated) until it answers ok, the
// process exits, or ReadyTimeout passes.
func (s *Server) waitReady(p *process) error {
	ctx, cancel := context.WithTimeout(context.Background(), ReadyTimeout)
	defer cancel()
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	defer client.CloseIdleConnections()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		if readyzOK(ctx, client, s.URL()) && s.announcedKubeconfig() {
			if _, err := os.Stat(s.Kubeconfig()); err != nil {
				return fmt.Errorf("ready but no kubeconfig: %w", err)
			}
			return nil
		}
		select {
		case <-p.exited:
			s.clearProc(p)
			return fmt.Errorf("rudder server exited before it was ready: %v", p.err)
		case <-ctx.Done():
			return fmt.Errorf("rudder server not ready after %s", ReadyTimeout)
		case <-tick.C:
		}
	}
}

// announcedKubeconfig reports whether the current run printed the
// kubeconfig path, as `rudder server` promises once it is ready.
func (s *Server) announcedKubeconfig() bool {
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return false
	}
	return strings.Count(string(data), "Kubeconfig: "+s.Kubeconfig()+"\n") >= s.runs
}

func readyzOK(ctx context.Context, client *http.Client, url string) bool {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := client.Do(req)
	if err != nil {
		return false
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 1024))
	return resp.StatusCode == http.StatusOK && string(body) == "ok"
}

// signalAndWait signals the process group and waits for the process to be
// reaped. A server that is not running is not an error.
func (s *Server) signalAndWait(sig syscall.Signal, timeout time.Duration) error {
	s.mu.Lock()
	p := s.proc
	s.mu.Unlock()
	if p == nil {
		return nil
	}
	pid := p.cmd.Process.Pid
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %v to group %d: %w", sig, pid, err)
	}
	select {
	case <-p.exited:
		s.clearProc(p)
		if sig != syscall.SIGKILL {
			// Children that ignored the signal must not outlive the run.
			_ = syscall.Kill(-pid, syscall.SIGKILL)
		}
		return nil
	case <-time.After(timeout):
		return fmt.Errorf("process %d still running %s after %v", pid, timeout, sig)
	}
}

func (s *Server) clearProc(p *process) {
	s.mu.Lock()
	if s.proc == p {
		s.proc = nil
	}
	s.mu.Unlock()
}

// cleanup kills the server and, when the test failed, prints its log;
// with an agent it then removes what the node left on the machine.
func (s *Server) cleanup() {
	var pods []string
	if s.agent && s.running() {
		pods = s.podUIDs()
	}
	if err := s.signalAndWait(syscall.SIGKILL, stopTimeout); err != nil {
		s.t.Errorf("cleanup: %v", err)
	}
	if s.t.Failed() {
		s.t.Logf("rudder server log (%s):\n%s", s.LogPath, s.logTail())
	}
	if s.hostNode != nil {
		s.hostNode.release(s.t, pods)
	}
}

// logTail returns the end of the server log; the start rarely matters and
// whole logs drown the test output.
func (s *Server) logTail() string {
	const max = 64 << 10
	data, err := os.ReadFile(s.LogPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(data) > max {
		data = append([]byte("...\n"), data[len(data)-max:]...)
	}
	return string(data)
}

// freePort asks the kernel for an unused loopback port. Another process may
// take it before the server binds; that shows up as a clear start failure.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
