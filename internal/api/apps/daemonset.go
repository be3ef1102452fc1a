package apps

import (
	appsv1 "k8s.io/api/apps/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func daemonSetKind() *api.Kind {
	return api.Def[*appsv1.DaemonSet, *appsv1.DaemonSetList]{
		Group: "apps", Version: "v1", Kind: "DaemonSet",
		Resource: "daemonsets", Singular: "daemonset", Namespaced: true,
		ShortNames:     []string{"ds"},
		Categories:     []string{"all"},
		Subresources:   []string{"status"},
		New:            func() *appsv1.DaemonSet { return &appsv1.DaemonSet{} },
		NewList:        func() *appsv1.DaemonSetList { return &appsv1.DaemonSetList{} },
		Default:        defaultDaemonSet,
		Validate:       validateDaemonSet,
		ValidateUpdate: validateDaemonSetUpdate,
		Columns:        daemonSetColumns,
		Row:            daemonSetRow,
	}.Build()
}

func defaultDaemonSet(ds *appsv1.DaemonSet) {
	us := &ds.Spec.UpdateStrategy
	if us.Type == "" {
		us.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if us.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if us.RollingUpdate == nil {
			us.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if us.RollingUpdate.MaxUnavailable == nil {
			us.RollingUpdate.MaxUnavailable = ptr(intstr.FromInt32(1))
		}
		if us.RollingUpdate.MaxSurge == nil {
			us.RollingUpdate.MaxSurge = ptr(intstr.FromInt32(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptr(int32(10))
	}
	podspec.DefaultPodTemplateSpec(&ds.Spec.Template)
}

func validateDaemonSet(ds *appsv1.DaemonSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(ds, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validateDaemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
}

func validateDaemonSetUpdate(ds, old *appsv1.DaemonSet) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(ds, old, field.NewPath("metadata"))
	errs = append(errs, validateDaemonSetSpec(&ds.Spec, field.NewPath("spec"))...)
	errs = append(errs, immutable(ds.Spec.Selector, old.Spec.Selector, field.NewPath("spec", "selector"))...)
	return append(errs, validateDaemonSetStatus(&ds.Status, field.NewPath("status"))...)
}

func validateDaemonSetSpec(s *appsv1.DaemonSetSpec, path *field.Path) field.ErrorList {
	errs := validateSelector(s.Selector, "daemonset", path.Child("selector"))
	errs = append(errs, validateWorkloadTemplate(&s.Template, s.Selector, "DaemonSet", path.Child("template"))...)
	errs = append(errs, apivalidation.ValidateNonnegativeField(int64(s.MinReadySeconds), path.Child("minReadySeconds"))...)
	errs = append(errs, nonNegative32(s.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	return append(errs, validateDaemonSetUpdateStrategy(&s.UpdateStrategy, path.Child("updateStrategy"))...)
}

func validateDaemonSetUpdateStrategy(us *appsv1.DaemonSetUpdateStrategy, path *field.Path) field.ErrorList {
	switch us.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
		return nil
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if us.RollingUpdate == nil {
			return field.ErrorList{field.Required(path.Child("rollingUpdate"), "")}
		}
		return validateRollingUpdateDaemonSet(us.RollingUpdate, path.Child("rollingUpdate"))
	}
	return field.ErrorList{field.NotSupported(path.Child("type"), us.Type, []string{
		string(appsv1.OnDeleteDaemonSetStrategyType), string(appsv1.RollingUpdateDaemonSetStrategyType)})}
}

// validateRollingUpdateDaemonSet: exactly one of maxUnavailable and maxSurge
// is non-zero, since a node either drops its pod first or surges a new one.
func validateRollingUpdateDaemonSet(ru *appsv1.RollingUpdateDaemonSet, path *field.Path) field.ErrorList {
	unavailPath, surgePath := path.Child("maxUnavailable"), path.Child("maxSurge")
	errs := validateIntOrPercent(ru.MaxUnavailable, unavailPath)
	errs = append(errs, validateIntOrPercent(ru.MaxSurge, surgePath)...)
	hasUnavailable := intOrPercentValue(ru.MaxUnavailable) != 0
	hasSurge := intOrPercentValue(ru.MaxSurge) != 0
	switch {
	case hasUnavailable && hasSurge:
		errs = append(errs, field.Invalid(surgePath, ru.MaxSurge, "may not be set when maxUnavailable is non-zero"))
	case !hasUnavailable && !hasSurge:
		errs = append(errs, field.Invalid(unavailPath, ru.MaxUnavailable, "cannot be 0 when maxSurge is 0"))
	}
	errs = append(errs, notMoreThan100Percent(ru.MaxUnavailable, unavailPath)...)
	return append(errs, notMoreThan100Percent(ru.MaxSurge, surgePath)...)
}

func validateDaemonSetStatus(s *appsv1.DaemonSetStatus, path *field.Path) field.ErrorList {
	errs := nonNegativeCounts(path, []count{
		{"currentNumberScheduled", s.CurrentNumberScheduled}, {"numberMisscheduled", s.NumberMisscheduled},
		{"desiredNumberScheduled", s.DesiredNumberScheduled}, {"numberReady", s.NumberReady},
		{"updatedNumberScheduled", s.UpdatedNumberScheduled}, {"numberAvailable", s.NumberAvailable},
		{"numberUnavailable", s.NumberUnavailable},
	})
	return append(errs, apivalidation.ValidateNonnegativeField(s.ObservedGeneration, path.Child("observedGeneration"))...)
}

var daemonSetColumns = append([]metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Desired", Type: "integer", Description: "The total number of nodes that should be running the daemon pod."},
	{Name: "Current", Type: "integer", Description: "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."},
	{Name: "Ready", Type: "integer", Description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and ready."},
	{Name: "Up-to-date", Type: "integer", Description: "The total number of nodes that are running updated daemon pod"},
	{Name: "Available", Type: "integer", Description: "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"},
	{Name: "Node Selector", Type: "string", Description: "NodeSelector is a selector which must be true for the pod to fit on a node."},
	ageColumn,
}, append(wideContainerColumns, selectorColumn)...)

func daemonSetRow(ds *appsv1.DaemonSet) []any {
	names, images := containerCells(ds.Spec.Template.Spec.Containers)
	// FormatLabels prints sorted k=v pairs, or <none>.
	nodeSelector := labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector)
	st := ds.Status
	return []any{
		ds.Name,
		int64(st.DesiredNumberScheduled), int64(st.CurrentNumberScheduled), int64(st.NumberReady),
		int64(st.UpdatedNumberScheduled), int64(st.NumberAvailable),
		nodeSelector,
		age(ds.CreationTimestamp),
		names, images, metav1.FormatLabelSelector(ds.Spec.Selector),
	}
}
