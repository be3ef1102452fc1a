package allinone

import (
	"context"
	"fmt"
	"log/slog"
	"os"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"rudder/internal/apiserver/auth"
	"rudder/internal/clockutil"
	"rudder/internal/controllermanager"
	"rudder/internal/scheduler"
	"rudder/internal/server"
)

// startControllers runs the controller manager and the scheduler of this
// control plane (each leader-elected) until ctx ends.
func startControllers(ctx context.Context, s *server.Server) error {
	cmCfg, err := s.ClientConfig("system:kube-controller-manager", []string{auth.GroupMasters})
	if err != nil {
		return err
	}
	opts := controllermanager.Options{
		NodeMonitorGracePeriod: s.Options().NodeMonitorGracePeriod,
		ClusterCIDR:            s.Options().ClusterCIDR,
		NodeCIDRMaskSize:       24,
		APIServerHost:          s.AdvertiseHost(),
		APIServerPort:          int32(s.Options().SecurePort),
		CronJobClock:           clockutil.Scaled(s.Options().CronJobClockSpeed),
	}
	go func() {
		if err := controllermanager.Run(ctx, cmCfg, opts); err != nil && ctx.Err() == nil {
			slog.Error("controller manager stopped", "err", err)
		}
	}()
	schedCfg, err := s.ClientConfig("system:kube-scheduler", []string{auth.GroupMasters})
	if err != nil {
		return err
	}
	return runScheduler(ctx, schedCfg)
}

// runScheduler starts a leader-elected scheduler in the background.
func runScheduler(ctx context.Context, cfg *rest.Config) error {
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("scheduler client: %w", err)
	}
	host, _ := os.Hostname()
	identity := fmt.Sprintf("%s_%d", host, os.Getpid())
	leaseClient, err := kubernetes.NewForConfig(rest.CopyConfig(cfg))
	if err != nil {
		return fmt.Errorf("scheduler lease client: %w", err)
	}
	go func() {
		err := scheduler.RunWithLeaderElection(ctx, leaseClient, identity, func(ctx context.Context) {
			factory := informers.NewSharedInformerFactory(client, 0)
			sched, err := scheduler.New(client, factory, scheduler.Options{})
			if err != nil {
				slog.Error("scheduler", "err", err)
				return
			}
			factory.Start(ctx.Done())
			sched.Run(ctx)
		})
		if err != nil && ctx.Err() == nil {
			slog.Error("scheduler stopped", "err", err)
		}
	}()
	return nil
}
