package networking

import (
	"fmt"
	"strings"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/duration"
)

var (
	objectMetaDoc   = metav1.ObjectMeta{}.SwaggerDoc()
	nameColumn      = metav1.TableColumnDefinition{Name: "Name", Type: "string", Format: "name", Description: objectMetaDoc["name"]}
	ageColumn       = metav1.TableColumnDefinition{Name: "Age", Type: "string", Description: objectMetaDoc["creationTimestamp"]}
	ingressClassDoc = networkingv1.IngressClassSpec{}.SwaggerDoc()
)

// loadBalancerWidth is how many characters of addresses kubectl shows
// before cutting the list short with "...".
const loadBalancerWidth = 16

var ingressColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Class", Type: "string", Description: "The name of the IngressClass resource that should be used for additional configuration"},
	{Name: "Hosts", Type: "string", Description: "Hosts that incoming requests are matched against before the ingress rule"},
	{Name: "Address", Type: "string", Description: "Address is a list containing ingress points for the load-balancer"},
	{Name: "Ports", Type: "string", Description: "Ports of TLS configurations that open"},
	ageColumn,
}

func ingressRow(ing *networkingv1.Ingress) []any {
	class := "<none>"
	if ing.Spec.IngressClassName != nil {
		class = *ing.Spec.IngressClassName
	}
	return []any{ing.Name, class, formatHosts(ing.Spec.Rules), formatAddresses(ing.Status.LoadBalancer), formatPorts(ing.Spec.TLS), age(ing.CreationTimestamp)}
}

// formatHosts lists at most three hosts; "*" when no rule names a host.
func formatHosts(rules []networkingv1.IngressRule) string {
	const max = 3
	var list []string
	more := false
	for _, r := range rules {
		if len(list) == max {
			more = true
		}
		if !more && r.Host != "" {
			list = append(list, r.Host)
		}
	}
	if len(list) == 0 {
		return "*"
	}
	out := strings.Join(list, ",")
	if more {
		return fmt.Sprintf("%s + %d more...", out, len(rules)-max)
	}
	return out
}

func formatAddresses(lb networkingv1.IngressLoadBalancerStatus) string {
	var list []string
	for _, in := range lb.Ingress {
		if in.IP != "" {
			list = append(list, in.IP)
		} else if in.Hostname != "" {
			list = append(list, in.Hostname)
		}
	}
	out := strings.Join(list, ",")
	if len(out) > loadBalancerWidth {
		out = out[:loadBalancerWidth-3] + "..."
	}
	return out
}

func formatPorts(tls []networkingv1.IngressTLS) string {
	if len(tls) != 0 {
		return "80, 443"
	}
	return "80"
}

var ingressClassColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Controller", Type: "string", Description: ingressClassDoc["controller"]},
	{Name: "Parameters", Type: "string", Description: ingressClassDoc["parameters"]},
	ageColumn,
}

func ingressClassRow(ic *networkingv1.IngressClass) []any {
	params := "<none>"
	if p := ic.Spec.Parameters; p != nil {
		params = p.Kind
		if p.APIGroup != nil {
			params += "." + *p.APIGroup
		}
		params += "/" + p.Name
	}
	return []any{ic.Name, ic.Spec.Controller, params, age(ic.CreationTimestamp)}
}

var networkPolicyColumns = []metav1.TableColumnDefinition{
	nameColumn,
	{Name: "Pod-Selector", Type: "string", Description: networkingv1.NetworkPolicySpec{}.SwaggerDoc()["podSelector"]},
	ageColumn,
}

func networkPolicyRow(np *networkingv1.NetworkPolicy) []any {
	return []any{np.Name, metav1.FormatLabelSelector(&np.Spec.PodSelector), age(np.CreationTimestamp)}
}

// age is kubectl's AGE cell: "<unknown>" for an unset timestamp.
func age(t metav1.Time) string {
	if t.IsZero() {
		return "<unknown>"
	}
	return duration.HumanDuration(time.Since(t.Time))
}
