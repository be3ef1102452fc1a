package server

import (
	"bufio"
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
	"k8s.io/client-go/util/exec"

	"rudder/internal/agent/join"
	"rudder/internal/kubelet/runtime/fake"
	kubeletserver "rudder/internal/kubelet/server"
	"rudder/internal/kubelet/server/streamtest"
	"rudder/internal/pki"
)

func noControllers(o *Options) { o.DisableControllers = true }

func TestJoin(t *testing.T) {
	s := startTestServer(t, noControllers)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()

	t.Run("token with the wrong CA hash is refused before the secret is sent", func(t *testing.T) {
		bad := "rudder-" + strings.Repeat("ab", 32) + "::" + s.Token
		if _, err := join.Run(ctx, s.URL, bad, t.TempDir(), "node-x"); err == nil {
			t.Fatal("join succeeded with a token naming another CA")
		}
	})
	t.Run("wrong secret", func(t *testing.T) {
		bad := pki.FullJoinToken(s.CA, "rudder-00000000000000000000000000000000")
		if _, err := join.Run(ctx, s.URL, bad, t.TempDir(), "node-x"); err == nil {
			t.Fatal("join succeeded with a wrong secret")
		}
	})
	for name, token := range map[string]string{"full token": s.JoinToken(), "bare secret": s.Token} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			path, err := join.Run(ctx, s.URL, token, dir, "node-j")
			if err != nil {
				t.Fatal(err)
			}
			checkNodeIdentity(t, path, "system:node:node-j")
			checkServingCert(t, s.CA, join.Paths(dir).ServingCert, "system:node:node-j")
			nodeClient := clientFromKubeconfig(t, path)
			admin := clientFor(t, s, false)
			node := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-j"}}
			if _, err := admin.CoreV1().Nodes().Create(ctx, node, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
				t.Fatal(err)
			}
			if _, err := nodeClient.CoreV1().Nodes().Get(ctx, "node-j", metav1.GetOptions{}); err != nil {
				t.Fatalf("joined node reading its Node: %v", err)
			}
		})
	}
}

func checkNodeIdentity(t *testing.T, kubeconfig, wantCN string) {
	t.Helper()
	cfg, err := clientcmd.LoadFromFile(kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	for _, ai := range cfg.AuthInfos {
		cert := parsePEMCert(t, ai.ClientCertificateData)
		if cert.Subject.CommonName != wantCN || len(cert.Subject.Organization) != 1 || cert.Subject.Organization[0] != pki.NodesGroup {
			t.Errorf("client identity %q %v, want %q [system:nodes]", cert.Subject.CommonName, cert.Subject.Organization, wantCN)
		}
		if ai.Token != "" {
			t.Error("the node kubeconfig carries a token")
		}
	}
}

func checkServingCert(t *testing.T, ca *pki.CA, path, wantCN string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	cert := parsePEMCert(t, data)
	if _, err := cert.Verify(x509.VerifyOptions{Roots: ca.Pool(), KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}); err != nil {
		t.Errorf("serving certificate: %v", err)
	}
	if cert.Subject.CommonName != wantCN {
		t.Errorf("serving certificate CN %q, want %q", cert.Subject.CommonName, wantCN)
	}
}

func parsePEMCert(t *testing.T, data []byte) *x509.Certificate {
	t.Helper()
	block, _ := pem.Decode(data)
	if block == nil {
		t.Fatal("no PEM certificate")
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func clientFromKubeconfig(t *testing.T, path string) kubernetes.Interface {
	t.Helper()
	cfg, err := clientcmd.BuildConfigFromFlags("", path)
	if err != nil {
		t.Fatal(err)
	}
	return kubernetes.NewForConfigOrDie(cfg)
}

// nodeFixture is a control plane plus one node agent server (fake runtime,
// fake streaming backend) registered as node-a with a Running pod web.
type nodeFixture struct {
	s       *Server
	cfg     *rest.Config
	client  kubernetes.Interface
	rt      *streamtest.Streamer
	logPath string
	ctrID   string
}

func newNodeFixture(t *testing.T) *nodeFixture {
	t.Helper()
	s := startTestServer(t, noControllers)
	cfg, err := clientcmd.BuildConfigFromFlags("", s.KubeconfigPath)
	if err != nil {
		t.Fatal(err)
	}
	f := &nodeFixture{s: s, cfg: cfg, client: kubernetes.NewForConfigOrDie(cfg)}
	port := f.startAgentServer(t)
	f.registerNode(t, port)
	f.createPod(t, corev1.PodRunning)
	return f
}

func (f *nodeFixture) startAgentServer(t *testing.T) int {
	certPEM, keyPEM, err := f.s.CA.IssueKubeletServing("node-a", []string{"127.0.0.1"}, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	fr, err := fake.New("10.88.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	f.rt = streamtest.New(fr)
	t.Cleanup(f.rt.Close)
	ctx := context.Background()
	sb, dir, err := streamtest.RunPod(ctx, f.rt, t.TempDir(), "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if f.ctrID, f.logPath, err = streamtest.StartContainer(ctx, f.rt, sb, dir, "default", "web", "app", 0); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Dir(f.logPath), 0o755); err != nil {
		t.Fatal(err)
	}
	ks, err := kubeletserver.New(kubeletserver.Config{Runtime: f.rt, ServingCert: pair, ClientCAs: f.s.CA.Pool(), FollowPoll: 5 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewUnstartedServer(ks.Handler())
	hs.TLS = ks.TLSConfig()
	hs.StartTLS()
	t.Cleanup(hs.Close)
	_, port, _ := net.SplitHostPort(hs.Listener.Addr().String())
	n, _ := strconv.Atoi(port)
	return n
}

func (f *nodeFixture) registerNode(t *testing.T, port int) {
	ctx := context.Background()
	node, err := f.client.CoreV1().Nodes().Create(ctx, &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "node-a"}}, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	node.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	node.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	if _, err := f.client.CoreV1().Nodes().UpdateStatus(ctx, node, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func (f *nodeFixture) createPod(t *testing.T, phase corev1.PodPhase) {
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "node-a", Containers: []corev1.Container{{Name: "app", Image: "busybox"}}}}
	pod, err := f.client.CoreV1().Pods("default").Create(ctx, pod, metav1.CreateOptions{})
	if err != nil {
		t.Fatal(err)
	}
	pod.Status.Phase = phase
	if _, err := f.client.CoreV1().Pods("default").UpdateStatus(ctx, pod, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
}

func appendLog(t *testing.T, path, content string) {
	t.Helper()
	fh, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		t.Fatal(err)
	}
	defer fh.Close()
	if _, err := fh.WriteString(streamtest.CRILine(time.Now(), "stdout", "F", content)); err != nil {
		t.Fatal(err)
	}
}

func TestPodLogsThroughAPIServer(t *testing.T) {
	f := newNodeFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	appendLog(t, f.logPath, "hello")
	appendLog(t, f.logPath, "world")
	pods := f.client.CoreV1().Pods("default")
	got, err := pods.GetLogs("web", &corev1.PodLogOptions{Container: "app"}).DoRaw(ctx)
	if err != nil || string(got) != "hello\nworld\n" {
		t.Fatalf("logs %q, %v; want hello and world", got, err)
	}
	tail := int64(1)
	if got, err := pods.GetLogs("web", &corev1.PodLogOptions{TailLines: &tail}).DoRaw(ctx); err != nil || string(got) != "world\n" {
		t.Errorf("tail 1: %q, %v", got, err)
	}
	stream, err := pods.GetLogs("web", &corev1.PodLogOptions{Container: "app", Follow: true}).Stream(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer stream.Close()
	r := bufio.NewReader(stream)
	for _, want := range []string{"hello", "world"} {
		readLine(t, r, want)
	}
	appendLog(t, f.logPath, "appended")
	readLine(t, r, "appended")
}

func readLine(t *testing.T, r *bufio.Reader, want string) {
	t.Helper()
	line, err := r.ReadString('\n')
	if err != nil || strings.TrimSuffix(line, "\n") != want {
		t.Fatalf("read %q, %v; want %q", line, err, want)
	}
}

func TestConnectErrors(t *testing.T) {
	f := newNodeFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pods := f.client.CoreV1().Pods("default")
	// Stream is how kubectl reads logs; it decodes the Status (DoRaw does not).
	_, err := pods.GetLogs("web", &corev1.PodLogOptions{Container: "nope"}).Stream(ctx)
	if !apierrors.IsBadRequest(err) || !strings.Contains(err.Error(), "container nope is not valid for pod web") {
		t.Errorf("unknown container: %v", err)
	}
	if _, err := pods.GetLogs("ghost", &corev1.PodLogOptions{}).Stream(ctx); !apierrors.IsNotFound(err) || !strings.Contains(err.Error(), `pods "ghost" not found`) {
		t.Errorf("unknown pod: %v, want NotFound", err)
	}
	execReq := f.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("exec").
		Param("container", "nope").Param("command", "ls").Param("stdout", "true")
	if _, err := execReq.Stream(ctx); !apierrors.IsBadRequest(err) {
		t.Errorf("exec in an unknown container: %v, want BadRequest", err)
	}
}

func TestExecThroughAPIServer(t *testing.T) {
	f := newNodeFixture(t)
	u := f.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("exec").
		VersionedParams(&corev1.PodExecOptions{Container: "app", Command: []string{"exit", "7"}, Stdin: true, Stdout: true, Stderr: true},
			scheme.ParameterCodec).URL()
	executors := map[string]func() (remotecommand.Executor, error){
		"websocket v5": func() (remotecommand.Executor, error) {
			return remotecommand.NewWebSocketExecutor(f.cfg, http.MethodGet, u.String())
		},
		"spdy": func() (remotecommand.Executor, error) {
			return remotecommand.NewSPDYExecutor(f.cfg, http.MethodPost, u)
		},
	}
	for name, newExecutor := range executors {
		t.Run(name, func(t *testing.T) {
			ex, err := newExecutor()
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			var stdout, stderr bytes.Buffer
			err = ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdin: strings.NewReader("hi"), Stdout: &stdout, Stderr: &stderr})
			var exit exec.CodeExitError
			if !errors.As(err, &exit) || exit.Code != 7 {
				t.Errorf("error %v, want exit code 7", err)
			}
			if stdout.String() != "out:hi" || stderr.String() != "exit 7\n" {
				t.Errorf("stdout %q stderr %q", stdout.String(), stderr.String())
			}
		})
	}
}

func TestPortForwardThroughAPIServer(t *testing.T) {
	f := newNodeFixture(t)
	u := f.client.CoreV1().RESTClient().Post().Namespace("default").Resource("pods").Name("web").SubResource("portforward").URL()
	dialers := map[string]func() (httpstream.Dialer, error){
		"spdy": func() (httpstream.Dialer, error) {
			rt, up, err := spdy.RoundTripperFor(f.cfg)
			if err != nil {
				return nil, err
			}
			return spdy.NewDialer(up, &http.Client{Transport: rt}, http.MethodPost, u), nil
		},
		"websocket tunnel": func() (httpstream.Dialer, error) { return portforward.NewSPDYOverWebsocketDialer(u, f.cfg) },
	}
	for name, newDialer := range dialers {
		t.Run(name, func(t *testing.T) {
			d, err := newDialer()
			if err != nil {
				t.Fatal(err)
			}
			echoThroughForward(t, d)
		})
	}
}

func echoThroughForward(t *testing.T, d httpstream.Dialer) {
	t.Helper()
	stop, ready := make(chan struct{}), make(chan struct{})
	defer close(stop)
	pf, err := portforward.NewOnAddresses(d, []string{"127.0.0.1"}, []string{"0:80"}, stop, ready, io.Discard, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 1)
	go func() { errs <- pf.ForwardPorts() }()
	select {
	case <-ready:
	case err := <-errs:
		t.Fatalf("port-forward ended: %v", err)
	case <-time.After(30 * time.Second):
		t.Fatal("port-forward not ready")
	}
	ports, err := pf.GetPorts()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := net.Dial("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(int(ports[0].Local))))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(30 * time.Second))
	if _, err := conn.Write([]byte("ping")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 4)
	if _, err := io.ReadFull(conn, buf); err != nil || string(buf) != "ping" {
		t.Fatalf("read %q, %v; want the echo", buf, err)
	}
}
