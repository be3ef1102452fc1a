package endpoints

import (
	"k8s.io/apimachinery/pkg/types"
	"strconv"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func pod(name, ip string, ready bool, ports ...corev1.ContainerPort) *corev1.Pod {
	status := corev1.ConditionFalse
	if ready {
		status = corev1.ConditionTrue
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: name, UID: types.UID("uid-" + name)},
		Spec:       corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Ports: ports}}},
		Status: corev1.PodStatus{Phase: corev1.PodRunning, PodIP: ip,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: status}}},
	}
}

func svc(publish bool, ports ...corev1.ServicePort) *corev1.Service {
	return &corev1.Service{
		ObjectMeta: metav1.ObjectMeta{Namespace: "ns", Name: "web"},
		Spec: corev1.ServiceSpec{Selector: map[string]string{"app": "web"}, Ports: ports,
			PublishNotReadyAddresses: publish, ClusterIP: "10.43.0.9"},
	}
}

func named(name string) corev1.ServicePort {
	return corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromString(name)}
}

func numbered(n int32) corev1.ServicePort {
	return corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(n)}
}

func ips(a []corev1.EndpointAddress) []string {
	var out []string
	for _, x := range a {
		out = append(out, x.IP)
	}
	return out
}

// summary flattens subsets to "ready-ips|notready-ips|port" strings.
func summary(subsets []corev1.EndpointSubset) []string {
	var out []string
	for _, s := range subsets {
		line := ""
		for _, ip := range ips(s.Addresses) {
			line += ip + " "
		}
		line += "|"
		for _, ip := range ips(s.NotReadyAddresses) {
			line += ip + " "
		}
		line += "|"
		for _, p := range s.Ports {
			line += p.Name + ":" + itoa(p.Port) + " "
		}
		out = append(out, line)
	}
	return out
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func TestComputeSubsets(t *testing.T) {
	httpPort := corev1.ContainerPort{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolTCP}
	otherPort := corev1.ContainerPort{Name: "web", ContainerPort: 9090, Protocol: corev1.ProtocolTCP}
	terminating := pod("t", "10.0.0.4", true, httpPort)
	terminating.DeletionTimestamp = &metav1.Time{}
	succeeded := pod("s", "10.0.0.5", false, httpPort)
	succeeded.Status.Phase = corev1.PodSucceeded
	cases := []struct {
		name string
		svc  *corev1.Service
		pods []*corev1.Pod
		want []string
	}{
		{"ready and not ready split", svc(false, numbered(8080)),
			[]*corev1.Pod{pod("a", "10.0.0.2", true), pod("b", "10.0.0.1", false), pod("c", "10.0.0.3", true)},
			[]string{"10.0.0.2 10.0.0.3 |10.0.0.1 |http:8080 "}},
		{"publishNotReadyAddresses makes all ready", svc(true, numbered(8080)),
			[]*corev1.Pod{pod("a", "10.0.0.2", true), pod("b", "10.0.0.1", false)},
			[]string{"10.0.0.1 10.0.0.2 ||http:8080 "}},
		{"named port resolved per pod", svc(false, named("web")),
			[]*corev1.Pod{pod("a", "10.0.0.1", true, httpPort), pod("b", "10.0.0.2", true, otherPort)},
			[]string{"10.0.0.1 ||http:8080 ", "10.0.0.2 ||http:9090 "}},
		{"unresolvable named port leaves the pod out", svc(false, named("web")),
			[]*corev1.Pod{pod("a", "10.0.0.1", true, httpPort), pod("b", "10.0.0.2", true)},
			[]string{"10.0.0.1 ||http:8080 "}},
		{"pods without IP, terminal or terminating are skipped", svc(false, numbered(80)),
			[]*corev1.Pod{pod("noip", "", true), succeeded, terminating, pod("a", "10.0.0.1", true)},
			[]string{"10.0.0.1 ||http:80 "}},
		{"terminating pods kept when publishing not-ready", svc(true, numbered(80)),
			[]*corev1.Pod{terminating},
			[]string{"10.0.0.4 ||http:80 "}},
		{"unset targetPort uses the service port", svc(false, corev1.ServicePort{Name: "http", Port: 80, Protocol: corev1.ProtocolTCP}),
			[]*corev1.Pod{pod("a", "10.0.0.1", true)},
			[]string{"10.0.0.1 ||http:80 "}},
		{"no pods gives no subsets", svc(false, numbered(80)), nil, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, truncated := ComputeSubsets(tc.svc, tc.pods)
			if truncated {
				t.Fatal("unexpected truncation")
			}
			gs := summary(got)
			if len(gs) != len(tc.want) {
				t.Fatalf("got %q, want %q", gs, tc.want)
			}
			for i := range gs {
				if gs[i] != tc.want[i] {
					t.Fatalf("got %q, want %q", gs, tc.want)
				}
			}
		})
	}
}

func TestComputeSubsetsMergesPortsAndSetsRefs(t *testing.T) {
	s := svc(false, numbered(8080), corev1.ServicePort{Name: "metrics", Port: 9100, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9100)})
	got, _ := ComputeSubsets(s, []*corev1.Pod{pod("a", "10.0.0.1", true)})
	if len(got) != 1 || len(got[0].Ports) != 2 {
		t.Fatalf("want one subset with both ports, got %+v", got)
	}
	a := got[0].Addresses[0]
	if a.TargetRef == nil || a.TargetRef.Name != "a" || a.TargetRef.Kind != "Pod" || a.NodeName == nil || *a.NodeName != "n1" {
		t.Fatalf("bad address %+v", a)
	}
}

func TestComputeSubsetsTruncates(t *testing.T) {
	var pods []*corev1.Pod
	for i := 0; i < MaxAddresses+5; i++ {
		pods = append(pods, pod("p"+itoa(int32(i)), "10.1."+itoa(int32(i/250))+"."+itoa(int32(i%250)), i%2 == 0))
	}
	got, truncated := ComputeSubsets(svc(false, numbered(80)), pods)
	n := 0
	for _, s := range got {
		n += len(s.Addresses) + len(s.NotReadyAddresses)
	}
	if !truncated || n != MaxAddresses {
		t.Fatalf("truncated=%v addresses=%d", truncated, n)
	}
}

func TestHeadlessHostname(t *testing.T) {
	s := svc(false)
	s.Spec.ClusterIP = corev1.ClusterIPNone
	p := pod("a", "10.0.0.1", true)
	p.Spec.Hostname, p.Spec.Subdomain = "host-a", "web"
	got, _ := ComputeSubsets(s, []*corev1.Pod{p})
	if len(got) != 1 || got[0].Addresses[0].Hostname != "host-a" || len(got[0].Ports) != 0 {
		t.Fatalf("got %+v", got)
	}
}
