package serviceip

import (
	"encoding/json"
	"fmt"
	"sync"
	"testing"

	clientv3 "go.etcd.io/etcd/client/v3"
	corev1 "k8s.io/api/core/v1"
)

// TestConcurrentCreatesTwoServers: two API servers (two plugins, two
// etcd clients) create 200 services at once from small ranges, so that
// they often race for the same IP or port; none is handed out twice and
// every reservation names its service.
func TestConcurrentCreatesTwoServers(t *testing.T) {
	const n = 200
	ep := startEtcd(t)
	var plugins []*Plugin
	for range 2 {
		p, err := New(newClient(t, ep), "10.43.0.0/23", "30000-30299")
		if err != nil {
			t.Fatal(err)
		}
		plugins = append(plugins, p)
	}
	ctx := testCtx(t)
	services := make([]*corev1.Service, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			services[i] = svc(fmt.Sprintf("s%03d", i), corev1.ServiceTypeNodePort)
			errs[i] = plugins[i%2].Admit(ctx, createAttrs(services[i], false))
		}()
	}
	wg.Wait()
	ips, ports := map[string]string{}, map[int32]string{}
	for i, s := range services {
		if errs[i] != nil {
			t.Fatalf("create %s: %v", s.Name, errs[i])
		}
		if other, dup := ips[s.Spec.ClusterIP]; dup {
			t.Fatalf("IP %s given to %s and %s", s.Spec.ClusterIP, other, s.Name)
		}
		ips[s.Spec.ClusterIP] = s.Name
		np := s.Spec.Ports[0].NodePort
		if other, dup := ports[np]; dup {
			t.Fatalf("node port %d given to %s and %s", np, other, s.Name)
		}
		ports[np] = s.Name
	}
	c := newClient(t, ep)
	checkOwners(t, c, IPPrefix, n, func(name string) string { return ips[name] })
	checkOwners(t, c, NodePortPrefix, n, func(name string) string {
		var port int32
		fmt.Sscan(name, &port)
		return ports[port]
	})
}

// checkOwners checks that prefix holds want keys, each owned by the
// service that got it.
func checkOwners(t *testing.T, c *clientv3.Client, prefix string, want int, holder func(string) string) {
	t.Helper()
	resp, err := c.Get(testCtx(t), prefix, clientv3.WithPrefix())
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Kvs) != want {
		t.Fatalf("%s holds %d keys, want %d", prefix, len(resp.Kvs), want)
	}
	for _, kv := range resp.Kvs {
		var e entry
		if err := json.Unmarshal(kv.Value, &e); err != nil {
			t.Fatalf("%s: %v", kv.Key, err)
		}
		name := string(kv.Key[len(prefix):])
		if e.Owner != "default/"+holder(name) {
			t.Fatalf("%s owned by %q, but service %q got it", kv.Key, e.Owner, holder(name))
		}
	}
}
