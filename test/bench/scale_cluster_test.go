package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"

	"rudder/internal/clientconfig"
)

// scalePodCIDR holds a /24 per node for 1,000 nodes and more; the server's
// node IPAM and the agent's fallback split the same range.
const scalePodCIDR = "10.64.0.0/12"

// scaleAgentArgsEnv holds extra `rudder agent` flags (space-separated),
// e.g. "--kube-api-qps 5000 --kube-api-burst 10000", to see how a client
// limit shapes the figures; unset, the agent runs with its defaults.
const scaleAgentArgsEnv = "RUDDER_BENCH_SCALE_AGENT_ARGS"

// scaleCluster is a server process and an agent process simulating nodes.
type scaleCluster struct {
	server, agent *scaleProc
	// cs watches and creates; probe is a separate connection, so probe
	// calls do not queue behind the informer's traffic.
	cs, probe  kubernetes.Interface
	nodesReady time.Duration // from agent start until all nodes Ready
}

// scaleStartCluster starts both processes and waits until the server is
// ready and every simulated node is Ready.
func scaleStartCluster(tb testing.TB, c scaleCase) *scaleCluster {
	tb.Helper()
	bin := rudderBinary(tb)
	dir := tb.TempDir()
	data := filepath.Join(dir, "data")
	kubeconfig := filepath.Join(data, "admin.kubeconfig")
	port := freePort(tb)
	cl := &scaleCluster{}
	// RUDDER_PPROF_ADDR passes through to the server only.
	cl.server = scaleStart(tb, dir, "server", bin, []string{"server",
		"--data-dir", data, "--bind-address", "127.0.0.1", "--secure-port", strconv.Itoa(port),
		"--disable-agent", "--cluster-cidr", scalePodCIDR})
	scaleWaitServer(tb, cl.server, "https://127.0.0.1:"+strconv.Itoa(port), kubeconfig)
	// The pod watcher is an observer and speaks protobuf as components do,
	// so that measuring loads the 2 cores as little as possible; the probe
	// stands for users' traffic and speaks JSON as kubectl does.
	cl.cs, cl.probe = scaleClient(tb, kubeconfig, true), scaleClient(tb, kubeconfig, false)

	start := time.Now()
	agentArgs := append([]string{"agent", "--runtime=fake",
		"--count", strconv.Itoa(c.nodes), "--kubeconfig", kubeconfig,
		"--node-name-prefix", "scale", "--pod-cidr-base", scalePodCIDR},
		strings.Fields(os.Getenv(scaleAgentArgsEnv))...)
	cl.agent = scaleStart(tb, dir, "agent", bin, agentArgs, "RUDDER_PPROF_ADDR")
	timeout, _ := scaleDeadline(c)
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	err := scaleWait(ctx, 500*time.Millisecond, []*scaleProc{cl.server, cl.agent}, func(ctx context.Context) (bool, error) {
		ready, err := scaleReadyNodes(ctx, cl.cs)
		return ready >= c.nodes, err
	})
	if err != nil {
		tb.Fatalf("waiting for %d Ready nodes: %v", c.nodes, err)
	}
	cl.nodesReady = time.Since(start)
	return cl
}

func scaleWaitServer(tb testing.TB, p *scaleProc, url, kubeconfig string) {
	tb.Helper()
	client := &http.Client{Timeout: 2 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}}
	defer client.CloseIdleConnections()
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	err := scaleWait(ctx, 50*time.Millisecond, []*scaleProc{p}, func(ctx context.Context) (bool, error) {
		if !readyzOK(ctx, client, url) {
			return false, nil
		}
		_, err := os.Stat(kubeconfig)
		return err == nil, nil
	})
	if err != nil {
		tb.Fatalf("waiting for the server's /readyz and kubeconfig: %v", err)
	}
}

// scaleClient builds a clientset with client-side rate limits lifted and
// its own TCP connection.
func scaleClient(tb testing.TB, kubeconfig string, protobuf bool) kubernetes.Interface {
	tb.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		tb.Fatalf("loading %s: %v", kubeconfig, err)
	}
	cfg.QPS, cfg.Burst = 1e6, 1e6
	if protobuf {
		clientconfig.Component(cfg, 1e6, 1e6)
	}
	cfg.Timeout = 60 * time.Second
	cfg.UserAgent = "rudder-scale-bench"
	cfg.Dial = (&net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}).DialContext
	cs, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		tb.Fatalf("building clientset: %v", err)
	}
	return cs
}

func scaleReadyNodes(ctx context.Context, cs kubernetes.Interface) (int, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return 0, fmt.Errorf("listing nodes: %w", err)
	}
	ready := 0
	for _, n := range nodes.Items {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				ready++
			}
		}
	}
	return ready, nil
}

// usage reads both processes' resources: [0] server, [1] agent.
func (cl *scaleCluster) usage(tb testing.TB) [2]scaleUsage {
	tb.Helper()
	var out [2]scaleUsage
	for i, p := range []*scaleProc{cl.server, cl.agent} {
		u, err := scaleReadUsage(p.pid())
		if err != nil {
			tb.Fatalf("resources of %s: %v", p.name, err)
		}
		out[i] = u
	}
	return out
}

// waitRunning waits until the tracker has seen every pod Running, logging
// progress now and then; a dead process or the deadline fails the run.
func (cl *scaleCluster) waitRunning(tb testing.TB, ctx context.Context, t *scaleTracker, timeout time.Duration) {
	tb.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	lastLog := time.Now()
	for {
		select {
		case <-t.done:
			return
		case <-deadline.C:
			tb.Fatalf("not all pods Running after %s: %s", timeout, t)
		case <-ctx.Done():
			tb.Fatalf("waiting for pods: %v", ctx.Err())
		case <-tick.C:
		}
		for _, p := range []*scaleProc{cl.server, cl.agent} {
			if !p.alive() {
				tb.Fatalf("%s exited while pods were starting: %s", p.name, t)
			}
		}
		if time.Since(lastLog) >= 10*time.Second {
			tb.Logf("progress: %s (load %s)", t, loadAvg())
			lastLog = time.Now()
		}
	}
}

// scaleProfile fetches CPU and allocation profiles of the server and the
// agent while the workload runs when RUDDER_BENCH_SCALE_PROFILE names the
// output file (the processes must serve pprof: RUDDER_PPROF_ADDR,
// RUDDER_AGENT_PPROF_ADDR). RUDDER_BENCH_SCALE_PROFILE_SECONDS sets their
// length (default 10). The returned func waits for it to be written.
func scaleProfile(tb testing.TB, ctx context.Context) (wait func()) {
	out := os.Getenv("RUDDER_BENCH_SCALE_PROFILE")
	if out == "" {
		return func() {}
	}
	secs := os.Getenv("RUDDER_BENCH_SCALE_PROFILE_SECONDS")
	if secs == "" {
		secs = "10"
	}
	var waits []func()
	for proc, env := range map[string]string{"server": "RUDDER_PPROF_ADDR", "agent": "RUDDER_AGENT_PPROF_ADDR"} {
		addr := os.Getenv(env)
		if addr == "" {
			continue
		}
		// A CPU profile and, over the same seconds, an allocation profile.
		for kind, suffix := range map[string]string{"profile": "", "allocs": ".allocs"} {
			path := out + "." + proc + suffix
			done := make(chan error, 1)
			go func() { done <- scaleFetch(ctx, "http://"+addr+"/debug/pprof/"+kind+"?seconds="+secs, path) }()
			waits = append(waits, func() {
				if err := <-done; err != nil {
					tb.Logf("%s profile of the %s: %v", kind, proc, err)
				} else {
					tb.Logf("%s profile of the %s written to %s", kind, proc, path)
				}
			})
		}
	}
	return func() {
		for _, w := range waits {
			w()
		}
	}
}

func scaleFetch(ctx context.Context, url, path string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("request %s: %w", url, err)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %w", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("creating %s: %w", path, err)
	}
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		return fmt.Errorf("writing %s: %w", path, err)
	}
	return f.Close()
}
