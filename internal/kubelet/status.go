package kubelet

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"rudder/internal/kubelet/prober"
)

// statusInput is everything the pod status is computed from. Computing is a
// pure function of it, so it can be tested without a runtime or a server.
type statusInput struct {
	Pod         *corev1.Pod
	Runtime     *podRuntime
	RuntimeName string // scheme of container IDs: "<name>://<id>"
	// Waiting holds reasons the worker decided for containers it could not
	// (re)start: CrashLoopBackOff, ErrImagePull, CreateContainerError...
	Waiting   map[string]*corev1.ContainerStateWaiting
	Probes    prober.Manager
	HostIPs   []string
	StartTime time.Time
	Now       time.Time
	// Terminal says the kubelet has stopped the pod for good (deletion or
	// completion): the phase must be Succeeded or Failed.
	Terminal bool
}

// computePodStatus builds the pod status the kubelet reports. Fields the
// kubelet does not own (nominatedNodeName, foreign conditions, ...) are kept
// from the pod's current status.
func computePodStatus(in statusInput) corev1.PodStatus {
	pod := in.Pod
	st := *pod.Status.DeepCopy()
	now := metav1.NewTime(in.Now).Rfc3339Copy()

	st.InitContainerStatuses = in.containerStatuses(pod.Spec.InitContainers, true)
	st.ContainerStatuses = in.containerStatuses(pod.Spec.Containers, false)
	st.Phase = podPhase(pod, st.InitContainerStatuses, st.ContainerStatuses, in.Terminal)
	st.QOSClass = podQOSClass(&pod.Spec)
	in.setIPs(&st)
	if st.StartTime == nil {
		t := metav1.NewTime(in.StartTime).Rfc3339Copy()
		st.StartTime = &t
	}
	st.Conditions = podConditions(pod, &st, in.Runtime.sandbox(), now)
	return st
}

func (in *statusInput) setIPs(st *corev1.PodStatus) {
	st.HostIP, st.HostIPs = "", nil
	for _, ip := range in.HostIPs {
		st.HostIPs = append(st.HostIPs, corev1.HostIP{IP: ip})
	}
	if len(in.HostIPs) > 0 {
		st.HostIP = in.HostIPs[0]
	}
	ips := in.HostIPs
	if !in.Pod.Spec.HostNetwork {
		sb := in.Runtime.sandbox()
		if sb == nil || len(sb.IPs) == 0 {
			return // keep the last known IPs (Kubernetes keeps them on terminal pods)
		}
		ips = sb.IPs
	}
	st.PodIP, st.PodIPs = "", nil
	for _, ip := range ips {
		st.PodIPs = append(st.PodIPs, corev1.PodIP{IP: ip})
	}
	if len(ips) > 0 {
		st.PodIP = ips[0]
	}
}

func (in *statusInput) containerStatuses(containers []corev1.Container, init bool) []corev1.ContainerStatus {
	if len(containers) == 0 {
		return nil
	}
	out := make([]corev1.ContainerStatus, 0, len(containers))
	for i := range containers {
		out = append(out, in.containerStatus(&containers[i], init))
	}
	return out
}

func (in *statusInput) containerStatus(c *corev1.Container, init bool) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptrTo(false)}
	latest := in.Runtime.latest(c.Name)
	waiting := in.Waiting[c.Name]
	if latest == nil {
		cs.State.Waiting = waiting
		if waiting == nil {
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: in.defaultWaitingReason(init)}
		}
		return cs
	}
	cs.RestartCount = int32(latest.Attempt)
	cs.ContainerID = in.RuntimeName + "://" + latest.ID
	cs.ImageID = latest.ImageRef
	if prev := in.Runtime.previous(c.Name); prev != nil && prev.exited() {
		cs.LastTerminationState.Terminated = in.terminated(prev)
	}
	switch {
	case latest.running():
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: nanoTime(latest.StartedAt)}
		cs.Started = ptrTo(in.Probes.Started(in.Pod.UID, latest.ID))
		cs.Ready = *cs.Started && in.Probes.Ready(in.Pod.UID, latest.ID)
		if init && !isSidecar(c) {
			cs.Ready = false // a running regular init container is not done
		}
	case latest.exited() && waiting != nil:
		cs.State.Waiting = waiting
		cs.LastTerminationState = corev1.ContainerState{Terminated: in.terminated(latest)}
	case latest.exited():
		cs.State.Terminated = in.terminated(latest)
		cs.Ready = init && !isSidecar(c) && latest.ExitCode == 0
	default: // created, not started yet
		cs.State.Waiting = waiting
		if waiting == nil {
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}
	}
	return cs
}

func (in *statusInput) defaultWaitingReason(init bool) string {
	if init || !initDone(in.Pod, in.Runtime) {
		return "PodInitializing"
	}
	return "ContainerCreating"
}

func (in *statusInput) terminated(c *containerInfo) *corev1.ContainerStateTerminated {
	reason := c.Reason
	if reason == "" {
		reason = "Completed"
		if c.ExitCode != 0 {
			reason = "Error"
		}
	}
	t := &corev1.ContainerStateTerminated{
		ExitCode: c.ExitCode, Reason: reason, Message: c.Message,
		FinishedAt:  nanoTime(c.FinishedAt),
		ContainerID: in.RuntimeName + "://" + c.ID,
	}
	if c.StartedAt != 0 {
		t.StartedAt = nanoTime(c.StartedAt)
	}
	return t
}

func nanoTime(ns int64) metav1.Time {
	return metav1.NewTime(time.Unix(0, ns)).Rfc3339Copy()
}

func ptrTo[T any](v T) *T { return &v }

func isSidecar(c *corev1.Container) bool {
	return c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways
}

// initDone reports whether the init phase is over: every regular init
// container succeeded, or an app container has been created already (then
// init never runs again, as in Kubernetes).
func initDone(pod *corev1.Pod, rt *podRuntime) bool {
	for i := range pod.Spec.Containers {
		if rt.latest(pod.Spec.Containers[i].Name) != nil {
			return true
		}
	}
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		if isSidecar(c) {
			if l := rt.latest(c.Name); l == nil || !l.running() {
				return false
			}
			continue
		}
		if l := rt.latest(c.Name); l == nil || !l.exited() || l.ExitCode != 0 {
			return false
		}
	}
	return true
}

func fmtNames(names []string) string { return fmt.Sprint(names) }
