package core

import (
	"strconv"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func replicationControllerKind() *api.Kind {
	return api.Def[*corev1.ReplicationController, *corev1.ReplicationControllerList]{
		Version: coreVersion, Kind: "ReplicationController",
		Resource: "replicationcontrollers", Singular: "replicationcontroller", Namespaced: true,
		ShortNames:   []string{"rc"},
		Categories:   []string{"all"},
		Subresources: []string{"status", "scale"},
		New:          func() *corev1.ReplicationController { return &corev1.ReplicationController{} },
		NewList:      func() *corev1.ReplicationControllerList { return &corev1.ReplicationControllerList{} },
		Default:      defaultReplicationController,
		Validate:     validateReplicationController,
		ValidateUpdate: func(rc, old *corev1.ReplicationController) field.ErrorList {
			return append(validateMetaUpdate(rc, old), validateReplicationController(rc)...)
		},
		Columns: rcColumns,
		Row:     rcRow,
		Fields: func(rc *corev1.ReplicationController) fields.Set {
			return fields.Set{"status.replicas": strconv.Itoa(int(rc.Status.Replicas))}
		},
	}.Build()
}

// defaultReplicationController: selector and labels default to the
// template's labels, replicas to 1.
func defaultReplicationController(rc *corev1.ReplicationController) {
	if t := rc.Spec.Template; t != nil && len(t.Labels) > 0 {
		if len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyLabels(t.Labels)
		}
		if len(rc.Labels) == 0 {
			rc.Labels = copyLabels(t.Labels)
		}
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptr(int32(1))
	}
	podspec.DefaultPodTemplateSpec(rc.Spec.Template)
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

func validateReplicationController(rc *corev1.ReplicationController) field.ErrorList {
	errs := validateMeta(rc, true, apivalidation.NameIsDNSSubdomain)
	sp := field.NewPath("spec")
	if rc.Spec.Replicas != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*rc.Spec.Replicas), sp.Child("replicas"))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(rc.Spec.MinReadySeconds), sp.Child("minReadySeconds"))...)
	if len(rc.Spec.Selector) == 0 {
		errs = append(errs, field.Required(sp.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabels(rc.Spec.Selector, sp.Child("selector"))...)
	}
	return append(errs, validateRCTemplate(rc, sp.Child("template"))...)
}

// validateRCTemplate: the template must produce pods the selector matches,
// that restart forever and have no deadline.
func validateRCTemplate(rc *corev1.ReplicationController, tp *field.Path) field.ErrorList {
	t := rc.Spec.Template
	if t == nil {
		return field.ErrorList{field.Required(tp, "")}
	}
	var errs field.ErrorList
	if len(rc.Spec.Selector) > 0 && !labels.SelectorFromSet(rc.Spec.Selector).Matches(labels.Set(t.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), t.Labels, "`selector` does not match template `labels`"))
	}
	errs = append(errs, podspec.ValidatePodTemplateSpec(t, tp)...)
	if t.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), t.Spec.RestartPolicy, []string{"Always"}))
	}
	if t.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Invalid(tp.Child("spec", "activeDeadlineSeconds"), *t.Spec.ActiveDeadlineSeconds, "activeDeadlineSeconds in ReplicationController is not Supported"))
	}
	return errs
}

var rcColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Desired", Type: "integer", Description: "Replicas is the number of desired replicas."},
	{Name: "Current", Type: "integer", Description: "Replicas is the most recently observed number of replicas."},
	{Name: "Ready", Type: "integer", Description: "The number of ready replicas for this replication controller."},
	ageColumn,
	{Name: "Containers", Type: "string", Priority: 1, Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Priority: 1, Description: "Images referenced by each container in the template."},
	{Name: "Selector", Type: "string", Priority: 1, Description: "Selector is a label query over pods that should match the Replicas count."},
}

func rcRow(rc *corev1.ReplicationController) []any {
	desired := int64(0)
	if rc.Spec.Replicas != nil {
		desired = int64(*rc.Spec.Replicas)
	}
	var names, images string
	if rc.Spec.Template != nil {
		names, images = containerCells(rc.Spec.Template.Spec.Containers)
	}
	return []any{
		rc.Name, desired, int64(rc.Status.Replicas), int64(rc.Status.ReadyReplicas),
		since(rc.CreationTimestamp), names, images, labels.FormatLabels(rc.Spec.Selector),
	}
}
