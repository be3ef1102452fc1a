package kubelet

import (
	"net"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// serviceLinkServices selects the Services whose variables a pod gets:
// those of its namespace when enableServiceLinks (default true), and
// always the API server's "kubernetes" Service of the default namespace,
// which wins a name clash.
func serviceLinkServices(pod *corev1.Pod, list func(ns string) []*corev1.Service) []*corev1.Service {
	byName := map[string]*corev1.Service{}
	for _, s := range list(metav1.NamespaceDefault) {
		if s.Name == "kubernetes" {
			byName[s.Name] = s
		}
	}
	if pod.Spec.EnableServiceLinks == nil || *pod.Spec.EnableServiceLinks {
		for _, s := range list(pod.Namespace) {
			if _, taken := byName[s.Name]; !taken {
				byName[s.Name] = s
			}
		}
	}
	out := make([]*corev1.Service, 0, len(byName))
	for _, s := range byName {
		out = append(out, s)
	}
	return out
}

// serviceEnv gives the Docker-links style variables of Services with a
// cluster IP: FOO_SERVICE_HOST, FOO_SERVICE_PORT, FOO_PORT_80_TCP...
func serviceEnv(services []*corev1.Service) map[string]string {
	out := map[string]string{}
	for _, s := range services {
		ip := s.Spec.ClusterIP
		if ip == "" || ip == corev1.ClusterIPNone || len(s.Spec.Ports) == 0 {
			continue
		}
		prefix := strings.ToUpper(strings.ReplaceAll(s.Name, "-", "_"))
		out[prefix+"_SERVICE_HOST"] = ip
		out[prefix+"_SERVICE_PORT"] = strconv.Itoa(int(s.Spec.Ports[0].Port))
		for _, p := range s.Spec.Ports {
			if p.Name != "" {
				out[prefix+"_SERVICE_PORT_"+strings.ToUpper(strings.ReplaceAll(p.Name, "-", "_"))] = strconv.Itoa(int(p.Port))
			}
		}
		first := s.Spec.Ports[0]
		out[prefix+"_PORT"] = portURL(ip, first)
		for _, p := range s.Spec.Ports {
			proto := string(p.Protocol)
			if proto == "" {
				proto = string(corev1.ProtocolTCP)
			}
			key := prefix + "_PORT_" + strconv.Itoa(int(p.Port)) + "_" + strings.ToUpper(proto)
			out[key] = portURL(ip, p)
			out[key+"_PROTO"] = strings.ToLower(proto)
			out[key+"_PORT"] = strconv.Itoa(int(p.Port))
			out[key+"_ADDR"] = ip
		}
	}
	return out
}

func portURL(ip string, p corev1.ServicePort) string {
	proto := strings.ToLower(string(p.Protocol))
	if proto == "" {
		proto = "tcp"
	}
	return proto + "://" + net.JoinHostPort(ip, strconv.Itoa(int(p.Port)))
}
