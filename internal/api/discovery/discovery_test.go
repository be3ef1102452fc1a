package discovery

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"rudder/internal/api"
)

func ptr[T any](v T) *T { return &v }

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

func validSlice() *discoveryv1.EndpointSlice {
	return &discoveryv1.EndpointSlice{
		ObjectMeta:  metav1.ObjectMeta{Name: "web-abc", Namespace: "default", ResourceVersion: "1"},
		AddressType: discoveryv1.AddressTypeIPv4,
		Endpoints: []discoveryv1.Endpoint{{
			Addresses: []string{"10.42.0.5"},
			NodeName:  ptr("node-1"),
			Hostname:  ptr("web-0"),
			Hints:     &discoveryv1.EndpointHints{ForZones: []discoveryv1.ForZone{{Name: "zone-a"}}},
		}},
		Ports: []discoveryv1.EndpointPort{{Name: ptr("http"), Port: ptr(int32(80))}, {Port: ptr(int32(443))}},
	}
}

func TestRegister(t *testing.T) {
	r := api.NewRegistry()
	Register(r)
	k, ok := r.Lookup(discoveryv1.SchemeGroupVersion.WithResource("endpointslices"))
	if !ok {
		t.Fatal("endpointslices not registered")
	}
	if !k.Namespaced {
		t.Error("endpointslices must be namespaced")
	}
	if got := fmt.Sprintf("%T", k.New()); got != "*v1.EndpointSlice" {
		t.Errorf("New() is %s", got)
	}
	if got := fmt.Sprintf("%T", k.NewList()); got != "*v1.EndpointSliceList" {
		t.Errorf("NewList() is %s", got)
	}
	for _, obj := range []*discoveryv1.EndpointSlice{{}, validSlice()} {
		if cells := k.Row(obj); len(cells) != len(k.Columns) {
			t.Errorf("%d cells for %d columns", len(cells), len(k.Columns))
		}
	}
}

func TestDefaultPorts(t *testing.T) {
	s := validSlice()
	s.Ports[0].Protocol = ptr(corev1.ProtocolUDP)
	defaultEndpointSlice(s)
	if *s.Ports[0].Protocol != corev1.ProtocolUDP || *s.Ports[0].Name != "http" {
		t.Errorf("explicit values changed: %+v", s.Ports[0])
	}
	if s.Ports[1].Name == nil || *s.Ports[1].Name != "" || s.Ports[1].Protocol == nil || *s.Ports[1].Protocol != corev1.ProtocolTCP {
		t.Errorf("port 1 not defaulted to name \"\" TCP: %+v", s.Ports[1])
	}
}

func TestValidateEndpointSlice(t *testing.T) {
	cases := []struct {
		name   string
		mutate func(*discoveryv1.EndpointSlice)
		want   wantErr
	}{
		{"valid", func(*discoveryv1.EndpointSlice) {}, wantErr{}},
		{"valid IPv6", func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeIPv6
			s.Endpoints[0].Addresses = []string{"2001:db8::1"}
		}, wantErr{}},
		{"valid FQDN", func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeFQDN
			s.Endpoints[0].Addresses = []string{"db.example.com"}
		}, wantErr{}},
		{"addressType missing", func(s *discoveryv1.EndpointSlice) { s.AddressType = "" }, wantErr{field.ErrorTypeRequired, "addressType"}},
		{"addressType unknown", func(s *discoveryv1.EndpointSlice) { s.AddressType = "IPX" }, wantErr{field.ErrorTypeNotSupported, "addressType"}},
		{"no addresses", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = nil }, wantErr{field.ErrorTypeRequired, "endpoints[0].addresses"}},
		{"IPv6 in IPv4 slice", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = []string{"2001:db8::1"} }, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"IPv4 in IPv6 slice", func(s *discoveryv1.EndpointSlice) { s.AddressType = discoveryv1.AddressTypeIPv6 }, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"loopback", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = []string{"127.0.0.1"} }, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"link-local", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = []string{"169.254.1.1"} }, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"unspecified", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Addresses = []string{"0.0.0.0"} }, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"bad FQDN", func(s *discoveryv1.EndpointSlice) {
			s.AddressType = discoveryv1.AddressTypeFQDN
			s.Endpoints[0].Addresses = []string{"single"}
		}, wantErr{field.ErrorTypeInvalid, "endpoints[0].addresses[0]"}},
		{"too many addresses", func(s *discoveryv1.EndpointSlice) {
			s.Endpoints[0].Addresses = make([]string, maxAddresses+1)
			for i := range s.Endpoints[0].Addresses {
				s.Endpoints[0].Addresses[i] = fmt.Sprintf("10.0.%d.1", i)
			}
		}, wantErr{field.ErrorTypeTooMany, "endpoints[0].addresses"}},
		{"bad node name", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].NodeName = ptr("Node_1") }, wantErr{field.ErrorTypeInvalid, "endpoints[0].nodeName"}},
		{"bad hostname", func(s *discoveryv1.EndpointSlice) { s.Endpoints[0].Hostname = ptr("a.b") }, wantErr{field.ErrorTypeInvalid, "endpoints[0].hostname"}},
		{"duplicate zone hint", func(s *discoveryv1.EndpointSlice) {
			s.Endpoints[0].Hints.ForZones = append(s.Endpoints[0].Hints.ForZones, discoveryv1.ForZone{Name: "zone-a"})
		}, wantErr{field.ErrorTypeDuplicate, "endpoints[0].hints.forZones[1].name"}},
		{"duplicate port name", func(s *discoveryv1.EndpointSlice) { s.Ports[1].Name = ptr("http") }, wantErr{field.ErrorTypeDuplicate, "ports[1].name"}},
		{"bad port name", func(s *discoveryv1.EndpointSlice) { s.Ports[0].Name = ptr("HTTP") }, wantErr{field.ErrorTypeInvalid, "ports[0].name"}},
		{"bad protocol", func(s *discoveryv1.EndpointSlice) { s.Ports[0].Protocol = ptr(corev1.Protocol("ICMP")) }, wantErr{field.ErrorTypeNotSupported, "ports[0].protocol"}},
		{"bad appProtocol", func(s *discoveryv1.EndpointSlice) { s.Ports[0].AppProtocol = ptr("a b") }, wantErr{field.ErrorTypeInvalid, "ports[0].appProtocol"}},
		{"bad name", func(s *discoveryv1.EndpointSlice) { s.Name = "Web" }, wantErr{field.ErrorTypeInvalid, "metadata.name"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := validSlice()
			defaultEndpointSlice(s)
			c.mutate(s)
			checkErrs(t, validateEndpointSlice(s), c.want)
		})
	}
}

func TestValidateUpdateAddressTypeImmutable(t *testing.T) {
	old := validSlice()
	defaultEndpointSlice(old)
	s := old.DeepCopy()
	s.Endpoints[0].Addresses = []string{"10.42.0.6"}
	checkErrs(t, validateEndpointSliceUpdate(s, old), wantErr{})
	s.AddressType = discoveryv1.AddressTypeFQDN
	s.Endpoints[0].Addresses = []string{"a.example.com"}
	checkErrs(t, validateEndpointSliceUpdate(s, old), wantErr{field.ErrorTypeInvalid, "addressType"})
}

func TestDeprecatedTopology(t *testing.T) {
	topo := map[string]string{corev1.LabelHostname: "node-1"}
	created := validSlice()
	created.Endpoints[0].DeprecatedTopology = topo
	prepareForCreate(created)
	if created.Endpoints[0].DeprecatedTopology != nil {
		t.Error("create kept deprecatedTopology")
	}

	old := validSlice()
	old.Endpoints[0].NodeName = nil
	old.Endpoints[0].DeprecatedTopology = topo
	unchanged := old.DeepCopy()
	prepareForUpdate(unchanged, old)
	if unchanged.Endpoints[0].DeprecatedTopology == nil {
		t.Error("update without endpoint change dropped deprecatedTopology")
	}

	changed := old.DeepCopy()
	changed.Endpoints[0].Addresses = []string{"10.42.0.9"}
	prepareForUpdate(changed, old)
	ep := changed.Endpoints[0]
	if ep.DeprecatedTopology != nil || ep.NodeName == nil || *ep.NodeName != "node-1" {
		t.Errorf("changed endpoint: topology %v nodeName %v, want nil and node-1", ep.DeprecatedTopology, ep.NodeName)
	}
}

func TestRow(t *testing.T) {
	s := validSlice()
	s.CreationTimestamp = metav1.NewTime(time.Now().Add(-90 * time.Second))
	s.Ports = append(s.Ports, discoveryv1.EndpointPort{Name: ptr("metrics")}, discoveryv1.EndpointPort{})
	s.Endpoints = append(s.Endpoints, discoveryv1.Endpoint{Addresses: []string{"10.42.0.6", "10.42.0.7", "10.42.0.8"}})
	want := []any{"web-abc", "IPv4", "80,443,metrics + 1 more...", "10.42.0.5,10.42.0.6,10.42.0.7 + 1 more...", "90s"}
	got := row(s)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("cell %d (%s) = %v, want %v", i, columns[i].Name, got[i], want[i])
		}
	}
	empty := row(&discoveryv1.EndpointSlice{})
	if empty[2] != "<unset>" || empty[3] != "<unset>" {
		t.Errorf("empty row = %v", empty)
	}
	s.Ports = []discoveryv1.EndpointPort{{}}
	if got := row(s)[2]; got != "*" {
		t.Errorf("port without number or name = %v, want *", got)
	}
}
