package core

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func limitRangeKind() *api.Kind {
	return api.Def[*corev1.LimitRange, *corev1.LimitRangeList]{
		Version: coreVersion, Kind: "LimitRange",
		Resource: "limitranges", Singular: "limitrange", Namespaced: true,
		ShortNames: []string{"limits"},
		New:        func() *corev1.LimitRange { return &corev1.LimitRange{} },
		NewList:    func() *corev1.LimitRangeList { return &corev1.LimitRangeList{} },
		Validate:   validateLimitRange,
		ValidateUpdate: func(lr, old *corev1.LimitRange) field.ErrorList {
			return append(validateMetaUpdate(lr, old), validateLimitRange(lr)...)
		},
		Columns: []metav1.TableColumnDefinition{
			nameColumn,
			{Name: "Created At", Type: "date", Description: ageColumn.Description},
		},
		Row: func(lr *corev1.LimitRange) []any {
			created := ""
			if !lr.CreationTimestamp.IsZero() {
				created = lr.CreationTimestamp.UTC().Format(time.RFC3339)
			}
			return []any{lr.Name, created}
		},
	}.Build()
}

var limitTypes = []string{"Container", "PersistentVolumeClaim", "Pod"}

func validateLimitRange(lr *corev1.LimitRange) field.ErrorList {
	errs := validateMeta(lr, true, apivalidation.NameIsDNSSubdomain)
	for i, item := range lr.Spec.Limits {
		errs = append(errs, validateLimitRangeItem(item, field.NewPath("spec", "limits").Index(i))...)
	}
	return errs
}

func validateLimitRangeItem(item corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch item.Type {
	case corev1.LimitTypeContainer, corev1.LimitTypePersistentVolumeClaim:
	case corev1.LimitTypePod:
		if len(item.Default) > 0 {
			errs = append(errs, field.Forbidden(p.Child("default"), "may not be specified when `type` is 'Pod'"))
		}
		if len(item.DefaultRequest) > 0 {
			errs = append(errs, field.Forbidden(p.Child("defaultRequest"), "may not be specified when `type` is 'Pod'"))
		}
	case "":
		errs = append(errs, field.Required(p.Child("type"), ""))
	default:
		errs = append(errs, field.NotSupported(p.Child("type"), item.Type, limitTypes))
	}
	for _, part := range []struct {
		name string
		list corev1.ResourceList
	}{{"max", item.Max}, {"min", item.Min}, {"default", item.Default}, {"defaultRequest", item.DefaultRequest}} {
		for name, q := range part.list {
			if q.Sign() < 0 {
				errs = append(errs, field.Invalid(p.Child(part.name).Key(string(name)), q.String(), "must be greater than or equal to 0"))
			}
		}
	}
	return append(errs, validateLimitOrder(item, p)...)
}

// validateLimitOrder requires min <= defaultRequest <= default <= max for
// each resource, with Kubernetes' messages.
func validateLimitOrder(item corev1.LimitRangeItem, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := map[corev1.ResourceName]bool{}
	for _, l := range []corev1.ResourceList{item.Max, item.Min, item.Default, item.DefaultRequest, item.MaxLimitRequestRatio} {
		for k := range l {
			names[k] = true
		}
	}
	// check reports at the path of the low value when atLow, else of the high one.
	check := func(lowList, highList corev1.ResourceList, k corev1.ResourceName, at string, atLow bool, lowName, highName string) {
		low, okLow := lowList[k]
		high, okHigh := highList[k]
		if okLow && okHigh && low.Cmp(high) > 0 {
			v := pick(atLow, low, high)
			errs = append(errs, field.Invalid(p.Child(at).Key(string(k)), v.String(),
				fmt.Sprintf("%s value %s is greater than %s value %s", lowName, low.String(), highName, high.String())))
		}
	}
	for _, k := range sortedKeys(toStringSet(names)) {
		rn := corev1.ResourceName(k)
		check(item.Min, item.Max, rn, "min", true, "min", "max")
		check(item.Min, item.DefaultRequest, rn, "defaultRequest", false, "min", "default request")
		check(item.DefaultRequest, item.Max, rn, "defaultRequest", true, "default request", "max")
		check(item.DefaultRequest, item.Default, rn, "defaultRequest", true, "default request", "default limit")
		check(item.Min, item.Default, rn, "default", false, "min", "default")
		check(item.Default, item.Max, rn, "default", true, "default", "max")
		if r, ok := item.MaxLimitRequestRatio[rn]; ok && r.Cmp(resource.MustParse("1")) < 0 {
			errs = append(errs, field.Invalid(p.Child("maxLimitRequestRatio").Key(k), r.String(), fmt.Sprintf("ratio %s is less than 1", r.String())))
		}
	}
	return errs
}

func pick(first bool, a, b resource.Quantity) resource.Quantity {
	if first {
		return a
	}
	return b
}

func toStringSet(m map[corev1.ResourceName]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[string(k)] = true
	}
	return out
}
