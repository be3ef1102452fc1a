package networking

import (
	"fmt"
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"rudder/internal/api"
)

func typeName(v any) string { return fmt.Sprintf("%T", v) }

// TestRowsMatchColumns renders an empty and a full object of every kind: a
// row must have one cell per column and must not panic.
func TestRowsMatchColumns(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	full := map[string]runtime.Object{
		"ingresses":       fullIngress(),
		"ingressclasses":  validIngressClass(),
		"networkpolicies": validNetworkPolicy(),
	}
	for _, k := range r.Kinds() {
		if k.Columns[0].Name != "Name" || k.Columns[0].Format != "name" {
			t.Errorf("%s: first column is %+v", k.Resource, k.Columns[0])
		}
		for _, obj := range []runtime.Object{k.New(), full[k.Resource]} {
			if cells := k.Row(obj); len(cells) != len(k.Columns) {
				t.Errorf("%s: %d cells for %d columns", k.Resource, len(cells), len(k.Columns))
			}
		}
	}
}

func fullIngress() *networkingv1.Ingress {
	ing := validIngress()
	ing.CreationTimestamp = metav1.NewTime(time.Now().Add(-2 * time.Hour))
	ing.Status.LoadBalancer.Ingress = []networkingv1.IngressLoadBalancerIngress{{IP: "192.168.100.100"}, {Hostname: "lb.example.com"}}
	return ing
}

func TestIngressRow(t *testing.T) {
	cells := ingressRow(fullIngress())
	want := []any{"web", "nginx", "example.com", "192.168.100.1...", "80, 443", "120m"}
	for i := range want {
		if cells[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, ingressColumns[i].Name, cells[i], want[i])
		}
	}
	empty := ingressRow(&networkingv1.Ingress{})
	if empty[1] != "<none>" || empty[2] != "*" || empty[4] != "80" || empty[5] != "<unknown>" {
		t.Errorf("empty ingress row = %v", empty)
	}
}

func TestFormatHosts(t *testing.T) {
	rules := func(hosts ...string) []networkingv1.IngressRule {
		var out []networkingv1.IngressRule
		for _, h := range hosts {
			out = append(out, networkingv1.IngressRule{Host: h})
		}
		return out
	}
	cases := []struct {
		rules []networkingv1.IngressRule
		want  string
	}{
		{nil, "*"},
		{rules(""), "*"},
		{rules("a", "", "b"), "a,b"},
		{rules("a", "b", "c", "d", "e"), "a,b,c + 2 more..."},
	}
	for _, c := range cases {
		if got := formatHosts(c.rules); got != c.want {
			t.Errorf("formatHosts(%v) = %q, want %q", c.rules, got, c.want)
		}
	}
}

func TestIngressClassAndPolicyRows(t *testing.T) {
	ic := validIngressClass()
	if got := ingressClassRow(ic)[2]; got != "Params.k8s.example.com/p" {
		t.Errorf("parameters cell = %v", got)
	}
	if got := ingressClassRow(&networkingv1.IngressClass{})[2]; got != "<none>" {
		t.Errorf("empty parameters cell = %v", got)
	}
	if got := networkPolicyRow(validNetworkPolicy())[1]; got != "app=web" {
		t.Errorf("pod selector cell = %v", got)
	}
	if got := networkPolicyRow(&networkingv1.NetworkPolicy{})[1]; got != "<none>" {
		t.Errorf("empty pod selector cell = %v", got)
	}
}
