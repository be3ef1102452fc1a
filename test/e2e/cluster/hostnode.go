package cluster

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// hostLockPath serialises real nodes in the host's network namespace
// across test processes: they share the bridge name and pod CIDR.
const hostLockPath = "/tmp/rudder-e2e-host-node.lock"

// hostLockTimeout bounds the wait for another test's host node to go.
const hostLockTimeout = 5 * time.Minute

// hostNode is the right to run the machine's one real node, with a short
// data dir under /tmp, until release.
type hostNode struct {
	dir      string
	agentDir string // the node agent's data dir, below dir
	lock     *os.File
	once     sync.Once
}

// takeHostNode waits for the machine-wide lock and makes a short base dir.
// A cleanup registered here releases both even if the caller fails before
// registering its own cleanup.
func takeHostNode(t testing.TB, agentSubdir string) *hostNode {
	t.Helper()
	lock, err := lockFile(hostLockPath, hostLockTimeout)
	if err != nil {
		t.Fatalf("waiting for the host node lock: %v", err)
	}
	if err := waitHostNetworkFree(3 * time.Minute); err != nil {
		_ = lock.Close()
		// Not ours: another cluster (a benchmark, a developer's server)
		// runs a node here, and cleaning up would break it.
		t.Skipf("another real node runs on this machine: %v", err)
	}
	dir, err := ShortTempDir()
	if err != nil {
		_ = lock.Close()
		t.Fatal(err)
	}
	h := &hostNode{dir: dir, agentDir: filepath.Join(dir, agentSubdir), lock: lock}
	t.Cleanup(func() { h.release(t, nil) })
	return h
}

// release cleans up the node (and the cgroups of podUIDs), removes the
// base dir and lets the next test have the machine. Only the first call
// does anything.
func (h *hostNode) release(t testing.TB, podUIDs []string) {
	h.once.Do(func() {
		defer h.lock.Close() // closing drops the flock
		n := NodeFiles{DataDir: h.agentDir, Bridge: DefaultBridge, PodUIDs: podUIDs}
		if err := CleanupNode(n); err != nil {
			t.Errorf("cleaning up the node: %v", err)
		}
		if err := os.RemoveAll(h.dir); err != nil {
			t.Errorf("removing %s: %v", h.dir, err)
		}
	})
}

// ShortTempDir makes /tmp/rdr-<random>: containerd's socket path below a
// data dir must fit in 108 bytes, which t.TempDir() paths may not.
func ShortTempDir() (string, error) {
	dir, err := os.MkdirTemp("/tmp", "rdr-")
	if err != nil {
		return "", fmt.Errorf("short temp dir: %w", err)
	}
	return dir, nil
}

// lockFile takes an exclusive flock on path, polling until timeout.
func lockFile(path string, timeout time.Duration) (*os.File, error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	deadline := time.Now().Add(timeout)
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return f, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) || time.Now().After(deadline) {
			_ = f.Close()
			return nil, fmt.Errorf("flock %s: %w", path, err)
		}
		time.Sleep(200 * time.Millisecond) // another process holds it; poll
	}
}

// waitHostNetworkFree waits until no node's bridge or masquerade table is
// in the host's network namespace.
func waitHostNetworkFree(timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		var busy string
		switch {
		case run("ip", "link", "show", "dev", DefaultBridge) == nil:
			busy = "bridge " + DefaultBridge + " exists"
		case run("nft", "list", "table", "ip", MasqTable) == nil:
			busy = "nft table " + MasqTable + " exists"
		default:
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s after waiting %s", busy, timeout)
		}
		time.Sleep(time.Second) // someone else's node; poll until it is gone
	}
}

// useShortDirs moves everything of the server under dir.
func (s *Server) useShortDirs(dir string) {
	s.base = dir
	s.DataDir = filepath.Join(dir, "d")
	s.LogPath = filepath.Join(dir, "rudder.log")
	s.cacheDir = filepath.Join(dir, "kubectl-cache")
	s.homeDir = filepath.Join(dir, "home")
}

// AgentDataDir is the data dir of the server's own node agent.
func (s *Server) AgentDataDir() string { return filepath.Join(s.DataDir, "agent") }

// Token is the join token other nodes use (--token).
func (s *Server) Token(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(s.DataDir, "token"))
	if err != nil {
		t.Fatalf("reading the join token: %v", err)
	}
	return string(trimSpace(b))
}

// CAFile is the cluster CA certificate.
func (s *Server) CAFile() string { return filepath.Join(s.DataDir, "tls", "ca.crt") }

func trimSpace(b []byte) []byte {
	for len(b) > 0 && (b[len(b)-1] == '\n' || b[len(b)-1] == ' ' || b[len(b)-1] == '\r') {
		b = b[:len(b)-1]
	}
	return b
}

// podUIDs lists the UIDs of all pods (on nodeName, or all when empty), for
// removing their cgroups after the node is gone. Best effort: a server
// that does not answer gives none.
func (s *Server) podUIDs(nodeName ...string) []string {
	cfg := s.RESTConfig(s.t)
	cfg.Timeout = 5 * time.Second
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil
	}
	opts := metav1.ListOptions{}
	if len(nodeName) > 0 {
		opts.FieldSelector = "spec.nodeName=" + nodeName[0]
	}
	list, err := cs.CoreV1().Pods("").List(context.Background(), opts)
	if err != nil {
		return nil
	}
	out := make([]string, 0, len(list.Items))
	for _, p := range list.Items {
		out = append(out, string(p.UID))
	}
	return out
}
