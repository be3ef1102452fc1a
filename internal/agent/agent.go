// Package agent composes `rudder agent`: today, Count simulated kubelets
// (fake runtime) in one process sharing one API client and one pod watch;
// later, one real kubelet on containerd with the node's proxy and DNS.
package agent

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/record"

	"rudder/internal/clientconfig"
	"rudder/internal/kubelet"
	"rudder/internal/kubelet/runtime/fake"
)

// Options are `rudder agent`'s flags.
type Options struct {
	Kubeconfig string
	// Server and Token join a cluster with a bootstrap token (not yet).
	Server, Token string
	// Runtime is "fake" (simulated nodes); "cri" comes later.
	Runtime        string
	Count          int
	NodeNamePrefix string
	// PodCIDRBase is split into /24s, one per node (node i gets the i-th),
	// used unless the node IPAM controller assigns spec.podCIDR.
	PodCIDRBase string
	// NodeIPBase gives node i its InternalIP: the (i+1)-th address.
	NodeIPBase string

	CPU, Memory string
	MaxPods     int

	QPS   float32
	Burst int

	// Kubelet timings; zero keeps the Kubernetes defaults.
	LeaseDuration         time.Duration
	StatusUpdateFrequency time.Duration
	RelistPeriod          time.Duration

	// Real configures the node when Runtime is "cri".
	Real RealOptions

	Logger *slog.Logger
}

// DefaultOptions are the documented defaults.
func DefaultOptions() Options {
	return Options{
		Runtime: "fake", Count: 1, NodeNamePrefix: "rudder-node",
		PodCIDRBase: "10.42.0.0/16", NodeIPBase: "172.20.0.0/16",
		CPU: "4", Memory: "16Gi", MaxPods: 110,
		QPS: 1000, Burst: 2000,
	}
}

func (o *Options) validate() error {
	switch {
	case o.Kubeconfig == "" && (o.Server == "") != (o.Token == ""):
		return errors.New("--server and --token go together")
	case o.Kubeconfig == "":
		return errors.New("--kubeconfig is required")
	case o.Runtime != "fake" && o.Runtime != "cri":
		return fmt.Errorf("unknown runtime %q (want fake or cri)", o.Runtime)
	case o.Count < 1:
		return fmt.Errorf("--count must be at least 1, not %d", o.Count)
	case o.NodeNamePrefix == "":
		return errors.New("--node-name-prefix must not be empty")
	}
	return nil
}

// Run starts the simulated kubelets and returns when ctx ends (nil) or
// when one of them fails (its error).
func Run(ctx context.Context, o Options) error {
	if err := joinIfAsked(ctx, &o); err != nil {
		return err
	}
	if err := o.validate(); err != nil {
		return err
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	client, err := newClient(o)
	if err != nil {
		return err
	}
	if o.Runtime == "cri" {
		return runReal(ctx, o, client)
	}
	configs, err := kubeletConfigs(o, client)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pods, objects := configs[0].Pods, configs[0].Objects
	var wg sync.WaitGroup
	wg.Add(2)
	go func() { defer wg.Done(); pods.Run(ctx) }()
	go func() { defer wg.Done(); objects.Run(ctx) }()
	events := record.NewBroadcaster(record.WithContext(ctx))
	events.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: client.CoreV1().Events("")})
	defer events.Shutdown()
	for i := range configs {
		configs[i].Recorder = events.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "kubelet", Host: configs[i].NodeName})
	}
	errs := make(chan error, len(configs))
	for _, cfg := range configs {
		k, err := kubelet.New(cfg)
		if err != nil {
			cancel()
			wg.Wait()
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := k.Run(ctx); err != nil && ctx.Err() == nil {
				errs <- fmt.Errorf("kubelet %s: %w", k.NodeName(), err)
				cancel()
			}
		}()
	}
	o.Logger.Info("simulated nodes started", "count", o.Count, "prefix", o.NodeNamePrefix)
	wg.Wait()
	select {
	case err := <-errs:
		return err
	default:
		return nil
	}
}

func newClient(o Options) (kubernetes.Interface, error) {
	cfg, err := clientcmd.BuildConfigFromFlags("", o.Kubeconfig)
	if err != nil {
		return nil, fmt.Errorf("load kubeconfig %s: %w", o.Kubeconfig, err)
	}
	clientconfig.Component(cfg, o.QPS, o.Burst)
	cfg.UserAgent = "rudder-agent"
	client, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		return nil, fmt.Errorf("API client: %w", err)
	}
	return client, nil
}

// kubeletConfigs builds one configuration (and fake runtime) per node, all
// sharing one pod source.
func kubeletConfigs(o Options, client kubernetes.Interface) ([]kubelet.Config, error) {
	capacity, err := capacity(o)
	if err != nil {
		return nil, err
	}
	pods := kubelet.NewPodSource(client, "")
	objects := kubelet.NewObjectSource(client)
	out := make([]kubelet.Config, 0, o.Count)
	for i := range o.Count {
		cidr, err := nthSubnet(o.PodCIDRBase, 24, i)
		if err != nil {
			return nil, fmt.Errorf("pod CIDR of node %d: %w", i, err)
		}
		ip, err := nthAddress(o.NodeIPBase, i+1)
		if err != nil {
			return nil, fmt.Errorf("address of node %d: %w", i, err)
		}
		rt, err := fake.New(cidr)
		if err != nil {
			return nil, err
		}
		name := fmt.Sprintf("%s-%d", o.NodeNamePrefix, i)
		out = append(out, kubelet.Config{
			NodeName: name, Client: client, Runtime: rt, Pods: pods, Objects: objects,
			Capacity:  capacity,
			Labels:    map[string]string{"rudder.dev/simulated": "true"},
			Addresses: []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: ip}, {Type: corev1.NodeHostName, Address: name}},
			NodeInfo: corev1.NodeSystemInfo{MachineID: name, SystemUUID: name, BootID: name,
				KernelVersion: "fake", OSImage: "Rudder simulated node"},
			LeaseDuration: o.LeaseDuration, StatusUpdateFrequency: o.StatusUpdateFrequency, RelistPeriod: o.RelistPeriod,
			Logger: o.Logger,
		})
	}
	return out, nil
}

func capacity(o Options) (corev1.ResourceList, error) {
	cpu, err := resource.ParseQuantity(o.CPU)
	if err != nil {
		return nil, fmt.Errorf("cpu %q: %w", o.CPU, err)
	}
	mem, err := resource.ParseQuantity(o.Memory)
	if err != nil {
		return nil, fmt.Errorf("memory %q: %w", o.Memory, err)
	}
	return corev1.ResourceList{
		corev1.ResourceCPU: cpu, corev1.ResourceMemory: mem,
		corev1.ResourcePods:             *resource.NewQuantity(int64(o.MaxPods), resource.DecimalSI),
		corev1.ResourceEphemeralStorage: resource.MustParse("100Gi"),
	}, nil
}
