package node

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// run is one finished run of a container, as the kubelet reported it.
type run struct{ started, finished time.Time }

// testCrashLoop: a container that always fails reaches CrashLoopBackOff,
// its restart count grows, and the pauses between runs grow.
func testCrashLoop(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  restartPolicy: Always
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "exit 1"]
`)
	// Most of the time between runs is back-off, which kubectl shows.
	eventually(t, 60*time.Second, "kubectl shows CrashLoopBackOff", func() error {
		if out := e.kubectl("get", "pod", "crash", "--no-headers").Stdout; !strings.Contains(out, "CrashLoopBackOff") {
			return fmt.Errorf("kubectl get pod: %q", out)
		}
		return nil
	})
	runs := map[time.Time]run{} // by start time
	sawBackOff := false
	record := func(st *corev1.ContainerStateTerminated) {
		if st != nil && !st.StartedAt.IsZero() {
			runs[st.StartedAt.Time] = run{st.StartedAt.Time, st.FinishedAt.Time}
		}
	}
	// Kubelet back-off: immediate, then 10 s, 20 s... Three recorded runs
	// give two pauses; restart count 3 means the fourth run began.
	e.waitPod("crash", 100*time.Second, func(p *corev1.Pod) error {
		cs, ok := containerStatus(p, "c")
		if !ok {
			return fmt.Errorf("no container status")
		}
		record(cs.State.Terminated)
		record(cs.LastTerminationState.Terminated)
		if w := cs.State.Waiting; w != nil && w.Reason == "CrashLoopBackOff" {
			sawBackOff = true
		}
		if !sawBackOff || cs.RestartCount < 3 || len(runs) < 3 {
			return fmt.Errorf("back-off seen %v, %d runs recorded, %s", sawBackOff, len(runs), describeStatuses(p))
		}
		return nil
	})
	ordered := make([]run, 0, len(runs))
	for _, r := range runs {
		ordered = append(ordered, r)
	}
	sort.Slice(ordered, func(i, j int) bool { return ordered[i].started.Before(ordered[j].started) })
	var gaps []time.Duration
	for i := 1; i < len(ordered); i++ {
		gaps = append(gaps, ordered[i].started.Sub(ordered[i-1].finished))
	}
	for i := 1; i < len(gaps); i++ {
		if gaps[i] <= gaps[i-1] {
			t.Errorf("pauses between runs do not grow: %v (runs %v)", gaps, ordered)
		}
	}
}

// testLiveness: a liveness probe that fails restarts the container and is
// reported as an Unhealthy event.
func testLiveness(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: sick}
spec:
  # sleep as PID 1 ignores TERM: each restart waits out the grace period.
  terminationGracePeriodSeconds: 2
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    livenessProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
      failureThreshold: 1
`)
	e.waitPod("sick", podTimeout, func(p *corev1.Pod) error {
		cs, ok := containerStatus(p, "c")
		if !ok || cs.RestartCount == 0 {
			return fmt.Errorf("not restarted yet: %s", describeStatuses(p))
		}
		return nil
	})
	eventually(t, 30*time.Second, "Unhealthy event", func() error {
		if !hasEvent(e.events("sick"), "Unhealthy") {
			return fmt.Errorf("events: %v", eventReasons(e.events("sick")))
		}
		return nil
	})
}

// testReadiness: a failing readiness probe keeps a running pod unready.
func testReadiness(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: shy}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    readinessProbe:
      exec: {command: ["false"]}
      periodSeconds: 1
`)
	e.waitRunning("shy")
	// The probe has run and failed at least once: from here on the state
	// must be unready.
	eventually(t, 30*time.Second, "Unhealthy event", func() error {
		if !hasEvent(e.events("shy"), "Unhealthy") {
			return fmt.Errorf("events: %v", eventReasons(e.events("shy")))
		}
		return nil
	})
	p, err := e.pod("shy")
	if err != nil {
		t.Fatal(err)
	}
	cs, _ := containerStatus(p, "c")
	if p.Status.Phase != corev1.PodRunning || cs.Ready || cs.RestartCount != 0 || cs.State.Running == nil {
		t.Errorf("want running, unready, never restarted: phase %s, %s", p.Status.Phase, describeStatuses(p))
	}
	if c, ok := podCondition(p, corev1.PodReady); !ok || c.Status != corev1.ConditionFalse {
		t.Errorf("Ready condition %+v (present %v), want False", c, ok)
	}
	if out := e.kubectl("get", "pod", "shy", "--no-headers").OK(t); !strings.Contains(out, " 0/1 ") || !strings.Contains(out, "Running") {
		t.Errorf("kubectl get pod: %q, want READY 0/1 and Running", out)
	}
}

// testOOMKilled: a container allocating beyond its memory limit is killed
// by the kernel and reported as OOMKilled with exit code 137.
func testOOMKilled(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	// dd's 50 MB block is one buffer it fills from /dev/zero: resident
	// memory well over the 20 Mi limit. exec makes dd the container's
	// main process, whose death ends the container.
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: hog}
spec:
  restartPolicy: Never
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=50M count=1"]
    resources:
      limits: {memory: 20Mi}
`)
	e.waitPod("hog", podTimeout, func(p *corev1.Pod) error {
		cs, ok := containerStatus(p, "c")
		term := cs.State.Terminated
		if !ok || term == nil {
			term = cs.LastTerminationState.Terminated
		}
		if term == nil {
			return fmt.Errorf("not terminated: %s", describeStatuses(p))
		}
		if term.Reason != "OOMKilled" || term.ExitCode != 137 {
			t.Fatalf("terminated with reason %q, exit code %d; want OOMKilled, 137", term.Reason, term.ExitCode)
		}
		return nil
	})
}

func eventReasons(evs []corev1.Event) []string {
	out := make([]string, 0, len(evs))
	for _, ev := range evs {
		out = append(out, ev.Reason+": "+ev.Message)
	}
	return out
}
