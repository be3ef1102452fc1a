package prober

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/health"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"
	clocktesting "k8s.io/utils/clock/testing"
)

// execer answers ExecSync with a per-command exit code and counts calls.
type execer struct {
	mu    sync.Mutex
	codes map[string]int32
	calls map[string]int
}

func (e *execer) ExecSync(_ context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	cmd := strings.Join(req.Cmd, " ")
	e.calls[cmd]++
	return &runtimeapi.ExecSyncResponse{ExitCode: e.codes[cmd], Stdout: []byte("out of " + cmd)}, nil
}

func (e *execer) set(cmd string, code int32) { e.mu.Lock(); e.codes[cmd] = code; e.mu.Unlock() }
func (e *execer) count(cmd string) int       { e.mu.Lock(); defer e.mu.Unlock(); return e.calls[cmd] }

// waitClock is a fake clock that knows how many timers are armed for the
// future: a worker is waiting exactly when it holds one.
type waitClock struct {
	*clocktesting.FakeClock
	mu     sync.Mutex
	timers map[*waitTimer]time.Time
}

type waitTimer struct {
	clock.Timer
	c *waitClock
}

func (c *waitClock) NewTimer(d time.Duration) clock.Timer {
	t := &waitTimer{Timer: c.FakeClock.NewTimer(d), c: c}
	c.mu.Lock()
	c.timers[t] = c.Now().Add(d)
	c.mu.Unlock()
	return t
}

func (t *waitTimer) Stop() bool {
	t.c.mu.Lock()
	delete(t.c.timers, t)
	t.c.mu.Unlock()
	return t.Timer.Stop()
}

func (c *waitClock) Waiters() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, now := 0, c.Now()
	for _, due := range c.timers {
		if due.After(now) {
			n++
		}
	}
	return n
}

type fixture struct {
	t     *testing.T
	clk   *waitClock
	ex    *execer
	rec   *record.FakeRecorder
	m     Manager
	pod   *corev1.Pod
	start time.Time
}

func newFixture(t *testing.T) *fixture {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	start := time.Unix(1000, 0)
	f := &fixture{t: t, clk: &waitClock{FakeClock: clocktesting.NewFakeClock(start), timers: map[*waitTimer]time.Time{}}, ex: &execer{codes: map[string]int32{}, calls: map[string]int{}},
		rec: record.NewFakeRecorder(100), start: start,
		pod: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u1"}}}
	f.m = NewManager(ctx, Options{Runtime: f.ex, Clock: f.clk, Recorder: f.rec})
	go func() { // drain updates as the kubelet would
		for {
			select {
			case <-ctx.Done():
				return
			case <-f.m.Updates():
			}
		}
	}()
	return f
}

func (f *fixture) run(c *corev1.Container) {
	f.m.Sync(f.pod, []Target{{Container: c, ContainerID: "cid", StartedAt: f.start.UnixNano(), PodIP: "127.0.0.1"}})
}

// step advances the clock once every worker waits on it.
func (f *fixture) step(d time.Duration, workers int) {
	f.t.Helper()
	f.waitFor("workers waiting", func() bool { return f.clk.Waiters() >= workers })
	f.clk.Step(d)
}

func (f *fixture) waitFor(what string, cond func() bool) {
	f.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			f.t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(time.Millisecond)
	}
}

func execProbe(cmd string, failures int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: strings.Fields(cmd)}},
		PeriodSeconds: 10, FailureThreshold: failures}
}

func TestHTTPReadinessFollowsServer(t *testing.T) {
	var status atomic.Int32
	status.Store(200)
	var sawHeader atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sawHeader.Store(r.Header.Get("X-Probe") == "yes" && r.URL.Path == "/healthz")
		w.WriteHeader(int(status.Load()))
	}))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	p, _ := strconv.Atoi(port)
	f := newFixture(t)
	c := &corev1.Container{Name: "web", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: int32(p)}},
		ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{
			Path: "/healthz", Port: intstr.FromString("http"), HTTPHeaders: []corev1.HTTPHeader{{Name: "X-Probe", Value: "yes"}}}},
			PeriodSeconds: 5, FailureThreshold: 2}}
	if f.m.Ready("u1", "cid") != true {
		t.Fatal("unknown container not ready by default")
	}
	f.run(c)
	f.waitFor("ready", func() bool { return f.m.Ready("u1", "cid") })
	if !sawHeader.Load() {
		t.Fatal("probe did not send path and headers")
	}
	status.Store(503)
	f.step(5*time.Second, 1)
	f.step(5*time.Second, 1) // second failure reaches the threshold
	f.waitFor("unready", func() bool { return !f.m.Ready("u1", "cid") })
	if !f.m.Alive("u1", "cid") {
		t.Fatal("readiness failure made the container not alive")
	}
	ev := <-f.rec.Events
	if !strings.Contains(ev, "Unhealthy Readiness probe failed: HTTP probe failed with statuscode: 503") {
		t.Fatalf("event %q", ev)
	}
	status.Store(200)
	f.step(5*time.Second, 1)
	f.waitFor("ready again", func() bool { return f.m.Ready("u1", "cid") })
}

func TestTCPLivenessFailureKills(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	f := newFixture(t)
	c := &corev1.Container{Name: "db", LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
		TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(int32(port))}}, PeriodSeconds: 10, FailureThreshold: 1}}
	f.run(c)
	f.step(10*time.Second, 1)
	f.waitFor("second probe done", func() bool { return f.clk.Waiters() == 1 })
	if !f.m.Alive("u1", "cid") || f.m.Failed("u1", "cid") != "" {
		t.Fatal("alive container reported dead")
	}
	l.Close()
	f.step(10*time.Second, 1)
	f.waitFor("dead", func() bool { return !f.m.Alive("u1", "cid") })
	if got := f.m.Failed("u1", "cid"); got != "liveness" {
		t.Fatalf("failed probe %q", got)
	}
}

func TestGRPCProbe(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := grpc.NewServer()
	hs := health.NewServer()
	healthpb.RegisterHealthServer(s, hs)
	go s.Serve(l)
	defer s.Stop()
	port := l.Addr().(*net.TCPAddr).Port
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_SERVING)
	if r, msg := GRPC(context.Background(), "127.0.0.1", port, "svc", time.Second); r != Success {
		t.Fatalf("serving: %v %s", r, msg)
	}
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_NOT_SERVING)
	if r, msg := GRPC(context.Background(), "127.0.0.1", port, "svc", time.Second); r != Failure || !strings.Contains(msg, "NOT_SERVING") {
		t.Fatalf("not serving: %v %s", r, msg)
	}
	svc := "svc"
	f := newFixture(t)
	hs.SetServingStatus("svc", healthpb.HealthCheckResponse_SERVING)
	f.run(&corev1.Container{Name: "g", ReadinessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{
		GRPC: &corev1.GRPCAction{Port: int32(port), Service: &svc}}}})
	f.waitFor("grpc ready", func() bool { return f.m.Ready("u1", "cid") })
}

func TestStartupProbeGatesOthers(t *testing.T) {
	f := newFixture(t)
	f.ex.set("startup", 1)
	c := &corev1.Container{Name: "app", StartupProbe: execProbe("startup", 3),
		LivenessProbe: execProbe("live", 1), ReadinessProbe: execProbe("ready", 1)}
	f.run(c)
	f.waitFor("first startup probe", func() bool { return f.ex.count("startup") == 1 })
	f.step(10*time.Second, 3)
	f.waitFor("second startup probe", func() bool { return f.ex.count("startup") == 2 })
	if f.ex.count("live") != 0 || f.ex.count("ready") != 0 || f.m.Started("u1", "cid") || f.m.Ready("u1", "cid") || !f.m.Alive("u1", "cid") {
		t.Fatal("liveness/readiness ran, or results wrong, before the startup probe passed")
	}
	f.ex.set("startup", 0)
	f.step(10*time.Second, 3)
	f.waitFor("started", func() bool { return f.m.Started("u1", "cid") })
	f.step(10*time.Second, 3)
	f.waitFor("ready", func() bool { return f.m.Ready("u1", "cid") && f.ex.count("live") > 0 })
}

func TestStartupProbeFailureKills(t *testing.T) {
	f := newFixture(t)
	f.ex.set("startup", 1)
	f.run(&corev1.Container{Name: "app", StartupProbe: execProbe("startup", 2)})
	f.step(10*time.Second, 1)
	f.waitFor("startup failed", func() bool { return f.m.Failed("u1", "cid") == "startup" })
}

func TestInitialDelayAndForget(t *testing.T) {
	f := newFixture(t)
	p := execProbe("live", 1)
	p.InitialDelaySeconds = 30
	f.run(&corev1.Container{Name: "app", LivenessProbe: p})
	f.step(20*time.Second, 1)
	f.step(5*time.Second, 1)
	if n := f.ex.count("live"); n != 0 {
		t.Fatalf("probed %d times within the initial delay", n)
	}
	f.step(5*time.Second, 1)
	f.waitFor("probe after the delay", func() bool { return f.ex.count("live") == 1 })
	f.m.Sync(f.pod, nil) // the container stopped
	f.waitFor("worker gone", func() bool { return f.clk.Waiters() == 0 })
	f.clk.Step(time.Minute)
	if n := f.ex.count("live"); n != 1 {
		t.Fatalf("stopped worker probed again (%d)", n)
	}
}

func TestResolvePort(t *testing.T) {
	c := &corev1.Container{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}
	cases := []struct {
		port intstr.IntOrString
		want int
		ok   bool
	}{
		{intstr.FromInt32(80), 80, true}, {intstr.FromString("http"), 8080, true}, {intstr.FromString("9090"), 9090, true},
		{intstr.FromString("nope"), 0, false}, {intstr.FromInt32(0), 0, false},
	}
	for _, tc := range cases {
		got, err := ResolvePort(tc.port, c)
		if got != tc.want || (err == nil) != tc.ok {
			t.Errorf("%v: %d %v", tc.port.String(), got, err)
		}
	}
}
