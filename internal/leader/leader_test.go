package leader_test

import (
	"context"
	"net"
	"sync/atomic"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/internal/leader"
	"rudder/internal/server"
)

func startCluster(t *testing.T) (context.Context, kubernetes.Interface) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := server.DefaultOptions()
	opts.DataDir, opts.BindAddress, opts.SecurePort = t.TempDir(), "127.0.0.1", port
	opts.DisableAgent, opts.DisableControllers = true, true
	s, err := server.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	return ctx, kubernetes.NewForConfigOrDie(cfg)
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		if cond() {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("timed out waiting for %s", what)
}

// candidate runs leader.Run in the background and reports whether its run
// function is active.
type candidate struct {
	active atomic.Bool
	cancel context.CancelFunc
	done   chan error
}

func start(ctx context.Context, c kubernetes.Interface, identity string) *candidate {
	ctx, cancel := context.WithCancel(ctx)
	cd := &candidate{cancel: cancel, done: make(chan error, 1)}
	go func() {
		cd.done <- leader.Run(ctx, c, "test-component", identity, func(ctx context.Context) {
			cd.active.Store(true)
			<-ctx.Done()
			cd.active.Store(false)
		})
	}()
	return cd
}

func holder(ctx context.Context, c kubernetes.Interface) string {
	l, err := c.CoordinationV1().Leases(leader.Namespace).Get(ctx, "test-component", metav1.GetOptions{})
	if err != nil || l.Spec.HolderIdentity == nil {
		return ""
	}
	return *l.Spec.HolderIdentity
}

func TestOneLeaderAndHandover(t *testing.T) {
	ctx, c := startCluster(t)
	a := start(ctx, c, "a")
	waitFor(t, "a leads", func() bool { return a.active.Load() && holder(ctx, c) == "a" })
	b := start(ctx, c, "b")
	defer b.cancel()

	// b must stay standby while a renews; observe across more than one
	// retry period by waiting for b to have tried (the Lease is unchanged).
	waitFor(t, "lease renewed by a", func() bool {
		l, err := c.CoordinationV1().Leases(leader.Namespace).Get(ctx, "test-component", metav1.GetOptions{})
		return err == nil && l.Spec.RenewTime != nil && l.Spec.AcquireTime != nil && l.Spec.RenewTime.After(l.Spec.AcquireTime.Time)
	})
	if b.active.Load() {
		t.Fatal("two leaders at once")
	}

	a.cancel()
	if err := <-a.done; err != nil {
		t.Fatalf("Run after cancel: %v, want nil", err)
	}
	if a.active.Load() {
		t.Fatal("a's run still active after Run returned")
	}
	waitFor(t, "b takes over", func() bool { return b.active.Load() && holder(ctx, c) == "b" })
}
