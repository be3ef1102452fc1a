package bench

import (
	"context"
	"fmt"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
)

// scaleLargeEnv opts in to the 1,000-node case, which takes long on a
// small machine.
const scaleLargeEnv = "RUDDER_BENCH_LARGE"

// scaleCase is one cluster size: simulated nodes and Deployment replicas.
type scaleCase struct {
	nodes, pods int
	large       bool
}

// BenchmarkScale starts `rudder server` and `rudder agent --runtime=fake`
// as two processes, creates one Deployment of `pods` replicas over `nodes`
// simulated nodes and measures, from a pod informer, how long until every
// pod is bound and Running, plus each process's CPU seconds and peak RSS
// and the latency of mutating API calls meanwhile.
func BenchmarkScale(b *testing.B) {
	for _, c := range []scaleCase{
		{nodes: 100, pods: 3000},
		{nodes: 1000, pods: 30000, large: true},
	} {
		b.Run(fmt.Sprintf("nodes=%d,pods=%d", c.nodes, c.pods), func(b *testing.B) {
			if testing.Short() {
				b.Skip("starts a cluster; skipped with -short")
			}
			if c.large && os.Getenv(scaleLargeEnv) != "1" {
				b.Skipf("set %s=1 to run the %d-node case", scaleLargeEnv, c.nodes)
			}
			sum := map[string]float64{}
			for range b.N {
				for unit, v := range runScale(b, c) {
					sum[unit] += v
				}
			}
			for unit, v := range sum {
				b.ReportMetric(v/float64(b.N), unit)
			}
		})
	}
}

// TestScaleHarness runs the whole scale scenario at toy size, so that a
// plain `go test` catches a harness that no longer works.
func TestScaleHarness(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a cluster; skipped with -short")
	}
	got := runScale(t, scaleCase{nodes: 2, pods: 10})
	for _, unit := range []string{"bind-s", "running-s", "sched-pods/s", "server-peak-MiB", "agent-peak-MiB"} {
		if !(got[unit] > 0) {
			t.Errorf("%s = %v, want a positive figure", unit, got[unit])
		}
	}
	if got["bind-s"] > got["running-s"] {
		t.Errorf("bind-s %v > running-s %v: pods ran before they were bound", got["bind-s"], got["running-s"])
	}
}

// scaleDeadline bounds one run: generous, so only a stuck cluster fails.
func scaleDeadline(c scaleCase) (nodesReady, podsRunning time.Duration) {
	return 2*time.Minute + time.Duration(c.nodes)*200*time.Millisecond,
		3*time.Minute + time.Duration(c.pods)*20*time.Millisecond
}

// runScale runs one scenario on a fresh cluster and returns its figures
// by unit. Both processes are killed when tb ends, passed or failed.
func runScale(tb testing.TB, c scaleCase) map[string]float64 {
	tb.Helper()
	b, _ := tb.(*testing.B)
	if b != nil {
		b.StopTimer()
	}
	cl := scaleStartCluster(tb, c)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	ns := newNamespace(tb, cl.cs, "scale")
	tracker := newScaleTracker(c.pods)
	if err := scaleWatchPods(ctx, cl.cs, ns, tracker); err != nil {
		tb.Fatal(err)
	}
	probeCtx, stopProbe := context.WithCancel(ctx)
	probe := scaleStartProbe(probeCtx, cl.probe, ns)
	defer stopProbe()
	stopProfile := scaleProfile(tb, ctx)
	before := cl.usage(tb)
	harnessBefore, _ := scaleCPU(os.Getpid())
	if b != nil {
		b.StartTimer()
	}
	start := time.Now()
	if _, err := cl.cs.AppsV1().Deployments(ns).Create(ctx, scaleDeployment(c.pods), metav1.CreateOptions{}); err != nil {
		tb.Fatalf("creating the deployment: %v", err)
	}
	_, timeout := scaleDeadline(c)
	cl.waitRunning(tb, ctx, tracker, timeout)
	if b != nil {
		b.StopTimer()
	}
	after := cl.usage(tb)
	harnessAfter, _ := scaleCPU(os.Getpid())
	stopProbe()
	lat, probeErrs := probe.finish()
	stopProfile()
	res := scaleFigures(tracker, start, before, after, lat, probeErrs)
	res["nodes-ready-s"] = cl.nodesReady.Seconds()
	// The harness shares the 2 cores: its own watch and probe are load too.
	res["harness-cpu-s"] = (harnessAfter - harnessBefore).Seconds()
	scaleSchedulerFigures(tb, ctx, cl.cs, res)
	scaleEventFigures(tb, ctx, cl.cs, ns, res)
	tb.Logf("%d nodes, %d pods, load %s: %s", c.nodes, c.pods, loadAvg(), scaleFormat(res))
	return res
}

func scaleDeployment(replicas int) *appsv1.Deployment {
	labels := map[string]string{"app": "scale"}
	n := int32(replicas)
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "scale"},
		Spec: appsv1.DeploymentSpec{
			Replicas: &n,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{
					Name: "app", Image: "registry.rudder.local/pause:bench",
					Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{
						corev1.ResourceCPU:    resource.MustParse("10m"),
						corev1.ResourceMemory: resource.MustParse("10Mi"),
					}},
				}}},
			},
		},
	}
}

// scaleFigures turns the observations into figures by unit.
func scaleFigures(t *scaleTracker, start time.Time, before, after [2]scaleUsage, lat []time.Duration, probeErrs int) map[string]float64 {
	m, _, _, _ := t.snapshot()
	secs := func(at time.Time) float64 { return at.Sub(start).Seconds() }
	res := map[string]float64{
		"first-created-s": secs(m.firstCreated),
		"created-s":       secs(m.allCreated),
		"bind-s":          secs(m.allBound),
		"running-s":       secs(m.allRunning),
		// The scheduler's rate: bound pods over the interval in which it
		// bound them (the controller's creation ramp is outside it).
		"sched-pods/s":    float64(t.want-1) / m.allBound.Sub(m.firstBound).Seconds(),
		"e2e-bind-pods/s": float64(t.want) / secs(m.allBound),
		"e2e-run-pods/s":  float64(t.want) / secs(m.allRunning),
		"server-cpu-s":    (after[0].cpu - before[0].cpu).Seconds(),
		"agent-cpu-s":     (after[1].cpu - before[1].cpu).Seconds(),
		"server-peak-MiB": after[0].peakMiB,
		"agent-peak-MiB":  after[1].peakMiB,
		"server-idle-MiB": before[0].rssMiB,
		"probe-errors":    float64(probeErrs),
		"probe-calls":     float64(len(lat)),
	}
	if t.want == 1 {
		res["sched-pods/s"] = 0
	}
	if len(lat) > 0 {
		res["mutating-p50-ms"] = ms(percentile(lat, 50))
		res["mutating-p99-ms"] = ms(percentile(lat, 99))
	}
	return res
}

func scaleFormat(res map[string]float64) string {
	keys := make([]string, 0, len(res))
	for k := range res {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	out := ""
	for _, k := range keys {
		out += fmt.Sprintf(" %s=%.4g", k, res[k])
	}
	return out
}

// scaleSchedulerFigures adds the p99 of the scheduler's own attempt
// latency (algorithm + binding call), from the server's /metrics.
func scaleSchedulerFigures(tb testing.TB, ctx context.Context, cs kubernetes.Interface, res map[string]float64) {
	raw, err := cs.CoreV1().RESTClient().Get().AbsPath("/metrics").DoRaw(ctx)
	if err != nil {
		tb.Logf("scraping /metrics: %v", err)
		return
	}
	buckets, err := scaleHistogram(string(raw), "scheduler_scheduling_attempt_duration_seconds", `result="scheduled"`)
	if err != nil || len(buckets) == 0 {
		tb.Logf("no scheduler attempt histogram in /metrics (%v)", err)
		return
	}
	q := scaleQuantile(buckets, 0.99)
	if math.IsInf(q, 0) || math.IsNaN(q) {
		tb.Logf("scheduler attempt p99 beyond the histogram's buckets (%v)", q)
		return
	}
	res["sched-attempt-p99-ms"] = q * 1000
	res["sched-failed-attempts"] = scaleFailedAttempts(string(raw))
}

// scaleFailedAttempts sums the scheduler's attempts that did not schedule
// (unschedulable or error): each puts a pod into backoff for a second or
// more, which shows as a tail between the last creation and the last bind.
func scaleFailedAttempts(metrics string) float64 {
	total := 0.0
	for _, line := range strings.Split(metrics, "\n") {
		if !strings.HasPrefix(line, "scheduler_schedule_attempts_total{") || strings.Contains(line, `result="scheduled"`) {
			continue
		}
		fields := strings.Fields(line)
		if v, err := strconv.ParseFloat(fields[len(fields)-1], 64); err == nil {
			total += v
		}
	}
	return total
}

// scaleEventFigures counts the Events written into the namespace: each is
// one more write per pod through the same API server and etcd.
func scaleEventFigures(tb testing.TB, ctx context.Context, cs kubernetes.Interface, ns string, res map[string]float64) {
	n := 0
	opts := metav1.ListOptions{Limit: 5000}
	for {
		list, err := cs.CoreV1().Events(ns).List(ctx, opts)
		if err != nil {
			tb.Logf("listing events: %v", err)
			return
		}
		n += len(list.Items)
		if list.Continue == "" {
			break
		}
		opts.Continue = list.Continue
	}
	res["events"] = float64(n)
}
