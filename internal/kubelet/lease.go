package kubelet

import (
	"context"
	"fmt"

	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// NodeLeaseNamespace holds one Lease per node, the node's heartbeat.
const NodeLeaseNamespace = corev1.NamespaceNodeLease

// leaseLoop renews the node Lease every LeaseDuration/4, as Kubernetes does.
func (k *Kubelet) leaseLoop(ctx context.Context) {
	interval := k.cfg.LeaseDuration / 4
	for {
		if !k.paused.Load() {
			if err := k.renewLease(ctx); err != nil && ctx.Err() == nil {
				k.log.Warn("renew node lease", "err", err)
			}
		}
		if !k.sleep(ctx, interval) {
			return
		}
	}
}

func (k *Kubelet) renewLease(ctx context.Context) error {
	leases := k.cfg.Client.CoordinationV1().Leases(NodeLeaseNamespace)
	if k.lease == nil {
		l, err := leases.Get(ctx, k.cfg.NodeName, metav1.GetOptions{})
		switch {
		case apierrors.IsNotFound(err):
			l, err = leases.Create(ctx, k.newLease(), metav1.CreateOptions{})
			if err != nil {
				return fmt.Errorf("create lease: %w", err)
			}
			k.lease = l
			return nil
		case err != nil:
			return fmt.Errorf("get lease: %w", err)
		}
		k.lease = l
	}
	l := k.lease.DeepCopy()
	k.fillLease(l)
	updated, err := leases.Update(ctx, l, metav1.UpdateOptions{})
	if err != nil {
		k.lease = nil // read it again next time
		return fmt.Errorf("update lease: %w", err)
	}
	k.lease = updated
	return nil
}

func (k *Kubelet) newLease() *coordinationv1.Lease {
	l := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: k.cfg.NodeName, Namespace: NodeLeaseNamespace}}
	k.fillLease(l)
	return l
}

func (k *Kubelet) fillLease(l *coordinationv1.Lease) {
	name := k.cfg.NodeName
	l.Spec.HolderIdentity = &name
	l.Spec.LeaseDurationSeconds = ptrTo(int32(k.cfg.LeaseDuration.Seconds()))
	l.Spec.RenewTime = &metav1.MicroTime{Time: k.cfg.Clock.Now()}
	if uid, ok := k.nodeUID.Load().(types.UID); ok && uid != "" && len(l.OwnerReferences) == 0 {
		l.OwnerReferences = []metav1.OwnerReference{{APIVersion: "v1", Kind: "Node", Name: name, UID: uid}}
	}
}
