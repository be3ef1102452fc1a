package bench

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BinaryEnv names an environment variable pointing at a prebuilt rudder
// binary, so a CI run that already built one skips the build here.
const BinaryEnv = "RUDDER_BENCH_BINARY"

const (
	readyTimeout = 60 * time.Second
	stopTimeout  = 15 * time.Second
	// readyPoll is fine-grained because start-up time itself is measured
	// (target < 0.5 s); a coarse poll would round every start up.
	readyPoll = 5 * time.Millisecond
)

// builder builds ./cmd/rudder at most once per test binary; the build is
// the slow part and every benchmark shares it.
var builder struct {
	once sync.Once
	dir  string
	path string
	err  error
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builder.dir != "" {
		_ = os.RemoveAll(builder.dir)
	}
	os.Exit(code)
}

// rudderBinary returns the path of a rudder binary, building it on first use.
func rudderBinary(tb testing.TB) string {
	tb.Helper()
	builder.once.Do(func() { builder.path, builder.err = buildRudder() })
	if builder.err != nil {
		tb.Fatalf("building rudder: %v", builder.err)
	}
	return builder.path
}

func buildRudder() (string, error) {
	if p := os.Getenv(BinaryEnv); p != "" {
		return p, nil
	}
	root, err := moduleRoot()
	if err != nil {
		return "", err
	}
	dir, err := os.MkdirTemp("", "rudder-bench-bin-")
	if err != nil {
		return "", fmt.Errorf("temp dir for the binary: %w", err)
	}
	builder.dir = dir
	out := filepath.Join(dir, "rudder")
	cmd := exec.Command("go", "build", "-o", out, "./cmd/rudder")
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		return "", fmt.Errorf("go build ./cmd/rudder: %w\n%s", err, msg)
	}
	return out, nil
}

// moduleRoot walks up from the package directory to the one holding go.mod.
func moduleRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("working directory: %w", err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", errors.New("go.mod not found above the working directory")
		}
		dir = parent
	}
}

// server is one `rudder server` process on its own data dir and port.
// Running it as a separate process keeps its RSS apart from the client's.
type server struct {
	tb      testing.TB
	bin     string
	base    string
	dataDir string
	port    int
	logPath string

	cmd    *exec.Cmd
	exited chan struct{}
}

// startServer launches a server on a fresh data dir and waits for /readyz.
// It is killed when tb ends, passed or failed.
func startServer(tb testing.TB) *server {
	tb.Helper()
	s := newServer(tb)
	if _, err := s.launch(); err != nil {
		tb.Fatalf("starting rudder server: %v", err)
	}
	return s
}

// newServer prepares a fresh data dir and port without starting anything,
// so BenchmarkReady can time launch itself.
func newServer(tb testing.TB) *server {
	tb.Helper()
	base := tb.TempDir()
	s := &server{
		tb:      tb,
		bin:     rudderBinary(tb),
		base:    base,
		dataDir: filepath.Join(base, "data"),
		port:    freePort(tb),
		logPath: filepath.Join(base, "rudder.log"),
	}
	if err := os.MkdirAll(s.dataDir, 0o700); err != nil {
		tb.Fatalf("creating data dir: %v", err)
	}
	tb.Cleanup(s.cleanup)
	return s
}

func (s *server) url() string        { return "https://127.0.0.1:" + strconv.Itoa(s.port) }
func (s *server) kubeconfig() string { return filepath.Join(s.dataDir, "admin.kubeconfig") }
func (s *server) pid() int           { return s.cmd.Process.Pid }

// launch starts the process and returns the time from exec to the first
// /readyz "ok".
func (s *server) launch() (time.Duration, error) {
	log, err := os.OpenFile(s.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return 0, fmt.Errorf("opening log: %w", err)
	}
	defer log.Close() // the child holds its own descriptor
	cmd := exec.Command(s.bin, "server",
		"--data-dir", s.dataDir,
		"--bind-address", "127.0.0.1",
		"--secure-port", strconv.Itoa(s.port),
		"--disable-agent")
	cmd.Stdout, cmd.Stderr = log, log
	// RUDDER_PPROF_ADDR passes through from our environment for profiling.
	cmd.Env = os.Environ()
	// Own process group, so cleanup also reaches anything it spawns.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	start := time.Now()
	if err := cmd.Start(); err != nil {
		return 0, fmt.Errorf("starting %s: %w", s.bin, err)
	}
	s.cmd, s.exited = cmd, make(chan struct{})
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(cmd, s.exited)
	if err := s.waitReady(); err != nil {
		return 0, fmt.Errorf("%w\nlog %s:\n%s", err, s.logPath, s.logTail())
	}
	return time.Since(start), nil
}

// waitReady polls /readyz until it answers ok, the process exits or
// readyTimeout passes.
func (s *server) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	client := &http.Client{
		Timeout:   2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}},
	}
	defer client.CloseIdleConnections()
	for {
		if readyzOK(ctx, client, s.url()) {
			if _, err := os.Stat(s.kubeconfig()); err != nil {
				return fmt.Errorf("ready but no kubeconfig: %w", err)
			}
			return nil
		}
		select {
		case <-s.exited:
			return errors.New("rudder server exited before it was ready")
		case <-ctx.Done():
			return fmt.Errorf("rudder server not ready after %s", readyTimeout)
		case <-time.After(readyPoll):
		}
	}
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
	buf := make([]byte, 16)
	n, _ := resp.Body.Read(buf)
	return resp.StatusCode == http.StatusOK && string(buf[:n]) == "ok"
}

// stop sends SIGTERM and waits for the process to exit (SIGKILL after
// stopTimeout), so the data dir can be reused by the next launch.
func (s *server) stop() {
	s.tb.Helper()
	if err := s.signalAndWait(syscall.SIGTERM); err != nil {
		s.tb.Logf("graceful stop failed (%v); killing", err)
		if err := s.signalAndWait(syscall.SIGKILL); err != nil {
			s.tb.Fatalf("killing rudder server: %v", err)
		}
	}
}

func (s *server) signalAndWait(sig syscall.Signal) error {
	if s.cmd == nil {
		return nil
	}
	select {
	case <-s.exited:
		return nil
	default:
	}
	pid := s.pid()
	if err := syscall.Kill(-pid, sig); err != nil && !errors.Is(err, syscall.ESRCH) {
		return fmt.Errorf("signal %v to group %d: %w", sig, pid, err)
	}
	select {
	case <-s.exited:
		_ = syscall.Kill(-pid, syscall.SIGKILL) // stragglers in the group
		return nil
	case <-time.After(stopTimeout):
		return fmt.Errorf("process %d still running %s after %v", pid, stopTimeout, sig)
	}
}

// cleanup kills the server; on failure it prints the log's tail.
func (s *server) cleanup() {
	if err := s.signalAndWait(syscall.SIGKILL); err != nil {
		s.tb.Errorf("cleanup: %v", err)
	}
	if s.tb.Failed() {
		s.tb.Logf("rudder server log (%s):\n%s", s.logPath, s.logTail())
	}
}

func (s *server) logTail() string {
	const max = 32 << 10
	data, err := os.ReadFile(s.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	if len(data) > max {
		data = append([]byte("...\n"), data[len(data)-max:]...)
	}
	return string(data)
}

// freePort asks the kernel for an unused loopback port. Another process may
// take it first; that shows up as a clear start failure.
func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
