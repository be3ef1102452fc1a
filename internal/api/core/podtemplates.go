package core

import (
	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func podTemplateKind() *api.Kind {
	return api.Def[*corev1.PodTemplate, *corev1.PodTemplateList]{
		Version: coreVersion, Kind: "PodTemplate",
		Resource: "podtemplates", Singular: "podtemplate", Namespaced: true,
		New:      func() *corev1.PodTemplate { return &corev1.PodTemplate{} },
		NewList:  func() *corev1.PodTemplateList { return &corev1.PodTemplateList{} },
		Default:  func(pt *corev1.PodTemplate) { podspec.DefaultPodTemplateSpec(&pt.Template) },
		Validate: validatePodTemplate,
		ValidateUpdate: func(pt, old *corev1.PodTemplate) field.ErrorList {
			return append(validateMetaUpdate(pt, old), validatePodTemplate(pt)...)
		},
		Columns: podTemplateColumns,
		Row: func(pt *corev1.PodTemplate) []any {
			names, images := containerCells(pt.Template.Spec.Containers)
			return []any{pt.Name, names, images, labels.FormatLabels(pt.Template.Labels)}
		},
	}.Build()
}

func validatePodTemplate(pt *corev1.PodTemplate) field.ErrorList {
	errs := validateMeta(pt, true, apivalidation.NameIsDNSSubdomain)
	return append(errs, podspec.ValidatePodTemplateSpec(&pt.Template, field.NewPath("template"))...)
}

var podTemplateColumns = []metav1.TableColumnDefinition{
	{Name: "Template", Type: "string", Format: "name", Description: nameColumn.Description},
	{Name: "Containers", Type: "string", Description: "Names of each container in the template."},
	{Name: "Images", Type: "string", Description: "Images referenced by each container in the template."},
	{Name: "Pod Labels", Type: "string", Description: "The labels for the pod template."},
}
