package agent

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/internal/server"
)

func TestOptionsValidation(t *testing.T) {
	cases := []struct {
		name string
		edit func(*Options)
		want string
	}{
		{"server without token", func(o *Options) { o.Server = "https://x:6443" }, "--server and --token go together"},
		{"join an unreachable server", func(o *Options) { o.Server, o.Token, o.Real.DataDir = "https://127.0.0.1:1", "abc", t.TempDir() }, "joining https://127.0.0.1:1"},
		{"no kubeconfig", func(o *Options) {}, "--kubeconfig is required"},
		{"missing kubeconfig file", func(o *Options) { o.Kubeconfig, o.Runtime = "/nonexistent/k", "cri" }, "load kubeconfig"},
		{"unknown runtime", func(o *Options) { o.Kubeconfig, o.Runtime = "k", "docker" }, "unknown runtime"},
		{"zero count", func(o *Options) { o.Kubeconfig, o.Count = "k", 0 }, "--count"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			o := DefaultOptions()
			tc.edit(&o)
			err := Run(context.Background(), o)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one containing %q", err, tc.want)
			}
		})
	}
}

func TestNthSubnet(t *testing.T) {
	cases := []struct {
		base string
		i    int
		want string
		bad  bool
	}{
		{"10.42.0.0/16", 0, "10.42.0.0/24", false},
		{"10.42.0.0/16", 7, "10.42.7.0/24", false},
		{"10.42.0.0/16", 255, "10.42.255.0/24", false},
		{"10.42.0.0/16", 256, "", true},
		{"10.64.0.0/12", 300, "10.65.44.0/24", false},
	}
	for _, tc := range cases {
		got, err := nthSubnet(tc.base, 24, tc.i)
		if tc.bad != (err != nil) || got != tc.want {
			t.Errorf("nthSubnet(%s, %d) = %q, %v; want %q", tc.base, tc.i, got, err, tc.want)
		}
	}
}

func TestSimulatedNodes(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	opts := server.DefaultOptions()
	opts.DataDir, opts.BindAddress, opts.SecurePort = t.TempDir(), "127.0.0.1", port
	opts.DisableAgent, opts.DisableControllers = true, true
	s, err := server.Start(ctx, opts)
	if err != nil {
		t.Fatalf("start server: %v", err)
	}
	defer s.Close()

	o := DefaultOptions()
	o.Kubeconfig, o.Count, o.NodeNamePrefix = s.KubeconfigPath, 3, "sim"
	o.StatusUpdateFrequency, o.RelistPeriod = time.Second, 100*time.Millisecond
	agentCtx, stopAgent := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- Run(agentCtx, o) }()
	defer func() {
		stopAgent()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}()

	cfg, _ := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	client := kubernetes.NewForConfigOrDie(cfg)
	waitFor(t, "3 ready nodes", func() error {
		for i := range 3 {
			n, err := client.CoreV1().Nodes().Get(ctx, fmt.Sprintf("sim-%d", i), metav1.GetOptions{})
			if err != nil {
				return err
			}
			if !nodeReady(n) {
				return fmt.Errorf("%s not ready", n.Name)
			}
		}
		return nil
	})
	_, err = client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "p"},
		Spec:       corev1.PodSpec{NodeName: "sim-2", Containers: []corev1.Container{{Name: "c", Image: "x:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod running on sim-2", func() error {
		p, err := client.CoreV1().Pods("default").Get(ctx, "p", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		ip, err := netip.ParseAddr(p.Status.PodIP)
		if err != nil || !netip.MustParsePrefix("10.42.2.0/24").Contains(ip) {
			return fmt.Errorf("pod IP %q not in sim-2's local CIDR", p.Status.PodIP)
		}
		return nil
	})

	// The agent watches bound pods only: a pod bound after its creation
	// (as the scheduler binds) must reach its node all the same.
	_, err = client.CoreV1().Pods("default").Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "later"},
		Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "x:1"}}},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	err = client.CoreV1().Pods("default").Bind(ctx, &corev1.Binding{
		ObjectMeta: metav1.ObjectMeta{Name: "later"}, Target: corev1.ObjectReference{Kind: "Node", Name: "sim-1"},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "pod bound later running on sim-1", func() error {
		p, err := client.CoreV1().Pods("default").Get(ctx, "later", metav1.GetOptions{})
		if err != nil {
			return err
		}
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func waitFor(t *testing.T, what string, cond func() error) {
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
