package prober

import (
	"context"
	"log/slog"
	"sync"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"
)

// probeType is liveness, readiness or startup.
type probeType string

const (
	liveness  probeType = "liveness"
	readiness probeType = "readiness"
	startup   probeType = "startup"
)

// Options configure a probe Manager.
type Options struct {
	Runtime  Execer // runs exec probes
	Clock    clock.Clock
	Recorder record.EventRecorder // Unhealthy events; nil: none
	Logger   *slog.Logger
}

type workerKey struct {
	uid         types.UID
	containerID string
	kind        probeType
}

// manager runs one worker per (container, probe type).
type manager struct {
	ctx     context.Context
	o       Options
	updates chan types.UID

	mu      sync.Mutex
	workers map[workerKey]*worker
	results map[workerKey]Result
}

// NewManager returns a Manager whose workers all end when ctx does.
func NewManager(ctx context.Context, o Options) Manager {
	if o.Clock == nil {
		o.Clock = clock.RealClock{}
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return &manager{ctx: ctx, o: o, updates: make(chan types.UID, 64),
		workers: map[workerKey]*worker{}, results: map[workerKey]Result{}}
}

func (m *manager) Updates() <-chan types.UID { return m.updates }

// Sync starts workers for new containers' probes and stops those of
// containers that no longer run.
func (m *manager) Sync(pod *corev1.Pod, running []Target) {
	m.mu.Lock()
	defer m.mu.Unlock()
	want := map[workerKey]bool{}
	for _, t := range running {
		for kind, p := range probesOf(t.Container) {
			key := workerKey{pod.UID, t.ContainerID, kind}
			want[key] = true
			if m.workers[key] == nil {
				m.startWorker(key, pod, t, p)
			}
		}
	}
	for key, w := range m.workers {
		if key.uid == pod.UID && !want[key] {
			w.stop()
			delete(m.workers, key)
			delete(m.results, key)
		}
	}
}

func probesOf(c *corev1.Container) map[probeType]*corev1.Probe {
	out := map[probeType]*corev1.Probe{}
	if c.LivenessProbe != nil {
		out[liveness] = c.LivenessProbe
	}
	if c.ReadinessProbe != nil {
		out[readiness] = c.ReadinessProbe
	}
	if c.StartupProbe != nil {
		out[startup] = c.StartupProbe
	}
	return out
}

// startWorker runs a worker; callers hold mu.
func (m *manager) startWorker(key workerKey, pod *corev1.Pod, t Target, p *corev1.Probe) {
	ctx, cancel := context.WithCancel(m.ctx)
	w := &worker{m: m, key: key, pod: pod, target: t, probe: p, cancel: cancel}
	m.workers[key] = w
	go w.run(ctx)
}

// Forget stops every worker of a pod.
func (m *manager) Forget(uid types.UID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for key, w := range m.workers {
		if key.uid == uid {
			w.stop()
			delete(m.workers, key)
			delete(m.results, key)
		}
	}
}

// result returns a probe's latest result and whether the container has
// such a probe at all.
func (m *manager) result(uid types.UID, id string, kind probeType) (Result, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	key := workerKey{uid, id, kind}
	if m.workers[key] == nil {
		return Unknown, false
	}
	return m.results[key], true
}

// Started: no startup probe, or it succeeded.
func (m *manager) Started(uid types.UID, id string) bool {
	r, ok := m.result(uid, id, startup)
	return !ok || r == Success
}

// Ready: started, and no readiness probe or it succeeded.
func (m *manager) Ready(uid types.UID, id string) bool {
	if !m.Started(uid, id) {
		return false
	}
	r, ok := m.result(uid, id, readiness)
	return !ok || r == Success
}

func (m *manager) Alive(uid types.UID, id string) bool { return m.Failed(uid, id) == "" }

func (m *manager) Failed(uid types.UID, id string) string {
	if r, _ := m.result(uid, id, startup); r == Failure {
		return string(startup)
	}
	if r, _ := m.result(uid, id, liveness); r == Failure {
		return string(liveness)
	}
	return ""
}

// set records a worker's new result and wakes the pod's worker when it
// changed. False when the worker was stopped meanwhile.
func (m *manager) set(key workerKey, r Result) {
	m.mu.Lock()
	if m.workers[key] == nil || m.results[key] == r {
		m.mu.Unlock()
		return
	}
	m.results[key] = r
	m.mu.Unlock()
	select {
	case m.updates <- key.uid:
	case <-m.ctx.Done():
	}
}
