package kubelet

import (
	"context"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/internal/kubelet/prober"
)

// retryDelay is when a pod whose sync failed (runtime or API error) is
// synced again.
const retryDelay = 2 * time.Second

// syncPod drives one pod toward its desired state. It reads the pod from
// the informer and its containers from the runtime every time: all state
// is in those two places.
func (k *Kubelet) syncPod(ctx context.Context, ref podRef) (time.Duration, bool) {
	pod := k.getPod(ref)
	if pod != nil && isMirrorPod(pod) {
		k.syncMirror(pod)
		return 0, true
	}
	rt, err := k.inspectPod(ctx, ref.UID)
	if err != nil {
		k.log.Warn("inspect pod", "pod", ref.Namespace+"/"+ref.Name, "err", err)
		return retryDelay, false
	}
	switch {
	case pod == nil:
		return k.cleanupPod(ctx, ref, rt)
	case pod.DeletionTimestamp != nil:
		return k.terminatePod(ctx, pod, rt), false
	case terminalPhase(pod.Status.Phase) || k.status.terminal(pod.UID):
		return k.finishPod(ctx, pod, rt), false
	default:
		return k.runPod(ctx, pod, rt), false
	}
}

// runPod starts what should run and reports status.
func (k *Kubelet) runPod(ctx context.Context, pod *corev1.Pod, rt *podRuntime) time.Duration {
	s := &podSync{k: k, ctx: ctx, pod: pod, rt: rt, waiting: map[string]*corev1.ContainerStateWaiting{}}
	if s.prepare() {
		s.syncContainers()
	}
	if s.changed {
		if fresh, err := k.inspectPod(ctx, pod.UID); err == nil {
			s.rt = fresh
		}
	}
	// Probes first: a container that just started must not look ready
	// before its readiness probe exists.
	k.cfg.Prober.Sync(pod, runningTargets(pod, s.rt, k.runtimeStatus(pod, s.rt).PodIPs))
	status := k.computeStatus(pod, s.rt, s.waiting, false)
	if terminalPhase(status.Phase) {
		// Finished: stop the sidecars and the sandbox, then report.
		k.status.set(pod, status)
		return k.finishPod(ctx, pod, s.rt)
	}
	k.status.set(pod, status)
	k.collectGarbage(ctx, s.rt)
	return s.requeue
}

// finishPod stops a pod that reached Succeeded or Failed; its containers
// stay (for logs) until the pod is deleted.
func (k *Kubelet) finishPod(ctx context.Context, pod *corev1.Pod, rt *podRuntime) time.Duration {
	k.cfg.Prober.Forget(pod.UID)
	if err := k.killPod(ctx, pod, rt, gracePeriod(pod)); err != nil {
		k.log.Warn("stop finished pod", "pod", podKey(pod), "err", err)
		return retryDelay
	}
	fresh, err := k.inspectPod(ctx, pod.UID)
	if err != nil {
		return retryDelay
	}
	k.status.set(pod, k.computeStatus(pod, fresh, nil, true))
	return 0
}

func (k *Kubelet) computeStatus(pod *corev1.Pod, rt *podRuntime, waiting map[string]*corev1.ContainerStateWaiting, terminal bool) corev1.PodStatus {
	now := k.cfg.Clock.Now()
	return computePodStatus(statusInput{
		Pod: k.status.podWithLatestStatus(pod), Runtime: rt, RuntimeName: k.runtimeName,
		Waiting: waiting, Probes: k.cfg.Prober, HostIPs: k.hostIPs(),
		StartTime: k.status.startTime(pod, now), Now: now, Terminal: terminal,
	})
}

func runningTargets(pod *corev1.Pod, rt *podRuntime, podIPs []string) []prober.Target {
	var out []prober.Target
	podIP := ""
	if len(podIPs) > 0 {
		podIP = podIPs[0]
	}
	add := func(cs []corev1.Container) {
		for i := range cs {
			if l := rt.latest(cs[i].Name); l != nil && l.running() {
				out = append(out, prober.Target{Container: &cs[i], ContainerID: l.ID, StartedAt: l.StartedAt, PodIP: podIP})
			}
		}
	}
	add(pod.Spec.InitContainers)
	add(pod.Spec.Containers)
	return out
}

func podKey(pod *corev1.Pod) string { return pod.Namespace + "/" + pod.Name }

// gracePeriod is how long containers get between SIGTERM and SIGKILL.
func gracePeriod(pod *corev1.Pod) int64 {
	switch {
	case pod.DeletionGracePeriodSeconds != nil:
		return *pod.DeletionGracePeriodSeconds
	case pod.Spec.TerminationGracePeriodSeconds != nil:
		return *pod.Spec.TerminationGracePeriodSeconds
	default:
		return corev1.DefaultTerminationGracePeriodSeconds
	}
}
