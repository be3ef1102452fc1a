package e2e

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/client-go/kubernetes"
	"sigs.k8s.io/yaml"

	"rudder/test/e2e/cluster"
)

// workloadEnv is the cluster shared by the workload sub-tests: one control
// plane with a short node-monitor grace period and three simulated nodes.
// Sub-tests each use their own namespace; the ones that add nodes remove
// them again, so every sub-test starts from three schedulable nodes.
type workloadEnv struct {
	s     *cluster.Server
	cs    kubernetes.Interface
	k     kubectl
	nodes []string
	// agentArgs go to every agent: its heartbeat timings.
	agentArgs []string
	// fastCron: the CronJob controller's clock runs cronClockSpeed times
	// faster than real time.
	fastCron bool
}

// The server flag that speeds up the CronJob controller's clock, and the
// speed used: one real second is one scheduled minute.
const (
	cronClockFlag  = "--debug-cronjob-clock-speed"
	cronClockSpeed = 60
)

// heartbeatSettings picks the node-monitor grace period and the agents'
// heartbeat flags. A 5 s grace period needs nodes that renew their Lease
// more often than every 5 s; with the kubelet's default (every 10 s) the
// nodes would flap NotReady between renewals, so without heartbeat flags
// the suite falls back to a grace period the default renewals satisfy.
func heartbeatSettings(t *testing.T) (string, []string) {
	if cluster.Supports(t, "agent", "--node-lease-duration") && cluster.Supports(t, "agent", "--node-status-update-frequency") {
		return "5s", []string{"--node-lease-duration=4s", "--node-status-update-frequency=1s"}
	}
	t.Logf("rudder agent has no --node-lease-duration/--node-status-update-frequency: " +
		"nodes renew every 10s, so --node-monitor-grace-period is 20s instead of 5s")
	return "20s", nil
}

// startAgent runs an extra simulated-node agent with the suite's heartbeat
// settings.
func (e *workloadEnv) startAgent(t *testing.T, count int, prefix string, extra ...string) *cluster.Agent {
	t.Helper()
	return cluster.StartAgent(t, e.s, count, prefix, append(slices.Clone(e.agentArgs), extra...)...)
}

// TestWorkloads is issue 3's acceptance: workload controllers, the
// scheduler and node lifecycle driven end to end with the real kubectl.
// Sub-tests run in order; the control-plane restart runs last.
func TestWorkloads(t *testing.T) {
	requireBinary(t, "/usr/bin/kubectl")
	grace, agentArgs := heartbeatSettings(t)
	args := []string{"--node-monitor-grace-period", grace}
	fastCron := cluster.Supports(t, "server", cronClockFlag)
	if fastCron {
		args = append(args, cronClockFlag, strconv.Itoa(cronClockSpeed))
	}
	s := cluster.Start(t, cluster.WithArgs(args...))
	keepLogs(t, s)
	agent := cluster.StartAgent(t, s, 3, "wl", agentArgs...)
	e := &workloadEnv{s: s, cs: s.Clientset(t), k: kubectl{s: s, bin: "/usr/bin/kubectl"},
		nodes: agent.NodeNames(), agentArgs: agentArgs, fastCron: fastCron}
	createNamespace(t, e.cs, "cron")
	var cron time.Time
	if !fastCron {
		// With the real clock, the every-minute CronJob starts now so that
		// its first run is due by the time its sub-test looks.
		cron = e.startMinuteCronJob(t)
	}
	t.Run("unschedulable-until-node-fits", e.testUnschedulable)
	t.Run("deployment-rollout", e.testRollout)
	t.Run("statefulset-ordered", e.testStatefulSet)
	t.Run("daemonset-follows-nodes", e.testDaemonSet)
	t.Run("jobs", e.testJobs)
	t.Run("garbage-collector", e.testGarbageCollector)
	t.Run("cordon-drain-pdb", e.testDrain)
	t.Run("node-failure", e.testNodeFailure)
	t.Run("cronjob", func(t *testing.T) { e.testCronJob(t, cron) })
	t.Run("restart-mid-rollout", e.testRestartMidRollout)
}

// keepLogs copies the server log into $RUDDER_E2E_LOG_DIR when the test
// fails, for bug reports: the harness prints only the log's tail.
func keepLogs(t *testing.T, s *cluster.Server) {
	dir := os.Getenv("RUDDER_E2E_LOG_DIR")
	if dir == "" {
		return
	}
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		dst := filepath.Join(dir, t.Name()+"-rudder.log")
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err == nil {
			err = os.WriteFile(dst, []byte(s.Log()), 0o644)
		}
		t.Logf("server log kept in %s", dst)
	})
}

// apply feeds objects to `kubectl apply -f -` as one YAML stream.
func (e *workloadEnv) apply(t *testing.T, ns string, objs ...runtime.Object) string {
	t.Helper()
	var docs []string
	for _, o := range objs {
		b, err := yaml.Marshal(o)
		if err != nil {
			t.Fatalf("marshalling %T: %v", o, err)
		}
		docs = append(docs, string(b))
	}
	return e.k.stdin(t, strings.Join(docs, "---\n"), "apply", "-n", ns, "-f", "-").OK(t)
}

// long runs kubectl with a longer timeout, for commands that wait.
func (e *workloadEnv) long(t *testing.T, args ...string) cluster.Result {
	t.Helper()
	return e.s.Run(t, cluster.Call{Bin: e.k.bin, Args: args, Timeout: 150 * time.Second})
}

// rolloutStatus runs `kubectl rollout status` and requires exit code 0.
func (e *workloadEnv) rolloutStatus(t *testing.T, ns, object string) {
	t.Helper()
	e.long(t, "rollout", "status", "-n", ns, object, "--timeout=120s").OK(t)
}

// namespace creates ns and deletes it when the sub-test ends, so that
// finished sub-tests leave no pods behind for later drains.
func (e *workloadEnv) namespace(t *testing.T, ns string) {
	t.Helper()
	createNamespace(t, e.cs, ns)
	t.Cleanup(func() {
		_ = e.cs.CoreV1().Namespaces().Delete(context.Background(), ns, metav1.DeleteOptions{})
	})
}

// pods lists the pods of ns matching selector.
func (e *workloadEnv) pods(t *testing.T, ns, selector string) []corev1.Pod {
	t.Helper()
	l, err := e.cs.CoreV1().Pods(ns).List(context.Background(), metav1.ListOptions{LabelSelector: selector})
	if err != nil {
		t.Fatalf("listing pods %s in %s: %v", selector, ns, err)
	}
	return l.Items
}

// waitServing waits until exactly n pods match selector, none of them
// terminating, all Ready, and each passes check (which explains a
// mismatch, or returns "").
func (e *workloadEnv) waitServing(t *testing.T, ns, selector string, n int, timeout time.Duration, check func(*corev1.Pod) string) {
	t.Helper()
	waitFor(t, timeout, "pods "+selector+" serving", func() (bool, string) {
		pods := e.pods(t, ns, selector)
		if len(pods) != n {
			return false, describePods(pods)
		}
		for i := range pods {
			p := &pods[i]
			if !serving(p) {
				return false, p.Name + " not serving: " + describePods(pods)
			}
			if check != nil {
				if why := check(p); why != "" {
					return false, p.Name + ": " + why
				}
			}
		}
		return true, ""
	})
}

// withImage checks a pod's first container image.
func withImage(image string) func(*corev1.Pod) string {
	return func(p *corev1.Pod) string {
		if got := p.Spec.Containers[0].Image; got != image {
			return "image " + got + ", want " + image
		}
		return ""
	}
}

// describePods is a one-line summary of pods for failure messages.
func describePods(pods []corev1.Pod) string {
	var parts []string
	for _, p := range pods {
		s := p.Name + "@" + p.Spec.NodeName + ":" + string(p.Status.Phase)
		if podReady(&p) {
			s += ",ready"
		}
		if p.DeletionTimestamp != nil {
			s += ",terminating"
		}
		parts = append(parts, s)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// revisions returns the REVISION column of `kubectl rollout history`.
func revisions(out string) []string {
	var revs []string
	for _, l := range lines(out) {
		f := strings.Fields(l)
		if len(f) > 0 && f[0] != "" && f[0][0] >= '0' && f[0][0] <= '9' {
			revs = append(revs, f[0])
		}
	}
	return revs
}
