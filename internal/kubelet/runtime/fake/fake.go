// Package fake is an in-memory container runtime for scale tests (like
// kubemark's hollow nodes): sandboxes get IPs from the node's pod CIDR,
// containers run at once, and nothing touches the machine.
package fake

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"sync"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/runtime"
)

// Pod annotations (copied by the kubelet into the sandbox config) that make
// the containers of a pod exit on their own.
const (
	// ExitAfterAnnotation is a Go duration after which every container of
	// the pod exits.
	ExitAfterAnnotation = "rudder.dev/fake-exit-after"
	// ExitCodeAnnotation is the exit code used with ExitAfterAnnotation
	// (default 0).
	ExitCodeAnnotation = "rudder.dev/fake-exit-code"
)

// RuntimeName is what Version reports, and so the scheme of container IDs
// in pod status ("fake://<id>").
const RuntimeName = "fake"

var (
	_ runtime.Runtime       = (*Runtime)(nil)
	_ runtime.ConfigUpdater = (*Runtime)(nil)
)

// Runtime is an in-memory runtime. It is safe for concurrent use. Container
// exits are evaluated lazily against the clock whenever state is read, so a
// fake clock can be stepped in tests and no timer goroutines exist.
type Runtime struct {
	clock  clock.PassiveClock
	prefix string

	mu         sync.Mutex
	ips        *ipPool
	nextID     uint64
	sandboxes  map[string]*sandbox
	containers map[string]*container
	// sandboxesByPod and containersByPod index sandboxes and containers.
	sandboxesByPod  podIndex[*sandbox]
	containersByPod podIndex[*container]
	images          map[string]*runtimeapi.Image
	pullErr         func(image string) error // nil: every pull succeeds
}

// Option configures a Runtime.
type Option func(*Runtime)

// WithClock replaces the real clock (tests use a fake one).
func WithClock(c clock.PassiveClock) Option { return func(r *Runtime) { r.clock = c } }

// WithPullError makes PullImage fail with pullErr(image) when that is not
// nil, so tests can exercise ErrImagePull and its back-off.
func WithPullError(pullErr func(image string) error) Option {
	return func(r *Runtime) { r.pullErr = pullErr }
}

// New returns an empty runtime that hands out sandbox IPs from podCIDR
// (an empty podCIDR gives sandboxes no IP until UpdateRuntimeConfig).
func New(podCIDR string, opts ...Option) (*Runtime, error) {
	pool, err := newIPPool(podCIDR)
	if err != nil {
		return nil, err
	}
	var b [4]byte
	if _, err := rand.Read(b[:]); err != nil {
		return nil, fmt.Errorf("fake runtime id prefix: %w", err)
	}
	r := &Runtime{
		clock:           clock.RealClock{},
		prefix:          hex.EncodeToString(b[:]),
		ips:             pool,
		sandboxes:       map[string]*sandbox{},
		containers:      map[string]*container{},
		sandboxesByPod:  podIndex[*sandbox]{},
		containersByPod: podIndex[*container]{},
		images:          map[string]*runtimeapi.Image{},
	}
	for _, o := range opts {
		o(r)
	}
	return r, nil
}

// newID returns a unique 64-hex-digit id, like containerd's. Callers hold mu.
func (r *Runtime) newID() string {
	r.nextID++
	return fmt.Sprintf("%s%056x", r.prefix, r.nextID)
}

func (r *Runtime) now() int64 { return r.clock.Now().UnixNano() }
