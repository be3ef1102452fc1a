package serviceip

import (
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// item is one allocation: an offset of one pool.
type item struct {
	pool *pool
	off  uint64
}

type itemSet map[item]bool

// minus is what s has that o does not, as a list.
func (s itemSet) minus(o itemSet) []item {
	var out []item
	for it := range s {
		if !o[it] {
			out = append(out, it)
		}
	}
	return out
}

func owner(svc *corev1.Service) string { return svc.Namespace + "/" + svc.Name }

// hasClusterIP says whether a service of this shape holds an IP of the
// range: headless and ExternalName services hold none.
func hasClusterIP(s *corev1.ServiceSpec) bool {
	return s.Type != corev1.ServiceTypeExternalName && s.ClusterIP != corev1.ClusterIPNone
}

// hasNodePorts says whether a service's nodePort fields are allocations.
func hasNodePorts(s *corev1.ServiceSpec) bool {
	return s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer
}

// allocatesNodePorts: a port without a nodePort gets one. A LoadBalancer
// may opt out, and then holds only the node ports it asked for.
func allocatesNodePorts(s *corev1.ServiceSpec) bool {
	return s.Type == corev1.ServiceTypeNodePort ||
		s.Type == corev1.ServiceTypeLoadBalancer && (s.AllocateLoadBalancerNodePorts == nil || *s.AllocateLoadBalancerNodePorts)
}

func needsHealthCheck(s *corev1.ServiceSpec) bool {
	return s.Type == corev1.ServiceTypeLoadBalancer && s.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// holdings is what a stored service holds in the pools; values outside
// the ranges (a range changed since) hold nothing.
func (p *Plugin) holdings(svc *corev1.Service) itemSet {
	out := itemSet{}
	if svc == nil {
		return out
	}
	s := &svc.Spec
	if hasClusterIP(s) && s.ClusterIP != "" {
		if off, ok := p.ipRange.offset(s.ClusterIP); ok {
			out[item{p.ips, off}] = true
		}
	}
	if hasNodePorts(s) {
		for _, sp := range s.Ports {
			p.addPort(out, sp.NodePort)
		}
	}
	if needsHealthCheck(s) {
		p.addPort(out, s.HealthCheckNodePort)
	}
	return out
}

func (p *Plugin) addPort(set itemSet, port int32) {
	if port == 0 {
		return
	}
	if off, ok := p.portRange.offset(port); ok {
		set[item{p.ports, off}] = true
	}
}

// String names an item (its etcd key) for logs.
func (it item) String() string { return fmt.Sprintf("%s%s", it.pool.prefix, it.pool.name(it.off)) }
