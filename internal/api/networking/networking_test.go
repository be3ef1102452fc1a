package networking

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func ptr[T any](v T) *T { return &v }

// wantErr says which error a case must produce; an empty Field means the
// object must be valid.
type wantErr struct {
	Type  field.ErrorType
	Field string
}

func checkErrs(t *testing.T, errs field.ErrorList, want wantErr) {
	t.Helper()
	if want.Field == "" {
		if len(errs) != 0 {
			t.Fatalf("want no errors, got %v", errs)
		}
		return
	}
	for _, e := range errs {
		if e.Type == want.Type && e.Field == want.Field {
			return
		}
	}
	t.Fatalf("want %s on %s, got %v", want.Type, want.Field, errs)
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	cases := []struct {
		resource  string
		obj, list any
		cluster   bool
	}{
		{"ingresses", &networkingv1.Ingress{}, &networkingv1.IngressList{}, false},
		{"ingressclasses", &networkingv1.IngressClass{}, &networkingv1.IngressClassList{}, true},
		{"networkpolicies", &networkingv1.NetworkPolicy{}, &networkingv1.NetworkPolicyList{}, false},
	}
	for _, c := range cases {
		k, ok := r.Lookup(networkingv1.SchemeGroupVersion.WithResource(c.resource))
		if !ok {
			t.Fatalf("%s not registered", c.resource)
		}
		if k.Namespaced == c.cluster {
			t.Errorf("%s: Namespaced = %v", c.resource, k.Namespaced)
		}
		if got, want := typeName(k.New()), typeName(c.obj); got != want {
			t.Errorf("%s: New() is %s, want %s", c.resource, got, want)
		}
		if got, want := typeName(k.NewList()), typeName(c.list); got != want {
			t.Errorf("%s: NewList() is %s, want %s", c.resource, got, want)
		}
	}
	if k, _ := r.Lookup(networkingv1.SchemeGroupVersion.WithResource("ingresses")); !k.HasSubresource("status") {
		t.Error("ingresses lack the status subresource")
	}
}

func validIngress() *networkingv1.Ingress {
	prefix := networkingv1.PathTypePrefix
	return &networkingv1.Ingress{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: networkingv1.IngressSpec{
			IngressClassName: ptr("nginx"),
			Rules: []networkingv1.IngressRule{{
				Host: "example.com",
				IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{
					Paths: []networkingv1.HTTPIngressPath{{
						Path: "/", PathType: &prefix,
						Backend: networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{
							Name: "web", Port: networkingv1.ServiceBackendPort{Number: 80},
						}},
					}},
				}},
			}},
			TLS: []networkingv1.IngressTLS{{Hosts: []string{"*.example.com"}, SecretName: "tls"}},
		},
	}
}

func TestValidateIngress(t *testing.T) {
	path0 := func(i *networkingv1.Ingress) *networkingv1.HTTPIngressPath { return &i.Spec.Rules[0].HTTP.Paths[0] }
	const p = "spec.rules[0].http.paths[0]"
	cases := []struct {
		name   string
		mutate func(*networkingv1.Ingress)
		want   wantErr
	}{
		{"valid", func(*networkingv1.Ingress) {}, wantErr{}},
		{"default backend only", func(i *networkingv1.Ingress) {
			i.Spec.DefaultBackend = &i.Spec.Rules[0].HTTP.Paths[0].Backend
			i.Spec.Rules = nil
		}, wantErr{}},
		{"implementation specific empty path", func(i *networkingv1.Ingress) {
			path0(i).PathType = ptr(networkingv1.PathTypeImplementationSpecific)
			path0(i).Path = ""
		}, wantErr{}},
		{"bad name", func(i *networkingv1.Ingress) { i.Name = "Web" }, wantErr{field.ErrorTypeInvalid, "metadata.name"}},
		{"no rules nor backend", func(i *networkingv1.Ingress) { i.Spec.Rules = nil }, wantErr{field.ErrorTypeInvalid, "spec"}},
		{"pathType missing", func(i *networkingv1.Ingress) { path0(i).PathType = nil }, wantErr{field.ErrorTypeRequired, p + ".pathType"}},
		{"pathType unknown", func(i *networkingv1.Ingress) { path0(i).PathType = ptr(networkingv1.PathType("Regex")) }, wantErr{field.ErrorTypeNotSupported, p + ".pathType"}},
		{"relative prefix path", func(i *networkingv1.Ingress) { path0(i).Path = "api" }, wantErr{field.ErrorTypeInvalid, p + ".path"}},
		{"exact path with //", func(i *networkingv1.Ingress) {
			path0(i).PathType = ptr(networkingv1.PathTypeExact)
			path0(i).Path = "/a//b"
		}, wantErr{field.ErrorTypeInvalid, p + ".path"}},
		{"path ending /..", func(i *networkingv1.Ingress) { path0(i).Path = "/a/.." }, wantErr{field.ErrorTypeInvalid, p + ".path"}},
		{"relative implementation specific", func(i *networkingv1.Ingress) {
			path0(i).PathType = ptr(networkingv1.PathTypeImplementationSpecific)
			path0(i).Path = "x"
		}, wantErr{field.ErrorTypeInvalid, p + ".path"}},
		{"no paths", func(i *networkingv1.Ingress) { i.Spec.Rules[0].HTTP.Paths = nil }, wantErr{field.ErrorTypeRequired, "spec.rules[0].http.paths"}},
		{"ip host", func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "10.0.0.1" }, wantErr{field.ErrorTypeInvalid, "spec.rules[0].host"}},
		{"bad wildcard host", func(i *networkingv1.Ingress) { i.Spec.Rules[0].Host = "a.*.com" }, wantErr{field.ErrorTypeInvalid, "spec.rules[0].host"}},
		{"service name missing", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Name = "" }, wantErr{field.ErrorTypeRequired, p + ".backend.service.name"}},
		{"service name not a DNS-1035 label", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Name = "1web" }, wantErr{field.ErrorTypeInvalid, p + ".backend.service.name"}},
		{"port missing", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Number = 0 }, wantErr{field.ErrorTypeRequired, p + ".backend"}},
		{"port name and number", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Name = "http" }, wantErr{field.ErrorTypeInvalid, p + ".backend"}},
		{"port out of range", func(i *networkingv1.Ingress) { path0(i).Backend.Service.Port.Number = 70000 }, wantErr{field.ErrorTypeInvalid, p + ".backend.service.port.number"}},
		{"bad port name", func(i *networkingv1.Ingress) {
			path0(i).Backend.Service.Port = networkingv1.ServiceBackendPort{Name: "HTTP_"}
		}, wantErr{field.ErrorTypeInvalid, p + ".backend.service.port.name"}},
		{"no backend", func(i *networkingv1.Ingress) { path0(i).Backend.Service = nil }, wantErr{field.ErrorTypeInvalid, p + ".backend"}},
		{"both backends", func(i *networkingv1.Ingress) {
			path0(i).Backend.Resource = &corev1.TypedLocalObjectReference{Kind: "Bucket", Name: "b"}
		}, wantErr{field.ErrorTypeInvalid, p + ".backend"}},
		{"resource backend without kind", func(i *networkingv1.Ingress) {
			path0(i).Backend = networkingv1.IngressBackend{Resource: &corev1.TypedLocalObjectReference{Name: "b"}}
		}, wantErr{field.ErrorTypeRequired, p + ".backend.resource.kind"}},
		{"bad tls host", func(i *networkingv1.Ingress) { i.Spec.TLS[0].Hosts = []string{"Bad_Host"} }, wantErr{field.ErrorTypeInvalid, "spec.tls[0].hosts[0]"}},
		{"bad tls secret", func(i *networkingv1.Ingress) { i.Spec.TLS[0].SecretName = "Bad" }, wantErr{field.ErrorTypeInvalid, "spec.tls[0].secretName"}},
		{"bad class name", func(i *networkingv1.Ingress) { i.Spec.IngressClassName = ptr("Bad") }, wantErr{field.ErrorTypeInvalid, "spec.ingressClassName"}},
		{"status hostname is an IP", func(i *networkingv1.Ingress) {
			i.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{Hostname: "1.2.3.4"}}
		}, wantErr{field.ErrorTypeInvalid, "status.loadBalancer.ingress[0].hostname"}},
		{"status bad ip", func(i *networkingv1.Ingress) {
			i.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "1.2.3"}}
		}, wantErr{field.ErrorTypeInvalid, "status.loadBalancer.ingress[0].ip"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ing := validIngress()
			c.mutate(ing)
			checkErrs(t, validateIngress(ing), c.want)
		})
	}
}

func TestValidateIngressUpdate(t *testing.T) {
	old := validIngress()
	old.ResourceVersion = "1"
	ing := validIngress()
	ing.ResourceVersion = "1"
	ing.Spec.Rules[0].Host = "other.example.com"
	checkErrs(t, validateIngressUpdate(ing, old), wantErr{})
	ing.Spec.Rules[0].HTTP.Paths[0].PathType = nil
	checkErrs(t, validateIngressUpdate(ing, old), wantErr{field.ErrorTypeRequired, "spec.rules[0].http.paths[0].pathType"})
}

func validIngressClass() *networkingv1.IngressClass {
	return &networkingv1.IngressClass{
		ObjectMeta: metav1.ObjectMeta{Name: "nginx"},
		Spec: networkingv1.IngressClassSpec{
			Controller: "example.com/ingress",
			Parameters: &networkingv1.IngressClassParametersReference{APIGroup: ptr("k8s.example.com"), Kind: "Params", Name: "p"},
		},
	}
}

func TestDefaultIngressClass(t *testing.T) {
	ic := validIngressClass()
	defaultIngressClass(ic)
	if s := ic.Spec.Parameters.Scope; s == nil || *s != "Cluster" {
		t.Fatalf("scope = %v, want Cluster", s)
	}
	ns := validIngressClass()
	ns.Spec.Parameters.Scope = ptr("Namespace")
	defaultIngressClass(ns)
	if *ns.Spec.Parameters.Scope != "Namespace" {
		t.Fatalf("explicit scope overwritten: %s", *ns.Spec.Parameters.Scope)
	}
}

func TestValidateIngressClass(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*networkingv1.IngressClass)
		want   wantErr
	}{
		{"valid", func(*networkingv1.IngressClass) {}, wantErr{}},
		{"namespace scope", func(ic *networkingv1.IngressClass) {
			ic.Spec.Parameters.Scope = ptr("Namespace")
			ic.Spec.Parameters.Namespace = ptr("default")
		}, wantErr{}},
		{"controller not domain prefixed", func(ic *networkingv1.IngressClass) { ic.Spec.Controller = "nginx" }, wantErr{field.ErrorTypeInvalid, "spec.controller"}},
		{"controller missing", func(ic *networkingv1.IngressClass) { ic.Spec.Controller = "" }, wantErr{field.ErrorTypeRequired, "spec.controller"}},
		{"scope missing", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Scope = nil }, wantErr{field.ErrorTypeRequired, "spec.parameters.scope"}},
		{"scope unknown", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Scope = ptr("World") }, wantErr{field.ErrorTypeNotSupported, "spec.parameters.scope"}},
		{"namespace scope without namespace", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Scope = ptr("Namespace") }, wantErr{field.ErrorTypeRequired, "spec.parameters.namespace"}},
		{"cluster scope with namespace", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Namespace = ptr("default") }, wantErr{field.ErrorTypeForbidden, "spec.parameters.namespace"}},
		{"parameters kind missing", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Kind = "" }, wantErr{field.ErrorTypeRequired, "spec.parameters.kind"}},
		{"parameters name with slash", func(ic *networkingv1.IngressClass) { ic.Spec.Parameters.Name = "a/b" }, wantErr{field.ErrorTypeInvalid, "spec.parameters.name"}},
		{"namespaced object", func(ic *networkingv1.IngressClass) { ic.Namespace = "default" }, wantErr{field.ErrorTypeForbidden, "metadata.namespace"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			ic := validIngressClass()
			defaultIngressClass(ic)
			c.mutate(ic)
			checkErrs(t, validateIngressClass(ic), c.want)
		})
	}
}

func TestValidateIngressClassUpdateControllerImmutable(t *testing.T) {
	old := validIngressClass()
	defaultIngressClass(old)
	old.ResourceVersion = "1"
	ic := old.DeepCopy()
	ic.Spec.Controller = "example.com/other"
	checkErrs(t, validateIngressClassUpdate(ic, old), wantErr{field.ErrorTypeInvalid, "spec.controller"})
	checkErrs(t, validateIngressClassUpdate(old.DeepCopy(), old), wantErr{})
}

func TestDefaultNetworkPolicy(t *testing.T) {
	cases := []struct {
		name string
		spec networkingv1.NetworkPolicySpec
		want []networkingv1.PolicyType
	}{
		{"no rules", networkingv1.NetworkPolicySpec{}, []networkingv1.PolicyType{"Ingress"}},
		{"egress rules", networkingv1.NetworkPolicySpec{Egress: []networkingv1.NetworkPolicyEgressRule{{}}}, []networkingv1.PolicyType{"Ingress", "Egress"}},
		{"explicit kept", networkingv1.NetworkPolicySpec{PolicyTypes: []networkingv1.PolicyType{"Egress"}}, []networkingv1.PolicyType{"Egress"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			np := &networkingv1.NetworkPolicy{Spec: c.spec}
			defaultNetworkPolicy(np)
			if len(np.Spec.PolicyTypes) != len(c.want) {
				t.Fatalf("policyTypes = %v, want %v", np.Spec.PolicyTypes, c.want)
			}
			for i := range c.want {
				if np.Spec.PolicyTypes[i] != c.want[i] {
					t.Fatalf("policyTypes = %v, want %v", np.Spec.PolicyTypes, c.want)
				}
			}
		})
	}
	np := &networkingv1.NetworkPolicy{Spec: networkingv1.NetworkPolicySpec{
		Ingress: []networkingv1.NetworkPolicyIngressRule{{Ports: []networkingv1.NetworkPolicyPort{{}}}},
		Egress:  []networkingv1.NetworkPolicyEgressRule{{Ports: []networkingv1.NetworkPolicyPort{{Protocol: ptr(corev1.ProtocolUDP)}}}},
	}}
	defaultNetworkPolicy(np)
	if p := np.Spec.Ingress[0].Ports[0].Protocol; p == nil || *p != corev1.ProtocolTCP {
		t.Errorf("ingress port protocol = %v, want TCP", p)
	}
	if p := np.Spec.Egress[0].Ports[0].Protocol; *p != corev1.ProtocolUDP {
		t.Errorf("egress port protocol = %v, want UDP kept", *p)
	}
}

func validNetworkPolicy() *networkingv1.NetworkPolicy {
	port := intstr.FromInt32(80)
	return &networkingv1.NetworkPolicy{
		ObjectMeta: metav1.ObjectMeta{Name: "np", Namespace: "default"},
		Spec: networkingv1.NetworkPolicySpec{
			PodSelector: metav1.LabelSelector{MatchLabels: map[string]string{"app": "web"}},
			Ingress: []networkingv1.NetworkPolicyIngressRule{{
				Ports: []networkingv1.NetworkPolicyPort{{Port: &port, EndPort: ptr(int32(90))}},
				From:  []networkingv1.NetworkPolicyPeer{{IPBlock: &networkingv1.IPBlock{CIDR: "10.0.0.0/16", Except: []string{"10.0.1.0/24"}}}},
			}},
			Egress: []networkingv1.NetworkPolicyEgressRule{{
				To: []networkingv1.NetworkPolicyPeer{{NamespaceSelector: &metav1.LabelSelector{}, PodSelector: &metav1.LabelSelector{}}},
			}},
		},
	}
}

func TestValidateNetworkPolicy(t *testing.T) {
	const port0 = "spec.ingress[0].ports[0]"
	cases := []struct {
		name   string
		mutate func(*networkingv1.NetworkPolicy)
		want   wantErr
	}{
		{"valid", func(*networkingv1.NetworkPolicy) {}, wantErr{}},
		{"bad selector", func(np *networkingv1.NetworkPolicy) { np.Spec.PodSelector.MatchLabels = map[string]string{"a": "b c"} }, wantErr{field.ErrorTypeInvalid, "spec.podSelector.matchLabels"}},
		{"bad protocol", func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].Ports[0].Protocol = ptr(corev1.Protocol("ICMP"))
		}, wantErr{field.ErrorTypeNotSupported, port0 + ".protocol"}},
		{"port out of range", func(np *networkingv1.NetworkPolicy) {
			p := intstr.FromInt32(0)
			np.Spec.Ingress[0].Ports[0].Port = &p
		}, wantErr{field.ErrorTypeInvalid, port0 + ".port"}},
		{"endPort below port", func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress[0].Ports[0].EndPort = ptr(int32(79)) }, wantErr{field.ErrorTypeInvalid, port0 + ".endPort"}},
		{"endPort with named port", func(np *networkingv1.NetworkPolicy) {
			p := intstr.FromString("http")
			np.Spec.Ingress[0].Ports[0].Port = &p
		}, wantErr{field.ErrorTypeInvalid, port0 + ".endPort"}},
		{"endPort without port", func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress[0].Ports[0].Port = nil }, wantErr{field.ErrorTypeInvalid, port0 + ".endPort"}},
		{"empty peer", func(np *networkingv1.NetworkPolicy) {
			np.Spec.Egress[0].To = []networkingv1.NetworkPolicyPeer{{}}
		}, wantErr{field.ErrorTypeRequired, "spec.egress[0].to[0]"}},
		{"ipBlock with selector", func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].From[0].PodSelector = &metav1.LabelSelector{}
		}, wantErr{field.ErrorTypeForbidden, "spec.ingress[0].from[0]"}},
		{"cidr missing", func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress[0].From[0].IPBlock.CIDR = "" }, wantErr{field.ErrorTypeRequired, "spec.ingress[0].from[0].ipBlock.cidr"}},
		{"cidr invalid", func(np *networkingv1.NetworkPolicy) { np.Spec.Ingress[0].From[0].IPBlock.CIDR = "10.0.0.0" }, wantErr{field.ErrorTypeInvalid, "spec.ingress[0].from[0].ipBlock.cidr"}},
		{"except not a subset", func(np *networkingv1.NetworkPolicy) {
			np.Spec.Ingress[0].From[0].IPBlock.Except = []string{"10.0.0.0/8"}
		}, wantErr{field.ErrorTypeInvalid, "spec.ingress[0].from[0].ipBlock.except[0]"}},
		{"unknown policy type", func(np *networkingv1.NetworkPolicy) { np.Spec.PolicyTypes = []networkingv1.PolicyType{"Sideways"} }, wantErr{field.ErrorTypeNotSupported, "spec.policyTypes[0]"}},
		{"three policy types", func(np *networkingv1.NetworkPolicy) {
			np.Spec.PolicyTypes = []networkingv1.PolicyType{"Ingress", "Egress", "Ingress"}
		}, wantErr{field.ErrorTypeInvalid, "spec.policyTypes"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			np := validNetworkPolicy()
			defaultNetworkPolicy(np)
			c.mutate(np)
			checkErrs(t, validateNetworkPolicy(np), c.want)
		})
	}
}
