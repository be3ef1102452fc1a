// Package kubelet is the node agent's core: it registers its Node, keeps
// the node Lease, watches the pods bound to the node and drives a
// runtime.Runtime (CRI-shaped) to run them, and reports pod status.
package kubelet

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/kubelet/cgroup"
	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/gc"
	"rudder/internal/kubelet/prober"
	"rudder/internal/kubelet/runtime"
	"rudder/internal/kubelet/volume"
)

// Kubelet runs the pods of one node.
type Kubelet struct {
	cfg         Config
	rt          runtime.Runtime
	log         *slog.Logger
	runtimeName string

	pods       *PodSource
	ownPods    bool // pods is this kubelet's own informer, run by it
	objects    *ObjectSource
	ownObjects bool
	volumes    *volume.Manager
	cgroups    atomic.Pointer[cgroup.Manager] // nil: no pod cgroups
	recorder   record.EventRecorder
	// resolvCache caches the host's resolv.conf (see dns.go).
	resolvCache  hostResolverCache
	broadcast    record.EventBroadcaster // nil when Config.Recorder was given
	workers      *podWorkers
	status       *statusManager
	backOff      *backOff
	imageBackOff *imageBackOff // failed pulls, by pod UID and image
	paused       atomic.Bool   // heartbeat paused (tests)
	nodeUID      atomic.Value
	lease        *coordinationv1.Lease // owned by the lease loop
	nodeCIDR     string                // pod CIDR last pushed to the runtime

	static      *staticPods
	containerGC *gc.ContainerCollector
	imageGC     *gc.ImageCollector // nil: image filesystem unknown
	eviction    *eviction.Manager  // nil: node resources not observed

	// nodeMu guards the node heartbeat state shared by the status loop.
	nodeMu         sync.Mutex
	lastNodeReport time.Time
}

// New checks the configuration and builds a kubelet; Run starts it.
func New(cfg Config) (*Kubelet, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg.setDefaults()
	k := &Kubelet{cfg: cfg, rt: cfg.Runtime, log: cfg.Logger, pods: cfg.Pods, objects: cfg.Objects, recorder: cfg.Recorder}
	if k.pods == nil {
		k.pods = NewPodSource(cfg.Client, cfg.NodeName)
		k.ownPods = true
	}
	if k.objects == nil {
		k.objects = NewObjectSource(cfg.Client)
		k.ownObjects = true
	}
	if k.recorder == nil {
		k.recorder, k.broadcast = newRecorder(&k.cfg)
	}
	k.cgroups.Store(newCgroups(&k.cfg))
	k.volumes = volume.NewManager(volume.Options{
		RootDir: cfg.RootDir, Objects: k.objects, Mounter: cfg.Mounter, Allocatable: cfg.Allocatable,
	})
	k.backOff = newBackOff(cfg.BackOffInitial, cfg.BackOffMax, cfg.BackOffReset)
	k.imageBackOff = newImageBackOff(cfg.BackOffInitial, cfg.BackOffMax)
	k.static = newStaticPods()
	k.status = newStatusManager(cfg.Client, k.apiPod, k.log)
	k.containerGC, k.imageGC = k.newCollectors()
	m, err := k.newEvictionManager()
	if err != nil {
		return nil, err
	}
	k.eviction = m
	return k, nil
}

// NodeName is the name of the kubelet's node.
func (k *Kubelet) NodeName() string { return k.cfg.NodeName }

// PauseHeartbeat stops lease renewals and node status updates until
// ResumeHeartbeat: to tests, the node looks dead to the control plane while
// its pods keep running.
func (k *Kubelet) PauseHeartbeat() { k.paused.Store(true) }

// ResumeHeartbeat undoes PauseHeartbeat.
func (k *Kubelet) ResumeHeartbeat() { k.paused.Store(false) }

// Run registers the node and runs its pods until ctx ends. Containers are
// left running when it returns: a new kubelet on the same runtime adopts
// them.
func (k *Kubelet) Run(ctx context.Context) error {
	if err := k.waitRuntime(ctx); err != nil {
		return err
	}
	if err := k.registerNode(ctx); err != nil {
		return err
	}
	var wg sync.WaitGroup
	goLoop := func(f func(context.Context)) {
		wg.Add(1)
		go func() { defer wg.Done(); f(ctx) }()
	}
	if k.broadcast != nil {
		startRecording(k.broadcast, &k.cfg)
		defer k.broadcast.Shutdown()
	}
	if k.ownPods {
		goLoop(k.pods.Run)
	}
	if k.ownObjects {
		goLoop(k.objects.Run)
	}
	goLoop(k.leaseLoop)
	goLoop(k.nodeStatusLoop)
	goLoop(k.status.run)
	if !k.pods.WaitForSync(ctx) || !k.objects.WaitForSync(ctx) {
		wg.Wait()
		return ctx.Err()
	}
	if k.cfg.Prober == nil {
		k.cfg.Prober = prober.NewManager(ctx, prober.Options{
			Runtime: k.rt, Clock: k.cfg.Clock, Recorder: k.recorder, Logger: k.log,
		})
	}
	k.workers = newPodWorkers(ctx, k.syncPod, k.cfg.Clock, k.cfg.SyncFrequency)
	unsubscribe := k.pods.Subscribe(k.cfg.NodeName, k.onPodEvent)
	defer k.objects.Subscribe(k.wakeConsumers)()
	k.loadStaticPods() // before adoption: their pod dirs are not orphans
	k.adoptPodDirs()
	goLoop(k.relistLoop)
	goLoop(k.probeUpdatesLoop)
	k.startHousekeeping(goLoop)
	<-ctx.Done()
	unsubscribe()
	k.workers.wait()
	wg.Wait()
	return nil
}

// startHousekeeping starts garbage collection, eviction and static pods.
func (k *Kubelet) startHousekeeping(goLoop func(func(context.Context))) {
	goLoop(k.gcLoop)
	if k.imageGC != nil {
		goLoop(k.imageDetectLoop)
	}
	if k.eviction != nil {
		goLoop(func(ctx context.Context) { k.eviction.Run(ctx, k.cfg.Clock, k.cfg.EvictionMonitoringInterval) })
	}
	if k.cfg.StaticPodPath != "" {
		goLoop(k.staticPodLoop)
	}
}

// waitRuntime waits until the runtime answers Version, and remembers its
// name (the scheme of container IDs in pod status).
func (k *Kubelet) waitRuntime(ctx context.Context) error {
	for {
		v, err := k.rt.Version(ctx, &runtimeapi.VersionRequest{})
		if err == nil {
			k.runtimeName = v.RuntimeName
			return nil
		}
		k.log.Warn("container runtime not answering", "err", err)
		if !k.sleep(ctx, time.Second) {
			return fmt.Errorf("waiting for the container runtime: %w", ctx.Err())
		}
	}
}

// sleep waits d on the kubelet's clock; false when ctx ended first.
func (k *Kubelet) sleep(ctx context.Context, d time.Duration) bool {
	t := k.cfg.Clock.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C():
		return true
	}
}

func (k *Kubelet) probeUpdatesLoop(ctx context.Context) {
	updates := k.cfg.Prober.Updates()
	for {
		select {
		case <-ctx.Done():
			return
		case uid := <-updates:
			k.workers.wakeUID(uid)
		}
	}
}

// adoptPodDirs gives a worker to each pod dir of a pod this node no
// longer runs (deleted while the kubelet was down): its cleanup removes
// the volumes.
func (k *Kubelet) adoptPodDirs() {
	uids, err := k.volumes.PodDirs()
	if err != nil {
		k.log.Warn("list pod dirs", "err", err)
		return
	}
	known := map[types.UID]bool{}
	for _, pod := range append(k.pods.List(k.cfg.NodeName), k.static.list()...) {
		known[pod.UID] = true
	}
	for _, uid := range uids {
		if !known[uid] {
			k.workers.wakeRef(podRef{UID: uid})
		}
	}
}

// wakeConsumers syncs this node's pods that consume a changed ConfigMap or
// Secret, so that their volumes and pending containers catch up.
func (k *Kubelet) wakeConsumers(ch objectChange) {
	for _, pod := range k.pods.Consumers(k.cfg.NodeName, ch) {
		k.workers.wakeUID(pod.UID)
	}
}

func isNotFound(err error) bool { return status.Code(err) == codes.NotFound }

// hostIPs are the node's InternalIPs (then ExternalIPs), as pods report them.
func (k *Kubelet) hostIPs() []string {
	var out []string
	for _, t := range []corev1.NodeAddressType{corev1.NodeInternalIP, corev1.NodeExternalIP} {
		for _, a := range k.cfg.Addresses {
			if a.Type == t {
				out = append(out, a.Address)
			}
		}
	}
	return out
}
