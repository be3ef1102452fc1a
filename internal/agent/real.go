package agent

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"os"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/informers"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/cache"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/agent/cni"
	"rudder/internal/agent/containerd"
	"rudder/internal/agent/join"
	"rudder/internal/kubelet"
	"rudder/internal/kubelet/eviction"
	"rudder/internal/kubelet/runtime"
	"rudder/internal/kubelet/runtime/cri"
	kubeletserver "rudder/internal/kubelet/server"
)

// RealOptions are what a node running real containers needs beyond the
// common Options.
type RealOptions struct {
	DataDir        string // agent state: containerd, pod dirs, logs
	NodeName       string // default: hostname
	NodeIP         string // default: the address of the default route
	RegistryURL    string // the cluster registry nodes pull from
	RegistryCAFile string // CA of the registry when it is https
	ClusterCIDR    string // pod network of the whole cluster
	// PodCIDR, when set, is this node's pod range (else node IPAM assigns).
	PodCIDR     string
	BridgeName  string
	KubeletPort int32
	// StaticPodPath is the folder of static pod manifests; default
	// <DataDir>/manifests ("-": none).
	StaticPodPath string
	// EvictionHard are the hard eviction thresholds; nil: Kubernetes'
	// defaults (memory.available<100Mi, nodefs.available<10%,
	// nodefs.inodesFree<5%, imagefs.available<15%).
	EvictionHard []eviction.Threshold
}

// criRuntime is the CRI client, with the pod CIDR going to the
// supervisor: containerd's CRI does not write our CNI conflist itself.
type criRuntime struct {
	*cri.Client
	sup *containerd.Supervisor
}

func (r criRuntime) UpdateRuntimeConfig(ctx context.Context, req *runtimeapi.UpdateRuntimeConfigRequest) (*runtimeapi.UpdateRuntimeConfigResponse, error) {
	if cidr := req.GetRuntimeConfig().GetNetworkConfig().GetPodCidr(); cidr != "" {
		if err := r.sup.SetPodCIDR(strings.Split(cidr, ",")[0]); err != nil {
			return nil, err
		}
	}
	return &runtimeapi.UpdateRuntimeConfigResponse{}, nil
}

// runReal runs one kubelet on a supervised containerd with the node's pod
// network, until ctx ends.
func runReal(ctx context.Context, o Options, client kubernetes.Interface) error {
	r := o.Real
	if r.DataDir == "" {
		r.DataDir = defaultAgentDataDir
	}
	if r.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		r.NodeName = strings.ToLower(h)
	}
	if r.NodeIP == "" {
		r.NodeIP = defaultNodeIP()
	}
	if r.BridgeName == "" {
		r.BridgeName = "rudder0"
	}
	sup, err := containerd.Start(ctx, containerd.Options{
		DataDir: r.DataDir, RegistryURL: r.RegistryURL, RegistryCAFile: r.RegistryCAFile,
		BridgeName: r.BridgeName, Logger: o.Logger,
	})
	if err != nil {
		return fmt.Errorf("starting containerd: %w", err)
	}
	rt, err := cri.Dial(ctx, sup.Socket())
	if err != nil {
		return fmt.Errorf("connecting to containerd: %w", err)
	}
	defer rt.Close()
	if err := startNetwork(ctx, o, r, client); err != nil {
		return err
	}
	if r.KubeletPort == 0 {
		r.KubeletPort = 10250
	}
	crt := criRuntime{Client: rt, sup: sup}
	if err := startNodeServer(ctx, o, r, crt, client); err != nil {
		return err
	}
	capacity, err := machineCapacity(r.DataDir, o.MaxPods)
	if err != nil {
		return err
	}
	imageFs := filepath.Join(r.DataDir, "containerd", "root") // containerd's root: its content store and snapshots
	k, err := kubelet.New(kubelet.Config{
		NodeName: r.NodeName, Client: client, Runtime: crt,
		Capacity: capacity, Port: r.KubeletPort, PodCIDR: r.PodCIDR,
		LeaseDuration: o.LeaseDuration, StatusUpdateFrequency: o.StatusUpdateFrequency,
		Addresses:  []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: r.NodeIP}, {Type: corev1.NodeHostName, Address: r.NodeName}},
		NodeInfo:   nodeInfo(),
		PodLogsDir: filepath.Join(r.DataDir, "pods-logs"),
		RootDir:    filepath.Join(r.DataDir, "kubelet"),
		Logger:     o.Logger,
		// Housekeeping observes the real machine: memory and PIDs from
		// /proc, the node filesystem (data dir: pods, logs) and containerd's
		// root (images) with statfs.
		EvictionSignals: eviction.NodeSource{NodeFsPath: r.DataDir, ImageFsPath: imageFs},
		EvictionHard:    r.EvictionHard,
		ImageFsPath:     imageFs,
		PauseImage:      containerd.DefaultSandboxImage,
		StaticPodPath:   staticPodPath(r),
	})
	if err != nil {
		return err
	}
	return k.Run(ctx)
}

func staticPodPath(r RealOptions) string {
	switch r.StaticPodPath {
	case "":
		return filepath.Join(r.DataDir, "manifests")
	case "-":
		return ""
	default:
		return r.StaticPodPath
	}
}

// startNetwork sets up masquerading and keeps routes to every other
// node's pod CIDR through that node's address.
func startNetwork(ctx context.Context, o Options, r RealOptions, client kubernetes.Interface) error {
	nw, err := cni.New(cni.Options{BridgeName: r.BridgeName, ClusterCIDR: r.ClusterCIDR})
	if err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	if err := nw.Setup(ctx); err != nil {
		return fmt.Errorf("pod network: %w", err)
	}
	factory := informers.NewSharedInformerFactory(client, 10*time.Minute)
	nodes := factory.Core().V1().Nodes().Informer()
	sync := func() {
		var routes []cni.Route
		for _, obj := range nodes.GetStore().List() {
			n := obj.(*corev1.Node)
			if n.Name == r.NodeName || n.Spec.PodCIDR == "" {
				continue
			}
			if ip := internalIP(n); ip != "" {
				routes = append(routes, cni.Route{PodCIDR: n.Spec.PodCIDR, NodeIP: ip})
			}
		}
		if err := nw.SyncRoutes(ctx, routes); err != nil {
			o.Logger.Warn("syncing pod routes", "err", err)
		}
	}
	_, _ = nodes.AddEventHandler(cache.ResourceEventHandlerFuncs{
		AddFunc: func(any) { sync() }, UpdateFunc: func(_, _ any) { sync() }, DeleteFunc: func(any) { sync() },
	})
	factory.Start(ctx.Done())
	return nil
}

func internalIP(n *corev1.Node) string {
	for _, a := range n.Status.Addresses {
		if a.Type == corev1.NodeInternalIP {
			return a.Address
		}
	}
	return ""
}

// defaultNodeIP is the source address the machine uses to reach outside.
func defaultNodeIP() string {
	conn, err := net.Dial("udp", "192.0.2.1:9") // no packet is sent for UDP dial
	if err != nil {
		return "127.0.0.1"
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).IP.String()
}

// machineCapacity reads CPU, memory and disk of this machine.
func machineCapacity(dataDir string, maxPods int) (corev1.ResourceList, error) {
	mem, err := memTotal()
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	var fs syscall.Statfs_t
	if err := syscall.Statfs(dataDir, &fs); err != nil {
		return nil, fmt.Errorf("statfs %s: %w", dataDir, err)
	}
	if maxPods <= 0 {
		maxPods = 110
	}
	return corev1.ResourceList{
		corev1.ResourceCPU:              *resource.NewQuantity(int64(goruntime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory:           *resource.NewQuantity(mem, resource.BinarySI),
		corev1.ResourceEphemeralStorage: *resource.NewQuantity(int64(fs.Blocks)*fs.Bsize, resource.BinarySI),
		corev1.ResourcePods:             *resource.NewQuantity(int64(maxPods), resource.DecimalSI),
	}, nil
}

func memTotal() (int64, error) {
	b, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return 0, fmt.Errorf("reading meminfo: %w", err)
	}
	for _, line := range strings.Split(string(b), "\n") {
		var kb int64
		if _, err := fmt.Sscanf(line, "MemTotal: %d kB", &kb); err == nil {
			return kb * 1024, nil
		}
	}
	return 0, fmt.Errorf("no MemTotal in /proc/meminfo")
}

func nodeInfo() corev1.NodeSystemInfo {
	var u syscall.Utsname
	_ = syscall.Uname(&u)
	str := func(a [65]int8) string {
		b := make([]byte, 0, len(a))
		for _, c := range a {
			if c == 0 {
				break
			}
			b = append(b, byte(c))
		}
		return string(b)
	}
	osImage := "Linux"
	if b, err := os.ReadFile("/etc/os-release"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "PRETTY_NAME="); ok {
				osImage = strings.Trim(v, `"`)
			}
		}
	}
	mid, _ := os.ReadFile("/etc/machine-id")
	return corev1.NodeSystemInfo{
		MachineID: strings.TrimSpace(string(mid)), KernelVersion: str(u.Release), OSImage: osImage,
		ContainerRuntimeVersion: "containerd://1.6", KubeletVersion: kubelet.KubeletVersion,
		KubeProxyVersion: kubelet.KubeletVersion, OperatingSystem: "linux", Architecture: goruntime.GOARCH,
	}
}

// startNodeServer serves logs, exec, attach and port-forward to the API
// server (and only to it) on the kubelet port, with the node's serving
// certificate from join.Paths (written by joining, or by the server for
// its own node).
func startNodeServer(ctx context.Context, o Options, r RealOptions, rt runtime.Runtime, client kubernetes.Interface) error {
	files := join.Paths(r.DataDir)
	cert, err := tls.LoadX509KeyPair(files.ServingCert, files.ServingKey)
	if err != nil {
		return fmt.Errorf("node serving certificate: %w", err)
	}
	caPEM, err := os.ReadFile(files.CA)
	if err != nil {
		return fmt.Errorf("cluster CA: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return fmt.Errorf("no certificate in %s", files.CA)
	}
	ks, err := kubeletserver.New(kubeletserver.Config{
		Runtime: rt, ServingCert: cert, ClientCAs: pool, Logger: o.Logger,
		Pods: func(ctx context.Context) ([]corev1.Pod, error) {
			l, err := client.CoreV1().Pods("").List(ctx, metav1.ListOptions{FieldSelector: "spec.nodeName=" + r.NodeName})
			if err != nil {
				return nil, err
			}
			return l.Items, nil
		},
	})
	if err != nil {
		return err
	}
	go func() {
		addr := net.JoinHostPort("", fmt.Sprint(r.KubeletPort))
		if err := ks.ListenAndServe(ctx, addr); err != nil && ctx.Err() == nil {
			o.Logger.Error("node server stopped", "err", err)
		}
	}()
	return nil
}
