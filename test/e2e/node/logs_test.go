package node

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// testLogs: `kubectl logs` with -f, --tail, -c and --previous.
func testLogs(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: counter}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", "i=0; while true; do echo line $i; i=$((i+1)); sleep 0.5; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: duo}
spec:
  containers:
  - name: a
    image: busybox
    command: ["sh", "-c", "while true; do echo from-a; sleep 1; done"]
  - name: b
    image: busybox
    command: ["sh", "-c", "while true; do echo from-b; sleep 1; done"]
---
apiVersion: v1
kind: Pod
metadata: {name: again}
spec:
  containers:
  - name: c
    image: busybox
    # The first run fails; the run count lives in an emptyDir, which
    # survives container restarts.
    command: ["sh", "-c", "n=$(( $(cat /d/n 2>/dev/null || echo 0) + 1 )); echo $n > /d/n; echo run $n; [ $n -gt 1 ] || exit 1; exec sleep 3600"]
    volumeMounts: [{name: d, mountPath: /d}]
  volumes: [{name: d, emptyDir: {}}]
`)
	e.waitRunning("counter")
	t.Run("follow", func(t *testing.T) { testLogsFollow(t, e) })
	t.Run("tail", func(t *testing.T) {
		eventually(t, 30*time.Second, "more than 3 lines logged", func() error {
			if out := e.kubectl("logs", "counter").Stdout; strings.Count(out, "\n") <= 3 {
				return fmt.Errorf("logs: %q", out)
			}
			return nil
		})
		out := e.kubectl("logs", "counter", "--tail=3").OK(t)
		lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
		if len(lines) != 3 {
			t.Fatalf("--tail=3 printed %d lines: %q", len(lines), out)
		}
		for i := 1; i < 3; i++ {
			if counterOf(lines[i]) != counterOf(lines[i-1])+1 {
				t.Errorf("--tail=3 lines are not the last consecutive ones: %q", out)
			}
		}
	})
	t.Run("container", func(t *testing.T) {
		e.waitRunning("duo")
		eventually(t, 30*time.Second, "logs -c b", func() error {
			out := e.kubectl("logs", "duo", "-c", "b").Stdout
			if !strings.Contains(out, "from-b") || strings.Contains(out, "from-a") {
				return fmt.Errorf("logs -c b: %q", out)
			}
			return nil
		})
	})
	t.Run("previous", func(t *testing.T) {
		e.waitPod("again", podTimeout, func(p *corev1.Pod) error {
			cs, _ := containerStatus(p, "c")
			if cs.RestartCount < 1 || cs.State.Running == nil {
				return fmt.Errorf("not running after a restart: %s", describeStatuses(p))
			}
			return nil
		})
		if out := e.kubectl("logs", "again", "--previous").OK(t); out != "run 1\n" {
			t.Errorf("logs --previous: %q, want %q", out, "run 1\n")
		}
		if out := e.kubectl("logs", "again").OK(t); out != "run 2\n" {
			t.Errorf("logs: %q, want %q", out, "run 2\n")
		}
	})
}

// testLogsFollow: `kubectl logs -f` delivers lines written after it
// began: once it printed its first line, a plain `kubectl logs` gives the
// last line written so far, and a later one must still arrive.
func testLogsFollow(t *testing.T, e *env) {
	st := e.startStream(kubectl, "logs", "-f", "counter")
	if _, err := st.next(30 * time.Second); err != nil {
		t.Fatalf("logs -f: %v", err)
	}
	out := e.kubectl("logs", "counter").OK(t)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	written := counterOf(lines[len(lines)-1])
	if written < 0 {
		t.Fatalf("no counter line in %q", out)
	}
	for {
		line, err := st.next(20 * time.Second)
		if err != nil {
			t.Fatalf("logs -f stopped before line %d: %v", written+1, err)
		}
		if counterOf(line) > written {
			return
		}
	}
}

// counterOf parses "line N"; -1 if line is not one.
func counterOf(line string) int {
	n, err := strconv.Atoi(strings.TrimPrefix(strings.TrimSpace(line), "line "))
	if err != nil || !strings.HasPrefix(strings.TrimSpace(line), "line ") {
		return -1
	}
	return n
}
