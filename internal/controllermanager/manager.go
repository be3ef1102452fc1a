// Package controllermanager runs every controller of the control plane,
// leader-elected, against the API server.
package controllermanager

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/metadata"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/events"
	"k8s.io/utils/clock"

	"rudder/internal/leader"
)

// Options configure the controllers.
type Options struct {
	NodeMonitorGracePeriod time.Duration
	ClusterCIDR            string
	NodeCIDRMaskSize       int
	// APIServerHost/Port are advertised in the `kubernetes` Service's
	// endpoints.
	APIServerHost string
	APIServerPort int32
	Workers       int
	// Identity names this instance in the leader Lease.
	Identity string
	// CronJobClock drives CronJob schedules (nil: the real clock).
	CronJobClock clock.WithTicker
}

// deps is what a controller is built from.
type deps struct {
	client  kubernetes.Interface
	meta    metadata.Interface
	factory informers.SharedInformerFactory
	events  events.EventBroadcaster
	opts    Options
	workers int
}

func (d deps) recorder(component string) events.EventRecorder {
	return d.events.NewRecorder(scheme.Scheme, component)
}

// Run builds the controllers and runs them while this instance leads,
// until ctx ends.
func Run(ctx context.Context, cfg *rest.Config, opts Options) error {
	if opts.Workers <= 0 {
		opts.Workers = 5
	}
	if opts.Identity == "" {
		h, _ := os.Hostname()
		opts.Identity = fmt.Sprintf("%s_%d", h, os.Getpid())
	}
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("controller client: %w", err)
	}
	// The lease has its own client so that renewals never queue behind the
	// controllers' requests in a shared rate limiter.
	leaseClient, err := kubernetes.NewForConfig(rest.CopyConfig(cfg))
	if err != nil {
		return fmt.Errorf("leader election client: %w", err)
	}
	leader.RunForever(ctx, leaseClient, "kube-controller-manager", opts.Identity, func(ctx context.Context) {
		if err := runControllers(ctx, cfg, client, opts); err != nil {
			slog.Error("controller manager", "err", err)
		}
	})
	return nil
}

func runControllers(ctx context.Context, cfg *rest.Config, client kubernetes.Interface, opts Options) error {
	meta, err := metadata.NewForConfig(cfg)
	if err != nil {
		return fmt.Errorf("metadata client: %w", err)
	}
	b := events.NewBroadcaster(&events.EventSinkImpl{Interface: client.EventsV1()})
	b.StartRecordingToSink(ctx.Done())
	defer b.Shutdown()
	d := deps{client: client, meta: meta, factory: informers.NewSharedInformerFactory(client, 0), events: b, opts: opts, workers: opts.Workers}
	var runs []func(context.Context)
	for _, c := range controllers {
		run, err := c.build(d)
		if err != nil {
			return fmt.Errorf("controller %s: %w", c.name, err)
		}
		runs = append(runs, run)
	}
	d.factory.Start(ctx.Done())
	for _, run := range runs {
		go run(ctx)
	}
	slog.Info("controllers started", "count", len(runs))
	<-ctx.Done()
	d.factory.Shutdown()
	return nil
}
