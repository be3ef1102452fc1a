package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"syscall"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"rudder/internal/agent"
	"rudder/internal/pprofserve"
)

// agentCommand runs node agents: `rudder agent --runtime=fake --count N`.
func agentCommand() *cobra.Command {
	o := agent.DefaultOptions()
	cmd := &cobra.Command{
		Use:   "agent",
		Short: "Run a node agent (kubelet); --runtime=fake --count N simulates N nodes",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			o.Logger = slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
			if o.Runtime == "fake" && os.Getenv("GOGC") == "" {
				// Many simulated nodes allocate a lot of short-lived
				// objects; profiles showed a quarter of the CPU in the GC.
				debug.SetGCPercent(300)
			}
			pprofserve.Start("RUDDER_AGENT_PPROF_ADDR")
			return agent.Run(ctx, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig of the cluster to join")
	fs.StringVar(&o.Server, "server", o.Server, "API server URL to join with --token (instead of --kubeconfig)")
	fs.StringVar(&o.Token, "token", o.Token, "join token: the server's <data-dir>/token")
	fs.StringVar(&o.Runtime, "runtime", o.Runtime, "container runtime: fake (simulated nodes) or cri")
	fs.IntVar(&o.Count, "count", o.Count, "number of simulated nodes (fake runtime)")
	fs.StringVar(&o.NodeNamePrefix, "node-name-prefix", o.NodeNamePrefix, "nodes are named <prefix>-0, <prefix>-1, ...")
	fs.StringVar(&o.PodCIDRBase, "pod-cidr-base", o.PodCIDRBase, "range split into one /24 per node, unless node IPAM assigns spec.podCIDR")
	fs.StringVar(&o.NodeIPBase, "node-ip-base", o.NodeIPBase, "range from which simulated nodes get their InternalIP")
	fs.StringVar(&o.CPU, "cpu", o.CPU, "cpu capacity of each node")
	fs.StringVar(&o.Memory, "memory", o.Memory, "memory capacity of each node")
	fs.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "pod capacity of each node")
	addRealFlags(fs, &o.Real)
	fs.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "API client queries per second, shared by all nodes")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "API client burst, shared by all nodes")
	fs.DurationVar(&o.LeaseDuration, "node-lease-duration", o.LeaseDuration, "how long a node Lease is valid; renewed every quarter of it (default 40s)")
	fs.DurationVar(&o.StatusUpdateFrequency, "node-status-update-frequency", o.StatusUpdateFrequency, "how often the node status is computed (default 10s)")
	return cmd
}

// Defaults of the real node's flags; the rest default inside the agent
// (node name: hostname, node IP: the default route's source, bridge:
// rudder0).
const (
	defaultAgentDataDir = "/var/lib/rudder/agent"
	defaultClusterCIDR  = "10.42.0.0/16"
)

// addRealFlags registers the flags of a node running real containers
// (--runtime=cri).
func addRealFlags(fs *pflag.FlagSet, r *agent.RealOptions) {
	if r.DataDir == "" {
		r.DataDir = defaultAgentDataDir
	}
	if r.ClusterCIDR == "" {
		r.ClusterCIDR = defaultClusterCIDR
	}
	fs.StringVar(&r.DataDir, "data-dir", r.DataDir, "node state: containerd, pod files, logs, join credentials (cri runtime); keep it short")
	fs.StringVar(&r.NodeName, "node-name", r.NodeName, "node name (cri runtime; default: the hostname)")
	fs.StringVar(&r.NodeIP, "node-ip", r.NodeIP, "node InternalIP other nodes route pod traffic to (default: source address of the default route)")
	fs.StringVar(&r.RegistryURL, "registry-url", r.RegistryURL, "cluster image registry, usually the API server URL")
	fs.StringVar(&r.RegistryCAFile, "registry-ca-file", r.RegistryCAFile, "CA certificate of an https registry")
	fs.StringVar(&r.ClusterCIDR, "cluster-cidr", r.ClusterCIDR, "pod network of the whole cluster (traffic leaving it is masqueraded)")
	fs.StringVar(&r.PodCIDR, "pod-cidr", r.PodCIDR, "this node's pod range (default: assigned by node IPAM)")
	fs.StringVar(&r.BridgeName, "bridge-name", r.BridgeName, "CNI bridge of this node's pods (default rudder0)")
	fs.Int32Var(&r.KubeletPort, "kubelet-port", r.KubeletPort, "port of the node's HTTPS endpoint for logs, exec and port-forward (0: 10250)")
}
