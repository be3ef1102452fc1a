package job

import (
	"fmt"
	"sort"
	"strconv"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	// trackingFinalizer keeps a finished pod in storage until its outcome
	// is counted in the job's status.
	trackingFinalizer = batchv1.JobTrackingFinalizer
	indexAnnotation   = batchv1.JobCompletionIndexAnnotation
	indexLabel        = "batch.kubernetes.io/job-completion-index"
	indexEnv          = "JOB_COMPLETION_INDEX"
	// failureCountAnnotation carries how many earlier pods of the same
	// index failed (backoffLimitPerIndex).
	failureCountAnnotation = "batch.kubernetes.io/job-index-failure-count"
	noIndex                = -1
)

func hasFinalizer(pod *corev1.Pod) bool {
	for _, f := range pod.Finalizers {
		if f == trackingFinalizer {
			return true
		}
	}
	return false
}

func isTerminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// isActive: running or waiting to run, and not on its way out.
func isActive(pod *corev1.Pod) bool {
	return !isTerminal(pod) && pod.DeletionTimestamp == nil
}

func isTerminating(pod *corev1.Pod) bool {
	return !isTerminal(pod) && pod.DeletionTimestamp != nil
}

// isFailed says whether a pod counts as a failure. A deleted pod that
// never succeeded counts too, unless the job waits for pods to reach
// phase Failed (podReplacementPolicy Failed, or a podFailurePolicy) — but
// a deleted pod that was never scheduled will never get a phase, so it
// is counted at once.
func isFailed(job *batchv1.Job, pod *corev1.Pod) bool {
	if pod.Status.Phase == corev1.PodFailed {
		return true
	}
	if pod.DeletionTimestamp == nil || pod.Status.Phase == corev1.PodSucceeded {
		return false
	}
	return !onlyReplaceFailed(job) || pod.Spec.NodeName == ""
}

func onlyReplaceFailed(job *batchv1.Job) bool {
	if job.Spec.PodFailurePolicy != nil {
		return true
	}
	p := job.Spec.PodReplacementPolicy
	return p != nil && *p == batchv1.Failed
}

func isReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func isIndexed(job *batchv1.Job) bool {
	m := job.Spec.CompletionMode
	return m != nil && *m == batchv1.IndexedCompletion
}

// podIndex reads a pod's completion index; noIndex when absent or bad.
func podIndex(pod *corev1.Pod) int {
	v, ok := pod.Annotations[indexAnnotation]
	if !ok {
		v, ok = pod.Labels[indexLabel]
	}
	if !ok {
		return noIndex
	}
	i, err := strconv.Atoi(v)
	if err != nil || i < 0 {
		return noIndex
	}
	return i
}

func podFailureCount(pod *corev1.Pod) int {
	n, err := strconv.Atoi(pod.Annotations[failureCountAnnotation])
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// newPod builds a pod from the job's template: owned by the job, carrying
// the tracking finalizer, and for Indexed jobs the index (annotation,
// label, env JOB_COMPLETION_INDEX, hostname <job>-<index>).
func newPod(job *batchv1.Job, index, failures int) *corev1.Pod {
	t := job.Spec.Template.DeepCopy()
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			GenerateName:    job.Name + "-",
			Namespace:       job.Namespace,
			Labels:          copyMap(t.Labels),
			Annotations:     copyMap(t.Annotations),
			Finalizers:      append(t.Finalizers, trackingFinalizer),
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(job, batchv1.SchemeGroupVersion.WithKind("Job"))},
		},
		Spec: t.Spec,
	}
	if index == noIndex {
		return pod
	}
	ix := strconv.Itoa(index)
	pod.GenerateName = fmt.Sprintf("%s-%d-", job.Name, index)
	pod.Annotations[indexAnnotation] = ix
	pod.Labels[indexLabel] = ix
	if job.Spec.BackoffLimitPerIndex != nil {
		pod.Annotations[failureCountAnnotation] = strconv.Itoa(failures)
	}
	if pod.Spec.Hostname == "" {
		pod.Spec.Hostname = fmt.Sprintf("%s-%d", job.Name, index)
	}
	pod.Spec.Subdomain = t.Spec.Subdomain
	addIndexEnv(pod.Spec.InitContainers)
	addIndexEnv(pod.Spec.Containers)
	return pod
}

// addIndexEnv exposes the index through the downward API, as Kubernetes
// does, so the value always matches the pod's annotation.
func addIndexEnv(cs []corev1.Container) {
	for i := range cs {
		skip := false
		for _, e := range cs[i].Env {
			if e.Name == indexEnv {
				skip = true
			}
		}
		if skip {
			continue
		}
		cs[i].Env = append(cs[i].Env, corev1.EnvVar{Name: indexEnv, ValueFrom: &corev1.EnvVarSource{
			FieldRef: &corev1.ObjectFieldSelector{FieldPath: fmt.Sprintf("metadata.annotations['%s']", indexAnnotation)},
		}})
	}
}

func copyMap(in map[string]string) map[string]string {
	out := make(map[string]string, len(in)+2)
	for k, v := range in {
		out[k] = v
	}
	return out
}

// sortForDeletion orders pods so the cheapest to lose come first:
// unscheduled, then pending, then not ready, then the youngest.
func sortForDeletion(pods []*corev1.Pod) {
	rank := func(p *corev1.Pod) int {
		switch {
		case p.Spec.NodeName == "":
			return 0
		case p.Status.Phase == corev1.PodPending:
			return 1
		case !isReady(p):
			return 2
		}
		return 3
	}
	sort.SliceStable(pods, func(i, j int) bool {
		ri, rj := rank(pods[i]), rank(pods[j])
		if ri != rj {
			return ri < rj
		}
		return pods[j].CreationTimestamp.Before(&pods[i].CreationTimestamp)
	})
}
