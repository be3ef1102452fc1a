// Package scheduling describes the scheduling.k8s.io/v1 kinds.
package scheduling

import (
	"fmt"
	"strings"
	"time"

	corev1 "k8s.io/api/core/v1"
	schedulingv1 "k8s.io/api/scheduling/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

// Priority values Kubernetes reserves: users may go up to
// HighestUserDefinablePriority; the system classes sit above it.
const (
	HighestUserDefinablePriority = int32(1000000000)
	SystemCriticalPriority       = 2 * HighestUserDefinablePriority
	systemPrefix                 = "system-"
)

// systemClasses are the only names allowed to carry the system- prefix, with
// the value each must have.
var systemClasses = map[string]int32{
	"system-node-critical":    SystemCriticalPriority + 1000,
	"system-cluster-critical": SystemCriticalPriority,
}

var supportedPreemptionPolicies = []string{string(corev1.PreemptLowerPriority), string(corev1.PreemptNever)}

// Register adds PriorityClass to r.
func Register(r *api.Registry) {
	r.Add(api.Def[*schedulingv1.PriorityClass, *schedulingv1.PriorityClassList]{
		Group: "scheduling.k8s.io", Version: "v1", Kind: "PriorityClass",
		Resource: "priorityclasses", Singular: "priorityclass",
		ShortNames:     []string{"pc"},
		New:            func() *schedulingv1.PriorityClass { return &schedulingv1.PriorityClass{} },
		NewList:        func() *schedulingv1.PriorityClassList { return &schedulingv1.PriorityClassList{} },
		Default:        defaultPriorityClass,
		Validate:       validatePriorityClass,
		ValidateUpdate: validatePriorityClassUpdate,
		Columns:        columns,
		Row:            row,
	}.Build())
}

func defaultPriorityClass(pc *schedulingv1.PriorityClass) {
	if pc.PreemptionPolicy == nil {
		p := corev1.PreemptLowerPriority
		pc.PreemptionPolicy = &p
	}
}

func validatePriorityClass(pc *schedulingv1.PriorityClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(pc, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	if strings.HasPrefix(pc.Name, systemPrefix) {
		if err := checkSystemClass(pc); err != nil {
			allErrs = append(allErrs, field.Forbidden(field.NewPath("metadata", "name"),
				"priority class names with '"+systemPrefix+"' prefix are reserved for system use only. error: "+err.Error()))
		}
	} else if pc.Value > HighestUserDefinablePriority {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("value"),
			fmt.Sprintf("maximum allowed value of a user defined priority is %v", HighestUserDefinablePriority)))
	}
	if pc.PreemptionPolicy != nil {
		allErrs = append(allErrs, validatePreemptionPolicy(*pc.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
	}
	return allErrs
}

// checkSystemClass says why a system- class is not one of the known ones.
func checkSystemClass(pc *schedulingv1.PriorityClass) error {
	value, known := systemClasses[pc.Name]
	switch {
	case !known:
		return fmt.Errorf("%v is not a known system priority class", pc.Name)
	case pc.Value != value:
		return fmt.Errorf("value of %v PriorityClass must be %v", pc.Name, value)
	case pc.GlobalDefault:
		return fmt.Errorf("globalDefault of %v PriorityClass must be false", pc.Name)
	}
	return nil
}

func validatePreemptionPolicy(p corev1.PreemptionPolicy, fldPath *field.Path) field.ErrorList {
	switch p {
	case corev1.PreemptLowerPriority, corev1.PreemptNever:
		return nil
	case "":
		return field.ErrorList{field.Required(fldPath, "")}
	default:
		return field.ErrorList{field.NotSupported(fldPath, p, supportedPreemptionPolicies)}
	}
}

// validatePriorityClassUpdate refuses value and preemptionPolicy changes:
// pods copied them at admission, so a change would make pods disagree.
func validatePriorityClassUpdate(pc, old *schedulingv1.PriorityClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(pc, old, field.NewPath("metadata"))
	if pc.Value != old.Value {
		allErrs = append(allErrs, field.Forbidden(field.NewPath("value"), "may not be changed in an update."))
	}
	allErrs = append(allErrs, apimachineryvalidation.ValidateImmutableField(pc.PreemptionPolicy, old.PreemptionPolicy, field.NewPath("preemptionPolicy"))...)
	return allErrs
}

var (
	objectMetaDoc = metav1.ObjectMeta{}.SwaggerDoc()
	classDoc      = schedulingv1.PriorityClass{}.SwaggerDoc()
	columns       = []metav1.TableColumnDefinition{
		{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]},
		{Name: "Value", Type: "integer", Description: classDoc["value"]},
		{Name: "Global-Default", Type: "boolean", Description: classDoc["globalDefault"]},
		{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]},
		{Name: "PreemptionPolicy", Type: "string", Description: classDoc["preemptionPolicy"]},
	}
)

func row(pc *schedulingv1.PriorityClass) []any {
	policy := ""
	if pc.PreemptionPolicy != nil {
		policy = string(*pc.PreemptionPolicy)
	}
	return []any{pc.Name, int64(pc.Value), pc.GlobalDefault, age(pc.CreationTimestamp), policy}
}

// age is kubectl's AGE cell: "<unknown>" for an unset timestamp.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
