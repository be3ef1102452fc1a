package scheduler

import (
	"context"

	"k8s.io/client-go/kubernetes"

	"rudder/internal/leader"
)

// LeaseName is the scheduler's leader Lease in kube-system.
const LeaseName = "kube-scheduler"

// RunWithLeaderElection runs run only while identity holds the
// kube-system/kube-scheduler Lease; it returns when ctx ends (nil) or
// leadership is lost (leader.ErrLost).
func RunWithLeaderElection(ctx context.Context, client kubernetes.Interface, identity string, run func(ctx context.Context)) error {
	leader.RunForever(ctx, client, LeaseName, identity, run)
	return nil
}
