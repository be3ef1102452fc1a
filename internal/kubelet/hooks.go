package kubelet

import (
	"context"
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/internal/kubelet/fieldpath"
	"rudder/internal/kubelet/prober"
)

// postStartTimeout bounds a postStart hook: Kubernetes sets none, but a
// hook that never returns must not hold the pod worker forever.
const postStartTimeout = 2 * time.Minute

// minStopGrace is what a container still gets after its preStop hook used
// up the grace period, as in Kubernetes.
const minStopGrace = 2

// runHook runs an exec, httpGet or sleep lifecycle handler; the error says
// why it failed.
func (k *Kubelet) runHook(ctx context.Context, h *corev1.LifecycleHandler, c *corev1.Container, containerID string, st fieldpath.Status, timeout time.Duration) error {
	podIP := ""
	if len(st.PodIPs) > 0 {
		podIP = st.PodIPs[0]
	}
	switch {
	case h.Exec != nil:
		res, out := prober.Exec(ctx, k.rt, containerID, h.Exec.Command, timeout)
		if res != prober.Success {
			return fmt.Errorf("Exec lifecycle hook (%v) for Container %q failed - error: %s, message: %q", h.Exec.Command, c.Name, res, strings.TrimSpace(out))
		}
	case h.HTTPGet != nil:
		res, out := prober.HTTPGet(ctx, h.HTTPGet, podIP, c, timeout)
		if res != prober.Success {
			return fmt.Errorf("HTTP lifecycle hook (%s) for Container %q failed - error: %s", h.HTTPGet.Path, c.Name, strings.TrimSpace(out))
		}
	case h.Sleep != nil:
		d := min(time.Duration(h.Sleep.Seconds)*time.Second, timeout)
		if !k.sleep(ctx, d) {
			return fmt.Errorf("sleep lifecycle hook for Container %q interrupted", c.Name)
		}
	}
	return nil
}

// runPostStart runs the container's postStart hook right after it
// started. A failing hook kills the container (it then restarts per the
// restart policy) and reports it; true when the container runs.
func (k *Kubelet) runPostStart(ctx context.Context, pod *corev1.Pod, c *corev1.Container, id string, st fieldpath.Status, waiting map[string]*corev1.ContainerStateWaiting) bool {
	if c.Lifecycle == nil || c.Lifecycle.PostStart == nil {
		return true
	}
	err := k.runHook(ctx, c.Lifecycle.PostStart, c, id, st, postStartTimeout)
	if err == nil {
		return true
	}
	k.event(pod, c.Name, corev1.EventTypeWarning, reasonPostStart, "%v", err)
	k.event(pod, c.Name, corev1.EventTypeNormal, reasonKilling, "FailedPostStartHook")
	if err := k.stopContainer(ctx, id, gracePeriod(pod)); err != nil {
		k.log.Warn("stop container after failed postStart", "pod", podKey(pod), "container", c.Name, "err", err)
	}
	waiting[c.Name] = &corev1.ContainerStateWaiting{Reason: "PostStartHookError", Message: err.Error()}
	return false
}

// killContainer runs the container's preStop hook (c may be nil: no spec,
// no hook) within the grace period, then stops it with what remains of
// the grace period (at least minStopGrace): SIGTERM, then SIGKILL.
func (k *Kubelet) killContainer(ctx context.Context, pod *corev1.Pod, c *corev1.Container, id string, grace int64, st fieldpath.Status) error {
	if c != nil {
		k.event(pod, c.Name, corev1.EventTypeNormal, reasonKilling, "Stopping container %s", c.Name)
	}
	if c != nil && c.Lifecycle != nil && c.Lifecycle.PreStop != nil && grace > 0 {
		start := k.cfg.Clock.Now()
		hookCtx, cancel := context.WithTimeout(ctx, time.Duration(grace)*time.Second)
		err := k.runHook(hookCtx, c.Lifecycle.PreStop, c, id, st, time.Duration(grace)*time.Second)
		cancel()
		if err != nil {
			k.event(pod, c.Name, corev1.EventTypeWarning, reasonPreStop, "%v", err)
		}
		used := int64(k.cfg.Clock.Since(start) / time.Second)
		grace = max(minStopGrace, grace-used)
	}
	return k.stopContainer(ctx, id, grace)
}

// containerSpec finds a container of the pod by name (nil if the spec no
// longer has it).
func containerSpec(pod *corev1.Pod, name string) *corev1.Container {
	for _, list := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for i := range list {
			if list[i].Name == name {
				return &list[i]
			}
		}
	}
	return nil
}

// runtimeStatus is the downward status of a pod from its runtime view.
func (k *Kubelet) runtimeStatus(pod *corev1.Pod, rt *podRuntime) fieldpath.Status {
	st := fieldpath.Status{HostIPs: k.hostIPs()}
	if pod.Spec.HostNetwork {
		st.PodIPs = st.HostIPs
	} else if sb := rt.sandbox(); sb != nil {
		st.PodIPs = sb.IPs
	}
	return st
}
