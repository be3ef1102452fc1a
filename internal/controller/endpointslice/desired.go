package endpointslice

import (
	"fmt"
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

// Group is the endpoints that share one set of resolved ports: they can
// live in the same slices.
type Group struct {
	Ports     []discoveryv1.EndpointPort
	Endpoints []discoveryv1.Endpoint
}

// Desired computes, for one address type, the endpoint groups of svc from
// the pods it selects (already matched). zoneOf gives a node's zone ("" if
// unknown). Groups are keyed by PortsKey.
func Desired(svc *corev1.Service, pods []*corev1.Pod, addrType discoveryv1.AddressType, zoneOf func(node string) string) map[string]*Group {
	out := map[string]*Group{}
	for _, pod := range pods {
		if !includePod(pod) {
			continue
		}
		ip := podIPOf(pod, addrType)
		if ip == "" {
			continue
		}
		ports := resolvePorts(svc, pod)
		if len(svc.Spec.Ports) > 0 && len(ports) == 0 {
			continue // no port of this pod could be resolved
		}
		key := PortsKey(ports)
		g, ok := out[key]
		if !ok {
			g = &Group{Ports: ports}
			out[key] = g
		}
		g.Endpoints = append(g.Endpoints, toEndpoint(svc, pod, ip, zoneOf))
	}
	for _, g := range out {
		SortEndpoints(g.Endpoints)
	}
	return out
}

// includePod: terminating pods stay (with terminating=true) so that
// proxies can drain them; finished pods and pods without IP do not.
func includePod(pod *corev1.Pod) bool {
	if pod.Status.PodIP == "" {
		return false
	}
	return pod.Status.Phase != corev1.PodSucceeded && pod.Status.Phase != corev1.PodFailed
}

func podIPOf(pod *corev1.Pod, addrType discoveryv1.AddressType) string {
	ips := []string{pod.Status.PodIP}
	for _, p := range pod.Status.PodIPs {
		ips = append(ips, p.IP)
	}
	for _, s := range ips {
		ip := net.ParseIP(s)
		if ip == nil {
			continue
		}
		if (ip.To4() != nil) == (addrType == discoveryv1.AddressTypeIPv4) {
			return s
		}
	}
	return ""
}

func toEndpoint(svc *corev1.Service, pod *corev1.Pod, ip string, zoneOf func(string) string) discoveryv1.Endpoint {
	serving := svc.Spec.PublishNotReadyAddresses || podReady(pod)
	terminating := pod.DeletionTimestamp != nil
	ready := svc.Spec.PublishNotReadyAddresses || (serving && !terminating)
	ep := discoveryv1.Endpoint{
		Addresses: []string{ip},
		Conditions: discoveryv1.EndpointConditions{
			Ready: ptr.To(ready), Serving: ptr.To(serving), Terminating: ptr.To(terminating),
		},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID},
	}
	if pod.Spec.NodeName != "" {
		ep.NodeName = ptr.To(pod.Spec.NodeName)
		if z := zoneOf(pod.Spec.NodeName); z != "" {
			ep.Zone = ptr.To(z)
		}
	}
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		ep.Hostname = ptr.To(pod.Spec.Hostname)
	}
	return ep
}

func podReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// resolvePorts maps each service port to the pod's port; ports whose named
// targetPort the pod lacks are left out.
func resolvePorts(svc *corev1.Service, pod *corev1.Pod) []discoveryv1.EndpointPort {
	var out []discoveryv1.EndpointPort
	for i := range svc.Spec.Ports {
		sp := &svc.Spec.Ports[i]
		n, err := findPort(pod, sp)
		if err != nil {
			continue
		}
		out = append(out, discoveryv1.EndpointPort{
			Name: ptr.To(sp.Name), Port: ptr.To(n), Protocol: ptr.To(orTCP(sp.Protocol)), AppProtocol: sp.AppProtocol,
		})
	}
	sort.Slice(out, func(i, j int) bool { return portString(out[i]) < portString(out[j]) })
	return out
}

func findPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && orTCP(p.Protocol) == orTCP(sp.Protocol) {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no container port named %q", tp.StrVal)
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, nil
	}
	return sp.Port, nil
}

func orTCP(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func portString(p discoveryv1.EndpointPort) string {
	return fmt.Sprintf("%s/%d/%s", ptr.Deref(p.Name, ""), ptr.Deref(p.Port, 0), ptr.Deref(p.Protocol, ""))
}

// PortsKey identifies a set of ports independent of order.
func PortsKey(ports []discoveryv1.EndpointPort) string {
	parts := make([]string, len(ports))
	for i, p := range ports {
		parts[i] = portString(p)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

// EndpointKey identifies an endpoint across syncs: its pod, else address.
func EndpointKey(ep discoveryv1.Endpoint) string {
	if ep.TargetRef != nil && ep.TargetRef.UID != "" {
		return string(ep.TargetRef.UID)
	}
	return strings.Join(ep.Addresses, ",")
}

// SortEndpoints orders endpoints by address so written slices are stable.
func SortEndpoints(eps []discoveryv1.Endpoint) {
	sort.Slice(eps, func(i, j int) bool {
		a, b := strings.Join(eps[i].Addresses, ","), strings.Join(eps[j].Addresses, ",")
		if a != b {
			return a < b
		}
		return EndpointKey(eps[i]) < EndpointKey(eps[j])
	})
}
