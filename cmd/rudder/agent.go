package main

import (
	"context"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"github.com/spf13/cobra"

	"rudder/internal/agent"
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
			return agent.Run(ctx, o)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&o.Kubeconfig, "kubeconfig", o.Kubeconfig, "kubeconfig of the cluster to join")
	fs.StringVar(&o.Server, "server", o.Server, "API server URL to join with --token (not implemented yet)")
	fs.StringVar(&o.Token, "token", o.Token, "bootstrap token (not implemented yet)")
	fs.StringVar(&o.Runtime, "runtime", o.Runtime, "container runtime: fake (simulated nodes) or cri")
	fs.IntVar(&o.Count, "count", o.Count, "number of simulated nodes (fake runtime)")
	fs.StringVar(&o.NodeNamePrefix, "node-name-prefix", o.NodeNamePrefix, "nodes are named <prefix>-0, <prefix>-1, ...")
	fs.StringVar(&o.PodCIDRBase, "pod-cidr-base", o.PodCIDRBase, "range split into one /24 per node, unless node IPAM assigns spec.podCIDR")
	fs.StringVar(&o.NodeIPBase, "node-ip-base", o.NodeIPBase, "range from which simulated nodes get their InternalIP")
	fs.StringVar(&o.CPU, "cpu", o.CPU, "cpu capacity of each node")
	fs.StringVar(&o.Memory, "memory", o.Memory, "memory capacity of each node")
	fs.IntVar(&o.MaxPods, "max-pods", o.MaxPods, "pod capacity of each node")
	fs.Float32Var(&o.QPS, "kube-api-qps", o.QPS, "API client queries per second, shared by all nodes")
	fs.IntVar(&o.Burst, "kube-api-burst", o.Burst, "API client burst, shared by all nodes")
	return cmd
}
