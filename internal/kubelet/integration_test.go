package kubelet_test

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/internal/kubelet"
	"rudder/internal/kubelet/runtime/fake"
	"rudder/internal/server"
)

// cluster is an in-process API server with simulated kubelets.
type cluster struct {
	t        *testing.T
	client   kubernetes.Interface
	runtimes []*fake.Runtime
	roots    []string // kubelet root dirs
	kubelets []*kubelet.Kubelet
	stops    []func()
	tweak    func(i int, cfg *kubelet.Config) // nil: the common config
}

func freePort(t *testing.T) int {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func startCluster(t *testing.T, nodes int) *cluster {
	return startClusterWith(t, nodes, nil)
}

// startClusterWith starts a cluster whose kubelet configs tweak changes.
func startClusterWith(t *testing.T, nodes int, tweak func(i int, cfg *kubelet.Config)) *cluster {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	opts := server.DefaultOptions()
	opts.DataDir, opts.BindAddress, opts.SecurePort = t.TempDir(), "127.0.0.1", freePort(t)
	opts.DisableAgent, opts.DisableControllers = true, true
	s, err := server.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	t.Cleanup(s.Close)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	cfg.QPS, cfg.Burst = 500, 1000
	c := &cluster{t: t, client: kubernetes.NewForConfigOrDie(cfg), tweak: tweak}
	for i := range nodes {
		rt, err := fake.New(fmt.Sprintf("10.42.%d.0/24", i))
		if err != nil {
			t.Fatal(err)
		}
		c.runtimes = append(c.runtimes, rt)
		c.roots = append(c.roots, t.TempDir())
		c.kubelets = append(c.kubelets, nil)
		c.stops = append(c.stops, c.startKubelet(i))
	}
	t.Cleanup(func() {
		for _, stop := range c.stops {
			stop()
		}
	})
	return c
}

func nodeName(i int) string { return fmt.Sprintf("node-%d", i) }

// startKubelet runs a kubelet for node i on its runtime; the returned
// function cancels it and waits for Run to return.
func (c *cluster) startKubelet(i int) func() {
	cfg := kubelet.Config{
		NodeName: nodeName(i), Client: c.client, Runtime: c.runtimes[i],
		PodCIDR: fmt.Sprintf("10.42.%d.0/24", i),
		RootDir: c.roots[i], ResolvConf: "-", CgroupFS: "-", // fake containers: no real cgroups
		Capacity:      corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("4"), corev1.ResourcePods: resource.MustParse("110")},
		Addresses:     []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: fmt.Sprintf("192.168.0.%d", 10+i)}},
		LeaseDuration: 2 * time.Second, StatusUpdateFrequency: time.Second,
		RelistPeriod: 100 * time.Millisecond, BackOffInitial: 2 * time.Second,
	}
	if c.tweak != nil {
		c.tweak(i, &cfg)
	}
	k, err := kubelet.New(cfg)
	if err != nil {
		c.t.Fatal(err)
	}
	c.kubelets[i] = k
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- k.Run(ctx) }()
	var once bool
	return func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			c.t.Errorf("kubelet %s: %v", nodeName(i), err)
		}
	}
}

// eventually polls cond until it returns nil or the deadline passes.
func eventually(t *testing.T, what string, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v", what, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (c *cluster) createPod(name string, node int, policy corev1.RestartPolicy, annotations map[string]string) *corev1.Pod {
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Annotations: annotations},
		Spec: corev1.PodSpec{
			NodeName: nodeName(node), RestartPolicy: policy,
			Containers: []corev1.Container{{Name: "main", Image: "busybox:1.36"}},
		},
	}
	out, err := c.client.CoreV1().Pods("default").Create(context.Background(), pod, metav1.CreateOptions{})
	if err != nil {
		c.t.Fatalf("create pod %s: %v", name, err)
	}
	return out
}

func (c *cluster) pod(name string) (*corev1.Pod, error) {
	return c.client.CoreV1().Pods("default").Get(context.Background(), name, metav1.GetOptions{})
}

func podCondition(pod *corev1.Pod, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range pod.Status.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func (c *cluster) waitRunningReady(t *testing.T, name string) *corev1.Pod {
	var pod *corev1.Pod
	eventually(t, "pod "+name+" running and ready", func() error {
		var err error
		if pod, err = c.pod(name); err != nil {
			return err
		}
		if pod.Status.Phase != corev1.PodRunning || podCondition(pod, corev1.PodReady) != corev1.ConditionTrue {
			return fmt.Errorf("phase %s ready %s", pod.Status.Phase, podCondition(pod, corev1.PodReady))
		}
		return nil
	})
	return pod
}

func TestKubelet(t *testing.T) {
	c := startCluster(t, 3)
	ctx := context.Background()

	t.Run("nodes register ready with renewing leases", func(t *testing.T) {
		for i := range 3 {
			eventually(t, "node ready", func() error {
				n, err := c.client.CoreV1().Nodes().Get(ctx, nodeName(i), metav1.GetOptions{})
				if err != nil {
					return err
				}
				if n.Spec.PodCIDR != fmt.Sprintf("10.42.%d.0/24", i) || n.Labels[corev1.LabelHostname] != nodeName(i) || n.Labels[corev1.LabelOSStable] != "linux" {
					return fmt.Errorf("spec/labels not registered: %q %v", n.Spec.PodCIDR, n.Labels)
				}
				for _, cond := range n.Status.Conditions {
					if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
						return nil
					}
				}
				return fmt.Errorf("not ready: %+v", n.Status.Conditions)
			})
			var first *metav1.MicroTime
			eventually(t, "lease renewed", func() error {
				l, err := c.client.CoordinationV1().Leases(kubelet.NodeLeaseNamespace).Get(ctx, nodeName(i), metav1.GetOptions{})
				if err != nil {
					return err
				}
				if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != nodeName(i) || l.Spec.RenewTime == nil {
					return fmt.Errorf("lease spec %+v", l.Spec)
				}
				if first == nil {
					first = l.Spec.RenewTime
				}
				if !l.Spec.RenewTime.After(first.Time) {
					return fmt.Errorf("renewTime still %v", first)
				}
				return nil
			})
		}
	})

	t.Run("resumed heartbeat repairs a NotReady node", func(t *testing.T) {
		k := c.kubelets[2]
		k.PauseHeartbeat()
		// Act as the node lifecycle controller does for a silent node.
		n, err := c.client.CoreV1().Nodes().Get(ctx, nodeName(2), metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for i := range n.Status.Conditions {
			if n.Status.Conditions[i].Type == corev1.NodeReady {
				n.Status.Conditions[i].Status = corev1.ConditionUnknown
				n.Status.Conditions[i].Reason = "NodeStatusUnknown"
			}
		}
		if _, err := c.client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
		k.ResumeHeartbeat()
		eventually(t, "node ready again", func() error {
			n, err := c.client.CoreV1().Nodes().Get(ctx, nodeName(2), metav1.GetOptions{})
			if err != nil {
				return err
			}
			for _, cond := range n.Status.Conditions {
				if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
					return nil
				}
			}
			return fmt.Errorf("conditions %+v", n.Status.Conditions)
		})
	})

	t.Run("pod runs with an IP of its node", func(t *testing.T) {
		c.createPod("web", 1, corev1.RestartPolicyAlways, nil)
		pod := c.waitRunningReady(t, "web")
		ip, err := netip.ParseAddr(pod.Status.PodIP)
		if err != nil || !netip.MustParsePrefix("10.42.1.0/24").Contains(ip) {
			t.Fatalf("pod IP %q not in node-1's CIDR", pod.Status.PodIP)
		}
		if pod.Status.HostIP != "192.168.0.11" || pod.Status.StartTime == nil || len(pod.Status.ContainerStatuses) != 1 {
			t.Fatalf("status %+v", pod.Status)
		}
		if cs := pod.Status.ContainerStatuses[0]; !strings.HasPrefix(cs.ContainerID, "fake://") || cs.State.Running == nil || !cs.Ready {
			t.Fatalf("container status %+v", cs)
		}
	})

	t.Run("pod that exits 0 with restartPolicy Never succeeds", func(t *testing.T) {
		c.createPod("job", 0, corev1.RestartPolicyNever, map[string]string{fake.ExitAfterAnnotation: "1s"})
		eventually(t, "pod succeeded", func() error {
			pod, err := c.pod("job")
			if err != nil {
				return err
			}
			if pod.Status.Phase != corev1.PodSucceeded {
				return fmt.Errorf("phase %s", pod.Status.Phase)
			}
			if term := pod.Status.ContainerStatuses[0].State.Terminated; term == nil || term.ExitCode != 0 {
				return fmt.Errorf("container state %+v", pod.Status.ContainerStatuses[0].State)
			}
			return nil
		})
	})

	t.Run("crashing pod restarts with back-off", func(t *testing.T) {
		pod := c.createPod("crash", 2, corev1.RestartPolicyAlways, map[string]string{fake.ExitAfterAnnotation: "500ms", fake.ExitCodeAnnotation: "1"})
		sawBackOff := false
		wantMsg := fmt.Sprintf("restarting failed container=main pod=crash_default(%s)", pod.UID)
		eventually(t, "restart count grows through CrashLoopBackOff", func() error {
			p, err := c.pod("crash")
			if err != nil || len(p.Status.ContainerStatuses) == 0 {
				return fmt.Errorf("no status yet (%v)", err)
			}
			cs := p.Status.ContainerStatuses[0]
			if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
				if !strings.HasPrefix(w.Message, "back-off ") || !strings.HasSuffix(w.Message, wantMsg) {
					t.Fatalf("back-off message %q", w.Message)
				}
				if cs.LastTerminationState.Terminated == nil || cs.LastTerminationState.Terminated.ExitCode != 1 {
					t.Fatalf("lastState %+v", cs.LastTerminationState)
				}
				sawBackOff = true
			}
			if !sawBackOff || cs.RestartCount < 2 {
				return fmt.Errorf("restartCount %d, back-off seen %v", cs.RestartCount, sawBackOff)
			}
			return nil
		})
	})

	t.Run("deleted pod disappears", func(t *testing.T) {
		c.createPod("doomed", 0, corev1.RestartPolicyAlways, nil)
		c.waitRunningReady(t, "doomed")
		if err := c.client.CoreV1().Pods("default").Delete(ctx, "doomed", metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "pod gone", func() error {
			_, err := c.pod("doomed")
			if apierrors.IsNotFound(err) {
				return nil
			}
			return fmt.Errorf("still there (%v)", err)
		})
	})

	t.Run("restarted kubelet adopts running containers", func(t *testing.T) {
		before := c.waitRunningReady(t, "web")
		c.stops[1]()
		c.stops[1] = c.startKubelet(1)
		// A pod created now runs only once the new kubelet works.
		c.createPod("after-restart", 1, corev1.RestartPolicyAlways, nil)
		c.waitRunningReady(t, "after-restart")
		after := c.waitRunningReady(t, "web")
		b, a := before.Status.ContainerStatuses[0], after.Status.ContainerStatuses[0]
		if a.ContainerID != b.ContainerID || a.RestartCount != b.RestartCount {
			t.Fatalf("container replaced: %s (restarts %d) became %s (restarts %d)", b.ContainerID, b.RestartCount, a.ContainerID, a.RestartCount)
		}
	})
}
