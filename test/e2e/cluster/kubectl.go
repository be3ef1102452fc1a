package cluster

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"
)

// KubectlTimeout bounds one kubectl invocation.
const KubectlTimeout = 60 * time.Second

// Result is what one kubectl run produced.
type Result struct {
	Args   []string
	Stdout string
	Stderr string
	Code   int // exit code; -1 if it did not exit on its own
}

// String describes the run for failure messages.
func (r Result) String() string {
	return fmt.Sprintf("kubectl %s\nexit code %d\nstdout:\n%s\nstderr:\n%s",
		strings.Join(r.Args, " "), r.Code, r.Stdout, r.Stderr)
}

// OK fails the test unless kubectl exited 0 and returns its stdout.
func (r Result) OK(t testing.TB) string {
	t.Helper()
	if r.Code != 0 {
		t.Fatalf("command failed:\n%s", r)
	}
	return r.Stdout
}

// Call is one kubectl invocation.
type Call struct {
	Bin     string   // kubectl binary
	Args    []string // without --kubeconfig/--cache-dir
	Stdin   string
	Env     []string // extra KEY=VALUE pairs
	Timeout time.Duration
}

// Kubectl runs bin with args against this server.
func (s *Server) Kubectl(t testing.TB, bin string, args ...string) Result {
	t.Helper()
	return s.Run(t, Call{Bin: bin, Args: args})
}

// KubectlStdin runs bin with args, feeding stdin (for `apply -f -`).
func (s *Server) KubectlStdin(t testing.TB, bin, stdin string, args ...string) Result {
	t.Helper()
	return s.Run(t, Call{Bin: bin, Args: args, Stdin: stdin})
}

// Run runs a kubectl call to completion or its timeout (KubectlTimeout by
// default), whichever comes first.
func (s *Server) Run(t testing.TB, c Call) Result {
	t.Helper()
	timeout := c.Timeout
	if timeout == 0 {
		timeout = KubectlTimeout
	}
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := s.KubectlCommand(ctx, c.Bin, c.Args...)
	cmd.Env = append(cmd.Env, c.Env...)
	cmd.Stdin = strings.NewReader(c.Stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Args: cmd.Args[1:], Stdout: stdout.String(), Stderr: stderr.String(), Code: exitCode(err)}
	if ctx.Err() != nil {
		t.Fatalf("kubectl timed out after %s:\n%s", timeout, r)
	}
	if r.Code == -1 {
		t.Fatalf("running kubectl: %v\n%s", err, r)
	}
	return r
}

// KubectlCommand prepares (does not start) kubectl against this server with
// a per-server discovery cache and HOME, so runs never share state with the
// user's ~/.kube. Cancelling ctx kills kubectl's whole process group: the
// Cloud SDK dispatcher runs the real kubectl as a child.
func (s *Server) KubectlCommand(ctx context.Context, bin string, args ...string) *exec.Cmd {
	full := append([]string{"--kubeconfig", s.Kubeconfig(), "--cache-dir", s.cacheDir}, args...)
	cmd := exec.CommandContext(ctx, bin, full...)
	cmd.Env = append(filteredEnv(), "HOME="+s.homeDir)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = 5 * time.Second
	return cmd
}

// filteredEnv is the test's environment without what would point kubectl
// somewhere else.
func filteredEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		switch {
		case strings.HasPrefix(kv, "KUBECONFIG="), strings.HasPrefix(kv, "HOME="),
			strings.HasPrefix(kv, "EDITOR="), strings.HasPrefix(kv, "KUBE_EDITOR="):
			continue
		}
		out = append(out, kv)
	}
	return out
}

func exitCode(err error) int {
	if err == nil {
		return 0
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.Exited() {
		return exit.ExitCode()
	}
	return -1
}
