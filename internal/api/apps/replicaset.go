package apps

import (
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func replicaSetKind() *api.Kind {
	return api.Def[*appsv1.ReplicaSet, *appsv1.ReplicaSetList]{
		Group: "apps", Version: "v1", Kind: "ReplicaSet",
		Resource: "replicasets", Singular: "replicaset", Namespaced: true,
		ShortNames:     []string{"rs"},
		Categories:     []string{"all"},
		Subresources:   []string{"status", "scale"},
		New:            func() *appsv1.ReplicaSet { return &appsv1.ReplicaSet{} },
		NewList:        func() *appsv1.ReplicaSetList { return &appsv1.ReplicaSetList{} },
		Default:        defaultReplicaSet,
		Validate:       validateReplicaSet,
		ValidateUpdate: validateReplicaSetUpdate,
		Columns:        replicaSetColumns,
		Row:            replicaSetRow,
		Fields: func(rs *appsv1.ReplicaSet) fields.Set {
			return fields.Set{"status.replicas": strconv.Itoa(int(rs.Status.Replicas))}
		},
	}.Build()
}

func defaultReplicaSet(rs *appsv1.ReplicaSet) {
	if rs.Spec.Replicas == nil {
		rs.Spec.Replicas = ptr(int32(1))
	}
	podspec.DefaultPodTemplateSpec(&rs.Spec.Template)
}

func validateReplicaSet(rs *appsv1.ReplicaSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(rs, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateReplicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
}

func validateReplicaSetUpdate(rs, old *appsv1.ReplicaSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(rs, old, field.NewPath("metadata"))
	errs = append(errs, validateReplicaSetSpec(&rs.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(rs.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return append(errs, validateReplicaSetStatus(&rs.Status, field.NewPath("status"))...)
}

func validateReplicaSetSpec(s *appsv1.ReplicaSetSpec, path *field.Path) field.ErrorList {
	errs := nonNegative32(s.Replicas, path.Child("replicas"))
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(s.MinReadySeconds), path.Child("minReadySeconds"))...)
	// Kubernetes says "deployment" here too; kept for identical messages.
	errs = append(errs, validateSelector(s.Selector, "deployment", path.Child("selector"))...)
	return append(errs, validateWorkloadTemplate(&s.Template, s.Selector, "ReplicaSet", path.Child("template"))...)
}

func validateReplicaSetStatus(s *appsv1.ReplicaSetStatus, path *field.Path) field.ErrorList {
	errs := nonNegativeCounts(path, []count{
		{"replicas", s.Replicas}, {"fullyLabeledReplicas", s.FullyLabeledReplicas},
		{"readyReplicas", s.ReadyReplicas}, {"availableReplicas", s.AvailableReplicas},
	})
	errs = append(errs, apivalidation.ValidateNonnegativeField(s.ObservedGeneration, path.Child("observedGeneration"))...)
	msg := "cannot be greater than status.replicas"
	if s.FullyLabeledReplicas > s.Replicas {
		errs = append(errs, field.Invalid(path.Child("fullyLabeledReplicas"), s.FullyLabeledReplicas, msg))
	}
	if s.ReadyReplicas > s.Replicas {
		errs = append(errs, field.Invalid(path.Child("readyReplicas"), s.ReadyReplicas, msg))
	}
	if s.AvailableReplicas > s.Replicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), s.AvailableReplicas, msg))
	}
	if s.AvailableReplicas > s.ReadyReplicas {
		errs = append(errs, field.Invalid(path.Child("availableReplicas"), s.AvailableReplicas, "cannot be greater than readyReplicas"))
	}
	return errs
}

var replicaSetColumns = append([]metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Desired", Type: "integer", Description: "Replicas is the number of desired replicas."},
	{Name: "Current", Type: "integer", Description: "Replicas is the most recently observed number of replicas."},
	{Name: "Ready", Type: "integer", Description: "The number of ready replicas for this replica set."},
	ageColumn,
}, append(wideContainerColumns, selectorColumn)...)

func replicaSetRow(rs *appsv1.ReplicaSet) []any {
	names, images := containerCells(rs.Spec.Template.Spec.Containers)
	return []any{
		rs.Name,
		int64(deref32(rs.Spec.Replicas, 0)),
		int64(rs.Status.Replicas),
		int64(rs.Status.ReadyReplicas),
		age(rs.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(rs.Spec.Selector),
	}
}
