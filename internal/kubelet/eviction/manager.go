package eviction

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/clock"
)

// Reason is the pod status reason of an evicted pod.
const Reason = "Evicted"

// Config is what a Manager needs.
type Config struct {
	Source     SignalSource
	Thresholds []Threshold // nil: DefaultThresholds
	// PressureTransitionPeriod is how long a pressure condition stays True
	// after its signals recover (Kubernetes' default is 5m), so that the
	// node does not flap in and out of pressure.
	PressureTransitionPeriod time.Duration
	Clock                    clock.PassiveClock

	// ActivePods lists the pods running on the node.
	ActivePods func() []*corev1.Pod
	// Usage reports what pods use; nil: unknown.
	Usage func(ctx context.Context, pods []*corev1.Pod) map[types.UID]PodUsage
	// Reclaim frees node-level disk (dead containers, unused images)
	// before any pod is evicted for a disk signal; nil: none.
	Reclaim func(ctx context.Context) error
	// Evict stops a pod for good and reports it Failed with reason
	// Evicted and the message.
	Evict func(ctx context.Context, pod *corev1.Pod, message string) error

	Logger *slog.Logger
}

// Manager evaluates the signals against the thresholds, keeps the node's
// pressure conditions and evicts at most one pod per Synchronize.
type Manager struct {
	cfg Config

	mu       sync.Mutex
	lastSeen map[corev1.NodeConditionType]time.Time // last time its threshold was crossed
}

// NewManager checks the configuration.
func NewManager(cfg Config) (*Manager, error) {
	if cfg.Source == nil || cfg.ActivePods == nil || cfg.Evict == nil {
		return nil, errors.New("eviction: Source, ActivePods and Evict are required")
	}
	if cfg.Thresholds == nil {
		cfg.Thresholds = DefaultThresholds()
	}
	if cfg.Clock == nil {
		cfg.Clock = clock.RealClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	return &Manager{cfg: cfg, lastSeen: map[corev1.NodeConditionType]time.Time{}}, nil
}

// Run synchronizes every interval until ctx ends.
func (m *Manager) Run(ctx context.Context, clk clock.Clock, interval time.Duration) {
	for {
		if _, err := m.Synchronize(ctx); err != nil && ctx.Err() == nil {
			m.cfg.Logger.Warn("eviction", "err", err)
		}
		t := clk.NewTimer(interval)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C():
		}
	}
}

// Pressure says whether a node condition (MemoryPressure, DiskPressure,
// PIDPressure) is True now.
func (m *Manager) Pressure(cond corev1.NodeConditionType) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	seen, ok := m.lastSeen[cond]
	return ok && m.cfg.Clock.Since(seen) <= m.cfg.PressureTransitionPeriod
}

// Synchronize observes the node once and evicts one pod if a threshold is
// crossed and reclaiming node-level disk did not help. It returns the
// evicted pod, if any.
func (m *Manager) Synchronize(ctx context.Context) (*corev1.Pod, error) {
	obs, err := m.cfg.Source.Observe(ctx)
	if err != nil {
		return nil, fmt.Errorf("eviction: observe node: %w", err)
	}
	met := m.record(obs)
	if len(met) == 0 {
		return nil, nil
	}
	t := met[0]
	if t.Signal.isDisk() && m.cfg.Reclaim != nil {
		if obs, err = m.reclaim(ctx); err != nil {
			return nil, err
		}
		if !t.Met(obs[t.Signal]) {
			return nil, nil
		}
	}
	return m.evictOne(ctx, t, obs[t.Signal])
}

// record notes the conditions under pressure now and returns the crossed
// thresholds.
func (m *Manager) record(obs Observations) []Threshold {
	met := crossed(m.cfg.Thresholds, obs)
	now := m.cfg.Clock.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range met {
		if _, was := m.lastSeen[t.Signal.condition()]; !was {
			m.cfg.Logger.Warn("eviction threshold crossed", "threshold", t.String(), "available", obs[t.Signal].Available)
		}
		m.lastSeen[t.Signal.condition()] = now
	}
	for cond, seen := range m.lastSeen {
		if now.Sub(seen) > m.cfg.PressureTransitionPeriod {
			delete(m.lastSeen, cond)
		}
	}
	return met
}

func (m *Manager) reclaim(ctx context.Context) (Observations, error) {
	if err := m.cfg.Reclaim(ctx); err != nil {
		m.cfg.Logger.Warn("reclaim node disk", "err", err)
	}
	obs, err := m.cfg.Source.Observe(ctx)
	if err != nil {
		return nil, fmt.Errorf("eviction: observe node after reclaim: %w", err)
	}
	return obs, nil
}

func (m *Manager) evictOne(ctx context.Context, t Threshold, o Observation) (*corev1.Pod, error) {
	var cands []*corev1.Pod
	for _, p := range m.cfg.ActivePods() {
		if Evictable(p) {
			cands = append(cands, p)
		}
	}
	if len(cands) == 0 {
		m.cfg.Logger.Warn("eviction threshold crossed but no pod can be evicted", "threshold", t.String())
		return nil, nil
	}
	var usage map[types.UID]PodUsage
	if m.cfg.Usage != nil {
		usage = m.cfg.Usage(ctx, cands)
	}
	victim := Rank(cands, t.Signal, usage)[0]
	msg := Message(t, o)
	m.cfg.Logger.Info("evicting pod", "pod", victim.Namespace+"/"+victim.Name, "threshold", t.String())
	if err := m.cfg.Evict(ctx, victim, msg); err != nil {
		return nil, fmt.Errorf("eviction: evict %s/%s: %w", victim.Namespace, victim.Name, err)
	}
	return victim, nil
}

// Message is the status message of a pod evicted for a threshold, in
// Kubernetes' words.
func Message(t Threshold, o Observation) string {
	format := resource.DecimalSI // inodes, PIDs: plain counts
	if r := t.Signal.resource(); r == corev1.ResourceMemory || r == corev1.ResourceEphemeralStorage {
		format = resource.BinarySI
	}
	threshold := resource.NewQuantity(t.value(o.Capacity), format).String()
	if t.Quantity != nil {
		threshold = t.Quantity.String()
	}
	avail := resource.NewQuantity(o.Available, format).String()
	return fmt.Sprintf("The node was low on resource: %s. Threshold quantity: %s, available: %s. ", t.Signal.resource(), threshold, avail)
}
