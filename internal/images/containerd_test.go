package images

import (
	"context"
	"fmt"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"rudder/internal/registry"
)

// TestContainerdPullsSeededImages is optional: with Debian's containerd and
// ctr installed, a real containerd pulls busybox and pause through a
// docker.io / registry.k8s.io mirror pointing at the registry, and runs
// busybox's shell.
func TestContainerdPullsSeededImages(t *testing.T) {
	for _, bin := range []string{"/usr/bin/containerd", "/usr/bin/ctr", DefaultBusybox} {
		if _, err := os.Stat(bin); err != nil {
			t.Skipf("no %s", bin)
		}
	}
	if os.Geteuid() != 0 {
		t.Skip("containerd needs root")
	}
	reg, err := registry.New(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	src := Sources{GoBinary: goBinary(t), WorkDir: filepath.Dir(testPause(t))}
	if err := SeedFrom(context.Background(), reg, src); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(reg.Handler())
	defer srv.Close()
	u, _ := url.Parse(srv.URL)

	dir, err := os.MkdirTemp("", "ctrd-") // short: the socket path is limited to 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	defer os.RemoveAll(dir)
	sock := startContainerd(t, dir)
	hosts := writeMirrorHosts(t, dir, u.Host, "docker.io", "registry.k8s.io")

	ctr := func(args ...string) string {
		t.Helper()
		full := append([]string{"-a", sock, "-n", "rudder-test"}, args...)
		out, err := exec.Command("/usr/bin/ctr", full...).CombinedOutput()
		if err != nil {
			t.Fatalf("ctr %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ctr("images", "pull", "--hosts-dir", hosts, BusyboxRef)
	ctr("images", "pull", "--hosts-dir", hosts, PauseRef)
	out := ctr("run", "--rm", BusyboxRef, "rudder-images-test", "sh", "-c", "echo hello from busybox")
	if !strings.Contains(out, "hello from busybox") {
		t.Errorf("ctr run output %q", out)
	}
}

func startContainerd(t *testing.T, dir string) string {
	t.Helper()
	sock := filepath.Join(dir, "c.sock")
	cfg := fmt.Sprintf(`version = 2
root = %q
state = %q
oom_score = 0
disabled_plugins = ["io.containerd.grpc.v1.cri"]
[grpc]
  address = %q
`, filepath.Join(dir, "root"), filepath.Join(dir, "state"), sock)
	cfgPath := filepath.Join(dir, "config.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("/usr/bin/containerd", "--config", cfgPath)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	logf, _ := os.Create(filepath.Join(dir, "containerd.log"))
	cmd.Stdout, cmd.Stderr = logf, logf
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		logf.Close()
	})
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if exec.Command("/usr/bin/ctr", "-a", sock, "version").Run() == nil {
			return sock
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(dir, "containerd.log"))
	t.Fatalf("containerd never answered:\n%s", log)
	return ""
}

// writeMirrorHosts writes a hosts.toml per upstream registry sending pulls
// to the test registry over plain http, as the agent will configure nodes.
func writeMirrorHosts(t *testing.T, dir, hostPort string, upstreams ...string) string {
	t.Helper()
	hosts := filepath.Join(dir, "hosts")
	for _, up := range upstreams {
		toml := fmt.Sprintf("server = \"http://%s\"\n\n[host.\"http://%s\"]\n  capabilities = [\"pull\", \"resolve\"]\n", hostPort, hostPort)
		if err := os.MkdirAll(filepath.Join(hosts, up), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(hosts, up, "hosts.toml"), []byte(toml), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return hosts
}
