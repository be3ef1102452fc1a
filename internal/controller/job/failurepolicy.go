package job

import (
	"fmt"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// policyMatch is the first podFailurePolicy rule a failed pod matches.
type policyMatch struct {
	action  batchv1.PodFailurePolicyAction
	message string
}

// matchFailurePolicy evaluates the rules in order; the first that matches
// decides. Only pods in phase Failed are judged: a pod that is merely
// being deleted has no exit codes yet.
func matchFailurePolicy(p *batchv1.PodFailurePolicy, pod *corev1.Pod) (policyMatch, bool) {
	if p == nil || pod.Status.Phase != corev1.PodFailed {
		return policyMatch{}, false
	}
	for i, rule := range p.Rules {
		if rule.OnExitCodes != nil {
			if cs, ok := matchExitCodes(rule.OnExitCodes, pod); ok {
				return policyMatch{rule.Action, fmt.Sprintf("Container %s for pod %s/%s failed with exit code %d matching %s rule at index %d",
					cs.Name, pod.Namespace, pod.Name, cs.State.Terminated.ExitCode, rule.Action, i)}, true
			}
			continue
		}
		if cond, ok := matchPodConditions(rule.OnPodConditions, pod); ok {
			return policyMatch{rule.Action, fmt.Sprintf("Pod %s/%s has condition %s matching %s rule at index %d",
				pod.Namespace, pod.Name, cond, rule.Action, i)}, true
		}
	}
	return policyMatch{}, false
}

// matchExitCodes finds a terminated container whose non-zero exit code
// satisfies the requirement. Exit code 0 never matches, as in Kubernetes:
// a container that succeeded did not cause the failure.
func matchExitCodes(req *batchv1.PodFailurePolicyOnExitCodesRequirement, pod *corev1.Pod) (corev1.ContainerStatus, bool) {
	all := append(append([]corev1.ContainerStatus{}, pod.Status.InitContainerStatuses...), pod.Status.ContainerStatuses...)
	for _, cs := range all {
		t := cs.State.Terminated
		if t == nil || t.ExitCode == 0 {
			continue
		}
		if req.ContainerName != nil && *req.ContainerName != cs.Name {
			continue
		}
		if exitCodeMatches(req, t.ExitCode) {
			return cs, true
		}
	}
	return corev1.ContainerStatus{}, false
}

func exitCodeMatches(req *batchv1.PodFailurePolicyOnExitCodesRequirement, code int32) bool {
	in := false
	for _, v := range req.Values {
		if v == code {
			in = true
			break
		}
	}
	if req.Operator == batchv1.PodFailurePolicyOnExitCodesOpNotIn {
		return !in
	}
	return in
}

func matchPodConditions(pats []batchv1.PodFailurePolicyOnPodConditionsPattern, pod *corev1.Pod) (corev1.PodConditionType, bool) {
	for _, pat := range pats {
		want := pat.Status
		if want == "" {
			want = corev1.ConditionTrue
		}
		for _, c := range pod.Status.Conditions {
			if c.Type == pat.Type && c.Status == want {
				return c.Type, true
			}
		}
	}
	return "", false
}
