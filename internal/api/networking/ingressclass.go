package networking

import (
	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// maxControllerLen is the longest spec.controller Kubernetes accepts.
const maxControllerLen = 250

var supportedParameterScopes = []string{
	networkingv1.IngressClassParametersReferenceScopeCluster,
	networkingv1.IngressClassParametersReferenceScopeNamespace,
}

// defaultIngressClass makes parameters cluster-scoped unless said otherwise,
// as the parameters field predates the scope field.
func defaultIngressClass(ic *networkingv1.IngressClass) {
	if p := ic.Spec.Parameters; p != nil && p.Scope == nil {
		scope := networkingv1.IngressClassParametersReferenceScopeCluster
		p.Scope = &scope
	}
}

func validateIngressClass(ic *networkingv1.IngressClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(ic, false, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	return append(allErrs, validateIngressClassSpec(&ic.Spec, field.NewPath("spec"))...)
}

func validateIngressClassUpdate(ic, old *networkingv1.IngressClass) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(ic, old, field.NewPath("metadata"))
	allErrs = append(allErrs, apimachineryvalidation.ValidateImmutableField(ic.Spec.Controller, old.Spec.Controller, field.NewPath("spec", "controller"))...)
	return append(allErrs, validateIngressClass(ic)...)
}

func validateIngressClassSpec(spec *networkingv1.IngressClassSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(spec.Controller) > maxControllerLen {
		allErrs = append(allErrs, field.TooLong(fldPath.Child("controller"), spec.Controller, maxControllerLen))
	}
	allErrs = append(allErrs, validation.IsDomainPrefixedPath(fldPath.Child("controller"), spec.Controller)...)
	if spec.Parameters != nil {
		allErrs = append(allErrs, validateParameters(spec.Parameters, fldPath.Child("parameters"))...)
	}
	return allErrs
}

func validateParameters(p *networkingv1.IngressClassParametersReference, fldPath *field.Path) field.ErrorList {
	allErrs := validateTypedReference(p.APIGroup, p.Kind, p.Name, fldPath)
	if p.Scope == nil {
		return append(allErrs, field.Required(fldPath.Child("scope"), ""))
	}
	switch *p.Scope {
	case networkingv1.IngressClassParametersReferenceScopeNamespace:
		if p.Namespace == nil {
			allErrs = append(allErrs, field.Required(fldPath.Child("namespace"), "`parameters.scope` is set to 'Namespace'"))
			break
		}
		for _, msg := range apimachineryvalidation.ValidateNamespaceName(*p.Namespace, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("namespace"), *p.Namespace, msg))
		}
	case networkingv1.IngressClassParametersReferenceScopeCluster:
		if p.Namespace != nil {
			allErrs = append(allErrs, field.Forbidden(fldPath.Child("namespace"), "`parameters.scope` is set to 'Cluster'"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("scope"), *p.Scope, supportedParameterScopes))
	}
	return allErrs
}
