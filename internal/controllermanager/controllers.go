package controllermanager

import (
	"context"

	"rudder/internal/controller/cronjob"
	"rudder/internal/controller/daemonset"
	"rudder/internal/controller/deployment"
	"rudder/internal/controller/disruption"
	"rudder/internal/controller/endpoints"
	"rudder/internal/controller/endpointslice"
	"rudder/internal/controller/garbagecollector"
	"rudder/internal/controller/job"
	"rudder/internal/controller/namespace"
	"rudder/internal/controller/nodeipam"
	"rudder/internal/controller/nodelifecycle"
	"rudder/internal/controller/podgc"
	"rudder/internal/controller/replicaset"
	"rudder/internal/controller/resourcequota"
	"rudder/internal/controller/serviceaccount"
	"rudder/internal/controller/statefulset"
	"rudder/internal/controller/ttlafterfinished"
)

// controller is one entry of the table: build wires it to the shared
// informers (before they start) and returns its run loop.
type controller struct {
	name  string
	build func(d deps) (func(context.Context), error)
}

var controllers = []controller{
	{"namespace", func(d deps) (func(context.Context), error) {
		c := namespace.New(d.client, d.meta, d.factory)
		return func(ctx context.Context) { c.Run(ctx, 2) }, nil
	}},
	{"replicaset", func(d deps) (func(context.Context), error) {
		c := replicaset.New(d.client, d.factory, d.recorder("replicaset-controller"))
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"replicationcontroller", func(d deps) (func(context.Context), error) {
		c := replicaset.NewReplicationController(d.client, d.factory, d.recorder("replication-controller"))
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"deployment", func(d deps) (func(context.Context), error) {
		c := deployment.New(d.client, d.factory, d.recorder("deployment-controller"))
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"job", func(d deps) (func(context.Context), error) {
		c := job.New(d.client, d.factory, d.recorder("job-controller"), job.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"cronjob", func(d deps) (func(context.Context), error) {
		c := cronjob.New(d.client, d.factory, d.recorder("cronjob-controller"), cronjob.Options{Clock: d.opts.CronJobClock})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"ttl-after-finished", func(d deps) (func(context.Context), error) {
		c := ttlafterfinished.New(d.client, d.factory, d.recorder("ttl-after-finished-controller"), ttlafterfinished.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"garbagecollector", func(d deps) (func(context.Context), error) {
		c := garbagecollector.New(d.client, d.meta, garbagecollector.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"endpoints", func(d deps) (func(context.Context), error) {
		c := endpoints.New(d.client, d.factory, d.recorder("endpoint-controller"), endpoints.Options{
			APIServerAddress: d.opts.APIServerHost, APIServerPort: d.opts.APIServerPort})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"endpointslice", func(d deps) (func(context.Context), error) {
		c := endpointslice.New(d.client, d.factory, d.recorder("endpointslice-controller"), endpointslice.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"nodeipam", func(d deps) (func(context.Context), error) {
		c, err := nodeipam.New(d.client, d.factory, d.recorder("node-ipam-controller"), nodeipam.Options{
			ClusterCIDR: d.opts.ClusterCIDR, NodeMaskSize: d.opts.NodeCIDRMaskSize})
		if err != nil {
			return nil, err
		}
		return func(ctx context.Context) { c.Run(ctx, 1) }, nil
	}},
	{"nodelifecycle", func(d deps) (func(context.Context), error) {
		c := nodelifecycle.New(d.client, d.factory, d.recorder("node-controller"), nodelifecycle.Options{
			GracePeriod: d.opts.NodeMonitorGracePeriod})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"podgc", func(d deps) (func(context.Context), error) {
		c := podgc.New(d.client, d.factory, d.recorder("pod-garbage-collector"), podgc.Options{})
		return func(ctx context.Context) { c.Run(ctx, 1) }, nil
	}},
	{"serviceaccount", func(d deps) (func(context.Context), error) {
		c := serviceaccount.New(d.client, d.factory, d.recorder("service-account-controller"), serviceaccount.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"resourcequota", func(d deps) (func(context.Context), error) {
		c := resourcequota.New(d.client, d.factory, d.recorder("resourcequota-controller"), resourcequota.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"disruption", func(d deps) (func(context.Context), error) {
		c := disruption.New(d.client, d.factory, d.recorder("disruption-controller"), disruption.Options{})
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"statefulset", func(d deps) (func(context.Context), error) {
		c := statefulset.New(d.client, d.factory, d.recorder("statefulset-controller"))
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
	{"daemonset", func(d deps) (func(context.Context), error) {
		c := daemonset.New(d.client, d.factory, d.recorder("daemonset-controller"))
		return func(ctx context.Context) { c.Run(ctx, d.workers) }, nil
	}},
}
