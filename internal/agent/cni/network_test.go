package cni

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// testNetNS makes a network namespace with a veth whose end v0 has
// 10.99.0.1/24, so routes via 10.99.0.x are valid, and deletes it after the
// test. Working in a namespace keeps the machine's own network untouched.
func testNetNS(t *testing.T) string {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, bin := range []string{"ip", "nft", "nsenter"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("no %s (scripts/deps.sh installs it)", bin)
		}
	}
	b := make([]byte, 4)
	rand.Read(b)
	name := "rcni-" + hex.EncodeToString(b)
	sh(t, "ip", "netns", "add", name)
	t.Cleanup(func() { exec.Command("ip", "netns", "del", name).Run() })
	sh(t, "ip", "-n", name, "link", "add", "v0", "type", "veth", "peer", "name", "v1")
	sh(t, "ip", "-n", name, "addr", "add", "10.99.0.1/24", "dev", "v0")
	sh(t, "ip", "-n", name, "link", "set", "v0", "up")
	sh(t, "ip", "-n", name, "link", "set", "v1", "up")
	return "/run/netns/" + name
}

func sh(t *testing.T, name string, args ...string) string {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return string(out)
}

func inNS(t *testing.T, ns string, args ...string) string {
	t.Helper()
	return sh(t, "nsenter", append([]string{"--net=" + ns, "--"}, args...)...)
}

func TestNetworkSetupRoutesCleanup(t *testing.T) {
	ns := testNetNS(t)
	ctx := context.Background()
	n, err := New(Options{BridgeName: "rtest0", PodCIDR: "10.42.0.0/24", ClusterCIDR: "10.42.0.0/16", NetNS: ns})
	if err != nil {
		t.Fatal(err)
	}
	inNS(t, ns, "sh", "-c", "echo 0 > /proc/sys/net/ipv4/ip_forward")

	for i := 0; i < 2; i++ { // Setup is repeatable
		if err := n.Setup(ctx); err != nil {
			t.Fatalf("Setup #%d: %v", i+1, err)
		}
	}
	if got := strings.TrimSpace(inNS(t, ns, "cat", "/proc/sys/net/ipv4/ip_forward")); got != "1" {
		t.Errorf("ip_forward = %s after Setup", got)
	}
	table := inNS(t, ns, "nft", "list", "table", "ip", MasqTable)
	if !strings.Contains(table, "ip saddr 10.42.0.0/16 ip daddr != 10.42.0.0/16 masquerade") {
		t.Errorf("masquerade table lacks the cluster-only rule:\n%s", table)
	}
	if c := strings.Count(table, "masquerade"); c != 1 {
		t.Errorf("%d masquerade rules after two Setups, want 1", c)
	}

	// A route the agent does not own must survive every sync.
	inNS(t, ns, "ip", "route", "add", "10.50.0.0/24", "via", "10.99.0.9")

	if err := n.SyncRoutes(ctx, []Route{
		{PodCIDR: "10.42.1.0/24", NodeIP: "10.99.0.2"},
		{PodCIDR: "10.42.2.0/24", NodeIP: "10.99.0.3"},
		{PodCIDR: "10.42.0.0/24", NodeIP: "10.99.0.4"}, // own CIDR: skipped
	}); err != nil {
		t.Fatal(err)
	}
	routes := inNS(t, ns, "ip", "-4", "route")
	for _, want := range []string{"10.42.1.0/24 via 10.99.0.2", "10.42.2.0/24 via 10.99.0.3", "10.50.0.0/24 via 10.99.0.9"} {
		if !strings.Contains(routes, want) {
			t.Errorf("routes lack %q:\n%s", want, routes)
		}
	}
	if strings.Contains(routes, "10.42.0.0/24") {
		t.Errorf("own pod CIDR routed away:\n%s", routes)
	}

	// Second sync: one node gone, one moved.
	if err := n.SyncRoutes(ctx, []Route{{PodCIDR: "10.42.2.0/24", NodeIP: "10.99.0.5"}}); err != nil {
		t.Fatal(err)
	}
	routes = inNS(t, ns, "ip", "-4", "route")
	if strings.Contains(routes, "10.42.1.0/24") || !strings.Contains(routes, "10.42.2.0/24 via 10.99.0.5") {
		t.Errorf("after resync, want only 10.42.2.0/24 via 10.99.0.5:\n%s", routes)
	}

	inNS(t, ns, "ip", "link", "add", "rtest0", "type", "bridge") // as the CNI bridge plugin would
	for i := 0; i < 2; i++ {                                     // Cleanup is repeatable
		if err := n.Cleanup(ctx); err != nil {
			t.Fatalf("Cleanup #%d: %v", i+1, err)
		}
	}
	if out, err := exec.Command("nsenter", "--net="+ns, "--", "nft", "list", "table", "ip", MasqTable).CombinedOutput(); err == nil {
		t.Errorf("table still there after Cleanup:\n%s", out)
	}
	routes = inNS(t, ns, "ip", "-4", "route")
	if strings.Contains(routes, "10.42.") || !strings.Contains(routes, "10.50.0.0/24") {
		t.Errorf("after Cleanup want only foreign routes:\n%s", routes)
	}
	if links := inNS(t, ns, "ip", "link"); strings.Contains(links, "rtest0") {
		t.Errorf("bridge still there after Cleanup:\n%s", links)
	}
}

func TestSyncRoutesRejectsBadInput(t *testing.T) {
	n, err := New(Options{BridgeName: "rtest0", PodCIDR: "10.42.0.0/24", ClusterCIDR: "10.42.0.0/16"})
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Route{{PodCIDR: "10.42.1.0", NodeIP: "10.0.0.1"}, {PodCIDR: "10.42.1.0/24", NodeIP: "node-1"}} {
		if err := n.SyncRoutes(context.Background(), []Route{r}); err == nil {
			t.Errorf("SyncRoutes(%+v) succeeded", r)
		}
	}
}

func TestNewRejectsBadOptions(t *testing.T) {
	for _, o := range []Options{
		{BridgeName: "b", ClusterCIDR: "10.42.0.0"},
		{BridgeName: "", ClusterCIDR: "10.42.0.0/16"},
	} {
		if _, err := New(o); err == nil {
			t.Errorf("New(%+v) succeeded", o)
		}
	}
}
