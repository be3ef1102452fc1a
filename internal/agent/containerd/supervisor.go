package containerd

import (
	"context"
	"fmt"
	"sync"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/agent/cni"
	"rudder/internal/kubelet/runtime/cri"
)

// Restart back-off: doubles from minBackoff up to maxBackoff while
// containerd keeps dying soon after start; a run longer than stableRun
// resets it.
const (
	minBackoff = 200 * time.Millisecond
	maxBackoff = 30 * time.Second
	stableRun  = time.Minute
)

// Supervisor owns one containerd process. Ending Start's context stops the
// supervision but leaves containerd (and so every container) running, so a
// restarted agent adopts it; Stop and Cleanup end it explicitly.
type Supervisor struct {
	opts  Options
	paths paths

	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	cur      *proc
	restarts int
	stopped  bool
}

// Start writes the configuration, starts containerd unless one started by
// an earlier agent with the same data dir is still running (then it is
// reused), and returns once containerd answers CRI Version. It keeps
// containerd running, restarting it with back-off, until ctx ends.
func Start(ctx context.Context, opts Options) (*Supervisor, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	p, err := newPaths(o.DataDir)
	if err != nil {
		return nil, err
	}
	if err := writeConfigFiles(o, p); err != nil {
		return nil, fmt.Errorf("containerd: %w", err)
	}
	// The conflist must exist before containerd starts: a file appearing
	// later by rename was not picked up.
	if o.PodCIDR != "" {
		if err := writeCNIConfig(o, p, o.PodCIDR); err != nil {
			return nil, err
		}
	}
	runCtx, cancel := context.WithCancel(ctx)
	s := &Supervisor{opts: o, paths: p, cancel: cancel}
	if err := s.startOrAdopt(runCtx); err != nil {
		cancel()
		return nil, err
	}
	if err := s.waitAnswering(ctx); err != nil {
		cancel()
		return nil, err
	}
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		s.supervise(runCtx)
	}()
	return s, nil
}

func (s *Supervisor) startOrAdopt(ctx context.Context) error {
	if pid, ok := findRunning(s.paths); ok {
		s.opts.Logger.Info("reusing running containerd", "pid", pid, "socket", s.paths.socket)
		s.setProc(adopt(ctx, pid, s.paths.config))
		return nil
	}
	pr, err := launch(s.opts, s.paths)
	if err != nil {
		return fmt.Errorf("containerd: %w", err)
	}
	s.opts.Logger.Info("started containerd", "pid", pr.pid, "socket", s.paths.socket)
	s.setProc(pr)
	return nil
}

// waitAnswering polls CRI Version until it answers or StartTimeout passes.
func (s *Supervisor) waitAnswering(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.opts.StartTimeout)
	defer cancel()
	c, err := cri.Dial(ctx, s.paths.socket)
	if err != nil {
		return fmt.Errorf("containerd: %w", err)
	}
	defer c.Close()
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		_, err := c.Version(ctx, &runtimeapi.VersionRequest{})
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("containerd did not answer on %s (log: %s): %w", s.paths.socket, s.paths.log, err)
		case <-t.C:
		}
	}
}

// supervise restarts containerd whenever it exits, until ctx ends.
func (s *Supervisor) supervise(ctx context.Context) {
	backoff := minBackoff
	for {
		pr := s.proc()
		select {
		case <-ctx.Done():
			return
		case <-pr.done:
		}
		if time.Since(pr.started) > stableRun {
			backoff = minBackoff
		}
		s.opts.Logger.Warn("containerd exited; restarting", "pid", pr.pid, "backoff", backoff, "log", s.paths.log)
		if !s.restart(ctx, &backoff) {
			return
		}
	}
}

// restart waits out the back-off and starts containerd again, retrying
// with growing back-off until it starts or ctx ends.
func (s *Supervisor) restart(ctx context.Context, backoff *time.Duration) bool {
	for {
		t := time.NewTimer(*backoff)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-t.C:
		}
		*backoff = min(*backoff*2, maxBackoff)
		err := s.startOrAdopt(ctx)
		if err == nil {
			s.mu.Lock()
			s.restarts++
			s.mu.Unlock()
			return true
		}
		s.opts.Logger.Error("restart containerd", "err", err)
	}
}

func (s *Supervisor) setProc(pr *proc) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cur = pr
}

func (s *Supervisor) proc() *proc {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur
}

// Socket is containerd's CRI socket (absolute path) for cri.Dial.
func (s *Supervisor) Socket() string { return s.paths.socket }

// PID is the current containerd process.
func (s *Supervisor) PID() int { return s.proc().pid }

// Restarts counts how often the supervisor restarted containerd.
func (s *Supervisor) Restarts() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.restarts
}

// CNIConfDir is the directory containerd reads the CNI conflist from.
func (s *Supervisor) CNIConfDir() string { return s.paths.cniConfDir }

// SetPodCIDR (re)writes the CNI conflist for the node's pod range, e.g.
// once the node IPAM controller assigns spec.podCIDR. containerd notices
// the in-place rewrite and reports NetworkReady.
func (s *Supervisor) SetPodCIDR(cidr string) error {
	return writeCNIConfig(s.opts, s.paths, cidr)
}

func writeCNIConfig(o Options, p paths, cidr string) error {
	err := cni.WriteConfig(p.cniConfDir, cni.Config{BridgeName: o.BridgeName, PodCIDR: cidr, IPAMDataDir: p.ipamDir})
	if err != nil {
		return fmt.Errorf("containerd: %w", err)
	}
	return nil
}

// Stop ends supervision and containerd itself (SIGTERM, then SIGKILL).
// Containers keep running in their shims; a later Start adopts them.
func (s *Supervisor) Stop() error {
	s.mu.Lock()
	already := s.stopped
	s.stopped = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
	if already {
		return nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := terminate(ctx, s.PID(), s.paths.config); err != nil {
		return fmt.Errorf("stop containerd: %w", err)
	}
	return nil
}
