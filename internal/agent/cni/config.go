// Package cni owns a node's pod network: the CNI conflist that containerd
// reads, host routes to the other nodes' pod CIDRs, the masquerade rule for
// traffic leaving the cluster, and IP forwarding.
package cni

import (
	"encoding/json"
	"fmt"
	"net/netip"
	"os"
	"path/filepath"
)

// ConfFileName is the conflist written into the CNI conf dir. containerd
// uses the first file in name order, so the prefix keeps it first.
const ConfFileName = "10-rudder.conflist"

// NetworkName names the CNI network (and host-local's state directory).
const NetworkName = "rudder"

// Config describes one node's bridge network.
type Config struct {
	BridgeName string // Linux bridge the pods attach to, at most 15 bytes
	PodCIDR    string // this node's pod range, e.g. 10.42.3.0/24
	// IPAMDataDir keeps host-local's allocations; separate per node so
	// several nodes on one machine do not hand out the same addresses.
	IPAMDataDir string
}

func (c Config) validate() (netip.Prefix, error) {
	if c.BridgeName == "" || len(c.BridgeName) > 15 {
		return netip.Prefix{}, fmt.Errorf("bridge name %q: must be 1 to 15 bytes", c.BridgeName)
	}
	if !filepath.IsAbs(c.IPAMDataDir) {
		return netip.Prefix{}, fmt.Errorf("IPAM data dir %q: must be absolute", c.IPAMDataDir)
	}
	p, err := netip.ParsePrefix(c.PodCIDR)
	if err != nil || !p.Addr().Is4() {
		return netip.Prefix{}, fmt.Errorf("pod CIDR %q: want an IPv4 prefix", c.PodCIDR)
	}
	return p.Masked(), nil
}

// Conflist renders the CNI configuration: a bridge that is the pods'
// gateway (no ipMasq: cross-node pod traffic must keep its source address;
// the agent masquerades only traffic leaving the cluster), then portmap for
// hostPorts, then loopback.
func Conflist(c Config) ([]byte, error) {
	cidr, err := c.validate()
	if err != nil {
		return nil, fmt.Errorf("CNI config: %w", err)
	}
	doc := map[string]any{
		"cniVersion": "1.0.0",
		"name":       NetworkName,
		"plugins": []any{
			map[string]any{
				"type":        "bridge",
				"bridge":      c.BridgeName,
				"isGateway":   true,
				"hairpinMode": true,
				"ipMasq":      false,
				"ipam": map[string]any{
					"type":    "host-local",
					"dataDir": c.IPAMDataDir,
					"ranges":  [][]map[string]string{{{"subnet": cidr.String()}}},
					"routes":  []map[string]string{{"dst": "0.0.0.0/0"}},
				},
			},
			map[string]any{"type": "portmap", "capabilities": map[string]bool{"portMappings": true}},
			map[string]any{"type": "loopback"},
		},
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("CNI config: %w", err)
	}
	return append(out, '\n'), nil
}

// WriteConfig writes the conflist into confDir. It writes the file in
// place rather than renaming a new one in: containerd's CRI plugin watches
// the directory and did not pick up a renamed file on these machines.
func WriteConfig(confDir string, c Config) error {
	data, err := Conflist(c)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(confDir, 0o755); err != nil {
		return fmt.Errorf("create CNI conf dir: %w", err)
	}
	path := filepath.Join(confDir, ConfFileName)
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
	if err != nil {
		return fmt.Errorf("write CNI config: %w", err)
	}
	_, werr := f.Write(data)
	serr := f.Sync()
	cerr := f.Close()
	for _, err := range []error{werr, serr, cerr} {
		if err != nil {
			return fmt.Errorf("write CNI config %s: %w", path, err)
		}
	}
	return nil
}
