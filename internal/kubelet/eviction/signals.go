// Package eviction watches the node's resources and, when a hard eviction
// threshold is crossed, reports node pressure and evicts pods one at a
// time, ranked as Kubernetes' kubelet ranks them.
package eviction

import (
	"context"

	corev1 "k8s.io/api/core/v1"
)

// Signal names an observed node resource, as in Kubernetes'
// --eviction-hard flags.
type Signal string

// The signals Kubernetes defines on Linux.
const (
	MemoryAvailable   Signal = "memory.available"
	NodeFsAvailable   Signal = "nodefs.available"
	NodeFsInodesFree  Signal = "nodefs.inodesFree"
	ImageFsAvailable  Signal = "imagefs.available"
	ImageFsInodesFree Signal = "imagefs.inodesFree"
	PIDAvailable      Signal = "pid.available"
)

// Observation is one signal's value: what is available of a capacity
// (bytes, inodes or process IDs).
type Observation struct {
	Available int64
	Capacity  int64
}

// Observations are the signals observed at one time. A signal missing
// from it is not evaluated.
type Observations map[Signal]Observation

// SignalSource observes the node. The real one reads /proc and statfs;
// tests inject their own.
type SignalSource interface {
	Observe(ctx context.Context) (Observations, error)
}

// SignalSourceFunc adapts a function to SignalSource.
type SignalSourceFunc func(ctx context.Context) (Observations, error)

// Observe calls f.
func (f SignalSourceFunc) Observe(ctx context.Context) (Observations, error) { return f(ctx) }

// condition is the node condition a signal's threshold drives.
func (s Signal) condition() corev1.NodeConditionType {
	switch s {
	case MemoryAvailable:
		return corev1.NodeMemoryPressure
	case PIDAvailable:
		return corev1.NodePIDPressure
	default:
		return corev1.NodeDiskPressure
	}
}

// resource is the resource name eviction messages use for a signal.
func (s Signal) resource() corev1.ResourceName {
	switch s {
	case MemoryAvailable:
		return corev1.ResourceMemory
	case PIDAvailable:
		return "pids"
	case NodeFsInodesFree, ImageFsInodesFree:
		return "inodes"
	default:
		return corev1.ResourceEphemeralStorage
	}
}

// isDisk says whether node-level reclaim (dead containers, unused images)
// can relieve the signal before pods are evicted.
func (s Signal) isDisk() bool { return s.condition() == corev1.NodeDiskPressure }

// order is the order in which crossed thresholds are acted upon: memory
// first, as Kubernetes does.
func (s Signal) order() int {
	switch s {
	case MemoryAvailable:
		return 0
	case PIDAvailable:
		return 1
	case NodeFsAvailable, NodeFsInodesFree:
		return 2
	default:
		return 3
	}
}
