package kubelet

import (
	"errors"
	"log/slog"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/record"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/gc"
	"rudder/internal/kubelet/prober"
	"rudder/internal/kubelet/runtime"
	"rudder/internal/kubelet/volume"
)

// Config is everything a kubelet needs. Zero durations take the Kubernetes
// defaults noted on each field.
type Config struct {
	NodeName string
	Client   kubernetes.Interface
	Runtime  runtime.Runtime

	// PodCIDR, when set, is written into a newly registered Node's
	// spec.podCIDR(s) (like kubelet --pod-cidr). Whatever the Node's spec
	// says is pushed to the runtime (runtime.ConfigUpdater).
	PodCIDR     string
	Capacity    corev1.ResourceList
	Allocatable corev1.ResourceList // default: Capacity
	Labels      map[string]string
	Taints      []corev1.Taint
	Addresses   []corev1.NodeAddress
	NodeInfo    corev1.NodeSystemInfo
	// Port is the kubelet endpoint advertised in node status (0: none).
	Port int32

	LeaseDuration         time.Duration // 40s; renewed every quarter
	StatusUpdateFrequency time.Duration // 10s: node status computed
	StatusReportFrequency time.Duration // 5m: node status written even if unchanged
	SyncFrequency         time.Duration // 1m: every pod re-synced
	RelistPeriod          time.Duration // 1s: runtime polled for container changes
	BackOffInitial        time.Duration // 10s: crash-loop back-off
	BackOffMax            time.Duration // 5m
	BackOffReset          time.Duration // 10m

	Clock clock.Clock // default: the real clock

	// Pods is a pod source shared by several kubelets in one process; nil
	// makes the kubelet watch its own pods (fieldSelector spec.nodeName).
	Pods   *PodSource
	Prober prober.Manager // default: real probes (prober.NewManager)

	ClusterDNS    []string // default: 10.43.0.10
	ClusterDomain string   // default: cluster.local
	PodLogsDir    string   // default: /var/log/pods
	CgroupRoot    string   // default: /kubepods
	// CgroupFS is the cgroup filesystem where pod cgroups are made
	// (cgroupfs driver). Default: /sys/fs/cgroup on a real node (RootDir
	// set), none on a simulated one; "-" disables pod cgroups.
	CgroupFS string

	// RootDir holds pod dirs (<RootDir>/pods/<uid>: volumes, etc-hosts,
	// resolv.conf), like kubelet --root-dir (/var/lib/kubelet). Empty: a
	// simulated node, which resolves volume sources but writes no files.
	RootDir string
	// ResolvConf is the node's resolver file (dnsPolicy Default, and the
	// search domains appended for ClusterFirst). Default /etc/resolv.conf;
	// "-" for none.
	ResolvConf string
	// HostsFile is the node's hosts file given to hostNetwork pods.
	// Default /etc/hosts.
	HostsFile string
	// Objects caches the ConfigMaps, Secrets and Services pods consume;
	// nil makes the kubelet run its own. Share one among the kubelets of a
	// process.
	Objects *ObjectSource
	// Mounter mounts memory-backed emptyDirs (default: mount(2)).
	Mounter volume.Mounter
	// Recorder records the kubelet's events; nil: one writing core/v1
	// Events to the API server as component "kubelet" on NodeName.
	Recorder record.EventRecorder

	// Housekeeping: garbage collection and eviction, with Kubernetes'
	// defaults (see housekeeping.go, evict.go).
	ContainerGC   gc.ContainerPolicy // zero: gc.DefaultContainerPolicy
	ImageGC       gc.ImagePolicy     // zero: gc.DefaultImagePolicy
	GCPeriod      time.Duration      // 1m: dead containers collected
	ImageGCPeriod time.Duration      // 5m: image filesystem checked
	// ImageFsPath is a path on the runtime's image filesystem (containerd's
	// root dir), statfs'ed when the runtime has no ImageFsInfo. Image GC
	// is off when neither is available.
	ImageFsPath string
	// PauseImage is the sandbox image, never removed by image GC.
	PauseImage string

	// EvictionSignals observes the node (eviction.NodeSource on a real
	// node); nil: no pressure is ever reported and nothing is evicted
	// (simulated nodes).
	EvictionSignals eviction.SignalSource
	// EvictionHard are the hard thresholds; nil: eviction.DefaultThresholds.
	EvictionHard []eviction.Threshold
	// EvictionPressureTransitionPeriod: a pressure condition stays True
	// this long after its signals recover (5m).
	EvictionPressureTransitionPeriod time.Duration
	EvictionMonitoringInterval       time.Duration // 10s; at most one eviction each

	// StaticPodPath is a folder of pod manifests the kubelet runs on its
	// own, shown in the API as mirror pods; empty: none.
	StaticPodPath        string
	StaticPodCheckPeriod time.Duration // 20s: folder re-read

	Logger *slog.Logger
}

func (c *Config) validate() error {
	switch {
	case c.NodeName == "":
		return errors.New("kubelet: NodeName is required")
	case c.Client == nil:
		return errors.New("kubelet: Client is required")
	case c.Runtime == nil:
		return errors.New("kubelet: Runtime is required")
	}
	return nil
}

func (c *Config) setDefaults() {
	def := func(d *time.Duration, v time.Duration) {
		if *d <= 0 {
			*d = v
		}
	}
	def(&c.LeaseDuration, 40*time.Second)
	def(&c.StatusUpdateFrequency, 10*time.Second)
	def(&c.StatusReportFrequency, 5*time.Minute)
	def(&c.SyncFrequency, time.Minute)
	def(&c.RelistPeriod, time.Second)
	def(&c.BackOffInitial, 10*time.Second)
	def(&c.BackOffMax, 5*time.Minute)
	def(&c.BackOffReset, 10*time.Minute)
	def(&c.GCPeriod, time.Minute)
	def(&c.ImageGCPeriod, 5*time.Minute)
	def(&c.EvictionPressureTransitionPeriod, 5*time.Minute)
	def(&c.EvictionMonitoringInterval, 10*time.Second)
	def(&c.StaticPodCheckPeriod, 20*time.Second)
	if c.ContainerGC == (gc.ContainerPolicy{}) {
		c.ContainerGC = gc.DefaultContainerPolicy()
	}
	if c.ImageGC == (gc.ImagePolicy{}) {
		c.ImageGC = gc.DefaultImagePolicy()
	}
	if c.Clock == nil {
		c.Clock = clock.RealClock{}
	}
	if c.ClusterDNS == nil {
		c.ClusterDNS = []string{"10.43.0.10"}
	}
	if c.ClusterDomain == "" {
		c.ClusterDomain = "cluster.local"
	}
	if c.PodLogsDir == "" {
		c.PodLogsDir = "/var/log/pods"
	}
	if c.ResolvConf == "" {
		c.ResolvConf = "/etc/resolv.conf"
	} else if c.ResolvConf == "-" {
		c.ResolvConf = ""
	}
	if c.CgroupFS == "" && c.RootDir != "" {
		c.CgroupFS = "/sys/fs/cgroup"
	}
	if c.HostsFile == "" {
		c.HostsFile = "/etc/hosts"
	}
	if c.CgroupRoot == "" {
		c.CgroupRoot = "/kubepods"
	}
	if c.Allocatable == nil {
		c.Allocatable = c.Capacity
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	c.Logger = c.Logger.With("node", c.NodeName)
}
