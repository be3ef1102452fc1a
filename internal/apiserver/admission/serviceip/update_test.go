package serviceip

import (
	"context"
	"slices"
	"strconv"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

func toType(typ corev1.ServiceType) func(*corev1.Service) {
	return func(s *corev1.Service) {
		s.Spec.Type = typ
		switch typ {
		case corev1.ServiceTypeClusterIP:
			for i := range s.Spec.Ports {
				s.Spec.Ports[i].NodePort = 0
			}
			s.Spec.HealthCheckNodePort = 0
		case corev1.ServiceTypeExternalName:
			s.Spec.ClusterIP, s.Spec.ClusterIPs, s.Spec.Ports = "", nil, nil
			s.Spec.ExternalName = "example.com"
		}
	}
}

func portStrings(ports ...int32) []string {
	var out []string
	for _, p := range ports {
		out = append(out, strconv.Itoa(int(p)))
	}
	return out
}

func TestUpdateTransitions(t *testing.T) {
	cases := []struct {
		name   string
		old    *corev1.Service
		change func(*corev1.Service)
		// after the update (and its request) ended:
		ips   func(old, cur *corev1.Service) []string
		ports func(old, cur *corev1.Service) []string
	}{
		{
			name: "ClusterIP to NodePort allocates node ports",
			old:  svc("s", corev1.ServiceTypeClusterIP), change: toType(corev1.ServiceTypeNodePort),
			ips:   func(o, c *corev1.Service) []string { return []string{o.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return portStrings(c.Spec.Ports[0].NodePort) },
		},
		{
			name: "NodePort to ClusterIP releases node ports",
			old:  svc("s", corev1.ServiceTypeNodePort), change: toType(corev1.ServiceTypeClusterIP),
			ips:   func(o, c *corev1.Service) []string { return []string{o.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return nil },
		},
		{
			name: "NodePort to ExternalName releases everything",
			old:  svc("s", corev1.ServiceTypeNodePort), change: toType(corev1.ServiceTypeExternalName),
			ips:   func(o, c *corev1.Service) []string { return nil },
			ports: func(o, c *corev1.Service) []string { return nil },
		},
		{
			name: "ExternalName to ClusterIP allocates an IP",
			old:  svc("s", corev1.ServiceTypeExternalName),
			change: func(s *corev1.Service) {
				s.Spec.Type, s.Spec.ExternalName = corev1.ServiceTypeClusterIP, ""
				s.Spec.Ports = []corev1.ServicePort{{Port: 80, Protocol: corev1.ProtocolTCP}}
			},
			ips:   func(o, c *corev1.Service) []string { return []string{c.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return nil },
		},
		{
			name: "changed node port releases the old one",
			old:  svc("s", corev1.ServiceTypeNodePort, withNodePort(0, 30080)), change: withNodePort(0, 30081),
			ips:   func(o, c *corev1.Service) []string { return []string{o.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return portStrings(30081) },
		},
		{
			name: "unchanged service keeps what it holds",
			old:  svc("s", corev1.ServiceTypeNodePort, withNodePort(0, 30080)), change: func(*corev1.Service) {},
			ips:   func(o, c *corev1.Service) []string { return []string{o.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return portStrings(30080) },
		},
		{
			name: "LoadBalancer to traffic policy Local adds a health check port",
			old:  svc("s", corev1.ServiceTypeLoadBalancer, withNodePort(0, 30080)),
			change: func(s *corev1.Service) {
				s.Spec.ExternalTrafficPolicy = corev1.ServiceExternalTrafficPolicyLocal
			},
			ips:   func(o, c *corev1.Service) []string { return []string{o.Spec.ClusterIP} },
			ports: func(o, c *corev1.Service) []string { return portStrings(30080, c.Spec.HealthCheckNodePort) },
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := defaultEnv(t)
			old := e.create(testCtx(t), tc.old)
			cur := old.DeepCopy()
			tc.change(cur)
			if err := e.update(cur, old); err != nil {
				t.Fatalf("update: %v", err)
			}
			if hasClusterIP(&cur.Spec) && cur.Spec.ClusterIP == "" {
				t.Fatalf("updated service has no cluster IP")
			}
			if hasNodePorts(&cur.Spec) && cur.Spec.Ports[0].NodePort == 0 {
				t.Fatalf("updated service has no node port")
			}
			e.waitKeys(IPPrefix, tc.ips(old, cur))
			e.waitKeys(NodePortPrefix, sorted(tc.ports(old, cur)))
		})
	}
}

func sorted(s []string) []string {
	slices.Sort(s)
	return s
}

func TestUpdateRefusesClusterIPChange(t *testing.T) {
	e := defaultEnv(t)
	old := e.create(testCtx(t), svc("s", corev1.ServiceTypeClusterIP, withIP("10.43.0.20")))
	cur := old.DeepCopy()
	withIP("10.43.0.21")(cur)
	wantInvalid(t, e.update(cur, old), "spec.clusterIPs[0]", "may not change once set")
	e.waitKeys(IPPrefix, []string{"10.43.0.20"})
}

// TestRollbackOfUpdateKeepsWhatTheServiceHolds: a failed update frees
// what it reserved and keeps what the stored service still uses, whether
// the request ended before or after the rollback.
func TestRollbackOfUpdateKeepsWhatTheServiceHolds(t *testing.T) {
	for _, endFirst := range []bool{false, true} {
		t.Run("request ended first="+strconv.FormatBool(endFirst), func(t *testing.T) {
			e := defaultEnv(t)
			old := e.create(testCtx(t), svc("s", corev1.ServiceTypeNodePort, withNodePort(0, 30080)))
			cur := old.DeepCopy()
			withNodePort(0, 30081)(cur)
			ctx, cancel := context.WithCancel(testCtx(t))
			a := updateAttrs(cur, old)
			if err := e.p.Admit(ctx, a); err != nil {
				t.Fatal(err)
			}
			e.waitKeys(NodePortPrefix, portStrings(30080, 30081))
			if endFirst {
				cancel()
				e.waitKeys(NodePortPrefix, portStrings(30081))
			}
			e.p.Rollback(ctx, a)
			cancel()
			e.waitKeys(NodePortPrefix, portStrings(30080))
			// Nothing still pending would release 30080 later.
			e.p.now = func() time.Time { return time.Now().Add(2 * attemptTTL) }
			e.p.sweep(testCtx(t))
			e.waitKeys(NodePortPrefix, portStrings(30080))
		})
	}
}

// TestUpdateRetryReleasesSupersededAttempt: storage retries an update
// and admission runs again on a fresh copy of the request; what the first
// run reserved must not leak.
func TestUpdateRetryReleasesSupersededAttempt(t *testing.T) {
	e := defaultEnv(t)
	old := e.create(testCtx(t), svc("s", corev1.ServiceTypeClusterIP))
	request := svc("s", corev1.ServiceTypeNodePort, withIP(old.Spec.ClusterIP))
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()

	first := updateAttrs(request.DeepCopy(), old)
	if err := e.p.Admit(ctx, first); err != nil {
		t.Fatal(err)
	}
	p1 := first.Object.(*corev1.Service).Spec.Ports[0].NodePort
	e.waitKeys(NodePortPrefix, portStrings(p1))

	// The stored object changed meanwhile (a label), not its allocations.
	newer := old.DeepCopy()
	newer.Labels = map[string]string{"changed": "yes"}
	second := updateAttrs(request.DeepCopy(), newer)
	if err := e.p.Admit(ctx, second); err != nil {
		t.Fatal(err)
	}
	p2 := second.Object.(*corev1.Service).Spec.Ports[0].NodePort
	if got := e.portKeys(); len(got) != 1 || got[0] != strconv.Itoa(int(p2)) {
		t.Fatalf("after the retry ports %v, want only %d (first attempt got %d)", got, p2, p1)
	}
	// A rollback for the superseded attempt must not touch the live one.
	e.p.Rollback(ctx, first)
	e.waitKeys(NodePortPrefix, portStrings(p2))
	// The final attempt's failure frees its port.
	e.p.Rollback(ctx, second)
	e.waitKeys(NodePortPrefix, nil)
	e.waitKeys(IPPrefix, []string{old.Spec.ClusterIP})
}

// TestSequentialUpdatesSharingAContext: callers inside the server may
// reuse one context for several writes; a finished update is not taken
// for a superseded one.
func TestSequentialUpdatesSharingAContext(t *testing.T) {
	e := defaultEnv(t)
	ctx, cancel := context.WithCancel(testCtx(t))
	defer cancel()
	v1 := e.create(ctx, svc("s", corev1.ServiceTypeNodePort, withNodePort(0, 30080)))
	v2 := v1.DeepCopy()
	withNodePort(0, 30081)(v2)
	if err := e.p.Admit(ctx, updateAttrs(v2, v1)); err != nil {
		t.Fatal(err)
	}
	v3 := v2.DeepCopy()
	withNodePort(0, 30082)(v3)
	if err := e.p.Admit(ctx, updateAttrs(v3, v2)); err != nil {
		t.Fatal(err)
	}
	// v2 was stored: 30081 is still held until the second write is done.
	e.waitKeys(NodePortPrefix, portStrings(30081, 30082))
	cancel()
	e.waitKeys(NodePortPrefix, portStrings(30082))
}
