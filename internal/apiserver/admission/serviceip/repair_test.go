package serviceip

import (
	"fmt"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

func TestRepair(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	a := e.create(ctx, svc("a", corev1.ServiceTypeNodePort, withIP("10.43.1.1"), withNodePort(0, 30001)))
	b := e.create(ctx, svc("b", corev1.ServiceTypeClusterIP, withIP("10.43.1.2")))
	// c was reserved just now but never stored: maybe another API
	// server's write in flight, so the default grace keeps it.
	e.create(ctx, svc("c", corev1.ServiceTypeNodePort, withIP("10.43.1.3"), withNodePort(0, 30003)))
	// Leaks from a crash an hour ago, one written by something else.
	old := fmt.Sprintf(`{"owner":"default/gone","at":%d}`, time.Now().Add(-time.Hour).Unix())
	for key, val := range map[string]string{
		IPPrefix + "10.43.9.9":    old,
		NodePortPrefix + "30009":  old,
		IPPrefix + "10.43.9.10":   "garbage",
		IPPrefix + "10.43.1.2":    old, // b's IP recorded for another owner
		NodePortPrefix + "99999":  old, // not a port of the range: ignored
		IPPrefix + "not-an-ip":    old,
		NodePortPrefix + "030002": old,
	} {
		if _, err := e.client.Put(ctx, key, val); err != nil {
			t.Fatal(err)
		}
	}
	// d is stored but its reservations were never recorded.
	d := svc("d", corev1.ServiceTypeNodePort, withIP("10.43.1.4"), withNodePort(0, 30004))

	if err := e.p.Repair(ctx, []corev1.Service{*a, *b, *d}); err != nil {
		t.Fatalf("Repair: %v", err)
	}
	e.waitKeys(IPPrefix, []string{"10.43.1.1", "10.43.1.2", "10.43.1.3", "10.43.1.4", "not-an-ip"})
	e.waitKeys(NodePortPrefix, []string{"030002", "30001", "30003", "30004", "99999"})
	h, err := e.p.ips.get(ctx, mustOffset(t, e.p, "10.43.1.2"))
	if err != nil || h == nil || h.Owner != "default/b" {
		t.Fatalf("b's IP recorded for %+v (%v), want default/b", h, err)
	}
	// Re-marked allocations are protected again.
	err = e.p.Admit(ctx, createAttrs(svc("x", corev1.ServiceTypeNodePort, withNodePort(0, 30004)), false))
	wantInvalid(t, err, "spec.ports[0].nodePort", "provided port is already allocated")

	// With no grace (one API server), the young leak goes too.
	solo, err := New(e.client, "10.43.0.0/16", "30000-32767", WithLeakGrace(0))
	if err != nil {
		t.Fatal(err)
	}
	if err := solo.Repair(ctx, []corev1.Service{*a, *b, *d}); err != nil {
		t.Fatalf("Repair: %v", err)
	}
	e.waitKeys(IPPrefix, []string{"10.43.1.1", "10.43.1.2", "10.43.1.4", "not-an-ip"})
	e.waitKeys(NodePortPrefix, []string{"030002", "30001", "30004", "99999"})
}

func mustOffset(t *testing.T, p *Plugin, ip string) uint64 {
	t.Helper()
	off, ok := p.ipRange.offset(ip)
	if !ok {
		t.Fatalf("%s not in range", ip)
	}
	return off
}

func TestReserve(t *testing.T) {
	e := defaultEnv(t)
	ctx := testCtx(t)
	first := e.p.FirstIP()
	if first != "10.43.0.1" {
		t.Fatalf("FirstIP = %s", first)
	}
	for range 2 { // idempotent for the same service
		if err := e.p.Reserve(ctx, first, "default", "kubernetes"); err != nil {
			t.Fatalf("Reserve: %v", err)
		}
	}
	if err := e.p.Reserve(ctx, first, "default", "other"); !apierrors.IsConflict(err) {
		t.Fatalf("Reserve by another service: want a conflict, got %v", err)
	}
	if err := e.p.Reserve(ctx, "10.44.0.1", "default", "kubernetes"); err == nil || !strings.Contains(err.Error(), "not in the service CIDR") {
		t.Fatalf("Reserve outside the range: got %v", err)
	}
	err := e.p.Admit(ctx, createAttrs(svc("x", corev1.ServiceTypeClusterIP, withIP(first)), false))
	wantInvalid(t, err, "spec.clusterIPs", "provided IP is already allocated")
}
