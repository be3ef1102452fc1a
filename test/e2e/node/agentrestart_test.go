package node

import (
	"fmt"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// TestAgentRestart: containers outlive their agent and containerd. A
// killed agent, started again, adopts the running pod (same container, no
// restart); a killed containerd is restarted by the agent while the pod
// keeps serving.
func TestAgentRestart(t *testing.T) {
	requireNodeHost(t)
	s := cluster.Start(t) // no agent in the server: the node is its own process
	name := "rdr-a-" + randSuffix()
	a := cluster.StartRealAgent(t, s, cluster.RealAgentConfig{NodeName: name})
	e := newEnv(t, s)
	e.apply(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: web}
spec:
  nodeName: %s
  containers:
  - {name: c, image: busybox, command: ["sh", "-c", %q]}
`, name, webCommand))
	p := e.waitRunning("web")
	url := "http://" + p.Status.PodIP + ":8080/"
	waitHTTP(t, url, "hello\n", 30*time.Second)
	before, _ := containerStatus(p, "c")

	t.Run("agent killed", func(t *testing.T) {
		a.Kill()
		if got, err := httpGet(url); err != nil || got != "hello\n" {
			t.Fatalf("pod stopped serving when its agent died: %q, %v", got, err)
		}
		a.Start()
		assertAdopted(t, e, name, "after-agent", before)
		waitHTTP(t, url, "hello\n", 10*time.Second)
	})

	t.Run("containerd killed", func(t *testing.T) {
		pid, err := a.ContainerdPID()
		if err != nil {
			t.Fatal(err)
		}
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatalf("killing containerd %d: %v", pid, err)
		}
		if got, err := httpGet(url); err != nil || got != "hello\n" {
			t.Fatalf("pod stopped serving when containerd died: %q, %v", got, err)
		}
		eventually(t, 30*time.Second, "containerd restarted by the agent", func() error {
			now, err := a.ContainerdPID()
			if err != nil {
				return err
			}
			if now == pid || !alive(now) {
				return fmt.Errorf("containerd pid %d (killed %d)", now, pid)
			}
			return nil
		})
		select {
		case <-a.Exited():
			t.Fatalf("agent exited when containerd died:\n%s", a.Log())
		default:
		}
		assertAdopted(t, e, name, "after-containerd", before)
		waitHTTP(t, url, "hello\n", 10*time.Second)
	})
}

// assertAdopted checks that the node's kubelet works again (a new pod on
// it runs, so its pod loop has been through the old one too) and that the
// web pod kept its container: same ID, never restarted.
func assertAdopted(t *testing.T, e *env, node, probe string, before corev1.ContainerStatus) {
	t.Helper()
	e.apply(fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata: {name: %s}
spec:
  nodeName: %s
  containers:
  - {name: c, image: busybox, command: ["sleep", "3600"]}
`, probe, node))
	e.waitRunning(probe)
	p, err := e.pod("web")
	if err != nil {
		t.Fatal(err)
	}
	after, _ := containerStatus(p, "c")
	if after.ContainerID != before.ContainerID || after.RestartCount != 0 || after.State.Running == nil {
		t.Errorf("web pod not adopted: container %s → %s, restarts %d, state %+v",
			before.ContainerID, after.ContainerID, after.RestartCount, after.State)
	}
	if out := e.kubectl("exec", "web", "--", "cat", "/tmp/index.html").OK(t); out != "hello\n" {
		t.Errorf("exec into the adopted container: %q", out)
	}
}

// alive reports whether pid is a live process (not a zombie).
func alive(pid int) bool {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		return false
	}
	for i := len(b) - 1; i > 0; i-- {
		if b[i] == ')' {
			return i+2 < len(b) && b[i+2] != 'Z' && b[i+2] != 'X'
		}
	}
	return false
}
