// Package leader runs a function only while this process holds a Lease in
// kube-system, so that several replicas of a control-plane component can
// run with exactly one active.
package leader

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// Namespace holds the leader Leases, as in Kubernetes.
const Namespace = metav1.NamespaceSystem

// Timings as kube-scheduler and kube-controller-manager default them.
const (
	LeaseDuration = 15 * time.Second
	RenewDeadline = 10 * time.Second
	RetryPeriod   = 2 * time.Second
)

// ErrLost is returned when leadership was lost while ctx was still live;
// callers usually exit so that a restart starts clean.
var ErrLost = errors.New("leader election lost")

// Run blocks until ctx ends or leadership is lost. While this identity
// holds the Lease `name`, run executes with a context cancelled on loss.
// The Lease is released when ctx ends so a standby takes over at once.
func Run(ctx context.Context, client kubernetes.Interface, name, identity string, run func(ctx context.Context)) error {
	lock := &resourcelock.LeaseLock{
		LeaseMeta:  metav1.ObjectMeta{Namespace: Namespace, Name: name},
		Client:     client.CoordinationV1(),
		LockConfig: resourcelock.ResourceLockConfig{Identity: identity},
	}
	done := make(chan struct{})
	var started atomic.Bool
	le, err := leaderelection.NewLeaderElector(leaderelection.LeaderElectionConfig{
		Lock:            lock,
		LeaseDuration:   LeaseDuration,
		RenewDeadline:   RenewDeadline,
		RetryPeriod:     RetryPeriod,
		ReleaseOnCancel: true,
		Name:            name,
		Callbacks: leaderelection.LeaderCallbacks{
			OnStartedLeading: func(ctx context.Context) {
				started.Store(true)
				defer close(done)
				run(ctx)
			},
			OnStoppedLeading: func() {},
		},
	})
	if err != nil {
		return fmt.Errorf("leader election %s: %w", name, err)
	}
	le.Run(ctx)
	// Run returns after OnStoppedLeading; wait for run to return too, so
	// the caller never overlaps with the next leader's work here.
	if started.Load() {
		<-done
	}
	if ctx.Err() != nil {
		return nil
	}
	return ErrLost
}

// RunForever is Run in a loop: after losing the lease (an overloaded API
// server can make renewals miss their deadline) the component stops its
// work and stands for election again, instead of staying idle for good.
// It returns when ctx ends.
func RunForever(ctx context.Context, client kubernetes.Interface, name, identity string, run func(ctx context.Context)) {
	for ctx.Err() == nil {
		err := Run(ctx, client, name, identity, run)
		if ctx.Err() != nil {
			return
		}
		slog.Warn("leader election: standing again", "lease", name, "err", err)
		select {
		case <-ctx.Done():
		case <-time.After(RetryPeriod):
		}
	}
}
