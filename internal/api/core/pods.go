package core

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func podKind() *api.Kind {
	return api.Def[*corev1.Pod, *corev1.PodList]{
		Version: coreVersion, Kind: "Pod",
		Resource: "pods", Singular: "pod", Namespaced: true,
		ShortNames: []string{"po"},
		Categories: []string{"all"},
		Subresources: []string{"status", "binding", "eviction", "log", "exec", "attach",
			"portforward", "proxy", "ephemeralcontainers"},
		New:              func() *corev1.Pod { return &corev1.Pod{} },
		NewList:          func() *corev1.PodList { return &corev1.PodList{} },
		Default:          defaultPod,
		Validate:         validatePod,
		ValidateUpdate:   validatePodUpdate,
		PrepareForCreate: preparePodCreate,
		Columns:          podColumns,
		Row:              podRow,
		Fields:           podFields,
	}.Build()
}

func defaultPod(pod *corev1.Pod) {
	podspec.DefaultPodSpec(&pod.Spec)
	podspec.DefaultPodOnly(&pod.Spec)
	// A negative grace period would mean "kill immediately"; Kubernetes
	// turns it into the smallest real one.
	if g := pod.Spec.TerminationGracePeriodSeconds; g != nil && *g < 0 {
		pod.Spec.TerminationGracePeriodSeconds = ptr(int64(1))
	}
}

// preparePodCreate gives a new pod its first status: Pending, its QoS class
// and, when scheduling gates hold it back, the SchedulingGated condition.
func preparePodCreate(pod *corev1.Pod) {
	pod.Status = corev1.PodStatus{
		Phase:    corev1.PodPending,
		QOSClass: podspec.QOSClass(&pod.Spec),
	}
	if len(pod.Spec.SchedulingGates) > 0 {
		pod.Status.Conditions = []corev1.PodCondition{{
			Type:    corev1.PodScheduled,
			Status:  corev1.ConditionFalse,
			Reason:  corev1.PodReasonSchedulingGated,
			Message: "Scheduling is blocked due to non-empty scheduling gates",
		}}
	}
}

func validatePod(pod *corev1.Pod) field.ErrorList {
	errs := validateMeta(pod, true, apivalidation.NameIsDNSSubdomain)
	specPath := field.NewPath("spec")
	errs = append(errs, podspec.ValidatePodSpec(&pod.Spec, &pod.ObjectMeta, specPath)...)
	// Ephemeral containers are added to running pods through their
	// subresource only.
	if len(pod.Spec.EphemeralContainers) > 0 {
		errs = append(errs, field.Forbidden(specPath.Child("ephemeralContainers"), "cannot be set on create"))
	}
	return errs
}

func validatePodUpdate(pod, old *corev1.Pod) field.ErrorList {
	errs := validateMetaUpdate(pod, old)
	specPath := field.NewPath("spec")
	errs = append(errs, podspec.ValidatePodSpec(&pod.Spec, &pod.ObjectMeta, specPath)...)
	errs = append(errs, podspec.ValidatePodSpecUpdate(&pod.Spec, &old.Spec, specPath)...)
	return errs
}

func podFields(pod *corev1.Pod) fields.Set {
	podIP := pod.Status.PodIP
	if len(pod.Status.PodIPs) > 0 {
		podIP = pod.Status.PodIPs[0].IP
	}
	return fields.Set{
		"spec.nodeName":            pod.Spec.NodeName,
		"spec.restartPolicy":       string(pod.Spec.RestartPolicy),
		"spec.schedulerName":       pod.Spec.SchedulerName,
		"spec.serviceAccountName":  pod.Spec.ServiceAccountName,
		"spec.hostNetwork":         strconv.FormatBool(pod.Spec.HostNetwork),
		"status.phase":             string(pod.Status.Phase),
		"status.podIP":             podIP,
		"status.nominatedNodeName": pod.Status.NominatedNodeName,
	}
}
