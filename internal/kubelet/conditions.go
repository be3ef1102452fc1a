package kubelet

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// kubeletConditions are the pod condition types the kubelet owns; others
// (DisruptionTarget, readiness gates...) are kept as found.
var kubeletConditions = map[corev1.PodConditionType]bool{
	corev1.PodScheduled:              true,
	corev1.PodReadyToStartContainers: true,
	corev1.PodInitialized:            true,
	corev1.ContainersReady:           true,
	corev1.PodReady:                  true,
}

// podConditions computes the kubelet's conditions, keeping transition times
// of conditions whose status did not change.
func podConditions(pod *corev1.Pod, st *corev1.PodStatus, sb *sandboxInfo, now metav1.Time) []corev1.PodCondition {
	old := pod.Status.Conditions
	out := make([]corev1.PodCondition, 0, foreignConditions(old)+len(kubeletConditions))
	for _, c := range old {
		if !kubeletConditions[c.Type] {
			out = append(out, c)
		}
	}
	add := func(c corev1.PodCondition) {
		c.LastTransitionTime = now
		for _, o := range old {
			if o.Type == c.Type && o.Status == c.Status {
				c.LastTransitionTime = o.LastTransitionTime
			}
		}
		out = append(out, c)
	}
	add(readyToStartCondition(st, sb))
	add(initializedCondition(pod, st))
	containersReady := containersReadyCondition(pod, st)
	add(containersReady)
	add(readyCondition(pod, st, containersReady))
	add(corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue})
	return out
}

func readyToStartCondition(st *corev1.PodStatus, sb *sandboxInfo) corev1.PodCondition {
	c := corev1.PodCondition{Type: corev1.PodReadyToStartContainers, Status: corev1.ConditionFalse}
	if sb != nil && sb.Ready && !terminalPhase(st.Phase) {
		c.Status = corev1.ConditionTrue
	}
	return c
}

func initializedCondition(pod *corev1.Pod, st *corev1.PodStatus) corev1.PodCondition {
	c := corev1.PodCondition{Type: corev1.PodInitialized, Status: corev1.ConditionTrue}
	if st.Phase == corev1.PodSucceeded {
		c.Reason = "PodCompleted"
		return c
	}
	if appStarted(st) {
		return c
	}
	var incomplete []string
	for i := range pod.Spec.InitContainers {
		ic := &pod.Spec.InitContainers[i]
		cs := findStatus(st.InitContainerStatuses, ic.Name)
		done := cs != nil && cs.State.Terminated != nil && cs.State.Terminated.ExitCode == 0
		if isSidecar(ic) {
			done = cs != nil && cs.Started != nil && *cs.Started
		}
		if !done {
			incomplete = append(incomplete, ic.Name)
		}
	}
	if len(incomplete) > 0 {
		c.Status = corev1.ConditionFalse
		c.Reason = "ContainersNotInitialized"
		c.Message = "containers with incomplete status: " + fmtNames(incomplete)
	}
	return c
}

func appStarted(st *corev1.PodStatus) bool {
	for _, cs := range st.ContainerStatuses {
		if cs.ContainerID != "" {
			return true
		}
	}
	return false
}

func containersReadyCondition(pod *corev1.Pod, st *corev1.PodStatus) corev1.PodCondition {
	c := corev1.PodCondition{Type: corev1.ContainersReady, Status: corev1.ConditionTrue}
	if reason, ok := terminalReason(st.Phase); ok {
		c.Status, c.Reason = corev1.ConditionFalse, reason
		return c
	}
	var unready []string
	for i := range pod.Spec.InitContainers {
		ic := &pod.Spec.InitContainers[i]
		if cs := findStatus(st.InitContainerStatuses, ic.Name); isSidecar(ic) && (cs == nil || !cs.Ready) {
			unready = append(unready, ic.Name)
		}
	}
	for i := range pod.Spec.Containers {
		name := pod.Spec.Containers[i].Name
		if cs := findStatus(st.ContainerStatuses, name); cs == nil || !cs.Ready {
			unready = append(unready, name)
		}
	}
	if len(unready) > 0 {
		c.Status, c.Reason = corev1.ConditionFalse, "ContainersNotReady"
		c.Message = "containers with unready status: " + fmtNames(unready)
	}
	return c
}

func readyCondition(pod *corev1.Pod, st *corev1.PodStatus, containersReady corev1.PodCondition) corev1.PodCondition {
	c := containersReady
	c.Type, c.LastTransitionTime = corev1.PodReady, metav1.Time{}
	if c.Status != corev1.ConditionTrue {
		return c
	}
	for _, gate := range pod.Spec.ReadinessGates {
		if msg := gateProblem(st.Conditions, gate.ConditionType); msg != "" {
			return corev1.PodCondition{Type: corev1.PodReady, Status: corev1.ConditionFalse, Reason: "ReadinessGatesNotReady", Message: msg}
		}
	}
	return c
}

func gateProblem(conds []corev1.PodCondition, t corev1.PodConditionType) string {
	for _, c := range conds {
		if c.Type == t {
			if c.Status == corev1.ConditionTrue {
				return ""
			}
			return fmt.Sprintf("the status of pod readiness gate %q is not \"True\", but %s", t, c.Status)
		}
	}
	return fmt.Sprintf("corresponding condition of pod readiness gate %q does not exist.", t)
}

func terminalPhase(p corev1.PodPhase) bool { return p == corev1.PodSucceeded || p == corev1.PodFailed }

func terminalReason(p corev1.PodPhase) (string, bool) {
	switch p {
	case corev1.PodSucceeded:
		return "PodCompleted", true
	case corev1.PodFailed:
		return "PodFailed", true
	}
	return "", false
}
