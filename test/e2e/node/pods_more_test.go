package node

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// TestPodFeatures runs pod features Kubernetes users rely on against a
// one-node cluster with real containers: init containers and sidecars,
// environment and projected files, the pod's network files, kubectl cp,
// attach and logs options, image pull failures, and images brought in by
// `rudder image import` and by a push with an OCI client.
func TestPodFeatures(t *testing.T) {
	requireNodeHost(t)
	s := cluster.Start(t, cluster.WithAgent())
	waitOneNodeReady(t, s)

	t.Run("init containers run in order", func(t *testing.T) { t.Parallel(); testInitOrder(t, s) })
	t.Run("sidecar runs alongside the app", func(t *testing.T) { t.Parallel(); testSidecar(t, s) })
	t.Run("env from configmap secret and fields", func(t *testing.T) { t.Parallel(); testEnvSources(t, s) })
	t.Run("secret downwardAPI and memory volumes", func(t *testing.T) { t.Parallel(); testFileVolumes(t, s) })
	t.Run("hosts and resolv conf", func(t *testing.T) { t.Parallel(); testNetworkFiles(t, s) })
	t.Run("kubectl cp", func(t *testing.T) { t.Parallel(); testCopy(t, s) })
	t.Run("kubectl attach", func(t *testing.T) { t.Parallel(); testAttach(t, s) })
	t.Run("logs timestamps and since", func(t *testing.T) { t.Parallel(); testLogOptions(t, s) })
	t.Run("image pull back-off", func(t *testing.T) { t.Parallel(); testImagePullBackOff(t, s) })
	t.Run("image import", func(t *testing.T) { t.Parallel(); testImageImport(t, s) })
	t.Run("image push with basic auth", func(t *testing.T) { t.Parallel(); testImagePush(t, s) })
}

// testInitOrder: two init containers append to an emptyDir file in order,
// before the app container prints it.
func testInitOrder(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: init}
spec:
  initContainers:
  - {name: init-1, image: busybox, command: ["sh", "-c", "echo init-1 >> /work/log"], volumeMounts: [{name: w, mountPath: /work}]}
  - {name: init-2, image: busybox, command: ["sh", "-c", "echo init-2 >> /work/log"], volumeMounts: [{name: w, mountPath: /work}]}
  containers:
  - {name: app, image: busybox, command: ["sh", "-c", "cat /work/log; sleep 3600"], volumeMounts: [{name: w, mountPath: /work}]}
  volumes: [{name: w, emptyDir: {}}]
`)
	p := e.waitRunning("init")
	for _, cs := range p.Status.InitContainerStatuses {
		if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
			t.Errorf("init container %s: state %+v, want terminated with exit 0", cs.Name, cs.State)
		}
	}
	eventually(t, 30*time.Second, "app prints what the init containers wrote", func() error {
		if out := e.kubectl("logs", "init", "-c", "app").Stdout; out != "init-1\ninit-2\n" {
			return fmt.Errorf("logs %q, want init-1 then init-2", out)
		}
		return nil
	})
}

// testSidecar: an init container with restartPolicy Always keeps running
// while the app container runs.
func testSidecar(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: sidecar}
spec:
  initContainers:
  - {name: side, image: busybox, restartPolicy: Always, command: ["sh", "-c", "echo side-up > /shared/side; sleep 3600"], volumeMounts: [{name: w, mountPath: /shared}]}
  containers:
  - {name: app, image: busybox, command: ["sleep", "3600"], volumeMounts: [{name: w, mountPath: /shared}]}
  volumes: [{name: w, emptyDir: {}}]
`)
	e.waitPod("sidecar", podTimeout, func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		if len(p.Status.InitContainerStatuses) != 1 || p.Status.InitContainerStatuses[0].State.Running == nil {
			return fmt.Errorf("sidecar not running: %+v", p.Status.InitContainerStatuses)
		}
		if cs, ok := containerStatus(p, "app"); !ok || cs.State.Running == nil {
			return fmt.Errorf("app not running: %s", describeStatuses(p))
		}
		return nil
	})
	// Both run at once: the app sees what the still-running sidecar wrote,
	// and the sidecar answers exec.
	if out := e.kubectl("exec", "sidecar", "-c", "app", "--", "cat", "/shared/side").OK(t); out != "side-up\n" {
		t.Errorf("file from the sidecar: %q", out)
	}
	e.kubectl("exec", "sidecar", "-c", "side", "--", "true").OK(t)
}

// testEnvSources: env from ConfigMap and Secret keys, envFrom both, the pod
// name and the memory limit, as `env` shows them inside the container.
func testEnvSources(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: ConfigMap
metadata: {name: cfg}
data: {color: blue, BULK_CM: from-cm}
---
apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {password: hunter2, BULK_SECRET: from-secret}
---
apiVersion: v1
kind: Pod
metadata: {name: envpod}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    resources: {limits: {memory: 64Mi}}
    envFrom:
    - configMapRef: {name: cfg}
    - secretRef: {name: sec}
    env:
    - {name: COLOR, valueFrom: {configMapKeyRef: {name: cfg, key: color}}}
    - {name: PASSWORD, valueFrom: {secretKeyRef: {name: sec, key: password}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: MEM_LIMIT, valueFrom: {resourceFieldRef: {resource: limits.memory}}}
`)
	e.waitRunning("envpod")
	out := e.kubectl("exec", "envpod", "--", "env").OK(t)
	for _, want := range []string{"COLOR=blue", "PASSWORD=hunter2", "POD_NAME=envpod", "MEM_LIMIT=67108864",
		"BULK_CM=from-cm", "BULK_SECRET=from-secret"} {
		if !hasLine(out, want) {
			t.Errorf("env lacks %s:\n%s", want, out)
		}
	}
}

// testFileVolumes: a secret volume and a downwardAPI volume hold the right
// content; an emptyDir with medium Memory is a tmpfs.
func testFileVolumes(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Secret
metadata: {name: sec}
stringData: {token: abc123}
---
apiVersion: v1
kind: Pod
metadata: {name: files, labels: {app: demo, tier: web}}
spec:
  containers:
  - name: c
    image: busybox
    command: ["sleep", "3600"]
    volumeMounts:
    - {name: sec, mountPath: /etc/sec}
    - {name: info, mountPath: /etc/info}
    - {name: mem, mountPath: /scratch}
  volumes:
  - {name: sec, secret: {secretName: sec}}
  - {name: info, downwardAPI: {items: [{path: labels, fieldRef: {fieldPath: metadata.labels}}]}}
  - {name: mem, emptyDir: {medium: Memory}}
`)
	e.waitRunning("files")
	if out := e.kubectl("exec", "files", "--", "cat", "/etc/sec/token").OK(t); out != "abc123" {
		t.Errorf("secret file: %q, want abc123", out)
	}
	if out := e.kubectl("exec", "files", "--", "cat", "/etc/info/labels").OK(t); out != "app=\"demo\"\ntier=\"web\"" {
		t.Errorf("downwardAPI labels file: %q, want app=\"demo\" and tier=\"web\" lines", out)
	}
	mounts := e.kubectl("exec", "files", "--", "mount").OK(t)
	if !regexp.MustCompile(`(?m)^\S+ on /scratch type tmpfs `).MatchString(mounts) {
		t.Errorf("no tmpfs at /scratch:\n%s", mounts)
	}
}

// testNetworkFiles: the pod's own /etc/hosts (its IP and hostname) and
// /etc/resolv.conf (cluster DNS and search path).
func testNetworkFiles(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.kubectl("run", "net", "--image=busybox", "--", "sleep", "3600").OK(t)
	p := e.waitRunning("net")
	hosts := e.kubectl("exec", "net", "--", "cat", "/etc/hosts").OK(t)
	if !regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(p.Status.PodIP) + `\s+.*\bnet\b`).MatchString(hosts) {
		t.Errorf("/etc/hosts has no line for %s net:\n%s", p.Status.PodIP, hosts)
	}
	resolv := e.kubectl("exec", "net", "--", "cat", "/etc/resolv.conf").OK(t)
	if !hasLine(resolv, "nameserver 10.43.0.10") || !strings.Contains(resolv, e.ns+".svc.cluster.local") {
		t.Errorf("/etc/resolv.conf lacks the cluster DNS or %s.svc.cluster.local:\n%s", e.ns, resolv)
	}
}

// testCopy: kubectl cp into a pod and back out.
func testCopy(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.kubectl("run", "cp", "--image=busybox", "--", "sleep", "3600").OK(t)
	e.waitRunning("cp")
	dir := t.TempDir()
	src, back := filepath.Join(dir, "in.txt"), filepath.Join(dir, "out.txt")
	const content = "copied across\n"
	if err := os.WriteFile(src, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	e.kubectl("cp", src, "cp:/tmp/in.txt").OK(t)
	if out := e.kubectl("exec", "cp", "--", "cat", "/tmp/in.txt").OK(t); out != content {
		t.Fatalf("file in the pod: %q, want %q", out, content)
	}
	e.kubectl("exec", "cp", "--", "sh", "-c", "echo from the pod > /tmp/made.txt").OK(t)
	e.kubectl("cp", "cp:/tmp/made.txt", back).OK(t)
	if got, err := os.ReadFile(back); err != nil || string(got) != "from the pod\n" {
		t.Errorf("file copied out: %q, %v", got, err)
	}
}

// testAttach: attach shows a running container's new output, and -i feeds
// a container that reads stdin.
func testAttach(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.apply(`apiVersion: v1
kind: Pod
metadata: {name: ticker}
spec:
  containers:
  - {name: c, image: busybox, command: ["sh", "-c", "i=0; while true; do echo tick-$i; i=$((i+1)); sleep 1; done"]}
---
apiVersion: v1
kind: Pod
metadata: {name: reader}
spec:
  containers:
  - {name: c, image: busybox, stdin: true, command: ["sh", "-c", "while read l; do echo got-$l; done"]}
`)
	e.waitRunning("ticker")
	e.waitRunning("reader")

	t.Run("output", func(t *testing.T) {
		st := e.startStream(kubectl, "attach", "ticker", "-c", "c")
		for range 3 {
			line, err := st.next(20 * time.Second)
			if err != nil {
				t.Fatalf("attach output: %v", err)
			}
			if !strings.HasPrefix(line, "tick-") && !strings.Contains(line, "If you don't see a command prompt") {
				t.Errorf("unexpected line %q", line)
			}
		}
	})
	t.Run("stdin", func(t *testing.T) {
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		cmd := e.s.KubectlCommand(ctx, kubectl, "-n", e.ns, "attach", "-i", "reader", "-c", "c")
		stdin, err := cmd.StdinPipe()
		if err != nil {
			t.Fatal(err)
		}
		var out, errOut syncBuffer
		cmd.Stdout, cmd.Stderr = &out, &errOut
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		defer func() { cancel(); _ = cmd.Wait() }()
		// Lines sent before the stream is up may be lost to a container
		// that is not yet attached: send until one comes back.
		eventually(t, 45*time.Second, "attached container echoes stdin", func() error {
			if _, err := fmt.Fprintln(stdin, "hello"); err != nil {
				return fmt.Errorf("writing stdin: %w (stderr %s)", err, errOut.String())
			}
			if !strings.Contains(out.String(), "got-hello") {
				return fmt.Errorf("stdout %q, stderr %q", out.String(), errOut.String())
			}
			return nil
		})
	})
}

// testLogOptions: logs --timestamps prefixes each line with its RFC 3339
// time; --since=1h keeps recent lines.
func testLogOptions(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.kubectl("run", "talker", "--image=busybox", "--", "sh", "-c", "echo line-1; echo line-2; sleep 3600").OK(t)
	e.waitRunning("talker")
	eventually(t, 30*time.Second, "both lines logged", func() error {
		if out := e.kubectl("logs", "talker").Stdout; out != "line-1\nline-2\n" {
			return fmt.Errorf("logs %q", out)
		}
		return nil
	})
	stamped := regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d) line-\d$`)
	out := e.kubectl("logs", "talker", "--timestamps").OK(t)
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 2 {
		t.Fatalf("logs --timestamps: %q, want 2 lines", out)
	}
	for _, l := range lines {
		if !stamped.MatchString(l) {
			t.Errorf("line %q has no RFC 3339 timestamp prefix", l)
		}
	}
	if out := e.kubectl("logs", "talker", "--since=1h").OK(t); out != "line-1\nline-2\n" {
		t.Errorf("logs --since=1h: %q, want both lines", out)
	}
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	if out := e.kubectl("logs", "talker", "--since-time="+future).OK(t); out != "" {
		t.Errorf("logs --since-time=<in an hour>: %q, want nothing", out)
	}
}

// testImagePullBackOff: an image nobody serves shows ErrImagePull, then
// ImagePullBackOff, with a Failed event.
func testImagePullBackOff(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.kubectl("run", "missing", "--image=doesnotexist:v1").OK(t)
	seen := map[string]bool{}
	eventually(t, 90*time.Second, "STATUS ErrImagePull then ImagePullBackOff", func() error {
		status := podStatusColumn(e, "missing")
		seen[status] = true
		// ErrImagePull lasts only until the back-off starts: on a loaded
		// machine a poll may miss it in STATUS, so its event counts too.
		if !seen["ErrImagePull"] {
			for _, ev := range e.events("missing") {
				if ev.Reason == "Failed" && strings.Contains(ev.Message, "ErrImagePull") {
					seen["ErrImagePull"] = true
				}
			}
		}
		if !seen["ErrImagePull"] || !seen["ImagePullBackOff"] {
			return fmt.Errorf("STATUS now %q, seen %v", status, seen)
		}
		return nil
	})
	p, err := e.pod("missing")
	if err != nil {
		t.Fatal(err)
	}
	if w := p.Status.ContainerStatuses[0].State.Waiting; w == nil || !strings.Contains(w.Message, "doesnotexist") {
		t.Errorf("waiting state %+v, want a message naming the image", w)
	}
	eventually(t, 30*time.Second, "Failed and BackOff events", func() error {
		evs := e.events("missing")
		var failed bool
		for _, ev := range evs {
			failed = failed || (ev.Reason == "Failed" && strings.Contains(ev.Message, `Failed to pull image "doesnotexist:v1"`))
		}
		if !failed || !hasEvent(evs, "BackOff") {
			return fmt.Errorf("events %v", eventSummary(evs))
		}
		return nil
	})
}

// podStatusColumn is the STATUS column of `kubectl get pod`.
func podStatusColumn(e *env, pod string) string {
	r := e.kubectl("get", "pod", pod, "--no-headers")
	f := strings.Fields(r.Stdout)
	if r.Code != 0 || len(f) < 3 {
		return ""
	}
	return f[2]
}

func eventSummary(evs []corev1.Event) []string {
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Reason+": "+ev.Message)
	}
	return out
}

// testImageImport: a docker-archive tarball imported with `rudder image
// import` runs as a pod.
func testImageImport(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	img := clusterBusybox(t, s)
	tag, err := name.NewTag("docker.io/rudder/tools:v1")
	if err != nil {
		t.Fatal(err)
	}
	archive := filepath.Join(t.TempDir(), "tools.tar")
	if err := tarball.WriteToFile(archive, tag, img); err != nil {
		t.Fatalf("writing the archive: %v", err)
	}
	out, err := exec.Command(cluster.Build(t), "image", "import", "--data-dir", s.DataDir, archive).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "docker.io/rudder/tools:v1") {
		t.Fatalf("rudder image import: %v\n%s", err, out)
	}
	runImage(t, e, "tools", "docker.io/rudder/tools:v1")
}

// testImagePush: an image pushed with go-containerregistry (Basic auth,
// password = join token) runs as a pod; the same push without credentials
// is refused.
func testImagePush(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	img := clusterBusybox(t, s)
	ref, err := name.ParseReference(registryHost(s) + "/rudder/pushed:v1")
	if err != nil {
		t.Fatal(err)
	}
	tr := trustingTransport(t, s)
	if err := remote.Write(ref, img, remote.WithTransport(tr)); err == nil {
		t.Error("an anonymous push was accepted")
	}
	wrong := &authn.Basic{Username: "pusher", Password: "not-the-token"}
	if err := remote.Write(ref, img, remote.WithTransport(tr), remote.WithAuth(wrong)); err == nil {
		t.Error("a push with a wrong password was accepted")
	}
	good := &authn.Basic{Username: "pusher", Password: s.Token(t)}
	if err := remote.Write(ref, img, remote.WithTransport(tr), remote.WithAuth(good)); err != nil {
		t.Fatalf("push with the join token: %v", err)
	}
	runImage(t, e, "pushed", "docker.io/rudder/pushed:v1")
}

// runImage runs image as pod name and checks it printed its greeting.
func runImage(t *testing.T, e *env, pod, image string) {
	t.Helper()
	e.kubectl("run", pod, "--image="+image, "--", "sh", "-c", "echo "+pod+"-ok; sleep 3600").OK(t)
	e.waitRunning(pod)
	eventually(t, 30*time.Second, "greeting logged", func() error {
		if out := e.kubectl("logs", pod).Stdout; out != pod+"-ok\n" {
			return fmt.Errorf("logs %q", out)
		}
		return nil
	})
}

// clusterBusybox reads busybox from the cluster registry (a real image:
// random ones would not run).
func clusterBusybox(t *testing.T, s *cluster.Server) v1.Image {
	t.Helper()
	ref, err := name.ParseReference(registryHost(s) + "/library/busybox:latest")
	if err != nil {
		t.Fatal(err)
	}
	var img v1.Image
	tr := trustingTransport(t, s)
	eventually(t, 60*time.Second, "busybox in the cluster registry", func() error {
		img, err = remote.Image(ref, remote.WithTransport(tr))
		if err != nil {
			return err
		}
		_, err = img.Manifest()
		return err
	})
	return img
}

func registryHost(s *cluster.Server) string { return fmt.Sprintf("127.0.0.1:%d", s.Port) }

// trustingTransport speaks TLS to the server, trusting the cluster CA.
func trustingTransport(t *testing.T, s *cluster.Server) http.RoundTripper {
	t.Helper()
	pem, err := os.ReadFile(s.CAFile())
	if err != nil {
		t.Fatalf("reading the cluster CA: %v", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		t.Fatal("no certificate in the cluster CA file")
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	return tr
}

func hasLine(text, line string) bool {
	for _, l := range strings.Split(text, "\n") {
		if strings.TrimSpace(l) == line {
			return true
		}
	}
	return false
}
