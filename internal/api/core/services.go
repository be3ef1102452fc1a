package core

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/fields"

	"rudder/internal/api"
	"rudder/internal/api/podspec"
)

func serviceKind() *api.Kind {
	return api.Def[*corev1.Service, *corev1.ServiceList]{
		Version: coreVersion, Kind: "Service",
		Resource: "services", Singular: "service", Namespaced: true,
		ShortNames:       []string{"svc"},
		Categories:       []string{"all"},
		Subresources:     []string{"status", "proxy"},
		New:              func() *corev1.Service { return &corev1.Service{} },
		NewList:          func() *corev1.ServiceList { return &corev1.ServiceList{} },
		Default:          defaultService,
		Validate:         validateService,
		ValidateUpdate:   validateServiceUpdate,
		PrepareForUpdate: prepareServiceUpdate,
		Columns:          serviceColumns,
		Row:              serviceRow,
		Fields:           serviceFields,
	}.Build()
}

// defaultClientIPTimeout is Kubernetes' default session stickiness: 3 hours.
const defaultClientIPTimeout = int32(10800)

func defaultService(svc *corev1.Service) {
	s := &svc.Spec
	if s.SessionAffinity == "" {
		s.SessionAffinity = corev1.ServiceAffinityNone
	}
	if s.SessionAffinity == corev1.ServiceAffinityClientIP && clientIPTimeout(s) == nil {
		s.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr(defaultClientIPTimeout)}}
	}
	if s.Type == "" {
		s.Type = corev1.ServiceTypeClusterIP
	}
	for i := range s.Ports {
		p := &s.Ports[i]
		if p.Protocol == "" {
			p.Protocol = corev1.ProtocolTCP
		}
		podspec.DefaultIntOrStringPort(&p.TargetPort, p.Port)
	}
	if s.Type == corev1.ServiceTypeNodePort || s.Type == corev1.ServiceTypeLoadBalancer {
		if s.ExternalTrafficPolicy == "" {
			s.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyCluster
		}
	}
	if s.Type != corev1.ServiceTypeExternalName && s.InternalTrafficPolicy == nil {
		s.InternalTrafficPolicy = ptr(corev1.ServiceInternalTrafficPolicyCluster)
	}
	if s.Type == corev1.ServiceTypeLoadBalancer && s.AllocateLoadBalancerNodePorts == nil {
		s.AllocateLoadBalancerNodePorts = ptr(true)
	}
	defaultClusterIPs(svc)
	defaultIPFamilies(svc)
}

func clientIPTimeout(s *corev1.ServiceSpec) *int32 {
	if s.SessionAffinityConfig == nil || s.SessionAffinityConfig.ClientIP == nil {
		return nil
	}
	return s.SessionAffinityConfig.ClientIP.TimeoutSeconds
}

// defaultClusterIPs keeps clusterIP and clusterIPs[0] in step, whichever of
// the two the client sent.
func defaultClusterIPs(svc *corev1.Service) {
	s := &svc.Spec
	switch {
	case s.ClusterIP != "" && len(s.ClusterIPs) == 0:
		s.ClusterIPs = []string{s.ClusterIP}
	case s.ClusterIP == "" && len(s.ClusterIPs) > 0:
		s.ClusterIP = s.ClusterIPs[0]
	}
}

// defaultIPFamilies fills the family fields for this single-stack IPv4
// cluster. Headless services without a selector get RequireDualStack as in
// Kubernetes, since their endpoints are managed by hand.
func defaultIPFamilies(svc *corev1.Service) {
	s := &svc.Spec
	if s.Type == corev1.ServiceTypeExternalName {
		return
	}
	if s.IPFamilyPolicy == nil {
		policy := corev1.IPFamilyPolicySingleStack
		if s.ClusterIP == corev1.ClusterIPNone && len(s.Selector) == 0 {
			policy = corev1.IPFamilyPolicyRequireDualStack
		}
		s.IPFamilyPolicy = &policy
	}
	if len(s.IPFamilies) == 0 {
		s.IPFamilies = []corev1.IPFamily{corev1.IPv4Protocol}
	}
}

// prepareServiceUpdate keeps what the server allocated when an update (a
// PUT without them) leaves clusterIP, node ports or the health check port
// out, as Kubernetes does.
func prepareServiceUpdate(svc, old *corev1.Service) {
	s, o := &svc.Spec, &old.Spec
	if s.Type == corev1.ServiceTypeExternalName || o.Type == corev1.ServiceTypeExternalName {
		return
	}
	if s.ClusterIP == "" && len(s.ClusterIPs) == 0 && o.ClusterIP != "" {
		s.ClusterIP, s.ClusterIPs = o.ClusterIP, append([]string(nil), o.ClusterIPs...)
	}
	if needsNodePorts(s) {
		keepNodePorts(s.Ports, o.Ports)
	}
	if s.HealthCheckNodePort == 0 && o.HealthCheckNodePort != 0 && needsHealthCheck(s) {
		s.HealthCheckNodePort = o.HealthCheckNodePort
	}
}

func needsNodePorts(s *corev1.ServiceSpec) bool {
	return s.Type == corev1.ServiceTypeNodePort ||
		s.Type == corev1.ServiceTypeLoadBalancer && (s.AllocateLoadBalancerNodePorts == nil || *s.AllocateLoadBalancerNodePorts)
}

func needsHealthCheck(s *corev1.ServiceSpec) bool {
	return s.Type == corev1.ServiceTypeLoadBalancer && s.ExternalTrafficPolicy == corev1.ServiceExternalTrafficPolicyLocal
}

// keepNodePorts copies the old node port of a port with the same number
// and protocol (or name) into a new port that has none.
func keepNodePorts(ports, old []corev1.ServicePort) {
	for i := range ports {
		if ports[i].NodePort != 0 {
			continue
		}
		for _, op := range old {
			if op.Port == ports[i].Port && op.Protocol == ports[i].Protocol || op.Name != "" && op.Name == ports[i].Name {
				ports[i].NodePort = op.NodePort
				break
			}
		}
	}
}

func serviceFields(svc *corev1.Service) fields.Set {
	return fields.Set{
		"spec.clusterIP": svc.Spec.ClusterIP,
		"spec.type":      string(svc.Spec.Type),
	}
}
