package node

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"rudder/test/e2e/cluster"
)

// Kubectl binaries: the dispatcher runs the 1.32 kubectl (websocket
// streams); 1.29 speaks SPDY only.
const (
	kubectl     = "/usr/bin/kubectl"
	kubectl1_29 = "/usr/lib/google-cloud-sdk/bin/kubectl.1.29"
)

// podTimeout bounds a pod's way to Running (pull, sandbox, start).
const podTimeout = 90 * time.Second

// requireNodeHost skips unless this machine can run real nodes.
func requireNodeHost(t *testing.T) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("real nodes need root")
	}
	for _, bin := range []string{"/usr/bin/containerd", "runc", "nsenter", "nft", "ip"} {
		if _, err := exec.LookPath(bin); err != nil {
			t.Skipf("%s is missing (scripts/deps.sh installs it): %v", bin, err)
		}
	}
	if _, err := os.Stat("/usr/lib/cni/bridge"); err != nil {
		t.Skip("CNI plugins are missing (scripts/deps.sh installs them)")
	}
}

// env is one test's namespace on a cluster.
type env struct {
	t  *testing.T
	s  *cluster.Server
	cs kubernetes.Interface
	ns string
}

// newEnv creates a namespace named after the test; it is deleted when the
// test ends (without waiting: the server's cleanup removes the rest).
func newEnv(t *testing.T, s *cluster.Server) *env {
	t.Helper()
	cs := s.Clientset(t)
	name := strings.ToLower(strings.NewReplacer("/", "-", "_", "-").Replace(t.Name()))
	if len(name) > 50 {
		name = name[len(name)-50:]
	}
	name = strings.Trim(name, "-") + "-" + randSuffix()
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
	if _, err := cs.CoreV1().Namespaces().Create(context.Background(), ns, metav1.CreateOptions{}); err != nil {
		t.Fatalf("creating namespace %s: %v", name, err)
	}
	e := &env{t: t, s: s, cs: cs, ns: name}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("pods in %s:\n%s", name, s.Kubectl(t, kubectl, "-n", name, "get", "pods", "-o", "yaml").Stdout)
			t.Logf("events in %s:\n%s", name, s.Kubectl(t, kubectl, "-n", name, "get", "events").Stdout)
		}
		_ = cs.CoreV1().Namespaces().Delete(context.Background(), name, metav1.DeleteOptions{})
	})
	return e
}

func randSuffix() string {
	b := make([]byte, 3)
	f, err := os.Open("/dev/urandom")
	if err == nil {
		_, _ = io.ReadFull(f, b)
		f.Close()
	}
	return fmt.Sprintf("%x", b)
}

// kubectl runs /usr/bin/kubectl in the env's namespace.
func (e *env) kubectl(args ...string) cluster.Result {
	e.t.Helper()
	return e.s.Kubectl(e.t, kubectl, append([]string{"-n", e.ns}, args...)...)
}

// apply creates objects from a manifest with `kubectl apply -f -`.
func (e *env) apply(manifest string) {
	e.t.Helper()
	e.s.KubectlStdin(e.t, kubectl, manifest, "-n", e.ns, "apply", "-f", "-").OK(e.t)
}

// pod reads a pod.
func (e *env) pod(name string) (*corev1.Pod, error) {
	return e.cs.CoreV1().Pods(e.ns).Get(context.Background(), name, metav1.GetOptions{})
}

// waitPod polls a pod until check returns nil, failing after timeout with
// check's last complaint.
func (e *env) waitPod(name string, timeout time.Duration, check func(*corev1.Pod) error) *corev1.Pod {
	e.t.Helper()
	var last *corev1.Pod
	eventually(e.t, timeout, "pod "+name, func() error {
		p, err := e.pod(name)
		if err != nil {
			return err
		}
		last = p
		return check(p)
	})
	return last
}

// waitRunning waits until the pod is Running with an IP.
func (e *env) waitRunning(name string) *corev1.Pod {
	e.t.Helper()
	return e.waitPod(name, podTimeout, func(p *corev1.Pod) error {
		if p.Status.Phase != corev1.PodRunning || p.Status.PodIP == "" {
			return fmt.Errorf("phase %s, IP %q, statuses %s", p.Status.Phase, p.Status.PodIP, describeStatuses(p))
		}
		return nil
	})
}

// waitGone waits until the pod no longer exists.
func (e *env) waitGone(name string, timeout time.Duration) {
	e.t.Helper()
	eventually(e.t, timeout, "pod "+name+" deleted", func() error {
		p, err := e.pod(name)
		if err == nil {
			return fmt.Errorf("still there: phase %s, deletionTimestamp %v", p.Status.Phase, p.DeletionTimestamp)
		}
		if !strings.Contains(err.Error(), "not found") {
			return err
		}
		return nil
	})
}

// events lists the events about a pod.
func (e *env) events(pod string) []corev1.Event {
	e.t.Helper()
	list, err := e.cs.CoreV1().Events(e.ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		e.t.Fatalf("listing events: %v", err)
	}
	var out []corev1.Event
	for _, ev := range list.Items {
		if ev.InvolvedObject.Name == pod {
			out = append(out, ev)
		}
	}
	return out
}

func hasEvent(events []corev1.Event, reason string) bool {
	for _, ev := range events {
		if ev.Reason == reason {
			return true
		}
	}
	return false
}

func describeStatuses(p *corev1.Pod) string {
	var b strings.Builder
	for _, cs := range p.Status.ContainerStatuses {
		fmt.Fprintf(&b, "[%s ready=%v restarts=%d state=%+v last=%+v] ", cs.Name, cs.Ready, cs.RestartCount, cs.State, cs.LastTerminationState)
	}
	return b.String()
}

// containerStatus is the status of the pod's container called name.
func containerStatus(p *corev1.Pod, name string) (corev1.ContainerStatus, bool) {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == name {
			return cs, true
		}
	}
	return corev1.ContainerStatus{}, false
}

func podCondition(p *corev1.Pod, t corev1.PodConditionType) (corev1.PodCondition, bool) {
	for _, c := range p.Status.Conditions {
		if c.Type == t {
			return c, true
		}
	}
	return corev1.PodCondition{}, false
}

// eventually polls f every 250 ms until it returns nil or timeout passes.
func eventually(t testing.TB, timeout time.Duration, what string, f func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached within %s: %v", what, timeout, err)
		}
		time.Sleep(250 * time.Millisecond) // poll interval of a deadline-bounded wait
	}
}

// httpGet fetches url once with a short timeout.
func httpGet(url string) (string, error) {
	client := &http.Client{Timeout: 3 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return string(body), fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return string(body), nil
}

// waitHTTP polls url until it answers 200 with want.
func waitHTTP(t testing.TB, url, want string, timeout time.Duration) {
	t.Helper()
	eventually(t, timeout, "GET "+url, func() error {
		got, err := httpGet(url)
		if err != nil {
			return err
		}
		if got != want {
			return fmt.Errorf("body %q, want %q", got, want)
		}
		return nil
	})
}

// freePort asks the kernel for an unused loopback port.
func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

// stream is a long-running kubectl (logs -f, port-forward) whose stdout
// lines arrive on a channel. It is killed when the test ends.
type stream struct {
	cmd    *exec.Cmd
	lines  chan string
	exited chan struct{}
	stderr syncBuffer
}

// syncBuffer is a strings.Builder safe for the writer goroutine of exec
// and a reader in the test.
type syncBuffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

func (e *env) startStream(bin string, args ...string) *stream {
	e.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	cmd := e.s.KubectlCommand(ctx, bin, append([]string{"-n", e.ns}, args...)...)
	st := &stream{cmd: cmd, lines: make(chan string, 1024), exited: make(chan struct{})}
	cmd.Stderr = &st.stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		e.t.Fatalf("kubectl stdout: %v", err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		e.t.Fatalf("starting kubectl %v: %v", args, err)
	}
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			st.lines <- sc.Text()
		}
		_ = cmd.Wait()
		close(st.exited)
	}()
	e.t.Cleanup(func() { cancel(); <-st.exited })
	return st
}

// next returns the next stdout line, or an error when the command ended or
// timeout passed.
func (st *stream) next(timeout time.Duration) (string, error) {
	select {
	case l := <-st.lines:
		return l, nil
	case <-st.exited:
		select {
		case l := <-st.lines:
			return l, nil
		default:
		}
		return "", errors.New("kubectl exited: " + st.stderr.String())
	case <-time.After(timeout):
		return "", fmt.Errorf("no output line within %s", timeout)
	}
}
