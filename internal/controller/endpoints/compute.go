package endpoints

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// MaxAddresses is how many addresses one Endpoints object carries before it
// is truncated (and annotated as over capacity), as in Kubernetes.
const MaxAddresses = 1000

// ComputeSubsets returns the subsets of svc's Endpoints for the pods it
// selects (the caller has already matched the selector). Ready pods go to
// addresses, others to notReadyAddresses, unless the Service publishes
// not-ready addresses. Pods whose named target port cannot be resolved are
// left out of that port's subset. truncated reports that addresses beyond
// MaxAddresses were dropped.
func ComputeSubsets(svc *corev1.Service, pods []*corev1.Pod) (subsets []corev1.EndpointSubset, truncated bool) {
	groups := map[string]*corev1.EndpointSubset{}
	var order []string
	add := func(ports []corev1.EndpointPort, addr corev1.EndpointAddress, ready bool) {
		key := portsKey(ports)
		g, ok := groups[key]
		if !ok {
			g = &corev1.EndpointSubset{Ports: ports}
			groups[key] = g
			order = append(order, key)
		}
		if ready {
			g.Addresses = append(g.Addresses, addr)
		} else {
			g.NotReadyAddresses = append(g.NotReadyAddresses, addr)
		}
	}
	headless := svc.Spec.ClusterIP == corev1.ClusterIPNone
	for _, pod := range pods {
		if !IncludePod(pod, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		addr := podAddress(svc, pod)
		ready := svc.Spec.PublishNotReadyAddresses || PodReady(pod)
		if len(svc.Spec.Ports) == 0 {
			if headless {
				add(nil, addr, ready)
			}
			continue
		}
		for i := range svc.Spec.Ports {
			sp := &svc.Spec.Ports[i]
			port, err := FindPort(pod, sp)
			if err != nil {
				continue
			}
			add([]corev1.EndpointPort{{Name: sp.Name, Port: port, Protocol: sp.Protocol, AppProtocol: sp.AppProtocol}}, addr, ready)
		}
	}
	for _, key := range order {
		subsets = append(subsets, *groups[key])
	}
	subsets = repack(subsets)
	return truncate(subsets)
}

// repack merges subsets that hold the same set of addresses into one subset
// with all their ports, and sorts everything so that equal inputs give
// byte-equal objects (no needless writes).
func repack(in []corev1.EndpointSubset) []corev1.EndpointSubset {
	byAddrs := map[string]*corev1.EndpointSubset{}
	var order []string
	for _, s := range in {
		sortAddrs(s.Addresses)
		sortAddrs(s.NotReadyAddresses)
		key := addrsKey(s.Addresses) + "|" + addrsKey(s.NotReadyAddresses)
		g, ok := byAddrs[key]
		if !ok {
			c := s
			c.Ports = append([]corev1.EndpointPort(nil), s.Ports...)
			byAddrs[key] = &c
			order = append(order, key)
			continue
		}
		g.Ports = append(g.Ports, s.Ports...)
	}
	out := make([]corev1.EndpointSubset, 0, len(order))
	for _, k := range order {
		s := byAddrs[k]
		sort.Slice(s.Ports, func(i, j int) bool { return portLess(s.Ports[i], s.Ports[j]) })
		out = append(out, *s)
	}
	sort.Slice(out, func(i, j int) bool { return portsKey(out[i].Ports) < portsKey(out[j].Ports) })
	return out
}

// truncate keeps at most MaxAddresses addresses, ready ones first.
func truncate(subsets []corev1.EndpointSubset) ([]corev1.EndpointSubset, bool) {
	total := 0
	for _, s := range subsets {
		total += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if total <= MaxAddresses {
		return subsets, false
	}
	left := MaxAddresses
	for i := range subsets {
		n := min(left, len(subsets[i].Addresses))
		subsets[i].Addresses = subsets[i].Addresses[:n]
		left -= n
	}
	for i := range subsets {
		n := min(left, len(subsets[i].NotReadyAddresses))
		subsets[i].NotReadyAddresses = subsets[i].NotReadyAddresses[:n]
		left -= n
	}
	return subsets, true
}

func podAddress(svc *corev1.Service, pod *corev1.Pod) corev1.EndpointAddress {
	node := pod.Spec.NodeName
	addr := corev1.EndpointAddress{
		IP: pod.Status.PodIP,
		TargetRef: &corev1.ObjectReference{
			Kind: "Pod", Namespace: pod.Namespace, Name: pod.Name, UID: pod.UID,
		},
	}
	if node != "" {
		addr.NodeName = &node
	}
	// A pod gets a DNS name under the service only when it asks for it
	// through hostname+subdomain, as Kubernetes documents for headless
	// services.
	if pod.Spec.Hostname != "" && pod.Spec.Subdomain == svc.Name && pod.Namespace == svc.Namespace {
		addr.Hostname = pod.Spec.Hostname
	}
	return addr
}

// IncludePod says whether pod belongs in a Service's endpoints at all: it
// needs an IP, must not have finished, and must not be terminating unless
// the Service publishes not-ready addresses.
func IncludePod(pod *corev1.Pod, includeTerminating bool) bool {
	if pod.Status.PodIP == "" {
		return false
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		return false
	}
	return includeTerminating || pod.DeletionTimestamp == nil
}

// PodReady reports the pod's Ready condition.
func PodReady(pod *corev1.Pod) bool {
	for _, c := range pod.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// FindPort resolves a service port's targetPort against the pod: a number
// is used as is, a name is looked up among the containers' ports with the
// same protocol.
func FindPort(pod *corev1.Pod, sp *corev1.ServicePort) (int32, error) {
	tp := sp.TargetPort
	switch {
	case tp.Type == intstr.String && tp.StrVal != "":
		for _, c := range pod.Spec.Containers {
			for _, p := range c.Ports {
				if p.Name == tp.StrVal && protocolOf(p.Protocol) == protocolOf(sp.Protocol) {
					return p.ContainerPort, nil
				}
			}
		}
		return 0, fmt.Errorf("no container port named %q in pod %s", tp.StrVal, pod.Name)
	case tp.Type == intstr.Int && tp.IntVal != 0:
		return tp.IntVal, nil
	}
	// An unset targetPort means the same number as the service port.
	return sp.Port, nil
}

func protocolOf(p corev1.Protocol) corev1.Protocol {
	if p == "" {
		return corev1.ProtocolTCP
	}
	return p
}

func sortAddrs(a []corev1.EndpointAddress) {
	sort.Slice(a, func(i, j int) bool {
		if a[i].IP != a[j].IP {
			return a[i].IP < a[j].IP
		}
		return refName(a[i]) < refName(a[j])
	})
}

func refName(a corev1.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return a.TargetRef.Name
}

func addrsKey(a []corev1.EndpointAddress) string {
	parts := make([]string, len(a))
	for i, x := range a {
		parts[i] = x.IP + "/" + refName(x)
	}
	return strings.Join(parts, ",")
}

func portsKey(p []corev1.EndpointPort) string {
	parts := make([]string, len(p))
	for i, x := range p {
		parts[i] = fmt.Sprintf("%s/%d/%s", x.Name, x.Port, x.Protocol)
	}
	sort.Strings(parts)
	return strings.Join(parts, ",")
}

func portLess(a, b corev1.EndpointPort) bool {
	if a.Name != b.Name {
		return a.Name < b.Name
	}
	if a.Port != b.Port {
		return a.Port < b.Port
	}
	return a.Protocol < b.Protocol
}
