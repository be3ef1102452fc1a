package containerd

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"

	"rudder/internal/agent/cni"
	"rudder/internal/images"
	"rudder/internal/kubelet/runtime/cri"
	"rudder/internal/registry"
)

const helperEnv = "RUDDER_CONTAINERD_TEST_AGENT"

// TestHelperAgent is not a test: re-executed with helperEnv set, it plays
// an agent process that starts containerd and then gets SIGKILLed.
func TestHelperAgent(t *testing.T) {
	raw := os.Getenv(helperEnv)
	if raw == "" {
		t.Skip("helper process only")
	}
	var o Options
	if err := json.Unmarshal([]byte(raw), &o); err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	s, err := Start(context.Background(), o)
	if err != nil {
		fmt.Println("error", err)
		os.Exit(1)
	}
	fmt.Println("pid", s.PID())
	select {} // until killed
}

func requireRealRuntime(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("needs root")
	}
	for _, bin := range []string{DefaultBinary, "/usr/sbin/runc", "/usr/lib/cni/bridge", images.DefaultBusybox, "/usr/sbin/nft"} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("no %s (run scripts/deps.sh)", bin)
		}
	}
}

// TestPodSurvivesAgentAndContainerdKills runs a real pod through CRI, kills
// the agent that started containerd (the pod keeps serving, a new agent
// reuses the same containerd), then kills containerd (the supervisor
// restarts it; the pod keeps serving).
func TestPodSurvivesAgentAndContainerdKills(t *testing.T) {
	requireRealRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := testOptions(t, serveRegistry(t))

	firstPID := startHelperAgent(t, opts) // helper: an agent we can SIGKILL
	c := dialReady(t, ctx, filepath.Join(opts.DataDir, "containerd", "containerd.sock"))
	pull(t, ctx, c, images.BusyboxRef)
	pod := runWebPod(t, ctx, c, opts)
	assertServes(t, ctx, pod.url)

	killHelperAgent(t)
	assertServes(t, ctx, pod.url)

	sup, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	if sup.PID() != firstPID {
		t.Fatalf("new agent runs containerd pid %d, want the running %d reused", sup.PID(), firstPID)
	}
	if n := countInstances(sup.paths); n != 1 {
		t.Fatalf("%d containerd processes for this data dir, want 1", n)
	}

	if err := syscall.Kill(firstPID, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, ctx, "containerd restarted", func() bool {
		return sup.Restarts() >= 1 && sup.PID() != firstPID && isOurs(sup.PID(), sup.paths.config)
	})
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	assertRunning(t, ctx, c, pod.containerID)
	assertServes(t, ctx, pod.url)
	assertExec(t, ctx, c, pod.containerID)

	removePod(t, ctx, c, pod.sandboxID)
}

// TestCleanupRemovesEverything starts containerd with a running pod and
// checks that Cleanup leaves no process, mount or file behind.
func TestCleanupRemovesEverything(t *testing.T) {
	requireRealRuntime(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	opts := testOptions(t, serveRegistry(t))
	sup, err := Start(ctx, opts)
	if err != nil {
		t.Fatal(err)
	}
	c := dialReady(t, ctx, sup.Socket())
	pull(t, ctx, c, images.BusyboxRef)
	pod := runWebPod(t, ctx, c, opts)
	assertServes(t, ctx, pod.url)
	pid := sup.PID()

	if err := sup.Cleanup(); err != nil {
		t.Fatal(err)
	}
	if isOurs(pid, sup.paths.config) {
		t.Error("containerd still running after Cleanup")
	}
	if shims := shimsOf(sup.paths.socket); len(shims) != 0 {
		t.Errorf("shims %v still running after Cleanup", shims)
	}
	if m, err := mountsUnder(opts.DataDir); err != nil || len(m) != 0 {
		t.Errorf("mounts left under the data dir: %v (%v)", m, err)
	}
	if _, err := os.Stat(sup.paths.base); !os.IsNotExist(err) {
		t.Errorf("%s still exists after Cleanup (%v)", sup.paths.base, err)
	}
	if resp, err := (&http.Client{Timeout: time.Second}).Get(pod.url); err == nil {
		resp.Body.Close()
		t.Errorf("pod still answers at %s after Cleanup", pod.url)
	}
}

// testOptions makes a short data dir (unix socket paths are limited to
// 108 bytes), a random bridge and pod CIDR, and registers the cleanup of
// everything: sandboxes, containerd, mounts, files, bridge, nft table.
func testOptions(t *testing.T, registryURL string) Options {
	t.Helper()
	dir, err := os.MkdirTemp("", "rc-")
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 3)
	rand.Read(b)
	o := Options{
		DataDir:     dir,
		RegistryURL: registryURL,
		PodCIDR:     fmt.Sprintf("10.%d.%d.0/24", 200+int(b[0])%50, b[1]),
		BridgeName:  "rct" + hex.EncodeToString(b),
	}
	t.Cleanup(func() { cleanupInstance(t, o) })
	return o
}

// cleanupInstance works whatever state the test left: Start adopts a
// running containerd (or starts one) so that Cleanup can remove pods
// through CRI.
func cleanupInstance(t *testing.T, o Options) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if s, err := Start(ctx, o); err == nil {
		if err := s.Cleanup(); err != nil {
			t.Errorf("Cleanup: %v", err)
		}
	} else {
		t.Errorf("start for cleanup: %v", err)
		p, _ := newPaths(o.DataDir)
		if pid, ok := findRunning(p); ok {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		_ = unmountUnder(p.base)
	}
	if n, err := cni.New(cni.Options{BridgeName: o.BridgeName, PodCIDR: o.PodCIDR, ClusterCIDR: o.PodCIDR}); err == nil {
		if err := n.Cleanup(ctx); err != nil {
			t.Errorf("network cleanup: %v", err)
		}
	}
	if err := os.RemoveAll(o.DataDir); err != nil {
		t.Errorf("remove data dir: %v", err)
	}
	removeCgroups(o.BridgeName)
}

// removeCgroups removes the test's pod cgroup (named after the bridge) in
// every hierarchy; containerd removes the container cgroups inside it.
func removeCgroups(name string) {
	dirs, _ := filepath.Glob(filepath.Join("/sys/fs/cgroup", "*", name))
	for _, d := range dirs {
		_ = syscall.Rmdir(d)
	}
}

// serveRegistry seeds the pause and busybox images into a registry served
// on loopback.
func serveRegistry(t *testing.T) string {
	t.Helper()
	reg, err := registry.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if err := images.Seed(context.Background(), reg); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	t.Cleanup(srv.Close)
	return srv.URL
}

var helper *exec.Cmd

func startHelperAgent(t *testing.T, o Options) int {
	t.Helper()
	raw, _ := json.Marshal(o)
	helper = exec.Command(os.Args[0], "-test.run=^TestHelperAgent$")
	helper.Env = append(os.Environ(), helperEnv+"="+string(raw))
	out, err := helper.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := helper.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(killHelperAgentQuietly)
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, "pid ") {
		t.Fatalf("helper agent said %q (%v)", line, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(strings.TrimPrefix(line, "pid ")))
	if err != nil {
		t.Fatal(err)
	}
	return pid
}

func killHelperAgent(t *testing.T) {
	t.Helper()
	if err := helper.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = helper.Wait()
}

func killHelperAgentQuietly() {
	if helper != nil && helper.ProcessState == nil {
		_ = helper.Process.Kill()
		_ = helper.Wait()
	}
}

func countInstances(p paths) int {
	n := 0
	entries, _ := os.ReadDir("/proc")
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil && isOurs(pid, p.config) {
			n++
		}
	}
	return n
}

func dialReady(t *testing.T, ctx context.Context, socket string) *cri.Client {
	t.Helper()
	c, err := cri.Dial(ctx, socket)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	if err := c.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	return c
}

func pull(t *testing.T, ctx context.Context, c *cri.Client, ref string) {
	t.Helper()
	if _, err := c.PullImage(ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: ref}}); err != nil {
		t.Fatalf("pull %s: %v", ref, err)
	}
	st, err := c.ImageStatus(ctx, &runtimeapi.ImageStatusRequest{Image: &runtimeapi.ImageSpec{Image: ref}})
	if err != nil || st.GetImage() == nil {
		t.Fatalf("image %s not present after pull (%v)", ref, err)
	}
}

type webPod struct {
	sandboxID, containerID, url string
}

func runWebPod(t *testing.T, ctx context.Context, c *cri.Client, o Options) webPod {
	t.Helper()
	logDir := filepath.Join(o.DataDir, "pods", "web")
	sbConfig := &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: "web", Namespace: "default", Uid: "uid-web"},
		Hostname:     "web",
		LogDirectory: logDir,
		Labels:       map[string]string{"io.kubernetes.pod.uid": "uid-web"},
		// Like the kubelet's pod cgroup; without one containerd uses
		// /k8s.io in every hierarchy and leaves it behind.
		Linux: &runtimeapi.LinuxPodSandboxConfig{CgroupParent: "/" + o.BridgeName},
	}
	sb, err := c.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: sbConfig})
	if err != nil {
		t.Fatalf("RunPodSandbox: %v", err)
	}
	ip := sandboxIP(t, ctx, c, sb.PodSandboxId, o.PodCIDR)
	ctr, err := c.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{
		PodSandboxId:  sb.PodSandboxId,
		SandboxConfig: sbConfig,
		Config: &runtimeapi.ContainerConfig{
			Metadata: &runtimeapi.ContainerMetadata{Name: "httpd"},
			Image:    &runtimeapi.ImageSpec{Image: images.BusyboxRef},
			Command:  []string{"sh", "-c", "echo hello-from-pod > /var/www/index.html && exec httpd -f -p 8080 -h /var/www"},
			LogPath:  "httpd/0.log",
			Linux: &runtimeapi.LinuxContainerConfig{SecurityContext: &runtimeapi.LinuxContainerSecurityContext{
				NamespaceOptions: &runtimeapi.NamespaceOption{Pid: runtimeapi.NamespaceMode_CONTAINER},
			}},
		},
	})
	if err != nil {
		t.Fatalf("CreateContainer: %v", err)
	}
	if _, err := c.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: ctr.ContainerId}); err != nil {
		t.Fatalf("StartContainer: %v", err)
	}
	assertRunning(t, ctx, c, ctr.ContainerId)
	return webPod{sandboxID: sb.PodSandboxId, containerID: ctr.ContainerId, url: "http://" + ip + ":8080/"}
}

func sandboxIP(t *testing.T, ctx context.Context, c *cri.Client, id, podCIDR string) string {
	t.Helper()
	st, err := c.PodSandboxStatus(ctx, &runtimeapi.PodSandboxStatusRequest{PodSandboxId: id})
	if err != nil {
		t.Fatal(err)
	}
	ip, err := netip.ParseAddr(st.GetStatus().GetNetwork().GetIp())
	if err != nil {
		t.Fatalf("sandbox has no IP: %v", err)
	}
	if !netip.MustParsePrefix(podCIDR).Contains(ip) {
		t.Fatalf("sandbox IP %s outside the pod CIDR %s", ip, podCIDR)
	}
	return ip.String()
}

func assertRunning(t *testing.T, ctx context.Context, c *cri.Client, id string) {
	t.Helper()
	st, err := c.ContainerStatus(ctx, &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if err != nil {
		t.Fatal(err)
	}
	if s := st.GetStatus().GetState(); s != runtimeapi.ContainerState_CONTAINER_RUNNING {
		t.Fatalf("container state %v, want running", s)
	}
}

// assertServes waits (httpd needs a moment to listen) for the pod to
// answer with the page it wrote.
func assertServes(t *testing.T, ctx context.Context, url string) {
	t.Helper()
	var last string
	client := &http.Client{Timeout: 2 * time.Second}
	ok := poll(ctx, 10*time.Second, func() bool {
		resp, err := client.Get(url)
		if err != nil {
			last = err.Error()
			return false
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		last = fmt.Sprintf("%d %q", resp.StatusCode, body)
		return resp.StatusCode == http.StatusOK && strings.TrimSpace(string(body)) == "hello-from-pod"
	})
	if !ok {
		t.Fatalf("GET %s: %s", url, last)
	}
}

func assertExec(t *testing.T, ctx context.Context, c *cri.Client, id string) {
	t.Helper()
	resp, err := c.ExecSync(ctx, &runtimeapi.ExecSyncRequest{ContainerId: id, Cmd: []string{"echo", "hi"}, Timeout: 10})
	if err != nil {
		t.Fatal(err)
	}
	if resp.ExitCode != 0 || string(resp.Stdout) != "hi\n" {
		t.Fatalf("exec echo hi: exit %d stdout %q stderr %q", resp.ExitCode, resp.Stdout, resp.Stderr)
	}
}

func removePod(t *testing.T, ctx context.Context, c *cri.Client, id string) {
	t.Helper()
	if _, err := c.StopPodSandbox(ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: id}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RemovePodSandbox(ctx, &runtimeapi.RemovePodSandboxRequest{PodSandboxId: id}); err != nil {
		t.Fatal(err)
	}
	list, err := c.ListPodSandbox(ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(list.Items) != 0 {
		t.Fatalf("%d sandboxes left after removal", len(list.Items))
	}
	ctrs, err := c.ListContainers(ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(ctrs.Containers) != 0 {
		t.Fatalf("%d containers left after sandbox removal", len(ctrs.Containers))
	}
}

func waitFor(t *testing.T, ctx context.Context, what string, cond func() bool) {
	t.Helper()
	if !poll(ctx, 30*time.Second, cond) {
		t.Fatalf("timed out waiting for %s", what)
	}
}

// poll checks cond until it holds or the limit passes.
func poll(ctx context.Context, limit time.Duration, cond func() bool) bool {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	t := time.NewTicker(100 * time.Millisecond)
	defer t.Stop()
	for !cond() {
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
		}
	}
	return true
}
