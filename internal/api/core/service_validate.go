package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var serviceTypes = []string{"ClusterIP", "ExternalName", "LoadBalancer", "NodePort"}

func validateService(svc *corev1.Service) field.ErrorList {
	errs := validateMeta(svc, true, apivalidation.NameIsDNS1035Label)
	s := &svc.Spec
	sp := field.NewPath("spec")
	switch s.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	case corev1.ServiceTypeExternalName:
		errs = append(errs, validateExternalName(s, sp)...)
	case "":
		errs = append(errs, field.Required(sp.Child("type"), ""))
	default:
		errs = append(errs, field.NotSupported(sp.Child("type"), s.Type, serviceTypes))
	}
	headless := s.ClusterIP == corev1.ClusterIPNone
	if len(s.Ports) == 0 && !headless && s.Type != corev1.ServiceTypeExternalName {
		errs = append(errs, field.Required(sp.Child("ports"), ""))
	}
	errs = append(errs, validateServicePorts(s, sp.Child("ports"))...)
	errs = append(errs, metav1validation.ValidateLabels(s.Selector, sp.Child("selector"))...)
	errs = append(errs, validateClusterIPs(s, sp)...)
	errs = append(errs, validateSessionAffinity(s, sp)...)
	errs = append(errs, validateTrafficPolicies(s, sp)...)
	errs = append(errs, validateIPFamilies(s, sp)...)
	for i, ip := range s.ExternalIPs {
		errs = append(errs, validation.IsValidIP(sp.Child("externalIPs").Index(i), ip)...)
	}
	errs = append(errs, validateLoadBalancerFields(s, sp)...)
	return errs
}

func validateExternalName(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	p := sp.Child("externalName")
	name := strings.TrimSuffix(s.ExternalName, ".")
	if s.ExternalName == "" {
		errs = append(errs, field.Required(p, ""))
	} else {
		for _, msg := range validation.IsDNS1123Subdomain(name) {
			errs = append(errs, field.Invalid(p, s.ExternalName, msg))
		}
	}
	if s.ClusterIP != "" {
		errs = append(errs, field.Forbidden(sp.Child("clusterIP"), "may not be set for ExternalName services"))
	}
	if len(s.IPFamilies) > 0 {
		errs = append(errs, field.Forbidden(sp.Child("ipFamilies"), "may not be set for ExternalName services"))
	}
	if s.IPFamilyPolicy != nil {
		errs = append(errs, field.Forbidden(sp.Child("ipFamilyPolicy"), "may not be set for ExternalName services"))
	}
	return errs
}

func validateServicePorts(s *corev1.ServiceSpec, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	keys := sets.New[string]()
	nodePorts := sets.New[string]()
	for i, port := range s.Ports {
		ip := p.Index(i)
		errs = append(errs, validateServicePortName(port.Name, len(s.Ports) > 1, names, ip.Child("name"))...)
		names.Insert(port.Name)
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(ip.Child("port"), port.Port, msg))
		}
		errs = append(errs, validateServiceProtocol(port.Protocol, ip.Child("protocol"))...)
		errs = append(errs, validateTargetPort(port.TargetPort, ip.Child("targetPort"))...)
		errs = append(errs, validateNodePort(s, port, nodePorts, ip.Child("nodePort"))...)
		key := fmt.Sprintf("%d/%s", port.Port, port.Protocol)
		if keys.Has(key) {
			errs = append(errs, field.Duplicate(ip, key))
		}
		keys.Insert(key)
		if port.AppProtocol != nil {
			for _, msg := range validation.IsQualifiedName(*port.AppProtocol) {
				errs = append(errs, field.Invalid(ip.Child("appProtocol"), *port.AppProtocol, msg))
			}
		}
	}
	return errs
}

func validateServicePortName(name string, required bool, seen sets.Set[string], p *field.Path) field.ErrorList {
	if name == "" {
		if required {
			return field.ErrorList{field.Required(p, "")}
		}
		return nil
	}
	var errs field.ErrorList
	for _, msg := range validation.IsDNS1123Label(name) {
		errs = append(errs, field.Invalid(p, name, msg))
	}
	if seen.Has(name) {
		errs = append(errs, field.Duplicate(p, name))
	}
	return errs
}

func validateServiceProtocol(proto corev1.Protocol, p *field.Path) field.ErrorList {
	switch proto {
	case corev1.ProtocolTCP, corev1.ProtocolUDP, corev1.ProtocolSCTP:
		return nil
	case "":
		return field.ErrorList{field.Required(p, "")}
	}
	return field.ErrorList{field.NotSupported(p, proto, []string{"SCTP", "TCP", "UDP"})}
}

func validateTargetPort(tp intstr.IntOrString, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	if tp.Type == intstr.String {
		for _, msg := range validation.IsValidPortName(tp.StrVal) {
			errs = append(errs, field.Invalid(p, tp.StrVal, msg))
		}
		return errs
	}
	for _, msg := range validation.IsValidPortNum(tp.IntValue()) {
		errs = append(errs, field.Invalid(p, tp.IntValue(), msg))
	}
	return errs
}

// validateNodePort: the range is checked by the allocator; here only that
// a node port fits the service type and is not used twice.
func validateNodePort(s *corev1.ServiceSpec, port corev1.ServicePort, seen sets.Set[string], p *field.Path) field.ErrorList {
	if port.NodePort == 0 {
		return nil
	}
	if s.Type != corev1.ServiceTypeNodePort && s.Type != corev1.ServiceTypeLoadBalancer {
		return field.ErrorList{field.Forbidden(p, fmt.Sprintf("may not be used when `type` is '%s'", s.Type))}
	}
	var errs field.ErrorList
	for _, msg := range validation.IsValidPortNum(int(port.NodePort)) {
		errs = append(errs, field.Invalid(p, port.NodePort, msg))
	}
	key := fmt.Sprintf("%d/%s", port.NodePort, port.Protocol)
	if seen.Has(key) {
		errs = append(errs, field.Duplicate(p, key))
	}
	seen.Insert(key)
	return errs
}

func validateClusterIPs(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if s.Type == corev1.ServiceTypeExternalName {
		return nil
	}
	if len(s.ClusterIPs) > 0 && s.ClusterIP != s.ClusterIPs[0] {
		errs = append(errs, field.Invalid(sp.Child("clusterIPs").Index(0), s.ClusterIPs, "must be equal to `clusterIP`"))
	}
	if len(s.ClusterIPs) > 2 {
		errs = append(errs, field.Invalid(sp.Child("clusterIPs"), s.ClusterIPs, "may only hold up to 2 values"))
	}
	for i, ip := range s.ClusterIPs {
		if ip == corev1.ClusterIPNone {
			if i > 0 || len(s.ClusterIPs) > 1 {
				errs = append(errs, field.Invalid(sp.Child("clusterIPs").Index(i), ip, "'None' must be the first and only value"))
			}
			continue
		}
		errs = append(errs, validation.IsValidIP(sp.Child("clusterIPs").Index(i), ip)...)
	}
	if s.ClusterIP == corev1.ClusterIPNone && (s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer) {
		errs = append(errs, field.Invalid(sp.Child("clusterIPs").Index(0), s.ClusterIP, fmt.Sprintf("may not be set to 'None' for %s services", s.Type)))
	}
	return errs
}

func validateSessionAffinity(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.SessionAffinity {
	case corev1.ServiceAffinityNone:
		if s.SessionAffinityConfig != nil {
			errs = append(errs, field.Forbidden(sp.Child("sessionAffinityConfig"), fmt.Sprintf("must not be set when session affinity is %s", s.SessionAffinity)))
		}
	case corev1.ServiceAffinityClientIP:
		if t := clientIPTimeout(s); t == nil || *t <= 0 || *t > 86400 {
			var v any
			if t != nil {
				v = *t
			}
			errs = append(errs, field.Invalid(sp.Child("sessionAffinityConfig", "clientIP", "timeoutSeconds"), v, "must be greater than 0 and less than 86400"))
		}
	case "":
		errs = append(errs, field.Required(sp.Child("sessionAffinity"), ""))
	default:
		errs = append(errs, field.NotSupported(sp.Child("sessionAffinity"), s.SessionAffinity, []string{"ClientIP", "None"}))
	}
	return errs
}

func validateTrafficPolicies(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	ep := sp.Child("externalTrafficPolicy")
	external := s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer
	switch {
	case s.ExternalTrafficPolicy == "" && external:
		errs = append(errs, field.Required(ep, ""))
	case s.ExternalTrafficPolicy != "" && !external:
		errs = append(errs, field.Invalid(ep, s.ExternalTrafficPolicy, "may only be set when `type` is 'NodePort' or 'LoadBalancer'"))
	case s.ExternalTrafficPolicy != "" && s.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyCluster &&
		s.ExternalTrafficPolicy != corev1.ServiceExternalTrafficPolicyLocal:
		errs = append(errs, field.NotSupported(ep, s.ExternalTrafficPolicy, []string{"Cluster", "Local"}))
	}
	if itp := s.InternalTrafficPolicy; itp != nil && *itp != corev1.ServiceInternalTrafficPolicyCluster && *itp != corev1.ServiceInternalTrafficPolicyLocal {
		errs = append(errs, field.NotSupported(sp.Child("internalTrafficPolicy"), *itp, []string{"Cluster", "Local"}))
	}
	if s.HealthCheckNodePort != 0 && !needsHealthCheck(s) {
		errs = append(errs, field.Invalid(sp.Child("healthCheckNodePort"), s.HealthCheckNodePort,
			"may only be set when `type` is 'LoadBalancer' and `externalTrafficPolicy` is 'Local'"))
	}
	return errs
}

func validateIPFamilies(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	if pol := s.IPFamilyPolicy; pol != nil {
		switch *pol {
		case corev1.IPFamilyPolicySingleStack, corev1.IPFamilyPolicyPreferDualStack, corev1.IPFamilyPolicyRequireDualStack:
		default:
			errs = append(errs, field.NotSupported(sp.Child("ipFamilyPolicy"), *pol, []string{"PreferDualStack", "RequireDualStack", "SingleStack"}))
		}
		if *pol == corev1.IPFamilyPolicySingleStack && len(s.IPFamilies) > 1 {
			errs = append(errs, field.Invalid(sp.Child("ipFamilies"), s.IPFamilies, "when `ipFamilyPolicy` is 'SingleStack', only one ipFamily may be specified"))
		}
	}
	seen := sets.New[corev1.IPFamily]()
	for i, f := range s.IPFamilies {
		fp := sp.Child("ipFamilies").Index(i)
		if f != corev1.IPv4Protocol && f != corev1.IPv6Protocol {
			errs = append(errs, field.NotSupported(fp, f, []string{"IPv4", "IPv6"}))
		}
		if seen.Has(f) {
			errs = append(errs, field.Duplicate(fp, f))
		}
		seen.Insert(f)
	}
	return errs
}

func validateLoadBalancerFields(s *corev1.ServiceSpec, sp *field.Path) field.ErrorList {
	var errs field.ErrorList
	lb := s.Type == corev1.ServiceTypeLoadBalancer
	if len(s.LoadBalancerSourceRanges) > 0 && !lb {
		errs = append(errs, field.Forbidden(sp.Child("loadBalancerSourceRanges"), "may only be used when `type` is 'LoadBalancer'"))
	}
	for i, r := range s.LoadBalancerSourceRanges {
		errs = append(errs, validation.IsValidCIDR(sp.Child("loadBalancerSourceRanges").Index(i), strings.TrimSpace(r))...)
	}
	if s.AllocateLoadBalancerNodePorts != nil && !lb {
		errs = append(errs, field.Forbidden(sp.Child("allocateLoadBalancerNodePorts"), "may only be used when `type` is 'LoadBalancer'"))
	}
	if s.LoadBalancerClass != nil && !lb {
		errs = append(errs, field.Forbidden(sp.Child("loadBalancerClass"), "may only be used when service type is 'LoadBalancer'"))
	}
	return errs
}

// validateServiceUpdate: the primary cluster IP and IP family stay as
// allocated, except when the type changes to or from ExternalName.
func validateServiceUpdate(svc, old *corev1.Service) field.ErrorList {
	errs := validateMetaUpdate(svc, old)
	errs = append(errs, validateService(svc)...)
	if svc.Spec.Type == corev1.ServiceTypeExternalName || old.Spec.Type == corev1.ServiceTypeExternalName {
		return errs
	}
	sp := field.NewPath("spec")
	if len(old.Spec.ClusterIPs) > 0 && (len(svc.Spec.ClusterIPs) == 0 || svc.Spec.ClusterIPs[0] != old.Spec.ClusterIPs[0]) {
		errs = append(errs, field.Invalid(sp.Child("clusterIPs").Index(0), svc.Spec.ClusterIPs, "primary clusterIP can not be changed"))
	}
	if len(old.Spec.IPFamilies) > 0 && (len(svc.Spec.IPFamilies) == 0 || svc.Spec.IPFamilies[0] != old.Spec.IPFamilies[0]) {
		errs = append(errs, field.Invalid(sp.Child("ipFamilies").Index(0), svc.Spec.IPFamilies, "primary ipFamily can not be changed"))
	}
	return errs
}
