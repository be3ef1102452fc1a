package endpointslice

import (
	"fmt"
	"testing"

	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func ep(name string) discoveryv1.Endpoint {
	return discoveryv1.Endpoint{Addresses: []string{"10.0.0." + name},
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Name: name, UID: types.UID(name)}}
}

func port(n int32) []discoveryv1.EndpointPort {
	return []discoveryv1.EndpointPort{{Name: ptr.To("http"), Port: ptr.To(n), Protocol: ptr.To(corev1.ProtocolTCP)}}
}

func group(p int32, names ...string) map[string]*Group {
	g := &Group{Ports: port(p)}
	for _, n := range names {
		g.Endpoints = append(g.Endpoints, ep(n))
	}
	SortEndpoints(g.Endpoints)
	return map[string]*Group{PortsKey(g.Ports): g}
}

func slice(name string, p int32, names ...string) *discoveryv1.EndpointSlice {
	s := &discoveryv1.EndpointSlice{ObjectMeta: metav1.ObjectMeta{Name: name}, AddressType: discoveryv1.AddressTypeIPv4, Ports: port(p)}
	for _, n := range names {
		s.Endpoints = append(s.Endpoints, ep(n))
	}
	SortEndpoints(s.Endpoints)
	return s
}

func noMeta(*discoveryv1.EndpointSlice) bool { return false }

func sizes(ss []*discoveryv1.EndpointSlice) []int {
	var out []int
	for _, s := range ss {
		out = append(out, len(s.Endpoints))
	}
	return out
}

func names(n int) []string {
	var out []string
	for i := 0; i < n; i++ {
		out = append(out, fmt.Sprint(i))
	}
	return out
}

func TestMakePlan(t *testing.T) {
	cases := []struct {
		name                   string
		existing               []*discoveryv1.EndpointSlice
		groups                 map[string]*Group
		create, update, delete []int // endpoint counts of each written slice
	}{
		{"new service with 250 endpoints gets 3 slices of at most 100", nil, group(80, names(250)...),
			[]int{100, 100, 50}, nil, nil},
		{"unchanged slices are not written", []*discoveryv1.EndpointSlice{slice("s1", 80, "a", "b")}, group(80, "a", "b"),
			nil, nil, nil},
		{"a new endpoint fills an existing slice with room", []*discoveryv1.EndpointSlice{slice("s1", 80, "a")}, group(80, "a", "b"),
			nil, []int{2}, nil},
		{"a full slice overflows into a new one", []*discoveryv1.EndpointSlice{slice("s1", 80, names(100)...)}, group(80, names(101)...),
			[]int{1}, nil, nil},
		{"a slice left empty is deleted", []*discoveryv1.EndpointSlice{slice("s1", 80, "a"), slice("s2", 80, "b")}, group(80, "a"),
			nil, nil, []int{1}},
		{"changed ports replace the slice", []*discoveryv1.EndpointSlice{slice("s1", 80, "a")}, group(8080, "a"),
			[]int{1}, nil, []int{1}},
		{"no endpoints creates a placeholder", nil, map[string]*Group{},
			[]int{0}, nil, nil},
		{"no endpoints empties one slice and deletes the rest", []*discoveryv1.EndpointSlice{slice("s1", 80, "a"), slice("s2", 80, "b")}, map[string]*Group{},
			nil, []int{0}, []int{1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := MakePlan(tc.existing, tc.groups, discoveryv1.AddressTypeIPv4, 100, noMeta)
			if fmt.Sprint(sizes(p.Create)) != fmt.Sprint(tc.create) || fmt.Sprint(sizes(p.Update)) != fmt.Sprint(tc.update) ||
				fmt.Sprint(sizes(p.Delete)) != fmt.Sprint(tc.delete) {
				t.Fatalf("create %v update %v delete %v; want %v %v %v",
					sizes(p.Create), sizes(p.Update), sizes(p.Delete), tc.create, tc.update, tc.delete)
			}
		})
	}
}

func TestMakePlanKeepsEndpointsInPlace(t *testing.T) {
	existing := []*discoveryv1.EndpointSlice{slice("s1", 80, "a", "b"), slice("s2", 80, "c", "d")}
	p := MakePlan(existing, group(80, "a", "b", "d", "e"), discoveryv1.AddressTypeIPv4, 100, noMeta)
	if len(p.Update) != 1 || p.Update[0].Name != "s2" || len(p.Create)+len(p.Delete) != 0 {
		t.Fatalf("want only s2 updated, got %+v", p)
	}
	got := p.Update[0].Endpoints
	if len(got) != 2 || got[0].TargetRef.Name != "d" || got[1].TargetRef.Name != "e" {
		t.Fatalf("s2 holds %v", got)
	}
}

func TestDesiredConditions(t *testing.T) {
	mk := func(name string, ready, terminating bool) *corev1.Pod {
		st := corev1.ConditionFalse
		if ready {
			st = corev1.ConditionTrue
		}
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID(name)},
			Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c",
				Ports: []corev1.ContainerPort{{Name: "web", ContainerPort: 8080}}}}},
			Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: "10.0.0." + name[1:],
				Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}}}
		if terminating {
			p.DeletionTimestamp = &metav1.Time{}
		}
		return p
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Spec: corev1.ServiceSpec{Ports: []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("web")}}}}
	cases := []struct {
		name                        string
		pod                         *corev1.Pod
		publish                     bool
		ready, serving, terminating bool
	}{
		{"ready pod", mk("p1", true, false), false, true, true, false},
		{"not ready pod", mk("p2", false, false), false, false, false, false},
		{"terminating ready pod serves but is not ready", mk("p3", true, true), false, false, true, true},
		{"publishNotReadyAddresses", mk("p4", false, false), true, true, true, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := svc.DeepCopy()
			s.Spec.PublishNotReadyAddresses = tc.publish
			groups := Desired(s, []*corev1.Pod{tc.pod}, discoveryv1.AddressTypeIPv4, func(string) string { return "z1" })
			if len(groups) != 1 {
				t.Fatalf("groups %v", groups)
			}
			for _, g := range groups {
				e := g.Endpoints[0]
				c := e.Conditions
				if *c.Ready != tc.ready || *c.Serving != tc.serving || *c.Terminating != tc.terminating {
					t.Fatalf("conditions ready=%v serving=%v terminating=%v", *c.Ready, *c.Serving, *c.Terminating)
				}
				if *g.Ports[0].Port != 8080 || *e.NodeName != "n1" || *e.Zone != "z1" || e.TargetRef.Name != tc.pod.Name {
					t.Fatalf("endpoint %+v ports %+v", e, g.Ports)
				}
			}
		})
	}
}
