package discovery

import (
	"net"
	"reflect"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Limits Kubernetes puts on one slice.
const (
	maxEndpoints      = 1000
	maxAddresses      = 100
	maxPorts          = 20000
	maxTopologyLabels = 16
	maxZoneHints      = 8
)

var (
	supportedAddressTypes = []string{string(discoveryv1.AddressTypeFQDN), string(discoveryv1.AddressTypeIPv4), string(discoveryv1.AddressTypeIPv6)}
	supportedProtocols    = []string{string(corev1.ProtocolSCTP), string(corev1.ProtocolTCP), string(corev1.ProtocolUDP)}
)

// defaultEndpointSlice gives every port a name ("" when unnamed) and TCP, so
// that port names can be compared for uniqueness.
func defaultEndpointSlice(s *discoveryv1.EndpointSlice) {
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Name == nil {
			p.Name = new(string)
		}
		if p.Protocol == nil {
			tcp := corev1.ProtocolTCP
			p.Protocol = &tcp
		}
	}
}

func validateEndpointSlice(s *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessor(s, true, apimachineryvalidation.NameIsDNSSubdomain, field.NewPath("metadata"))
	allErrs = append(allErrs, validateAddressType(s.AddressType)...)
	allErrs = append(allErrs, validateEndpoints(s.Endpoints, s.AddressType, field.NewPath("endpoints"))...)
	return append(allErrs, validatePorts(s.Ports, field.NewPath("ports"))...)
}

func validateEndpointSliceUpdate(s, old *discoveryv1.EndpointSlice) field.ErrorList {
	allErrs := apimachineryvalidation.ValidateObjectMetaAccessorUpdate(s, old, field.NewPath("metadata"))
	allErrs = append(allErrs, validateEndpointSlice(s)...)
	return append(allErrs, apimachineryvalidation.ValidateImmutableField(s.AddressType, old.AddressType, field.NewPath("addressType"))...)
}

func validateAddressType(t discoveryv1.AddressType) field.ErrorList {
	switch t {
	case "":
		return field.ErrorList{field.Required(field.NewPath("addressType"), "")}
	case discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6, discoveryv1.AddressTypeFQDN:
		return nil
	default:
		return field.ErrorList{field.NotSupported(field.NewPath("addressType"), t, supportedAddressTypes)}
	}
}

func validateEndpoints(endpoints []discoveryv1.Endpoint, t discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	if len(endpoints) > maxEndpoints {
		return field.ErrorList{field.TooMany(fldPath, len(endpoints), maxEndpoints)}
	}
	var allErrs field.ErrorList
	for i := range endpoints {
		allErrs = append(allErrs, validateEndpoint(&endpoints[i], t, fldPath.Index(i))...)
	}
	return allErrs
}

func validateEndpoint(ep *discoveryv1.Endpoint, t discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	var allErrs field.ErrorList
	addrPath := fldPath.Child("addresses")
	if len(ep.Addresses) == 0 {
		allErrs = append(allErrs, field.Required(addrPath, "must contain at least 1 address"))
	} else if len(ep.Addresses) > maxAddresses {
		allErrs = append(allErrs, field.TooMany(addrPath, len(ep.Addresses), maxAddresses))
	}
	for i, a := range ep.Addresses {
		allErrs = append(allErrs, validateAddress(a, t, addrPath.Index(i))...)
	}
	if ep.NodeName != nil {
		for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(*ep.NodeName, false) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("nodeName"), *ep.NodeName, msg))
		}
	}
	topoPath := fldPath.Child("deprecatedTopology")
	if len(ep.DeprecatedTopology) > maxTopologyLabels {
		allErrs = append(allErrs, field.TooMany(topoPath, len(ep.DeprecatedTopology), maxTopologyLabels))
	}
	allErrs = append(allErrs, metav1validation.ValidateLabels(ep.DeprecatedTopology, topoPath)...)
	if ep.Hostname != nil {
		for _, msg := range validation.IsDNS1123Label(*ep.Hostname) {
			allErrs = append(allErrs, field.Invalid(fldPath.Child("hostname"), *ep.Hostname, msg))
		}
	}
	if ep.Hints != nil {
		allErrs = append(allErrs, validateHints(ep.Hints, fldPath.Child("hints"))...)
	}
	return allErrs
}

// validateAddress checks one address against the slice's type. IPs must be
// routable endpoints: proxies must never be pointed at loopback or
// link-local addresses of the node they run on.
func validateAddress(a string, t discoveryv1.AddressType, fldPath *field.Path) field.ErrorList {
	switch t {
	case discoveryv1.AddressTypeIPv4:
		if errs := validation.IsValidIPv4Address(fldPath, a); len(errs) > 0 {
			return errs
		}
		return validateNonSpecialIP(a, fldPath)
	case discoveryv1.AddressTypeIPv6:
		if errs := validation.IsValidIPv6Address(fldPath, a); len(errs) > 0 {
			return errs
		}
		return validateNonSpecialIP(a, fldPath)
	case discoveryv1.AddressTypeFQDN:
		return validation.IsFullyQualifiedDomainName(fldPath, a)
	}
	return nil
}

func validateNonSpecialIP(a string, fldPath *field.Path) field.ErrorList {
	ip := net.ParseIP(a)
	var msg string
	switch {
	case ip.IsUnspecified():
		msg = "may not be unspecified (0.0.0.0)"
	case ip.IsLoopback():
		msg = "may not be in the loopback range (127.0.0.0/8, ::1/128)"
	case ip.IsLinkLocalUnicast():
		msg = "may not be in the link-local range (169.254.0.0/16, fe80::/10)"
	case ip.IsLinkLocalMulticast():
		msg = "may not be in the link-local multicast range (224.0.0.0/24, ff02::/10)"
	default:
		return nil
	}
	return field.ErrorList{field.Invalid(fldPath, a, msg)}
}

func validateHints(h *discoveryv1.EndpointHints, fldPath *field.Path) field.ErrorList {
	zonesPath := fldPath.Child("forZones")
	if len(h.ForZones) > maxZoneHints {
		return field.ErrorList{field.TooMany(zonesPath, len(h.ForZones), maxZoneHints)}
	}
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i, z := range h.ForZones {
		namePath := zonesPath.Index(i).Child("name")
		if seen[z.Name] {
			allErrs = append(allErrs, field.Duplicate(namePath, z.Name))
		}
		seen[z.Name] = true
		for _, msg := range validation.IsValidLabelValue(z.Name) {
			allErrs = append(allErrs, field.Invalid(namePath, z.Name, msg))
		}
	}
	return allErrs
}

func validatePorts(ports []discoveryv1.EndpointPort, fldPath *field.Path) field.ErrorList {
	if len(ports) > maxPorts {
		return field.ErrorList{field.TooMany(fldPath, len(ports), maxPorts)}
	}
	var allErrs field.ErrorList
	seen := map[string]bool{}
	for i, p := range ports {
		idxPath := fldPath.Index(i)
		name := ""
		if p.Name != nil {
			name = *p.Name
		}
		if name != "" {
			for _, msg := range validation.IsDNS1123Label(name) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("name"), name, msg))
			}
		}
		if seen[name] {
			allErrs = append(allErrs, field.Duplicate(idxPath.Child("name"), name))
		}
		seen[name] = true
		allErrs = append(allErrs, validatePortProtocol(p.Protocol, idxPath.Child("protocol"))...)
		if p.AppProtocol != nil {
			for _, msg := range validation.IsQualifiedName(*p.AppProtocol) {
				allErrs = append(allErrs, field.Invalid(idxPath.Child("appProtocol"), *p.AppProtocol, msg))
			}
		}
	}
	return allErrs
}

func validatePortProtocol(p *corev1.Protocol, fldPath *field.Path) field.ErrorList {
	switch {
	case p == nil:
		return field.ErrorList{field.Required(fldPath, "")}
	case *p == corev1.ProtocolTCP || *p == corev1.ProtocolUDP || *p == corev1.ProtocolSCTP:
		return nil
	default:
		return field.ErrorList{field.NotSupported(fldPath, *p, supportedProtocols)}
	}
}

// prepareForCreate drops deprecatedTopology: the v1 API documents that
// writes to it are ignored (nodeName replaced it).
func prepareForCreate(s *discoveryv1.EndpointSlice) {
	for i := range s.Endpoints {
		s.Endpoints[i].DeprecatedTopology = nil
	}
}

// prepareForUpdate drops deprecatedTopology when the endpoints change. A
// node name that the old slice kept only in the topology label is moved to
// nodeName, so a client that did not know the field does not erase it.
func prepareForUpdate(s, old *discoveryv1.EndpointSlice) {
	if reflect.DeepEqual(s.Endpoints, old.Endpoints) {
		return
	}
	oldNodes := map[string]bool{}
	for _, ep := range old.Endpoints {
		if n, ok := ep.DeprecatedTopology[corev1.LabelHostname]; ok {
			oldNodes[n] = true
		}
	}
	for i := range s.Endpoints {
		ep := &s.Endpoints[i]
		n, ok := ep.DeprecatedTopology[corev1.LabelHostname]
		if ep.NodeName == nil && ok && oldNodes[n] && len(apimachineryvalidation.NameIsDNSSubdomain(n, false)) == 0 {
			ep.NodeName = &n
		}
		ep.DeprecatedTopology = nil
	}
}
