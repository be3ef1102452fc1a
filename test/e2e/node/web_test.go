package node

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"

	"rudder/test/e2e/cluster"
)

// webCommand serves "hello" on port 8080 with busybox httpd.
const webCommand = "echo hello > /tmp/index.html; httpd -f -p 8080 -h /tmp"

// testWeb: `kubectl run` a web server, reach it by pod IP from the host,
// then exec into it and port-forward to it.
func testWeb(t *testing.T, s *cluster.Server) {
	e := newEnv(t, s)
	e.kubectl("run", "web", "--image=busybox", "--", "sh", "-c", webCommand).OK(t)
	p := e.waitRunning("web")
	waitHTTP(t, "http://"+p.Status.PodIP+":8080/", "hello\n", 30*time.Second)
	// Without a readiness probe a running container is Ready.
	p = e.waitPod("web", 30*time.Second, func(p *corev1.Pod) error {
		if c, ok := podCondition(p, corev1.PodReady); !ok || c.Status != corev1.ConditionTrue {
			return fmt.Errorf("Ready condition %+v", c)
		}
		return nil
	})

	t.Run("exec", func(t *testing.T) { testExec(t, e) })
	t.Run("port-forward", func(t *testing.T) { testPortForward(t, e) })
}

// testExec: exit codes and output of `kubectl exec`, over websocket (the
// 1.32 kubectl) and SPDY (1.29).
func testExec(t *testing.T, e *env) {
	bins := []string{kubectl}
	if _, err := os.Stat(kubectl1_29); err == nil {
		bins = append(bins, kubectl1_29)
	}
	for _, bin := range bins {
		t.Run(bin[strings.LastIndex(bin, "/")+1:], func(t *testing.T) {
			r := e.s.Kubectl(t, bin, "-n", e.ns, "exec", "web", "--", "sh", "-c", "exit 3")
			if r.Code != 3 {
				t.Errorf("exit 3 in the container: kubectl exited %d, want 3\n%s", r.Code, r)
			}
			r = e.s.Kubectl(t, bin, "-n", e.ns, "exec", "web", "--", "echo", "hi")
			if r.Code != 0 || r.Stdout != "hi\n" {
				t.Errorf("echo hi: want exit 0 and %q\n%s", "hi\n", r)
			}
			r = e.s.Kubectl(t, bin, "-n", e.ns, "exec", "web", "--", "sh", "-c", "echo oops >&2")
			if r.Code != 0 || !strings.Contains(r.Stderr, "oops") || strings.Contains(r.Stdout, "oops") {
				t.Errorf("stderr must arrive on stderr\n%s", r)
			}
		})
	}
}

// testPortForward: an HTTP request through `kubectl port-forward`.
func testPortForward(t *testing.T, e *env) {
	port := freePort(t)
	st := e.startStream(kubectl, "port-forward", "--address", "127.0.0.1", "pod/web", fmt.Sprintf("%d:8080", port))
	for {
		line, err := st.next(30 * time.Second)
		if err != nil {
			t.Fatalf("port-forward did not start: %v", err)
		}
		if strings.HasPrefix(line, "Forwarding from 127.0.0.1:") {
			break
		}
	}
	for i := range 2 { // two requests: two streams over one connection
		got, err := httpGet(fmt.Sprintf("http://127.0.0.1:%d/", port))
		if err != nil || got != "hello\n" {
			t.Fatalf("request %d through port-forward: %q, %v (stderr: %s)", i, got, err, st.stderr.String())
		}
	}
}
