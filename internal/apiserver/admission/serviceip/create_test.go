package serviceip

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestCreateDynamicClusterIP(t *testing.T) {
	e := defaultEnv(t)
	s := e.create(testCtx(t), svc("web", corev1.ServiceTypeClusterIP))
	ip := s.Spec.ClusterIP
	if ip == "" || len(s.Spec.ClusterIPs) != 1 || s.Spec.ClusterIPs[0] != ip {
		t.Fatalf("clusterIP %q clusterIPs %v: want one IP in both", ip, s.Spec.ClusterIPs)
	}
	off, ok := e.p.ipRange.offset(ip)
	if !ok || off < 256 {
		t.Fatalf("dynamic IP %s: want it in the upper part of 10.43.0.0/16 (offset %d)", ip, off)
	}
	if got := e.ipKeys(); len(got) != 1 || got[0] != ip {
		t.Fatalf("stored IPs %v, want [%s]", got, ip)
	}
	if got := e.portKeys(); len(got) != 0 {
		t.Fatalf("a ClusterIP service reserved node ports %v", got)
	}
}

func TestCreateRequestedClusterIP(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	e.create(ctx, svc("taken", corev1.ServiceTypeClusterIP, withIP("10.43.0.5")))
	cases := []struct {
		name, ip, msg string
	}{
		{"kubernetes", "10.43.0.1", ""},
		{"dns", "10.43.0.10", ""},
		{"high", "10.43.200.7", ""},
		{"dup", "10.43.0.5", "failed to allocate IP 10.43.0.5: provided IP is already allocated"},
		{"outside", "10.44.0.5", "failed to allocate IP 10.44.0.5: provided IP is not in the valid range. The range of valid IPs is 10.43.0.0/16"},
		{"network", "10.43.0.0", "provided IP is not in the valid range"},
		{"broadcast", "10.43.255.255", "provided IP is not in the valid range"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := svc(tc.name, corev1.ServiceTypeClusterIP, withIP(tc.ip))
			err := e.p.Admit(ctx, createAttrs(s, false))
			if tc.msg != "" {
				wantInvalid(t, err, "spec.clusterIPs", tc.msg)
				return
			}
			if err != nil {
				t.Fatalf("admit: %v", err)
			}
			if s.Spec.ClusterIP != tc.ip {
				t.Fatalf("clusterIP %s, want %s", s.Spec.ClusterIP, tc.ip)
			}
		})
	}
	want := []string{"10.43.0.1", "10.43.0.10", "10.43.0.5", "10.43.200.7"}
	if got := e.ipKeys(); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("stored IPs %v, want %v", got, want)
	}
}

func TestHeadlessAndExternalNameAllocateNothing(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	headless := e.create(ctx, svc("headless", corev1.ServiceTypeClusterIP, withIP(corev1.ClusterIPNone)))
	ext := e.create(ctx, svc("ext", corev1.ServiceTypeExternalName))
	if headless.Spec.ClusterIP != corev1.ClusterIPNone {
		t.Errorf("headless clusterIP became %q", headless.Spec.ClusterIP)
	}
	if ext.Spec.ClusterIP != "" || len(ext.Spec.ClusterIPs) != 0 {
		t.Errorf("ExternalName got cluster IPs %q %v", ext.Spec.ClusterIP, ext.Spec.ClusterIPs)
	}
	if ips, ports := e.ipKeys(), e.portKeys(); len(ips)+len(ports) != 0 {
		t.Fatalf("reserved %v %v for services that hold nothing", ips, ports)
	}
}

// TestDynamicIPsSkipReservedAddresses fills a /27: dynamic allocation
// uses the upper part first, never hands out the first address or the
// DNS address, and answers "range is full" at the end.
func TestDynamicIPsSkipReservedAddresses(t *testing.T) {
	e := newEnv(t, "10.43.0.0/27", "30000-32767")
	ctx := testCtx(t)
	// 30 usable addresses, offsets 0..29; the static band is 16.
	seen := map[string]bool{}
	for i := range 28 {
		s := e.create(ctx, svc("s"+string(rune('a'+i)), corev1.ServiceTypeClusterIP))
		a := netip.MustParseAddr(s.Spec.ClusterIP)
		last := int(a.As4()[3])
		if seen[s.Spec.ClusterIP] || last == 1 || last == 10 || last == 0 || last == 31 {
			t.Fatalf("allocation %d: got %s", i, s.Spec.ClusterIP)
		}
		if i < 14 && last < 17 {
			t.Fatalf("allocation %d: got %s from the static band while the upper band had room", i, s.Spec.ClusterIP)
		}
		seen[s.Spec.ClusterIP] = true
	}
	err := e.p.Admit(ctx, createAttrs(svc("full", corev1.ServiceTypeClusterIP), false))
	if !apierrors.IsInternalError(err) || !strings.Contains(err.Error(), "failed to allocate a serviceIP: range is full") {
		t.Fatalf("want an internal error saying the range is full, got %v", err)
	}
	// The reserved addresses are still allocatable by request.
	e.create(ctx, svc("kubernetes", corev1.ServiceTypeClusterIP, withIP("10.43.0.1")))
	e.create(ctx, svc("dns", corev1.ServiceTypeClusterIP, withIP("10.43.0.10")))
}

func TestDryRunReservesNothing(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	e.create(ctx, svc("taken", corev1.ServiceTypeNodePort, withIP("10.43.0.5"), withNodePort(0, 30080)))

	s := svc("dry", corev1.ServiceTypeLoadBalancer)
	s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	if err := e.p.Admit(ctx, createAttrs(s, true)); err != nil {
		t.Fatalf("dry run: %v", err)
	}
	if s.Spec.ClusterIP == "" || s.Spec.Ports[0].NodePort == 0 || s.Spec.HealthCheckNodePort == 0 {
		t.Fatalf("dry run did not fill in the result: %+v", s.Spec)
	}
	if ips, ports := e.ipKeys(), e.portKeys(); len(ips) != 1 || len(ports) != 1 {
		t.Fatalf("dry run reserved: IPs %v ports %v", ips, ports)
	}
	err := e.p.Admit(ctx, createAttrs(svc("dup", corev1.ServiceTypeClusterIP, withIP("10.43.0.5")), true))
	wantInvalid(t, err, "spec.clusterIPs", "provided IP is already allocated")
	err = e.p.Admit(ctx, createAttrs(svc("dup", corev1.ServiceTypeNodePort, withNodePort(0, 30080)), true))
	wantInvalid(t, err, "spec.ports[0].nodePort", "provided port is already allocated")
	// A dry-run attempt has nothing to roll back.
	a := createAttrs(svc("dry2", corev1.ServiceTypeClusterIP, withIP("10.43.0.5")), true)
	e.p.Rollback(ctx, a)
	if got := e.ipKeys(); len(got) != 1 {
		t.Fatalf("rollback of a dry run changed the IPs: %v", got)
	}
}

func TestRollbackFreesCreate(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	s := svc("web", corev1.ServiceTypeNodePort, withIP("10.43.0.20"))
	a := createAttrs(s, false)
	if err := e.p.Admit(ctx, a); err != nil {
		t.Fatal(err)
	}
	if len(e.ipKeys()) != 1 || len(e.portKeys()) != 1 {
		t.Fatalf("admit reserved IPs %v ports %v", e.ipKeys(), e.portKeys())
	}
	cctx, cancel := context.WithCancel(ctx)
	cancel() // a client that went away must not stop the release
	e.p.Rollback(cctx, a)
	if ips, ports := e.ipKeys(), e.portKeys(); len(ips)+len(ports) != 0 {
		t.Fatalf("rollback left IPs %v ports %v", ips, ports)
	}
	again := e.create(ctx, svc("web", corev1.ServiceTypeNodePort, withIP("10.43.0.20"), withNodePort(0, s.Spec.Ports[0].NodePort)))
	if again.Spec.ClusterIP != "10.43.0.20" {
		t.Fatalf("IP not allocatable after rollback")
	}
}

func TestDeletedFrees(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	lb := svc("lb", corev1.ServiceTypeLoadBalancer)
	lb.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
	e.create(ctx, lb)
	keep := e.create(ctx, svc("keep", corev1.ServiceTypeNodePort))
	if len(e.ipKeys()) != 2 || len(e.portKeys()) != 3 {
		t.Fatalf("before delete: IPs %v ports %v", e.ipKeys(), e.portKeys())
	}
	e.p.Deleted(ctx, servicesKind, lb)
	if got := e.ipKeys(); len(got) != 1 || got[0] != keep.Spec.ClusterIP {
		t.Fatalf("after delete IPs %v, want only %s", got, keep.Spec.ClusterIP)
	}
	if got := e.portKeys(); len(got) != 1 {
		t.Fatalf("after delete ports %v, want only the other service's", got)
	}
	// Deleting again, or an object of another kind, frees nothing more.
	e.p.Deleted(ctx, servicesKind, lb)
	e.p.Deleted(ctx, servicesKind, svc("stranger", corev1.ServiceTypeNodePort, withIP(keep.Spec.ClusterIP), withNodePort(0, keep.Spec.Ports[0].NodePort)))
	if len(e.ipKeys()) != 1 || len(e.portKeys()) != 1 {
		t.Fatalf("a stale delete freed another service's allocations: %v %v", e.ipKeys(), e.portKeys())
	}
}
