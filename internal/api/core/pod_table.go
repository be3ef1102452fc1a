package core

import (
	"fmt"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var podColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Ready", Type: "string", Description: "The aggregate readiness state of this pod for accepting traffic."},
	{Name: "Status", Type: "string", Description: "The aggregate status of the containers in this pod."},
	{Name: "Restarts", Type: "string", Description: "The number of times the containers in this pod have been restarted and when the last container in this pod has restarted."},
	ageColumn,
	{Name: "IP", Type: "string", Priority: 1, Description: "IP address allocated to the pod. Routable at least within the cluster. Empty if not yet allocated."},
	{Name: "Node", Type: "string", Priority: 1, Description: "NodeName is a request to schedule this pod onto a specific node."},
	{Name: "Nominated Node", Type: "string", Priority: 1, Description: "nominatedNodeName is set when this pod preempts other pods on the node."},
	{Name: "Readiness Gates", Type: "string", Priority: 1, Description: "If specified, all readiness gates will be evaluated for pod readiness."},
}

// nodeUnreachableReason is the pod status reason the node lifecycle
// controller sets on pods of an unreachable node.
const nodeUnreachableReason = "NodeLost"

// podSummary is what kubectl shows in the READY, STATUS and RESTARTS columns.
type podSummary struct {
	ready, total int
	reason       string
	restarts     int
	lastRestart  metav1.Time
}

func podRow(pod *corev1.Pod) []any {
	s := summarizePod(pod)
	restarts := strconv.Itoa(s.restarts)
	if s.restarts != 0 && !s.lastRestart.IsZero() {
		restarts = fmt.Sprintf("%d (%s ago)", s.restarts, since(s.lastRestart))
	}
	podIP := "<none>"
	if len(pod.Status.PodIPs) > 0 && pod.Status.PodIPs[0].IP != "" {
		podIP = pod.Status.PodIPs[0].IP
	} else if pod.Status.PodIP != "" {
		podIP = pod.Status.PodIP
	}
	return []any{
		pod.Name,
		fmt.Sprintf("%d/%d", s.ready, s.total),
		s.reason,
		restarts,
		since(pod.CreationTimestamp),
		podIP,
		orNone(pod.Spec.NodeName),
		orNone(pod.Status.NominatedNodeName),
		readinessGates(pod),
	}
}

// summarizePod follows kubectl: the phase (or status reason) unless an init
// container is still at work or failing, then the last app container's
// waiting or terminated reason, then Terminating for a pod being deleted.
func summarizePod(pod *corev1.Pod) podSummary {
	s := podSummary{total: len(pod.Spec.Containers), reason: string(pod.Status.Phase)}
	if pod.Status.Reason != "" {
		s.reason = pod.Status.Reason
	}
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodScheduled && c.Reason == corev1.PodReasonSchedulingGated {
			s.reason = corev1.PodReasonSchedulingGated
		}
	}
	sidecars := map[string]bool{}
	for _, c := range pod.Spec.InitContainers {
		if c.RestartPolicy != nil && *c.RestartPolicy == corev1.ContainerRestartPolicyAlways {
			sidecars[c.Name] = true
			s.total++
		}
	}
	initializing, sidecarRestarts, sidecarLast := summarizeInit(pod, sidecars, &s)
	if !initializing || podConditionTrue(pod, corev1.PodInitialized) {
		s.restarts, s.lastRestart = sidecarRestarts, sidecarLast
		summarizeContainers(pod, &s)
	}
	switch {
	case pod.DeletionTimestamp != nil && pod.Status.Reason == nodeUnreachableReason:
		s.reason = "Unknown"
	case pod.DeletionTimestamp != nil && pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed:
		s.reason = "Terminating"
	}
	return s
}

// summarizeInit walks init containers until the first one that is not done;
// it reports whether initialization is still going on, and the restarts of
// sidecars (which count even after initialization).
func summarizeInit(pod *corev1.Pod, sidecars map[string]bool, s *podSummary) (bool, int, metav1.Time) {
	sidecarRestarts := 0
	var sidecarLast metav1.Time
	for i, st := range pod.Status.InitContainerStatuses {
		s.restarts += int(st.RestartCount)
		s.lastRestart = later(s.lastRestart, st.LastTerminationState)
		if sidecars[st.Name] {
			sidecarRestarts += int(st.RestartCount)
			sidecarLast = later(sidecarLast, st.LastTerminationState)
		}
		switch {
		case st.State.Terminated != nil && st.State.Terminated.ExitCode == 0:
			continue
		case sidecars[st.Name] && st.Started != nil && *st.Started:
			if st.Ready {
				s.ready++
			}
			continue
		case st.State.Terminated != nil:
			s.reason = "Init:" + terminatedReason(st.State.Terminated)
		case st.State.Waiting != nil && st.State.Waiting.Reason != "" && st.State.Waiting.Reason != "PodInitializing":
			s.reason = "Init:" + st.State.Waiting.Reason
		default:
			s.reason = fmt.Sprintf("Init:%d/%d", i, len(pod.Spec.InitContainers))
		}
		return true, sidecarRestarts, sidecarLast
	}
	return false, sidecarRestarts, sidecarLast
}

// summarizeContainers goes from the last container to the first, so the
// first container's state wins, as in kubectl.
func summarizeContainers(pod *corev1.Pod, s *podSummary) {
	hasRunning := false
	for i := len(pod.Status.ContainerStatuses) - 1; i >= 0; i-- {
		st := pod.Status.ContainerStatuses[i]
		s.restarts += int(st.RestartCount)
		s.lastRestart = later(s.lastRestart, st.LastTerminationState)
		switch {
		case st.State.Waiting != nil && st.State.Waiting.Reason != "":
			s.reason = st.State.Waiting.Reason
		case st.State.Terminated != nil:
			s.reason = terminatedReason(st.State.Terminated)
		case st.Ready && st.State.Running != nil:
			hasRunning = true
			s.ready++
		}
	}
	// A pod whose finished container says Completed while another still
	// runs is not complete.
	if s.reason == "Completed" && hasRunning {
		if podConditionTrue(pod, corev1.PodReady) {
			s.reason = "Running"
		} else {
			s.reason = "NotReady"
		}
	}
}

func terminatedReason(t *corev1.ContainerStateTerminated) string {
	switch {
	case t.Reason != "":
		return t.Reason
	case t.Signal != 0:
		return fmt.Sprintf("Signal:%d", t.Signal)
	}
	return fmt.Sprintf("ExitCode:%d", t.ExitCode)
}

func later(cur metav1.Time, last corev1.ContainerState) metav1.Time {
	if last.Terminated != nil && cur.Before(&last.Terminated.FinishedAt) {
		return last.Terminated.FinishedAt
	}
	return cur
}

func podConditionTrue(pod *corev1.Pod, t corev1.PodConditionType) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func readinessGates(pod *corev1.Pod) string {
	if len(pod.Spec.ReadinessGates) == 0 {
		return "<none>"
	}
	ok := 0
	for _, g := range pod.Spec.ReadinessGates {
		if podConditionTrue(pod, g.ConditionType) {
			ok++
		}
	}
	return fmt.Sprintf("%d/%d", ok, len(pod.Spec.ReadinessGates))
}
