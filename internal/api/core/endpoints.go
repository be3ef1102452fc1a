package core

import (
	"fmt"
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apivalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/sets"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func endpointsKind() *api.Kind {
	return api.Def[*corev1.Endpoints, *corev1.EndpointsList]{
		Version: coreVersion, Kind: "Endpoints",
		Resource: "endpoints", Singular: "endpoints", Namespaced: true,
		ShortNames: []string{"ep"},
		New:        func() *corev1.Endpoints { return &corev1.Endpoints{} },
		NewList:    func() *corev1.EndpointsList { return &corev1.EndpointsList{} },
		Default:    defaultEndpoints,
		Validate:   validateEndpoints,
		ValidateUpdate: func(ep, old *corev1.Endpoints) field.ErrorList {
			return append(validateMetaUpdate(ep, old), validateEndpoints(ep)...)
		},
		Columns: endpointsColumns,
		Row:     endpointsRow,
	}.Build()
}

func defaultEndpoints(ep *corev1.Endpoints) {
	for i := range ep.Subsets {
		for j := range ep.Subsets[i].Ports {
			if ep.Subsets[i].Ports[j].Protocol == "" {
				ep.Subsets[i].Ports[j].Protocol = corev1.ProtocolTCP
			}
		}
	}
}

func validateEndpoints(ep *corev1.Endpoints) field.ErrorList {
	errs := validateMeta(ep, true, apivalidation.NameIsDNSSubdomain)
	for i, ss := range ep.Subsets {
		sp := field.NewPath("subsets").Index(i)
		if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
			errs = append(errs, field.Required(sp, "must specify `addresses` or `notReadyAddresses`"))
		}
		for j, a := range ss.Addresses {
			errs = append(errs, validateEndpointAddress(a, sp.Child("addresses").Index(j))...)
		}
		for j, a := range ss.NotReadyAddresses {
			errs = append(errs, validateEndpointAddress(a, sp.Child("notReadyAddresses").Index(j))...)
		}
		errs = append(errs, validateEndpointPorts(ss.Ports, sp.Child("ports"))...)
	}
	return errs
}

func validateEndpointAddress(a corev1.EndpointAddress, p *field.Path) field.ErrorList {
	errs := validation.IsValidIP(p.Child("ip"), a.IP)
	if a.Hostname != "" {
		for _, msg := range validation.IsDNS1123Label(a.Hostname) {
			errs = append(errs, field.Invalid(p.Child("hostname"), a.Hostname, msg))
		}
	}
	if a.NodeName != nil {
		for _, msg := range validation.IsDNS1123Subdomain(*a.NodeName) {
			errs = append(errs, field.Invalid(p.Child("nodeName"), *a.NodeName, msg))
		}
	}
	return errs
}

func validateEndpointPorts(ports []corev1.EndpointPort, p *field.Path) field.ErrorList {
	var errs field.ErrorList
	names := sets.New[string]()
	for i, port := range ports {
		ip := p.Index(i)
		errs = append(errs, validateServicePortName(port.Name, len(ports) > 1, names, ip.Child("name"))...)
		names.Insert(port.Name)
		for _, msg := range validation.IsValidPortNum(int(port.Port)) {
			errs = append(errs, field.Invalid(ip.Child("port"), port.Port, msg))
		}
		errs = append(errs, validateServiceProtocol(port.Protocol, ip.Child("protocol"))...)
	}
	return errs
}

var endpointsColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Endpoints", Type: "string", Description: "Endpoints of the service"},
	ageColumn,
}

func endpointsRow(ep *corev1.Endpoints) []any {
	return []any{ep.Name, formatEndpoints(ep), since(ep.CreationTimestamp)}
}

// maxShownEndpoints is how many addresses kubectl shows before "+ N more...".
const maxShownEndpoints = 3

func formatEndpoints(ep *corev1.Endpoints) string {
	var shown []string
	count := 0
	add := func(s string) {
		if len(shown) < maxShownEndpoints {
			shown = append(shown, s)
		}
		count++
	}
	for _, ss := range ep.Subsets {
		if len(ss.Ports) == 0 {
			for _, a := range ss.Addresses {
				add(a.IP)
			}
			continue
		}
		for _, port := range ss.Ports {
			for _, a := range ss.Addresses {
				add(net.JoinHostPort(a.IP, strconv.Itoa(int(port.Port))))
			}
		}
	}
	out := strings.Join(shown, ",")
	if count > len(shown) {
		out += fmt.Sprintf(" + %d more...", count-len(shown))
	}
	return orNone(out)
}
