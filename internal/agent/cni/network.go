package cni

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/netip"
	"os"
	"os/exec"
	"strings"
)

// Options configure a node's network.
type Options struct {
	BridgeName  string // the bridge named in the conflist; removed by Cleanup
	PodCIDR     string // this node's range; never routed elsewhere
	ClusterCIDR string // all pods of the cluster, e.g. 10.42.0.0/16
	// NetNS, when set, is a network namespace path (/run/netns/x) the
	// commands run in (several nodes on one machine). Only the network
	// namespace is entered: `ip netns exec` would remount /sys.
	NetNS string
}

// Network applies and removes the host side of the pod network. It keeps
// no state in memory: what it owns is marked in the kernel (route protocol,
// table name), so a restarted agent finds it.
type Network struct {
	opts    Options
	cluster netip.Prefix
}

// New checks the options.
func New(opts Options) (*Network, error) {
	cluster, err := netip.ParsePrefix(opts.ClusterCIDR)
	if err != nil || !cluster.Addr().Is4() {
		return nil, fmt.Errorf("cluster CIDR %q: want an IPv4 prefix", opts.ClusterCIDR)
	}
	if opts.BridgeName == "" || len(opts.BridgeName) > 15 {
		return nil, fmt.Errorf("bridge name %q: must be 1 to 15 bytes", opts.BridgeName)
	}
	return &Network{opts: opts, cluster: cluster.Masked()}, nil
}

// Setup enables IP forwarding and installs the masquerade table. Safe to
// repeat.
func (n *Network) Setup(ctx context.Context) error {
	if err := n.enableForwarding(ctx); err != nil {
		return err
	}
	return n.installMasquerade(ctx)
}

// Cleanup removes the masquerade table, the routes SyncRoutes added and the
// bridge. Everything already gone is not an error.
func (n *Network) Cleanup(ctx context.Context) error {
	errs := []error{n.removeMasquerade(ctx), n.SyncRoutes(ctx, nil)}
	if n.linkExists(ctx, n.opts.BridgeName) {
		if _, err := n.run(ctx, nil, "ip", "link", "del", n.opts.BridgeName); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

func (n *Network) enableForwarding(ctx context.Context) error {
	const knob = "/proc/sys/net/ipv4/ip_forward"
	if n.opts.NetNS == "" {
		if err := os.WriteFile(knob, []byte("1\n"), 0o644); err != nil {
			return fmt.Errorf("enable IP forwarding: %w", err)
		}
		return nil
	}
	// /proc/sys/net shows the network namespace of whoever opens it.
	if _, err := n.run(ctx, nil, "/bin/sh", "-c", "echo 1 > "+knob); err != nil {
		return fmt.Errorf("enable IP forwarding: %w", err)
	}
	return nil
}

func (n *Network) linkExists(ctx context.Context, name string) bool {
	_, err := n.run(ctx, nil, "ip", "link", "show", "dev", name)
	return err == nil
}

// run executes a command, in the node's network namespace if it has one.
func (n *Network) run(ctx context.Context, stdin []byte, name string, args ...string) ([]byte, error) {
	if n.opts.NetNS != "" {
		args = append([]string{"--net=" + n.opts.NetNS, "--", name}, args...)
		name = "nsenter"
	}
	cmd := exec.CommandContext(ctx, name, args...)
	if stdin != nil {
		cmd.Stdin = bytes.NewReader(stdin)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		return out, fmt.Errorf("%s %s: %w: %s", name, strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return out, nil
}
