package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"rudder/test/e2e/cluster"
)

// testConfigMapUpdate: a ConfigMap volume follows changes of the ConfigMap
// while the pod runs.
func testConfigMapUpdate(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {greeting: one}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts: [{name: cfg, mountPath: /etc/cfg}]
  volumes: [{name: cfg, configMap: {name: cfg}}]
`)
	e.waitRunning("reader")
	if out := e.kubectl("exec", "reader", "--", "cat", "/etc/cfg/greeting").OK(t); out != "one" {
		t.Fatalf("file before the change: %q, want %q", out, "one")
	}
	e.kubectl("patch", "configmap", "cfg", "--type=merge", "-p", `{"data":{"greeting":"two"}}`).OK(t)
	eventually(t, 90*time.Second, "file follows the ConfigMap", func() error {
		r := e.kubectl("exec", "reader", "--", "cat", "/etc/cfg/greeting")
		if r.Code != 0 || r.Stdout != "two" {
			return fmt.Errorf("cat: exit %d, %q %s", r.Code, r.Stdout, r.Stderr)
		}
		return nil
	})
}

// testPreStopAndGrace: deleting a pod runs its preStop hook before TERM; a
// container that exits on TERM ends the pod, one that ignores TERM is
// killed once the grace period is over. Both write into a hostPath dir.
func testPreStopAndGrace(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	dir := t.TempDir()
	const pod = `apiVersion: v1
kind: Pod
metadata: {name: %[1]s}
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: c
    image: busybox
    command: ["sh", "-c", %[2]s]
    volumeMounts: [{name: host, mountPath: /host}]
    lifecycle:
      preStop:
        exec: {command: ["sh", "-c", "echo prestop >> /host/%[1]s"]}
  volumes: [{name: host, hostPath: {path: %[3]s, type: Directory}}]
`
	// The markers let the test find the containers' processes on the host.
	graceful := fmt.Sprintf("trap 'echo term >> /host/graceful; exit 0' TERM; while true; do sleep 1; done # %s", "mark-g-"+e.ns)
	stubborn := fmt.Sprintf("trap '' TERM; while true; do sleep 1; done # %s", "mark-s-"+e.ns)
	e.apply(fmt.Sprintf(pod, "graceful", strconv.Quote(graceful), strconv.Quote(dir)) + "---\n" +
		fmt.Sprintf(pod, "stubborn", strconv.Quote(stubborn), strconv.Quote(dir)))
	e.waitRunning("graceful")
	e.waitRunning("stubborn")
	for _, mark := range []string{"mark-g-" + e.ns, "mark-s-" + e.ns} {
		if !processWith(mark) {
			t.Fatalf("no process of the container with %q on the host", mark)
		}
	}
	e.kubectl("delete", "pod", "graceful", "stubborn", "--wait=false").OK(t)
	// Grace period 5 s plus the kubelet's reaction: a stubborn container
	// would live forever if it were not killed.
	e.waitGone("graceful", 60*time.Second)
	e.waitGone("stubborn", 60*time.Second)

	if got := readFile(t, filepath.Join(dir, "graceful")); got != "prestop\nterm\n" {
		t.Errorf("graceful pod's record %q: want preStop, then TERM", got)
	}
	if got := readFile(t, filepath.Join(dir, "stubborn")); got != "prestop\n" {
		t.Errorf("stubborn pod's record %q: want preStop only", got)
	}
	for _, mark := range []string{"mark-g-" + e.ns, "mark-s-" + e.ns} {
		if processWith(mark) {
			t.Errorf("a process with %q outlived its deleted pod", mark)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Errorf("reading %s: %v", path, err)
	}
	return string(b)
}

// processWith reports whether a process on this machine has mark in its
// command line.
func processWith(mark string) bool {
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if _, err := strconv.Atoi(e.Name()); err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), mark) && !strings.Contains(string(b), "kubectl") {
			if e.Name() != strconv.Itoa(os.Getpid()) {
				return true
			}
		}
	}
	return false
}
