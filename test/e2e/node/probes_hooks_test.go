package node

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// TestProbesHooksAndCgroups covers the rest of what a kubelet does for a
// pod, with real containers: a startup probe gating readiness, httpGet
// readiness and tcpSocket liveness probes, a postStart hook, a projected
// volume, the pod's QoS class, and the pod cgroup it creates and removes.
func TestProbesHooksAndCgroups(t *testing.T) {
	requireNodeHost(t)
	s := cluster.Start(t, cluster.WithAgent())
	waitOneNodeReady(t, s)

	t.Run("startup probe gates readiness", func(t *testing.T) { t.Parallel(); testStartupProbe(t, s) })
	t.Run("http and tcp probes", func(t *testing.T) { t.Parallel(); testHTTPTCPProbes(t, s) })
	t.Run("postStart hook runs first", func(t *testing.T) { t.Parallel(); testPostStart(t, s) })
	t.Run("projected volume", func(t *testing.T) { t.Parallel(); testProjected(t, s) })
	t.Run("pod cgroup created and removed", func(t *testing.T) { t.Parallel(); testPodCgroup(t, s) })
}

// testStartupProbe: the container is not started (nor Ready) until its
// startup probe passes, which it can only do after the app made a file.
func testStartupProbe(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: slow}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sh", "-c", "sleep 3; touch /tmp/started; sleep 3600"]
    startupProbe: {exec: {command: ["test", "-f", "/tmp/started"]}, periodSeconds: 1, failureThreshold: 30}
`)
	p := e.waitRunning("slow")
	if cs, ok := containerStatus(p, "app"); ok && cs.Started != nil && *cs.Started && !fileExists(e, "slow", "/tmp/started") {
		t.Errorf("container reported started before its startup probe could pass: %+v", cs)
	}
	e.waitPod("slow", podTimeout, func(p *corev1.Pod) error {
		cs, ok := containerStatus(p, "app")
		if !ok || cs.Started == nil || !*cs.Started || !cs.Ready {
			return fmt.Errorf("statuses %s", describeStatuses(p))
		}
		return nil
	})
	if !fileExists(e, "slow", "/tmp/started") {
		t.Error("started and ready without the file the startup probe checks")
	}
}

func fileExists(e *env, pod, path string) bool {
	return e.kubectl("exec", pod, "--", "test", "-f", path).Code == 0
}

// testHTTPTCPProbes: an httpGet readiness probe against busybox httpd makes
// the pod Ready; a tcpSocket liveness probe on a port nothing listens on
// restarts the container.
func testHTTPTCPProbes(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  containers:
  - name: web
    image: busybox
    command: ["sh", "-c", "echo ok > /tmp/index.html; httpd -f -p 8080 -h /tmp"]
    ports: [{name: http, containerPort: 8080}]
    readinessProbe: {httpGet: {path: /index.html, port: http}, periodSeconds: 1}
    livenessProbe: {tcpSocket: {port: 8080}, periodSeconds: 1}
---
apiVersion: v1
kind: Pod
metadata: {name: deaf}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    livenessProbe: {tcpSocket: {port: 9999}, periodSeconds: 1, failureThreshold: 1}
`)
	e.waitPod("web", podTimeout, func(p *corev1.Pod) error {
		if c, ok := podCondition(p, corev1.PodReady); !ok || c.Status != corev1.ConditionTrue {
			return fmt.Errorf("not Ready: %s", describeStatuses(p))
		}
		if cs, _ := containerStatus(p, "web"); cs.RestartCount != 0 {
			return fmt.Errorf("the listening container was restarted: %s", describeStatuses(p))
		}
		return nil
	})
	e.waitPod("deaf", podTimeout, func(p *corev1.Pod) error {
		if cs, ok := containerStatus(p, "app"); !ok || cs.RestartCount < 1 {
			return fmt.Errorf("not restarted yet: %s", describeStatuses(p))
		}
		return nil
	})
}

// testPostStart: the hook's file exists by the time the container counts
// as started, and the app can read it.
func testPostStart(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: hooked}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    lifecycle:
      postStart: {exec: {command: ["sh", "-c", "echo from-hook > /tmp/hook"]}}
`)
	e.waitRunning("hooked")
	eventually(t, 30*time.Second, "the postStart hook's file", func() error {
		if out := e.kubectl("exec", "hooked", "--", "cat", "/tmp/hook").Stdout; out != "from-hook\n" {
			return fmt.Errorf("/tmp/hook = %q", out)
		}
		return nil
	})
}

// testProjected: one volume projecting a ConfigMap key, a Secret key and
// the pod's name.
func testProjected(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {colour: blue}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: s3cret}
---
apiVersion: v1
kind: Pod
metadata: {name: proj}
spec:
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts: [{name: all, mountPath: /etc/all}]
  volumes:
  - name: all
    projected:
      sources:
      - configMap: {name: cfg, items: [{key: colour, path: colour}]}
      - secret: {name: sec, items: [{key: password, path: password}]}
      - downwardAPI: {items: [{path: name, fieldRef: {fieldPath: metadata.name}}]}
`)
	e.waitRunning("proj")
	for file, want := range map[string]string{"colour": "blue", "password": "s3cret", "name": "proj"} {
		if out := e.kubectl("exec", "proj", "--", "cat", "/etc/all/"+file).OK(t); out != want {
			t.Errorf("/etc/all/%s = %q, want %q", file, out, want)
		}
	}
}

// testPodCgroup: a Guaranteed pod gets qosClass Guaranteed and a pod
// cgroup with its memory limit; once the pod is deleted its cgroup is
// gone from every hierarchy.
func testPodCgroup(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: sized}
spec:
  terminationGracePeriodSeconds: 1
  containers:
  - name: app
    image: busybox
    command: ["sleep", "3600"]
    resources:
      limits: {cpu: 100m, memory: 32Mi}
`)
	p := e.waitRunning("sized")
	if p.Status.QOSClass != corev1.PodQOSGuaranteed {
		t.Errorf("qosClass %q, want Guaranteed", p.Status.QOSClass)
	}
	dirs := podCgroupDirs(string(p.UID))
	if len(dirs) == 0 {
		t.Skip("no pod cgroup found under /sys/fs/cgroup (cgroups not writable here)")
	}
	for _, d := range dirs {
		if strings.Contains(d, "/memory/") {
			limit, err := os.ReadFile(filepath.Join(d, "memory.limit_in_bytes"))
			if err == nil && strings.TrimSpace(string(limit)) != "33554432" {
				t.Errorf("%s memory.limit_in_bytes = %s, want 33554432", d, limit)
			}
		}
	}
	e.kubectl("delete", "pod", "sized", "--wait=true", "--timeout=60s").OK(t)
	eventually(t, 60*time.Second, "the pod cgroup to be removed", func() error {
		if left := podCgroupDirs(string(p.UID)); len(left) > 0 {
			return fmt.Errorf("still there: %v", left)
		}
		return nil
	})
}

// podCgroupDirs lists the pod<uid> directories under every hierarchy.
func podCgroupDirs(uid string) []string {
	var out []string
	for _, pattern := range []string{"/sys/fs/cgroup/*/kubepods/pod" + uid, "/sys/fs/cgroup/*/kubepods/*/pod" + uid,
		"/sys/fs/cgroup/kubepods/pod" + uid, "/sys/fs/cgroup/kubepods/*/pod" + uid} {
		m, _ := filepath.Glob(pattern)
		out = append(out, m...)
	}
	return out
}
