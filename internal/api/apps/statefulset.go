package apps

import (
	"fmt"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func statefulSetKind() *api.Kind {
	return api.Def[*appsv1.StatefulSet, *appsv1.StatefulSetList]{
		Group: "apps", Version: "v1", Kind: "StatefulSet",
		Resource: "statefulsets", Singular: "statefulset", Namespaced: true,
		ShortNames:     []string{"sts"},
		Categories:     []string{"all"},
		Subresources:   []string{"status", "scale"},
		New:            func() *appsv1.StatefulSet { return &appsv1.StatefulSet{} },
		NewList:        func() *appsv1.StatefulSetList { return &appsv1.StatefulSetList{} },
		Default:        defaultStatefulSet,
		Validate:       validateStatefulSet,
		ValidateUpdate: validateStatefulSetUpdate,
		Columns:        statefulSetColumns,
		Row:            statefulSetRow,
	}.Build()
}

func defaultStatefulSet(s *appsv1.StatefulSet) {
	if s.Spec.PodManagementPolicy == "" {
		s.Spec.PodManagementPolicy = appsv1.OrderedReadyPodManagement
	}
	us := &s.Spec.UpdateStrategy
	if us.Type == "" {
		us.Type = appsv1.RollingUpdateStatefulSetStrategyType
		if us.RollingUpdate == nil {
			us.RollingUpdate = &appsv1.RollingUpdateStatefulSetStrategy{}
		}
	}
	if us.Type == appsv1.RollingUpdateStatefulSetStrategyType && us.RollingUpdate != nil && us.RollingUpdate.Partition == nil {
		us.RollingUpdate.Partition = ptr(int32(0))
	}
	if s.Spec.PersistentVolumeClaimRetentionPolicy == nil {
		s.Spec.PersistentVolumeClaimRetentionPolicy = &appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy{}
	}
	rp := s.Spec.PersistentVolumeClaimRetentionPolicy
	if rp.WhenDeleted == "" {
		rp.WhenDeleted = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if rp.WhenScaled == "" {
		rp.WhenScaled = appsv1.RetainPersistentVolumeClaimRetentionPolicyType
	}
	if s.Spec.Replicas == nil {
		s.Spec.Replicas = ptr(int32(1))
	}
	if s.Spec.RevisionHistoryLimit == nil {
		s.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	podspec.DefaultPodTemplateSpec(&s.Spec.Template)
}

func validateStatefulSet(s *appsv1.StatefulSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(s, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateStatefulSetSpec(&s.Spec, field.NewPath("spec"))...)
}

// statefulSetMutableMsg is Kubernetes' wording, which tools match on.
const statefulSetMutableMsg = "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', " +
	"'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"

func validateStatefulSetUpdate(s, old *appsv1.StatefulSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(s, old, field.NewPath("metadata"))
	errs = append(errs, validateStatefulSetSpec(&s.Spec, field.NewPath("spec"))...)
	// Compare the specs with the mutable fields taken from the old one.
	changed := s.Spec.DeepCopy()
	changed.Replicas = old.Spec.Replicas
	changed.Ordinals = old.Spec.Ordinals
	changed.Template = old.Spec.Template
	changed.UpdateStrategy = old.Spec.UpdateStrategy
	changed.PersistentVolumeClaimRetentionPolicy = old.Spec.PersistentVolumeClaimRetentionPolicy
	changed.MinReadySeconds = old.Spec.MinReadySeconds
	if !apiequality.Semantic.DeepEqual(*changed, old.Spec) {
		errs = append(errs, field.Forbidden(field.NewPath("spec"), statefulSetMutableMsg))
	}
	return append(errs, validateStatefulSetStatus(&s.Status, field.NewPath("status"))...)
}

func validateStatefulSetSpec(s *appsv1.StatefulSetSpec, path *field.Path) field.ErrorList {
	errs := validatePodManagementPolicy(s.PodManagementPolicy, path.Child("podManagementPolicy"))
	errs = append(errs, validateStatefulSetUpdateStrategy(&s.UpdateStrategy, path.Child("updateStrategy"))...)
	errs = append(errs, validateRetentionPolicy(s.PersistentVolumeClaimRetentionPolicy, path.Child("persistentVolumeClaimRetentionPolicy"))...)
	errs = append(errs, nonNegative32(s.Replicas, path.Child("replicas"))...)
	if s.Ordinals != nil {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(s.Ordinals.Start), path.Child("ordinals", "start"))...)
	}
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(s.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, nonNegative32(s.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	errs = append(errs, validateSelector(s.Selector, "statefulset", path.Child("selector"))...)
	errs = append(errs, validateWorkloadTemplate(&s.Template, s.Selector, "StatefulSet", path.Child("template"))...)
	return append(errs, validateClaimTemplates(s.VolumeClaimTemplates, path.Child("volumeClaimTemplates"))...)
}

func validatePodManagementPolicy(p appsv1.PodManagementPolicyType, path *field.Path) field.ErrorList {
	switch p {
	case appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement:
		return nil
	case "":
		return field.ErrorList{field.Required(path, "")}
	}
	return field.ErrorList{field.Invalid(path, p, fmt.Sprintf("must be '%s' or '%s'",
		appsv1.OrderedReadyPodManagement, appsv1.ParallelPodManagement))}
}

func validateStatefulSetUpdateStrategy(us *appsv1.StatefulSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch us.Type {
	case "":
		return field.ErrorList{field.Required(path, "")}
	case appsv1.OnDeleteStatefulSetStrategyType:
		if us.RollingUpdate != nil {
			return field.ErrorList{field.Invalid(path.Child("rollingUpdate"), us.RollingUpdate,
				fmt.Sprintf("only allowed for updateStrategy '%s'", appsv1.RollingUpdateStatefulSetStrategyType))}
		}
		return nil
	case appsv1.RollingUpdateStatefulSetStrategyType:
		if us.RollingUpdate == nil {
			return nil
		}
		return validateStatefulSetRollingUpdate(us.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.Invalid(path, us, fmt.Sprintf("must be '%s' or '%s'",
		appsv1.RollingUpdateStatefulSetStrategyType, appsv1.OnDeleteStatefulSetStrategyType))}
}

func validateStatefulSetRollingUpdate(ru *appsv1.RollingUpdateStatefulSetStrategy, path *field.Path) field.ErrorList {
	errs := nonNegative32(ru.Partition, path.Child("partition"))
	if ru.MaxUnavailable != nil {
		p := path.Child("maxUnavailable")
		errs = append(errs, validateIntOrPercent(ru.MaxUnavailable, p)...)
		if intOrPercentValue(ru.MaxUnavailable) == 0 {
			errs = append(errs, field.Invalid(p, ru.MaxUnavailable, "must be greater than 0"))
		}
		errs = append(errs, notMoreThan100Percent(ru.MaxUnavailable, p)...)
	}
	return errs
}

func validateRetentionPolicy(p *appsv1.StatefulSetPersistentVolumeClaimRetentionPolicy, path *field.Path) field.ErrorList {
	if p == nil {
		return nil
	}
	supported := []string{
		string(appsv1.RetainPersistentVolumeClaimRetentionPolicyType),
		string(appsv1.DeletePersistentVolumeClaimRetentionPolicyType),
	}
	var errs field.ErrorList
	for name, v := range [2]appsv1.PersistentVolumeClaimRetentionPolicyType{p.WhenDeleted, p.WhenScaled} {
		if v != appsv1.RetainPersistentVolumeClaimRetentionPolicyType && v != appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
			errs = append(errs, field.NotSupported(path.Child([]string{"whenDeleted", "whenScaled"}[name]), v, supported))
		}
	}
	return errs
}

// validateClaimTemplates checks what the StatefulSet controller relies on:
// every claim template has a valid, unique name (it becomes part of the
// PVC names). The claim spec itself is checked when the PVC is created.
func validateClaimTemplates(ts []corev1.PersistentVolumeClaim, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	seen := map[string]bool{}
	for i := range ts {
		p := path.Index(i).Child("metadata", "name")
		name := ts[i].Name
		if name == "" {
			errs = append(errs, field.Required(p, ""))
			continue
		}
		for _, msg := range apivalidation.NameIsDNSSubdomain(name, false) {
			errs = append(errs, field.Invalid(p, name, msg))
		}
		if seen[name] {
			errs = append(errs, field.Duplicate(p, name))
		}
		seen[name] = true
	}
	return errs
}

func validateStatefulSetStatus(s *appsv1.StatefulSetStatus, path *field.Path) field.ErrorList {
	errs := nonNegativeCounts(path, []count{
		{"replicas", s.Replicas}, {"readyReplicas", s.ReadyReplicas}, {"currentReplicas", s.CurrentReplicas},
		{"updatedReplicas", s.UpdatedReplicas}, {"availableReplicas", s.AvailableReplicas},
	})
	return append(errs, apivalidation.ValidateNonnegativeField(s.ObservedGeneration, path.Child("observedGeneration"))...)
}

var statefulSetColumns = append([]metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Ready", Type: "string", Description: "Number of the pod with ready state"},
	ageColumn,
}, wideContainerColumns...)

func statefulSetRow(s *appsv1.StatefulSet) []any {
	names, images := containerCells(s.Spec.Template.Spec.Containers)
	return []any{
		s.Name,
		fmt.Sprintf("%d/%d", s.Status.ReadyReplicas, deref32(s.Spec.Replicas, 0)),
		age(s.CreationTimestamp),
		names, images,
	}
}
