package allinone

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"

	"rudder/internal/agent"
	"rudder/internal/agent/join"
	"rudder/internal/pki"
	"rudder/internal/server"
)

// startLocalAgent runs a node agent in this process, as `rudder server`
// does unless --disable-agent: the machine is a node of its own cluster.
// It has its own node identity, not the admin's.
func startLocalAgent(ctx context.Context, s *server.Server) error {
	ready := s.ImagesReady()
	opts := s.Options()
	host, err := os.Hostname()
	if err != nil {
		return fmt.Errorf("hostname: %w", err)
	}
	node := strings.ToLower(host)
	dir := filepath.Join(opts.DataDir, "agent")
	cert, key, err := s.CA.IssueClient("system:node:"+node, []string{"system:nodes"}, 365*24*time.Hour)
	if err != nil {
		return fmt.Errorf("node identity: %w", err)
	}
	files := join.Paths(dir)
	kubeconfig := files.Kubeconfig
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("agent dir: %w", err)
	}
	if err := writeNodeFiles(s, node, files); err != nil {
		return err
	}
	if err := pki.WriteKubeconfig(kubeconfig, s.URL, s.CA.CertPEM, cert, key, "system:node:"+node); err != nil {
		return err
	}
	o := agent.DefaultOptions()
	o.Kubeconfig = kubeconfig
	o.Runtime = "cri"
	o.Real = agent.RealOptions{
		DataDir: dir, NodeName: node, RegistryURL: s.URL,
		RegistryCAFile: filepath.Join(opts.DataDir, "tls", "ca.crt"), ClusterCIDR: opts.ClusterCIDR,
		PodCIDR: firstNodeCIDR(opts.ClusterCIDR),
		NodeIP:  advertisedNodeIP(s),
	}
	go func() {
		select {
		case <-ready:
		case <-ctx.Done():
			return
		}
		if err := agent.Run(ctx, o); err != nil && ctx.Err() == nil {
			slog.Error("node agent stopped", "err", err)
		}
	}()
	return nil
}

// firstNodeCIDR is the first /24 of the cluster CIDR: the server's own node
// gets it, so its pods have a network even before node IPAM runs.
func firstNodeCIDR(cluster string) string {
	_, n, err := net.ParseCIDR(cluster)
	if err != nil || n.IP.To4() == nil {
		return ""
	}
	return (&net.IPNet{IP: n.IP.To4(), Mask: net.CIDRMask(24, 32)}).String()
}

// writeNodeFiles gives the server's own node what joining gives others:
// the cluster CA and a serving certificate for its node server.
func writeNodeFiles(s *server.Server, node string, files join.Files) error {
	cert, key, err := s.CA.IssueKubeletServing(node, []string{"127.0.0.1", s.AdvertiseHost()}, pki.KubeletServingValidity)
	if err != nil {
		return fmt.Errorf("node serving certificate: %w", err)
	}
	for path, data := range map[string][]byte{files.CA: s.CA.CertPEM, files.ServingCert: cert, files.ServingKey: key} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return fmt.Errorf("writing %s: %w", path, err)
		}
	}
	return nil
}

// advertisedNodeIP: when the server advertises a routable address, that is
// the address other nodes reach this machine by, so it is the node's
// InternalIP too (routes to this node's pods go through it). Otherwise the
// agent picks the default route's source address.
func advertisedNodeIP(s *server.Server) string {
	ip := net.ParseIP(s.AdvertiseHost())
	if ip == nil || ip.IsLoopback() || ip.IsUnspecified() {
		return ""
	}
	return ip.String()
}
