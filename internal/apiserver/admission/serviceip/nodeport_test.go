package serviceip

import (
	"strconv"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestNodePortAllocation(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	s := e.create(ctx, svc("dns", corev1.ServiceTypeNodePort,
		withPort("dns-udp", 53, corev1.ProtocolUDP), withPort("dns-tcp", 53, corev1.ProtocolTCP), withPort("metrics", 9153, corev1.ProtocolTCP)))
	np := nodePorts(s)
	for _, p := range np {
		if p < 30000 || p > 32767 {
			t.Fatalf("node ports %v outside the range", np)
		}
	}
	if np[1] != np[2] {
		t.Errorf("TCP and UDP of port 53 got node ports %d and %d, want one shared", np[1], np[2])
	}
	if np[0] == np[1] || np[0] == np[3] || np[1] == np[3] {
		t.Errorf("distinct ports share node ports: %v", np)
	}
	if got := e.portKeys(); len(got) != 3 {
		t.Fatalf("stored ports %v, want 3", got)
	}

	e.create(ctx, svc("fixed", corev1.ServiceTypeNodePort, withNodePort(0, 30080)))
	cases := []struct {
		name string
		np   int32
		msg  string
	}{
		{"dup", 30080, "provided port is already allocated"},
		{"low", 80, "provided port is not in the valid range. The range of valid ports is 30000-32767"},
	}
	for _, tc := range cases {
		err := e.p.Admit(ctx, createAttrs(svc(tc.name, corev1.ServiceTypeNodePort, withNodePort(0, tc.np)), false))
		wantInvalid(t, err, "spec.ports[0].nodePort", tc.msg)
		if !strings.Contains(err.Error(), "Invalid value: "+strconv.Itoa(int(tc.np))) {
			t.Errorf("message %q does not show the value", err)
		}
	}
}

// TestFailedAdmitKeepsNothing: a service whose second port is refused
// must not keep the IP and node port given to the rest.
func TestFailedAdmitKeepsNothing(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	e.create(ctx, svc("fixed", corev1.ServiceTypeNodePort, withNodePort(0, 30080)))
	before := strings.Join(e.portKeys(), ",")
	bad := svc("bad", corev1.ServiceTypeNodePort, withPort("b", 81, corev1.ProtocolTCP), withNodePort(1, 30080))
	err := e.p.Admit(ctx, createAttrs(bad, false))
	wantInvalid(t, err, "spec.ports[1].nodePort", "provided port is already allocated")
	if got := strings.Join(e.portKeys(), ","); got != before {
		t.Fatalf("ports after a refused create %s, want %s", got, before)
	}
	if got := e.ipKeys(); len(got) != 1 {
		t.Fatalf("IPs after a refused create %v, want only the first service's", got)
	}
}

func TestNodePortRangeExhaustion(t *testing.T) {
	e := newEnv(t, "10.43.0.0/16", "30000-30002")
	ctx := testCtx(t)
	got := map[int32]bool{}
	for _, name := range []string{"a", "b", "c"} {
		s := e.create(ctx, svc(name, corev1.ServiceTypeNodePort))
		got[s.Spec.Ports[0].NodePort] = true
	}
	if len(got) != 3 || !got[30000] || !got[30001] || !got[30002] {
		t.Fatalf("node ports %v, want 30000-30002", got)
	}
	err := e.p.Admit(ctx, createAttrs(svc("d", corev1.ServiceTypeNodePort), false))
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "failed to allocate a nodePort: range is full") {
		t.Fatalf("want a clear range-is-full error, got %v", err)
	}
	if ips := e.ipKeys(); len(ips) != 3 {
		t.Fatalf("the refused service kept its IP: %v", ips)
	}
}

func TestLoadBalancerPorts(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	local := svc("local", corev1.ServiceTypeLoadBalancer)
	local.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	e.create(ctx, local)
	hc := local.Spec.HealthCheckNodePort
	if hc == 0 || hc == local.Spec.Ports[0].NodePort {
		t.Fatalf("health check node port %d, node port %d: want a distinct one", hc, local.Spec.Ports[0].NodePort)
	}

	noPorts := svc("noports", corev1.ServiceTypeLoadBalancer)
	noPorts.Spec.AllocateLoadBalancerNodePorts = new(bool)
	e.create(ctx, noPorts)
	if noPorts.Spec.Ports[0].NodePort != 0 {
		t.Fatalf("allocateLoadBalancerNodePorts=false got node port %d", noPorts.Spec.Ports[0].NodePort)
	}
	if got := e.portKeys(); len(got) != 2 {
		t.Fatalf("stored ports %v, want the local service's two", got)
	}

	dup := svc("dup", corev1.ServiceTypeLoadBalancer)
	dup.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	dup.Spec.HealthCheckNodePort = hc
	err := e.p.Admit(ctx, createAttrs(dup, false))
	wantInvalid(t, err, "spec.healthCheckNodePort", "provided port is already allocated")
}
