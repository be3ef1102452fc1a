package rbac

import (
	rbacv1 "k8s.io/api/rbac/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateName is the RBAC name rule: names only have to be usable as one
// URL path segment (so "system:controller:foo" is fine).
func validateName(name string, prefix bool) []string {
	return path.ValidatePathSegmentName(name, prefix)
}

func validateRole(role *rbacv1.Role) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(role, true, validateName, field.NewPath("metadata"))
	return append(allErrs, validateRules(role.Rules, true)...)
}

func validateRoleUpdate(role, old *rbacv1.Role) field.ErrorList {
	allErrs := validateRole(role)
	return append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(role, old, field.NewPath("metadata"))...)
}

func validateClusterRole(role *rbacv1.ClusterRole) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(role, false, validateName, field.NewPath("metadata"))
	allErrs = append(allErrs, validateRules(role.Rules, false)...)
	if role.AggregationRule != nil {
		allErrs = append(allErrs, validateAggregationRule(role.AggregationRule)...)
	}
	return allErrs
}

func validateClusterRoleUpdate(role, old *rbacv1.ClusterRole) field.ErrorList {
	allErrs := validateClusterRole(role)
	return append(allErrs, apimachineryvalidation.ValidateObjectMetaAccessorUpdate(role, old, field.NewPath("metadata"))...)
}

func validateAggregationRule(rule *rbacv1.AggregationRule) field.ErrorList {
	selPath := field.NewPath("aggregationRule", "clusterRoleSelectors")
	if len(rule.ClusterRoleSelectors) == 0 {
		return field.ErrorList{field.Required(selPath, "at least one clusterRoleSelector required if aggregationRule is non-nil")}
	}
	var allErrs field.ErrorList
	for i := range rule.ClusterRoleSelectors {
		sel := &rule.ClusterRoleSelectors[i]
		errs := metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, selPath.Index(i))
		allErrs = append(allErrs, errs...)
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil && len(errs) == 0 {
			allErrs = append(allErrs, field.Invalid(selPath.Index(i), sel, "invalid label selector."))
		}
	}
	return allErrs
}

func validateRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var allErrs field.ErrorList
	for i := range rules {
		allErrs = append(allErrs, validatePolicyRule(&rules[i], namespaced, field.NewPath("rules").Index(i))...)
	}
	return allErrs
}

// validatePolicyRule: a rule is either about resources (groups and
// resources needed) or about non-resource URLs, which only cluster roles
// can grant since URLs have no namespace.
func validatePolicyRule(rule *rbacv1.PolicyRule, namespaced bool, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(rule.Verbs) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("verbs"), "verbs must contain at least one value"))
	}
	if len(rule.NonResourceURLs) > 0 {
		urlPath := fldPath.Child("nonResourceURLs")
		if namespaced {
			allErrs = append(allErrs, field.Invalid(urlPath, rule.NonResourceURLs, "namespaced rules cannot apply to non-resource URLs"))
		}
		if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
			allErrs = append(allErrs, field.Invalid(urlPath, rule.NonResourceURLs, "rules cannot apply to both regular resources and non-resource URLs"))
		}
		return allErrs
	}
	if len(rule.APIGroups) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("apiGroups"), "resource rules must supply at least one api group"))
	}
	if len(rule.Resources) == 0 {
		allErrs = append(allErrs, field.Required(fldPath.Child("resources"), "resource rules must supply at least one resource"))
	}
	return allErrs
}
