package server

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"rudder/internal/apiserver/auth"
	"rudder/internal/controllermanager"
	"rudder/internal/scheduler"
)

// clientConfig is a loopback client identity for an in-process component;
// components reach the API server like any other client.
func (s *Server) clientConfig(user string, groups []string) (*rest.Config, error) {
	cert, key, err := s.CA.IssueClient(user, groups, 365*24*time.Hour)
	if err != nil {
		return nil, fmt.Errorf("client identity for %s: %w", user, err)
	}
	return &rest.Config{
		Host:            s.URL,
		TLSClientConfig: rest.TLSClientConfig{CAData: s.CA.CertPEM, CertData: cert, KeyData: key},
		QPS:             2000,
		Burst:           4000,
		UserAgent:       user,
	}, nil
}

// startControllers runs the controller manager and the scheduler of this
// control plane (each leader-elected) until ctx ends.
func (s *Server) startControllers(ctx context.Context) error {
	cmCfg, err := s.clientConfig("system:kube-controller-manager", []string{auth.GroupMasters})
	if err != nil {
		return err
	}
	opts := controllermanager.Options{
		NodeMonitorGracePeriod: s.opts.NodeMonitorGracePeriod,
		ClusterCIDR:            s.opts.ClusterCIDR,
		NodeCIDRMaskSize:       24,
		APIServerHost:          s.advertiseHost(),
		APIServerPort:          int32(s.opts.SecurePort),
	}
	go func() {
		if err := controllermanager.Run(ctx, cmCfg, opts); err != nil && ctx.Err() == nil {
			slog.Error("controller manager stopped", "err", err)
		}
	}()
	schedCfg, err := s.clientConfig("system:kube-scheduler", []string{auth.GroupMasters})
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
	go func() {
		err := scheduler.RunWithLeaderElection(ctx, client, identity, func(ctx context.Context) {
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
