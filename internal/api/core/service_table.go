package core

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

var serviceColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Type", Type: "string", Description: "type determines how the Service is exposed."},
	{Name: "Cluster-IP", Type: "string", Description: "clusterIP is the IP address of the service and is usually assigned randomly."},
	{Name: "External-IP", Type: "string", Description: "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."},
	{Name: "Port(s)", Type: "string", Description: "The list of ports that are exposed by this service."},
	ageColumn,
	{Name: "Selector", Type: "string", Priority: 1, Description: "Route service traffic to pods with label keys and values matching this selector."},
}

func serviceRow(svc *corev1.Service) []any {
	clusterIP := "<none>"
	if len(svc.Spec.ClusterIPs) > 0 {
		clusterIP = svc.Spec.ClusterIPs[0]
	}
	ports := servicePorts(svc.Spec.Ports)
	if ports == "" {
		ports = "<none>"
	}
	return []any{
		svc.Name, string(svc.Spec.Type), clusterIP, serviceExternalIP(svc), ports,
		since(svc.CreationTimestamp), labels.FormatLabels(svc.Spec.Selector),
	}
}

// servicePorts renders "80/TCP" or, with a node port, "80:30080/TCP".
func servicePorts(ports []corev1.ServicePort) string {
	parts := make([]string, 0, len(ports))
	for _, p := range ports {
		if p.NodePort > 0 {
			parts = append(parts, fmt.Sprintf("%d:%d/%s", p.Port, p.NodePort, p.Protocol))
		} else {
			parts = append(parts, fmt.Sprintf("%d/%s", p.Port, p.Protocol))
		}
	}
	return strings.Join(parts, ",")
}

func serviceExternalIP(svc *corev1.Service) string {
	external := strings.Join(svc.Spec.ExternalIPs, ",")
	switch svc.Spec.Type {
	case corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort:
		return orNone(external)
	case corev1.ServiceTypeLoadBalancer:
		lb := loadBalancerIngress(svc.Status.LoadBalancer)
		switch {
		case lb != "" && external != "":
			return lb + "," + external
		case lb != "":
			return lb
		case external != "":
			return external
		}
		return "<pending>"
	case corev1.ServiceTypeExternalName:
		return svc.Spec.ExternalName
	}
	return "<unknown>"
}

// loadBalancerIngress lists the balancer's addresses, shortened as kubectl
// does in its normal (not wide) output.
func loadBalancerIngress(s corev1.LoadBalancerStatus) string {
	var addrs []string
	for _, in := range s.Ingress {
		switch {
		case in.IP != "":
			addrs = append(addrs, in.IP)
		case in.Hostname != "":
			addrs = append(addrs, in.Hostname)
		}
	}
	r := strings.Join(addrs, ",")
	if len(r) > 16 {
		r = r[:13] + "..."
	}
	return r
}
