package kubelet

import (
	"context"
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/runtime"
)

// newEvictionManager builds the eviction manager of a node that observes
// its resources; nil when Config.EvictionSignals is nil.
func (k *Kubelet) newEvictionManager() (*eviction.Manager, error) {
	if k.cfg.EvictionSignals == nil {
		return nil, nil
	}
	m, err := eviction.NewManager(eviction.Config{
		Source: k.cfg.EvictionSignals, Thresholds: k.cfg.EvictionHard,
		PressureTransitionPeriod: k.cfg.EvictionPressureTransitionPeriod, Clock: k.cfg.Clock,
		ActivePods: k.activePods, Usage: k.podUsage, Reclaim: k.reclaimDisk, Evict: k.evictPod, Logger: k.log,
	})
	if err != nil {
		return nil, fmt.Errorf("kubelet: %w", err)
	}
	return m, nil
}

// activePods are the pods the node runs and has not finished: API pods
// (mirror pods aside) and static pods.
func (k *Kubelet) activePods() []*corev1.Pod {
	var out []*corev1.Pod
	for _, pod := range append(k.pods.List(k.cfg.NodeName), k.static.list()...) {
		if isMirrorPod(pod) || pod.DeletionTimestamp != nil || terminalPhase(pod.Status.Phase) || k.status.terminal(pod.UID) {
			continue
		}
		out = append(out, pod)
	}
	return out
}

// evictPod stops a pod for good because the node is low on a resource:
// its status says Failed/Evicted (with a DisruptionTarget condition, as
// Kubernetes 1.32 reports) before its containers are killed without grace
// (a hard threshold), so its worker never restarts them.
func (k *Kubelet) evictPod(ctx context.Context, pod *corev1.Pod, message string) error {
	rt, err := k.inspectPod(ctx, pod.UID)
	if err != nil {
		return err
	}
	st := k.computeStatus(pod, rt, nil, true)
	st.Phase, st.Reason, st.Message = corev1.PodFailed, eviction.Reason, message
	now := metav1.NewTime(k.cfg.Clock.Now()).Rfc3339Copy()
	st.Conditions = setPodCondition(st.Conditions, corev1.PodCondition{
		Type: corev1.DisruptionTarget, Status: corev1.ConditionTrue, LastTransitionTime: now,
		Reason: "TerminationByKubelet", Message: message,
	})
	k.status.set(pod, st)
	k.event(pod, "", corev1.EventTypeWarning, eviction.Reason, "%s", message)
	k.cfg.Prober.Forget(pod.UID)
	if err := k.killPod(ctx, pod, rt, 0); err != nil {
		k.log.Warn("kill evicted pod", "pod", podKey(pod), "err", err)
	}
	k.workers.wakeUID(pod.UID) // its worker finishes it (and retries a failed kill)
	return nil
}

func setPodCondition(conds []corev1.PodCondition, c corev1.PodCondition) []corev1.PodCondition {
	for i := range conds {
		if conds[i].Type == c.Type {
			conds[i] = c
			return conds
		}
	}
	return append(conds, c)
}

// pressure is the node's pressure conditions now (all false without an
// eviction manager).
func (k *Kubelet) pressure() nodePressure {
	m := k.eviction
	if m == nil {
		return nodePressure{}
	}
	return nodePressure{
		memory: m.Pressure(corev1.NodeMemoryPressure),
		disk:   m.Pressure(corev1.NodeDiskPressure),
		pid:    m.Pressure(corev1.NodePIDPressure),
	}
}

type nodePressure struct{ memory, disk, pid bool }

// podUsage sums the containers' memory working sets and writable layers
// per pod from the runtime's stats; nil (usage unknown) when the runtime
// has none.
func (k *Kubelet) podUsage(ctx context.Context, _ []*corev1.Pod) map[types.UID]eviction.PodUsage {
	sp, ok := k.rt.(runtime.StatsProvider)
	if !ok {
		return nil
	}
	resp, err := sp.ListContainerStats(ctx, &runtimeapi.ListContainerStatsRequest{})
	if err != nil {
		k.log.Debug("container stats for eviction", "err", err)
		return nil
	}
	out := map[types.UID]eviction.PodUsage{}
	add := func(p **int64, v *runtimeapi.UInt64Value) {
		if v == nil {
			return
		}
		if *p == nil {
			*p = new(int64)
		}
		**p += int64(v.Value)
	}
	for _, s := range resp.Stats {
		uid := types.UID(s.GetAttributes().GetLabels()[labelPodUID])
		if uid == "" {
			continue
		}
		u := out[uid]
		add(&u.Memory, s.GetMemory().GetWorkingSetBytes())
		add(&u.Storage, s.GetWritableLayer().GetUsedBytes())
		out[uid] = u
	}
	return out
}
