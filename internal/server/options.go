// Package server composes `rudder server`: storage (embedded or external
// etcd), the API server with its certificates and credentials, and (in
// later steps) the scheduler, controllers and the node agent.
package server

import (
	"time"

	"github.com/spf13/pflag"
)

// Options are `rudder server`'s flags; names follow kube-apiserver's where
// one exists.
type Options struct {
	DataDir       string
	BindAddress   string
	SecurePort    int
	AdvertiseHost string

	EtcdEndpoints []string
	EtcdCAFile    string
	EtcdCertFile  string
	EtcdKeyFile   string

	ServiceCIDR        string
	ServiceNodePorts   string
	ClusterCIDR        string
	DisableAgent       bool
	DisableControllers bool

	NodeMonitorGracePeriod time.Duration
	// CronJobClockSpeed > 1 runs the CronJob controller's clock that much
	// faster than real time: only for end-to-end tests of schedules.
	CronJobClockSpeed float64
}

// DefaultOptions are the documented defaults (see DESIGN.md).
func DefaultOptions() Options {
	return Options{
		DataDir:                "/var/lib/rudder",
		BindAddress:            "0.0.0.0",
		SecurePort:             6443,
		ServiceCIDR:            "10.43.0.0/16",
		ServiceNodePorts:       "30000-32767",
		ClusterCIDR:            "10.42.0.0/16",
		NodeMonitorGracePeriod: 40 * time.Second,
	}
}

// AddFlags registers the options on a flag set.
func (o *Options) AddFlags(fs *pflag.FlagSet) {
	fs.StringVar(&o.DataDir, "data-dir", o.DataDir, "directory for etcd data, certificates and credentials")
	fs.StringVar(&o.BindAddress, "bind-address", o.BindAddress, "address the API server listens on")
	fs.IntVar(&o.SecurePort, "secure-port", o.SecurePort, "HTTPS port of the API server")
	fs.StringVar(&o.AdvertiseHost, "advertise-address", o.AdvertiseHost, "address written into kubeconfigs (default: bind address, or 127.0.0.1 when binding all)")
	fs.StringSliceVar(&o.EtcdEndpoints, "etcd-endpoints", o.EtcdEndpoints, "external etcd cluster endpoints; embedded etcd when empty")
	fs.StringVar(&o.EtcdCAFile, "etcd-cafile", o.EtcdCAFile, "CA bundle of the external etcd")
	fs.StringVar(&o.EtcdCertFile, "etcd-certfile", o.EtcdCertFile, "client certificate for the external etcd")
	fs.StringVar(&o.EtcdKeyFile, "etcd-keyfile", o.EtcdKeyFile, "client key for the external etcd")
	fs.StringVar(&o.ServiceCIDR, "service-cluster-ip-range", o.ServiceCIDR, "CIDR from which Service cluster IPs are allocated")
	fs.StringVar(&o.ServiceNodePorts, "service-node-port-range", o.ServiceNodePorts, "port range for NodePort Services")
	fs.StringVar(&o.ClusterCIDR, "cluster-cidr", o.ClusterCIDR, "CIDR of pod networks")
	fs.BoolVar(&o.DisableAgent, "disable-agent", o.DisableAgent, "do not run a node agent in this process")
	fs.BoolVar(&o.DisableControllers, "disable-controllers", o.DisableControllers, "do not run the scheduler and controllers in this process")
	fs.Float64Var(&o.CronJobClockSpeed, "debug-cronjob-clock-speed", o.CronJobClockSpeed, "run the CronJob controller's clock this many times faster (tests only)")
	_ = fs.MarkHidden("debug-cronjob-clock-speed")
	fs.DurationVar(&o.NodeMonitorGracePeriod, "node-monitor-grace-period", o.NodeMonitorGracePeriod, "how long a node may be silent before it is marked NotReady")
}
