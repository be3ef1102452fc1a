package networking

import (
	"fmt"
	"net"
	"strings"

	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Path fragments Kubernetes refuses in Exact and Prefix paths, because
// proxies normalise them differently and a rule could be bypassed.
var (
	invalidPathSequences = []string{"//", "/./", "/../", "%2f", "%2F"}
	invalidPathSuffixes  = []string{"/..", "/."}
	supportedPathTypes   = []string{
		string(networkingv1.PathTypeExact),
		string(networkingv1.PathTypeImplementationSpecific),
		string(networkingv1.PathTypePrefix),
	}
)

func validateIngress(ing *networkingv1.Ingress) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(ing, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateIngressSpec(&ing.Spec, field.NewPath("spec"))...)
	allErrs = append(allErrs, validateIngressLoadBalancer(&ing.Status.LoadBalancer, field.NewPath("status", "loadBalancer"))...)
	return allErrs
}

func validateIngressUpdate(ing, old *networkingv1.Ingress) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(ing, old, field.NewPath("metadata"))
	return append(allErrs, validateIngress(ing)...)
}

func validateIngressSpec(spec *networkingv1.IngressSpec, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if len(spec.Rules) == 0 && spec.DefaultBackend == nil {
		allErrs = append(allErrs, field.Invalid(fldPath, spec.Rules, "either `defaultBackend` or `rules` must be specified"))
	}
	if spec.DefaultBackend != nil {
		allErrs = append(allErrs, validateIngressBackend(spec.DefaultBackend, fldPath.Child("defaultBackend"))...)
	}
	for i := range spec.Rules {
		allErrs = append(allErrs, validateIngressRule(&spec.Rules[i], fldPath.Child("rules").Index(i))...)
	}
	for i := range spec.TLS {
		allErrs = append(allErrs, validateIngressTLS(&spec.TLS[i], fldPath.Child("tls").Index(i))...)
	}
	if spec.IngressClassName != nil {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*spec.IngressClassName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("ingressClassName"), *spec.IngressClassName, msg))
		}
	}
	return allErrs
}

func validateIngressRule(rule *networkingv1.IngressRule, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if rule.Host != "" {
		allErrs = append(allErrs, validateHost(rule.Host, fldPath.Child("host"), true)...)
	}
	if rule.HTTP == nil {
		return allErrs
	}
	httpPath := fldPath.Child("http")
	if len(rule.HTTP.Paths) == 0 {
		allErrs = append(allErrs, field.Required(httpPath.Child("paths"), ""))
	}
	for i := range rule.HTTP.Paths {
		allErrs = append(allErrs, validateHTTPPath(&rule.HTTP.Paths[i], httpPath.Child("paths").Index(i))...)
	}
	return allErrs
}

// validateHost checks a rule or TLS host: a DNS subdomain, possibly with a
// leading wildcard label; rules additionally refuse IP addresses.
func validateHost(host string, fldPath *field.Path, refuseIP bool) field.ErrorList {
	var allErrs field.ErrorList
	if refuseIP && net.ParseIP(host) != nil {
		allErrs = append(allErrs, field.Invalid(fldPath, host, "must be a DNS name, not an IP address"))
	}
	check := validation.IsDNS1123Subdomain
	if strings.Contains(host, "*") {
		check = validation.IsWildcardDNS1123Subdomain
	}
	for _, msg := range check(host) {
		allErrs = append(allErrs, field.Invalid(fldPath, host, msg))
	}
	return allErrs
}

func validateHTTPPath(p *networkingv1.HTTPIngressPath, fldPath *field.Path) field.ErrorList {
	if p.PathType == nil {
		return field.ErrorList{field.Required(fldPath.Child("pathType"), "pathType must be specified")}
	}
	var allErrs field.ErrorList
	switch *p.PathType {
	case networkingv1.PathTypeExact, networkingv1.PathTypePrefix:
		allErrs = append(allErrs, validateStrictPath(p.Path, fldPath.Child("path"))...)
	case networkingv1.PathTypeImplementationSpecific:
		if p.Path != "" && !strings.HasPrefix(p.Path, "/") {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("path"), p.Path, "must be an absolute path"))
		}
	default:
		allErrs = append(allErrs, field.NotSupported(fldPath.Child("pathType"), *p.PathType, supportedPathTypes))
	}
	return append(allErrs, validateIngressBackend(&p.Backend, fldPath.Child("backend"))...)
}

func validateStrictPath(p string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if !strings.HasPrefix(p, "/") {
		allErrs = append(allErrs, field.Invalid(fldPath, p, "must be an absolute path"))
	}
	for _, seq := range invalidPathSequences {
		if strings.Contains(p, seq) {
			allErrs = append(allErrs, field.Invalid(fldPath, p, fmt.Sprintf("must not contain '%s'", seq)))
		}
	}
	for _, suffix := range invalidPathSuffixes {
		if strings.HasSuffix(p, suffix) {
			allErrs = append(allErrs, field.Invalid(fldPath, p, fmt.Sprintf("cannot end with '%s'", suffix)))
		}
	}
	return allErrs
}

func validateIngressBackend(b *networkingv1.IngressBackend, fldPath *field.Path) field.ErrorList {
	switch {
	case b.Resource != nil && b.Service != nil:
		return field.ErrorList{field.Invalid(fldPath, "", "cannot set both resource and service backends")}
	case b.Resource != nil:
		return validateTypedReference(b.Resource.APIGroup, b.Resource.Kind, b.Resource.Name, fldPath.Child("resource"))
	case b.Service != nil:
		return validateServiceBackend(b.Service, fldPath)
	default:
		return field.ErrorList{field.Invalid(fldPath, "", "resource or service backend is required")}
	}
}

func validateServiceBackend(svc *networkingv1.IngressServiceBackend, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	namePath := fldPath.Child("service", "name")
	if svc.Name == "" {
		allErrs = append(allErrs, field.Required(namePath, ""))
	} else {
		for _, msg := range apimachineryvalidation.NameIsDNS1035Label(svc.Name, false) {
			allErrs = append(allErrs, field.Invalid(namePath, svc.Name, msg))
		}
	}
	portPath := fldPath.Child("service", "port")
	hasName, hasNumber := svc.Port.Name != "", svc.Port.Number != 0
	switch {
	case hasName && hasNumber:
		allErrs = append(allErrs, field.Invalid(fldPath, "", "cannot set both port name & port number"))
	case hasName:
		for _, msg := range validation.IsValidPortName(svc.Port.Name) {
			allErrs = append(allErrs, field.Invalid(portPath.Child("name"), svc.Port.Name, msg))
		}
	case hasNumber:
		for _, msg := range validation.IsValidPortNum(int(svc.Port.Number)) {
			allErrs = append(allErrs, field.Invalid(portPath.Child("number"), svc.Port.Number, msg))
		}
	default:
		allErrs = append(allErrs, field.Required(fldPath, "port name or number is required"))
	}
	return allErrs
}

// validateTypedReference checks a reference to an arbitrary object (resource
// backends, IngressClass parameters): kind and name end up in URL paths.
func validateTypedReference(apiGroup *string, kind, name string, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	if apiGroup != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*apiGroup) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("apiGroup"), *apiGroup, msg))
		}
	}
	allErrs = append(allErrs, validatePathSegment(kind, "kind", fldPath.Child("kind"))...)
	return append(allErrs, validatePathSegment(name, "name", fldPath.Child("name"))...)
}

func validatePathSegment(value, what string, fldPath *field.Path) field.ErrorList {
	if value == "" {
		return field.ErrorList{field.Required(fldPath, what+" is required")}
	}
	var allErrs field.ErrorList
	for _, msg := range path.IsValidPathSegmentName(value) {
		allErrs = append(allErrs, field.Invalid(fldPath, value, msg))
	}
	return allErrs
}

func validateIngressTLS(tls *networkingv1.IngressTLS, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, host := range tls.Hosts {
		allErrs = append(allErrs, validateHost(host, fldPath.Child("hosts").Index(i), false)...)
	}
	if tls.SecretName != "" {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(tls.SecretName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("secretName"), tls.SecretName, msg))
		}
	}
	return allErrs
}

func validateIngressLoadBalancer(lb *networkingv1.IngressLoadBalancerStatus, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	for i, in := range lb.Ingress {
		idxPath := fldPath.Child("ingress").Index(i)
		if in.IP != "" {
			allErrs = append(allErrs, validation.IsValidIP(idxPath.Child("ip"), in.IP)...)
		}
		if in.Hostname == "" {
			continue
		}
		for _, msg := range validation.IsDNS1123Subdomain(in.Hostname) {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("hostname"), in.Hostname, msg))
		}
		if net.ParseIP(in.Hostname) != nil {
			allErrs = append(allErrs, field.Invalid(idxPath.Child("hostname"), in.Hostname, "must be a DNS name, not an IP address"))
		}
	}
	return allErrs
}
