package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func deploymentKind() *api.Kind {
	return api.Def[*appsv1.Deployment, *appsv1.DeploymentList]{
		Group: "apps", Version: "v1", Kind: "Deployment",
		Resource: "deployments", Singular: "deployment", Namespaced: true,
		ShortNames:     []string{"deploy"},
		Categories:     []string{"all"},
		Subresources:   []string{"status", "scale"},
		New:            func() *appsv1.Deployment { return &appsv1.Deployment{} },
		NewList:        func() *appsv1.DeploymentList { return &appsv1.DeploymentList{} },
		Default:        defaultDeployment,
		Validate:       validateDeployment,
		ValidateUpdate: validateDeploymentUpdate,
		Columns:        deploymentColumns,
		Row:            deploymentRow,
	}.Build()
}

func defaultDeployment(d *appsv1.Deployment) {
	if d.Spec.Replicas == nil {
		d.Spec.Replicas = ptr(int32(1))
	}
	s := &d.Spec.Strategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDeploymentStrategyType
	}
	if s.Type == appsv1.RollingUpdateDeploymentStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDeployment{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			s.RollingUpdate.MaxUnavailable = ptr(intstr.FromString("25%"))
		}
		if s.RollingUpdate.MaxSurge == nil {
			s.RollingUpdate.MaxSurge = ptr(intstr.FromString("25%"))
		}
	}
	if d.Spec.RevisionHistoryLimit == nil {
		d.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	if d.Spec.ProgressDeadlineSeconds == nil {
		d.Spec.ProgressDeadlineSeconds = ptr(int32(600))
	}
	podspec.DefaultPodTemplateSpec(&d.Spec.Template)
}

func validateDeployment(d *appsv1.Deployment) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(d, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateDeploymentSpec(&d.Spec, field.NewPath("spec"))...)
}

func validateDeploymentUpdate(d, old *appsv1.Deployment) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(d, old, field.NewPath("metadata"))
	errs = append(errs, validateDeploymentSpec(&d.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(d.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return append(errs, validateDeploymentStatus(&d.Status, field.NewPath("status"))...)
}

func validateDeploymentSpec(s *appsv1.DeploymentSpec, path *field.Path) field.ErrorList {
	errs := nonNegative32(s.Replicas, path.Child("replicas"))
	errs = append(errs, validateSelector(s.Selector, "deployment", path.Child("selector"))...)
	errs = append(errs, validateWorkloadTemplate(&s.Template, s.Selector, "ReplicaSet", path.Child("template"))...)
	errs = append(errs, validateDeploymentStrategy(&s.Strategy, path.Child("strategy"))...)
	errs = append(errs, nonNegative32(s.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(s.MinReadySeconds), path.Child("minReadySeconds"))...)
	if s.ProgressDeadlineSeconds != nil {
		p := path.Child("progressDeadlineSeconds")
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*s.ProgressDeadlineSeconds), p)...)
		if *s.ProgressDeadlineSeconds <= s.MinReadySeconds {
			errs = append(errs, field.Invalid(p, *s.ProgressDeadlineSeconds, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateDeploymentStrategy(s *appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			return field.ErrorList{field.Forbidden(path.Child("rollingUpdate"), "may not be specified when strategy `type` is 'Recreate'")}
		}
		return nil
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil")}
		}
		return validateRollingUpdateDeployment(s.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(path.Child("type"), s.Type, []string{
		string(appsv1.RecreateDeploymentStrategyType), string(appsv1.RollingUpdateDeploymentStrategyType)})}
}

func validateRollingUpdateDeployment(ru *appsv1.RollingUpdateDeployment, path *field.Path) field.ErrorList {
	unavailPath, surgePath := path.Child("maxUnavailable"), path.Child("maxSurge")
	errs := validateIntOrPercent(ru.MaxUnavailable, unavailPath)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, surgePath)...)
	if intOrPercentValue(ru.MaxUnavailable) == 0 && intOrPercentValue(ru.MaxSurge) == 0 {
		// Both zero would let the rollout make no progress at all.
		errs = append(errs, field.Invalid(unavailPath, ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return append(errs, notMoreThan100Percent(ru.MaxUnavailable, unavailPath)...)
}

func validateDeploymentStatus(s *appsv1.DeploymentStatus, path *field.Path) field.ErrorList {
	errs := nonNegativeCounts(path, []count{
		{"replicas", s.Replicas}, {"updatedReplicas", s.UpdatedReplicas}, {"readyReplicas", s.ReadyReplicas},
		{"availableReplicas", s.AvailableReplicas}, {"unavailableReplicas", s.UnavailableReplicas},
	})
	errs = append(errs, apivalidation.ValidateNonnegativeField(s.ObservedGeneration, path.Child("observedGeneration"))...)
	if s.CollisionCount != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(*s.CollisionCount), path.Child("collisionCount"))...)
	}
	return errs
}

var deploymentColumns = append([]metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
	{Name: "Up-to-date", Type: "integer", Description: "Total number of non-terminated pods targeted by this deployment that have the desired template spec."},
	{Name: "Available", Type: "integer", Description: "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."},
	ageColumn,
}, append(wideContainerColumns, selectorColumn)...)

func deploymentRow(d *appsv1.Deployment) []any {
	names, images := containerCells(d.Spec.Template.Spec.Containers)
	return []any{
		d.Name,
		fmt.Sprintf("%d/%d", d.Status.ReadyReplicas, deref32(d.Spec.Replicas, 0)),
		int64(d.Status.UpdatedReplicas),
		int64(d.Status.AvailableReplicas),
		age(d.CreationTimestamp),
		names, images, selectorString(d.Spec.Selector),
	}
}
