package bench

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/wait"
	"k8s.io/client-go/kubernetes"
)

const (
	startupPods       = 100 // per round, as in the issue
	startupRate       = 10  // pods/s of the paced round
	startupClients    = 10  // clients creating the burst in parallel
	startupRoundLimit = 5 * time.Minute
	startupDrainLimit = 3 * time.Minute
)

// BenchmarkPodStartup measures pod startup latency on one real node (the
// all-in-one server with its agent, containerd and runc): 100 busybox pods
// created at 10 pods/s, then 100 more in a burst after the first ones are
// gone. The image is local and already on the node (a warm-up pod pulled
// it), so, as in Kubernetes' SLO, no pull is measured.
func BenchmarkPodStartup(b *testing.B) {
	startupSkip(b)
	n := startupStartNode(b)
	admin := n.clientset(b)
	startupWarmUp(b, n, admin)
	clients := n.clientsets(b, startupClients)
	// The paced round runs first, on a node that nothing else loads yet:
	// tearing down a burst of 100 pods keeps the machine busy for a while
	// and would otherwise be measured as the paced pods' latency.
	rate := startupRateFromEnv(b)
	b.Run(fmt.Sprintf("rate=%d/s", rate), func(b *testing.B) {
		for range b.N {
			startupRound(b, n, admin, clients, rate)
		}
	})
	b.Run(fmt.Sprintf("burst=%d", startupPods), func(b *testing.B) {
		for range b.N {
			startupRound(b, n, admin, clients, 0)
		}
	})
}

// startupRateEnv overrides the paced round's rate (pods/s), to find the
// rate this node sustains within the target.
const startupRateEnv = "RUDDER_STARTUP_RATE"

func startupRateFromEnv(b *testing.B) int {
	v := os.Getenv(startupRateEnv)
	if v == "" {
		return startupRate
	}
	r, err := strconv.Atoi(v)
	if err != nil || r <= 0 {
		b.Fatalf("%s=%q: want a positive number of pods per second", startupRateEnv, v)
	}
	return r
}

func startupSkip(b *testing.B) {
	switch {
	case testing.Short():
		b.Skip("real containers: not under -short")
	case os.Geteuid() != 0:
		b.Skip("real containers need root")
	}
	if _, err := os.Stat("/usr/bin/containerd"); err != nil {
		b.Skip("no /usr/bin/containerd")
	}
}

// startupWarmUp waits for the node to be Ready and runs one pod to Ready,
// which also pulls busybox from the embedded registry once.
func startupWarmUp(b *testing.B, n *startupNode, cs kubernetes.Interface) {
	b.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	start := time.Now()
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, startupNodeReadyMax, true,
		func(ctx context.Context) (bool, error) { return startupNodeReady(ctx, cs) })
	if err != nil {
		b.Fatalf("node not Ready: %v", err)
	}
	b.Logf("node Ready %s after the API server", time.Since(start).Round(time.Millisecond))
	ns := newNamespace(b, cs, "startup-warmup")
	t := newStartupTracker(1)
	n.track(t)
	if err := startupWatch(ctx, cs, ns, t); err != nil {
		b.Fatal(err)
	}
	start = time.Now()
	if _, err := cs.CoreV1().Pods(ns).Create(ctx, startupPod("warmup"), metav1.CreateOptions{}); err != nil {
		b.Fatalf("creating the warm-up pod: %v", err)
	}
	if err := t.wait(ctx, startupNodeReadyMax); err != nil {
		b.Fatalf("warm-up pod: %v", err)
	}
	b.Logf("warm-up pod (includes the image pull) Ready after %s", time.Since(start).Round(time.Millisecond))
}

func startupNodeReady(ctx context.Context, cs kubernetes.Interface) (bool, error) {
	nodes, err := cs.CoreV1().Nodes().List(ctx, metav1.ListOptions{})
	if err != nil {
		return false, nil // the server may still be starting its parts
	}
	for _, node := range nodes.Items {
		for _, c := range node.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
				return true, nil
			}
		}
	}
	return false, nil
}

// startupNoProbeEnv, when set, drops the readiness probe: a second run
// that shows what the 100 exec probes per second cost the node.
const startupNoProbeEnv = "RUDDER_STARTUP_NO_PROBE"

// startupPod is the measured pod: busybox sleeping, with an exec readiness
// probe every second. IfNotPresent, because busybox means :latest, whose
// default policy (Always) would ask the registry on every start.
func startupPod(name string) *corev1.Pod {
	p := startupProbedPod(name)
	if os.Getenv(startupNoProbeEnv) != "" {
		p.Spec.Containers[0].ReadinessProbe = nil
	}
	return p
}

func startupProbedPod(name string) *corev1.Pod {
	grace := int64(1) // sleep as PID 1 ignores SIGTERM: do not wait 30 s on delete
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": "startup"}},
		Spec: corev1.PodSpec{
			TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{
				Name: "c", Image: "busybox", Command: []string{"sleep", "3600"},
				ImagePullPolicy: corev1.PullIfNotPresent,
				ReadinessProbe: &corev1.Probe{
					ProbeHandler:  corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}},
					PeriodSeconds: 1,
				},
			}},
		},
	}
}

// track remembers t's pods, whose cgroups cleanup removes.
func (n *startupNode) track(t *startupTracker) {
	prev := n.uids
	n.uids = func() []string {
		out := t.uids()
		if prev != nil {
			out = append(out, prev()...)
		}
		return out
	}
}

// startupRound creates startupPods pods (a burst when rate is 0, else
// rate per second), waits until all are Ready, reports the figures and
// deletes the pods again.
func startupRound(b *testing.B, n *startupNode, admin kubernetes.Interface, clients []*kubernetes.Clientset, rate int) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := newNamespace(b, admin, "startup")
	t := newStartupTracker(startupPods)
	n.track(t)
	if err := startupWatch(ctx, admin, ns, t); err != nil {
		b.Fatal(err)
	}
	b.Logf("load before: %s", loadAvg())
	before := startupReadUsage(n.pid(), n.dataDir)
	b.ResetTimer()
	start := time.Now()
	if err := startupCreate(ctx, clients, ns, t, rate); err != nil {
		b.Fatal(err)
	}
	if err := t.wait(ctx, startupRoundLimit); err != nil {
		b.Fatalf("round %s: %v", ns, err)
	}
	b.StopTimer()
	wall := time.Since(start)
	after := startupReadUsage(n.pid(), n.dataDir)
	b.Logf("load after: %s", loadAvg())
	rt, err := startupRuntimeMarks(ctx, n.criSocket(), ns)
	if err != nil {
		b.Fatalf("runtime timestamps: %v", err)
	}
	startupReport(b, startupMerge(t.snapshot(), rt), before, after, wall)
	startupDrain(b, ctx, n, admin, clients, ns, before.shims)
}

// startupCreate sends the creates: all at once from len(clients) clients,
// or one every 1/rate s, each in its own goroutine so that a slow answer
// never delays the schedule.
func startupCreate(ctx context.Context, clients []*kubernetes.Clientset, ns string, t *startupTracker, rate int) error {
	create := func(ctx context.Context, cs *kubernetes.Clientset, i int) error {
		name := fmt.Sprintf("p-%03d", i)
		t.sent(name, time.Now())
		_, err := cs.CoreV1().Pods(ns).Create(ctx, startupPod(name), metav1.CreateOptions{})
		t.acked(name, time.Now())
		return err
	}
	if rate == 0 {
		_, _, err := runParallel(ctx, clients, startupPods, create)
		return err
	}
	tick := time.NewTicker(time.Second / time.Duration(rate))
	defer tick.Stop()
	var wg sync.WaitGroup
	errs := make(chan error, startupPods)
	for i := range startupPods {
		if i > 0 {
			<-tick.C
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := create(ctx, clients[i%len(clients)], i); err != nil {
				errs <- fmt.Errorf("create %d: %w", i, err)
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // nil when the channel is empty
}

// startupDrain deletes the round's pods and waits until they are gone from
// the API and their shims from the node, so the next round starts on an
// idle node with room under max-pods (110).
func startupDrain(b *testing.B, ctx context.Context, n *startupNode, cs kubernetes.Interface, clients []*kubernetes.Clientset, ns string, shims int) {
	b.Helper()
	start := time.Now()
	del := func(ctx context.Context, c *kubernetes.Clientset, i int) error {
		return c.CoreV1().Pods(ns).Delete(ctx, fmt.Sprintf("p-%03d", i), metav1.DeleteOptions{})
	}
	if _, _, err := runParallel(ctx, clients[:4], startupPods, del); err != nil {
		b.Fatalf("deleting pods: %v", err)
	}
	err := wait.PollUntilContextTimeout(ctx, 250*time.Millisecond, startupDrainLimit, true, func(ctx context.Context) (bool, error) {
		pods, err := cs.CoreV1().Pods(ns).List(ctx, metav1.ListOptions{})
		if err != nil {
			return false, err
		}
		return len(pods.Items) == 0 && startupReadUsage(n.pid(), n.dataDir).shims <= shims, nil
	})
	if err != nil {
		b.Fatalf("pods of %s not gone: %v", ns, err)
	}
	b.Logf("100 pods deleted and their shims gone in %s", time.Since(start).Round(time.Millisecond))
}
