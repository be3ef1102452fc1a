package kubelet

import (
	corev1 "k8s.io/api/core/v1"
)

// podPhase computes the phase from container statuses as Kubernetes does.
// A terminal phase already reported is never left.
func podPhase(pod *corev1.Pod, initStatuses, statuses []corev1.ContainerStatus, terminal bool) corev1.PodPhase {
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return pod.Status.Phase
	}
	pendingInit, failedInit := initProgress(pod, initStatuses)
	var unknown, running, waiting, stopped, succeeded int
	for i := range pod.Spec.Containers {
		cs := findStatus(statuses, pod.Spec.Containers[i].Name)
		switch {
		case cs == nil:
			unknown++
		case cs.State.Running != nil:
			running++
		case cs.State.Terminated != nil:
			stopped++
			if cs.State.Terminated.ExitCode == 0 {
				succeeded++
			}
		case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil:
			stopped++ // waiting to restart
		case cs.State.Waiting != nil:
			waiting++
		default:
			unknown++
		}
	}
	if running+stopped > 0 {
		pendingInit = 0 // app containers started: init is over, a restarting sidecar does not undo it
	}
	policy := pod.Spec.RestartPolicy
	switch {
	case failedInit > 0 && policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	case terminal && running == 0 && waiting == 0 && unknown == 0 && stopped == succeeded && pendingInit == 0:
		return corev1.PodSucceeded
	case terminal:
		return corev1.PodFailed
	case pendingInit > 0 || failedInit > 0:
		return corev1.PodPending
	case waiting > 0:
		return corev1.PodPending
	case running > 0 && unknown == 0:
		return corev1.PodRunning
	case running == 0 && stopped > 0 && unknown == 0:
		return stoppedPhase(policy, stopped, succeeded)
	default:
		return corev1.PodPending
	}
}

// stoppedPhase is the phase of a pod whose app containers all stopped.
func stoppedPhase(policy corev1.RestartPolicy, stopped, succeeded int) corev1.PodPhase {
	switch {
	case policy == corev1.RestartPolicyAlways:
		return corev1.PodRunning // they will be restarted
	case stopped == succeeded:
		return corev1.PodSucceeded
	case policy == corev1.RestartPolicyNever:
		return corev1.PodFailed
	default:
		return corev1.PodRunning // OnFailure: failed ones restart
	}
}

// initProgress counts init containers still to finish and those that
// failed (their last run exited non-zero).
func initProgress(pod *corev1.Pod, statuses []corev1.ContainerStatus) (pending, failed int) {
	for i := range pod.Spec.InitContainers {
		c := &pod.Spec.InitContainers[i]
		cs := findStatus(statuses, c.Name)
		if isSidecar(c) {
			if cs == nil || cs.Started == nil || !*cs.Started {
				pending++
			}
			continue
		}
		switch {
		case cs == nil:
			pending++
		case cs.State.Terminated != nil && cs.State.Terminated.ExitCode != 0:
			failed++
		case cs.State.Terminated != nil:
		case cs.State.Waiting != nil && cs.LastTerminationState.Terminated != nil && cs.LastTerminationState.Terminated.ExitCode != 0:
			failed++
		default:
			pending++
		}
	}
	return pending, failed
}

func findStatus(statuses []corev1.ContainerStatus, name string) *corev1.ContainerStatus {
	for i := range statuses {
		if statuses[i].Name == name {
			return &statuses[i]
		}
	}
	return nil
}
