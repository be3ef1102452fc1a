// Package prober is the kubelet's container probes. The kubelet asks a
// Manager for readiness, startup and liveness results; Default runs no
// probes, NewManager runs exec, httpGet, tcpSocket and grpc probes with one
// worker goroutine per container and probe type.
package prober

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Target is one running container the kubelet wants probed.
type Target struct {
	Container   *corev1.Container
	ContainerID string // runtime id, without the "<runtime>://" scheme
	// StartedAt is when the container started (unix nanoseconds), for
	// initialDelaySeconds.
	StartedAt int64
	// PodIP is where httpGet, tcpSocket and grpc probes connect (unless the
	// probe names a host).
	PodIP string
}

// Manager runs probes and keeps their latest results.
type Manager interface {
	// Sync is called by the pod worker after each sync with the pod's
	// currently running containers; the manager starts probing new ones and
	// stops probing those no longer listed.
	Sync(pod *corev1.Pod, running []Target)
	// Forget stops all probes of a pod and drops its results.
	Forget(uid types.UID)

	// Ready reports the readiness of a running container.
	Ready(uid types.UID, containerID string) bool
	// Started reports whether a running container passed its startup probe.
	Started(uid types.UID, containerID string) bool
	// Alive is false once a liveness (or startup) probe failed: the worker
	// then kills and restarts the container.
	Alive(uid types.UID, containerID string) bool
	// Failed names the probe ("liveness" or "startup") that made Alive
	// false, for the Killing event.
	Failed(uid types.UID, containerID string) string

	// Updates delivers the UID of a pod whose probe results changed, so that
	// its worker syncs again. It may return nil (never any updates).
	Updates() <-chan types.UID
}

// Default runs no probes: a running container is started, alive and ready.
// This is what Kubernetes does for containers without probes.
type Default struct{}

var _ Manager = Default{}

func (Default) Sync(*corev1.Pod, []Target)      {}
func (Default) Forget(types.UID)                {}
func (Default) Ready(types.UID, string) bool    { return true }
func (Default) Started(types.UID, string) bool  { return true }
func (Default) Alive(types.UID, string) bool    { return true }
func (Default) Failed(types.UID, string) string { return "" }
func (Default) Updates() <-chan types.UID       { return nil }
