package cluster

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"testing"
)

// NetNS is a network namespace joined to the host by a veth pair: the
// machine of a second node. The host routes to it over HostIf.
type NetNS struct {
	Name   string // under /var/run/netns
	HostIf string // host end of the veth pair
	HostIP string // address of HostIf (the namespace's default gateway)
	NSIP   string // address inside the namespace
}

// NewNetNS creates rdr-n2-<random> with a veth pair: hostIP/30 on the host
// end, nsIP/30 inside, loopback up and a default route through the host.
// hostIP and nsIP must share a /30. Removed when the test ends (after
// everything registered later, such as the agent running inside).
func NewNetNS(t testing.TB, hostIP, nsIP string) *NetNS {
	t.Helper()
	suffix := randomHex(3)
	n := &NetNS{Name: "rdr-n2-" + suffix, HostIf: "rdrh" + suffix, HostIP: hostIP, NSIP: nsIP}
	peer := "rdrp" + suffix
	t.Cleanup(func() {
		if err := n.remove(); err != nil {
			t.Errorf("removing network namespace: %v", err)
		}
	})
	steps := [][]string{
		{"ip", "netns", "add", n.Name},
		{"ip", "link", "add", n.HostIf, "type", "veth", "peer", "name", peer, "netns", n.Name},
		{"ip", "addr", "add", hostIP + "/30", "dev", n.HostIf},
		{"ip", "link", "set", n.HostIf, "up"},
		{"nsenter", "--net=" + n.path(), "--", "ip", "addr", "add", nsIP + "/30", "dev", peer},
		{"nsenter", "--net=" + n.path(), "--", "ip", "link", "set", peer, "up"},
		{"nsenter", "--net=" + n.path(), "--", "ip", "link", "set", "lo", "up"},
		{"nsenter", "--net=" + n.path(), "--", "ip", "route", "add", "default", "via", hostIP},
	}
	for _, s := range steps {
		if err := run(s[0], s[1:]...); err != nil {
			t.Fatalf("setting up network namespace: %v", err)
		}
	}
	return n
}

func (n *NetNS) path() string { return "/var/run/netns/" + n.Name }

// remove deletes the namespace (its veth end, bridge, nft tables and
// routes go with it) and the host end of the pair if it is left.
func (n *NetNS) remove() error {
	var errs []error
	if run("ip", "link", "show", "dev", n.HostIf) == nil {
		errs = append(errs, run("ip", "link", "del", n.HostIf))
	}
	if run("ip", "netns", "pids", n.Name) == nil {
		errs = append(errs, run("ip", "netns", "del", n.Name))
	}
	return errors.Join(errs...)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
