package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/internal/clientconfig"
	"rudder/internal/controllermanager"
	"rudder/internal/scheduler"
)

// schedulerCommand runs the scheduler alone against a cluster.
func schedulerCommand() *cobra.Command {
	var kubeconfig string
	cmd := &cobra.Command{
		Use:   "scheduler",
		Short: "Run the scheduler against an API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("kubeconfig: %w", err)
			}
			clientconfig.Component(cfg, 2000, 4000)
			client, err := kubernetes.NewForConfig(cfg)
			if err != nil {
				return err
			}
			ctx, stop := signalContext()
			defer stop()
			host, _ := os.Hostname()
			return scheduler.RunWithLeaderElection(ctx, client, fmt.Sprintf("%s_%d", host, os.Getpid()), func(ctx context.Context) {
				factory := informers.NewSharedInformerFactory(client, 0)
				s, err := scheduler.New(client, factory, scheduler.Options{})
				if err != nil {
					fmt.Fprintln(os.Stderr, "scheduler:", err)
					return
				}
				factory.Start(ctx.Done())
				s.Run(ctx)
			})
		},
	}
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	_ = cmd.MarkFlagRequired("kubeconfig")
	return cmd
}

// controllerManagerCommand runs the controllers alone against a cluster.
func controllerManagerCommand() *cobra.Command {
	var kubeconfig string
	opts := controllermanager.Options{NodeMonitorGracePeriod: 40 * time.Second, ClusterCIDR: "10.42.0.0/16", NodeCIDRMaskSize: 24}
	cmd := &cobra.Command{
		Use:   "controller-manager",
		Short: "Run the controllers against an API server",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return fmt.Errorf("kubeconfig: %w", err)
			}
			clientconfig.Component(cfg, 2000, 4000)
			ctx, stop := signalContext()
			defer stop()
			return controllermanager.Run(ctx, cfg, opts)
		},
	}
	fs := cmd.Flags()
	fs.StringVar(&kubeconfig, "kubeconfig", "", "kubeconfig of the cluster")
	fs.DurationVar(&opts.NodeMonitorGracePeriod, "node-monitor-grace-period", opts.NodeMonitorGracePeriod, "how long a node may be silent before it is marked NotReady")
	fs.StringVar(&opts.ClusterCIDR, "cluster-cidr", opts.ClusterCIDR, "CIDR of pod networks")
	_ = cmd.MarkFlagRequired("kubeconfig")
	return cmd
}

func signalContext() (context.Context, context.CancelFunc) {
	return signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
}
