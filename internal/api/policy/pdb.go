package policy

import (
	"strconv"
	"strings"
	"time"

	policyv1 "k8s.io/api/policy/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/duration"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func pdbKind() *api.Kind {
	return api.Def[*policyv1.PodDisruptionBudget, *policyv1.PodDisruptionBudgetList]{
		Group: "policy", Version: "v1", Kind: "PodDisruptionBudget",
		Resource: "poddisruptionbudgets", Singular: "poddisruptionbudget", Namespaced: true,
		ShortNames:     []string{"pdb"},
		Subresources:   []string{"status"},
		New:            func() *policyv1.PodDisruptionBudget { return &policyv1.PodDisruptionBudget{} },
		NewList:        func() *policyv1.PodDisruptionBudgetList { return &policyv1.PodDisruptionBudgetList{} },
		Validate:       validatePDB,
		ValidateUpdate: validatePDBUpdate,
		Columns:        pdbColumns,
		Row:            pdbRow,
	}.Build()
}

func validatePDB(p *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessor(p, true, apivalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(errs, validatePDBSpec(&p.Spec, field.NewPath("spec"))...)
}

// validatePDBUpdate: policy/v1 lets every spec field change.
func validatePDBUpdate(p, old *policyv1.PodDisruptionBudget) field.ErrorList {
	errs := apivalidation.ValidateObjectMetaAccessorUpdate(p, old, field.NewPath("metadata"))
	errs = append(errs, validatePDBSpec(&p.Spec, field.NewPath("spec"))...)
	return append(errs, validatePDBStatus(&p.Status, field.NewPath("status"))...)
}

func validatePDBSpec(s *policyv1.PodDisruptionBudgetSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.MinAvailable != nil && s.MaxUnavailable != nil {
		errs = append(errs, field.Invalid(path, s, "minAvailable and maxUnavailable cannot be both set"))
	}
	errs = append(errs, validateIntOrPercent(s.MinAvailable, path.Child("minAvailable"))...)
	errs = append(errs, validateIntOrPercent(s.MaxUnavailable, path.Child("maxUnavailable"))...)
	errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector,
		metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
	if p := s.UnhealthyPodEvictionPolicy; p != nil &&
		*p != policyv1.IfHealthyBudget && *p != policyv1.AlwaysAllow {
		errs = append(errs, field.NotSupported(path.Child("unhealthyPodEvictionPolicy"), *p,
			[]string{string(policyv1.AlwaysAllow), string(policyv1.IfHealthyBudget)}))
	}
	return errs
}

// validateIntOrPercent checks an optional count: a non-negative integer or
// a percentage from 0% to 100%.
func validateIntOrPercent(v *intstr.IntOrString, path *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	switch v.Type {
	case intstr.Int:
		return apivalidation.ValidateNonnegativeField(int64(v.IntVal), path)
	case intstr.String:
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(path, v, msg))
		}
		if n, err := strconv.Atoi(strings.TrimSuffix(v.StrVal, "%")); err == nil && n > 100 {
			errs = append(errs, field.Invalid(path, v, "must not be greater than 100%"))
		}
		return errs
	}
	return field.ErrorList{field.Invalid(path, v, "must be an integer or percentage (e.g '5%')")}
}

func validatePDBStatus(s *policyv1.PodDisruptionBudgetStatus, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	for _, c := range []struct {
		name  string
		value int32
	}{
		{"disruptionsAllowed", s.DisruptionsAllowed}, {"currentHealthy", s.CurrentHealthy},
		{"desiredHealthy", s.DesiredHealthy}, {"expectedPods", s.ExpectedPods},
	} {
		errs = append(errs, apivalidation.ValidateNonnegativeField(int64(c.value), path.Child(c.name))...)
	}
	return append(errs, metav1validation.ValidateConditions(s.Conditions, path.Child("conditions"))...)
}

var pdbColumns = []metav1.TableColumnDefinition{
	{Name: "Name", Type: "string", Format: "name", Description: "Name must be unique within a namespace."},
	{Name: "Min Available", Type: "string", Description: "An eviction is allowed if at least \"minAvailable\" pods selected by \"selector\" will still be available after the eviction, i.e. even in the absence of the evicted pod."},
	{Name: "Max Unavailable", Type: "string", Description: "An eviction is allowed if at most \"maxUnavailable\" pods selected by \"selector\" are unavailable after the eviction, i.e. even in absence of the evicted pod."},
	{Name: "Allowed Disruptions", Type: "integer", Description: "Number of pod disruptions that are currently allowed."},
	{Name: "Age", Type: "string", Description: "CreationTimestamp is a timestamp representing the server time when this object was created."},
}

func pdbRow(p *policyv1.PodDisruptionBudget) []any {
	age := "<unknown>"
	if !p.CreationTimestamp.IsZero() {
		age = duration.HumanDuration(time.Since(p.CreationTimestamp.Time))
	}
	return []any{
		p.Name, countCell(p.Spec.MinAvailable), countCell(p.Spec.MaxUnavailable),
		int64(p.Status.DisruptionsAllowed), age,
	}
}

// countCell prints an optional int-or-percent, N/A when unset.
func countCell(v *intstr.IntOrString) string {
	if v == nil {
		return "N/A"
	}
	return v.String()
}
