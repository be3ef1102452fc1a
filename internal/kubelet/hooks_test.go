package kubelet

import (
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/record"
	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	"k8s.io/utils/clock"

	"rudder/internal/kubelet/fieldpath"
	"rudder/internal/kubelet/runtime/fake"
)

// callLog wraps the fake runtime and records exec and stop calls in order.
type callLog struct {
	*fake.Runtime
	mu    sync.Mutex
	calls []string
}

func (l *callLog) add(s string) { l.mu.Lock(); l.calls = append(l.calls, s); l.mu.Unlock() }

func (l *callLog) ExecSync(ctx context.Context, req *runtimeapi.ExecSyncRequest) (*runtimeapi.ExecSyncResponse, error) {
	l.add("exec " + strings.Join(req.Cmd, " "))
	return l.Runtime.ExecSync(ctx, req)
}

func (l *callLog) StopContainer(ctx context.Context, req *runtimeapi.StopContainerRequest) (*runtimeapi.StopContainerResponse, error) {
	l.add("stop timeout=" + time.Duration(req.Timeout*int64(time.Second)).String())
	return l.Runtime.StopContainer(ctx, req)
}

func hookFixture(t *testing.T, annotations map[string]string) (*Kubelet, *callLog, *record.FakeRecorder, string) {
	rt, err := fake.New("10.42.0.0/24")
	if err != nil {
		t.Fatal(err)
	}
	log := &callLog{Runtime: rt}
	ctx := context.Background()
	sb, _ := rt.RunPodSandbox(ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata: &runtimeapi.PodSandboxMetadata{Name: "p"}, Annotations: annotations}})
	c, _ := rt.CreateContainer(ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb.PodSandboxId, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: "main"}, Image: &runtimeapi.ImageSpec{Image: "x"}}})
	rt.StartContainer(ctx, &runtimeapi.StartContainerRequest{ContainerId: c.ContainerId})
	rec := record.NewFakeRecorder(20)
	k := &Kubelet{cfg: Config{Clock: clock.RealClock{}}, rt: log, log: slog.Default(), recorder: rec}
	return k, log, rec, c.ContainerId
}

func hookPod(c corev1.Container) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", UID: "u"},
		Spec: corev1.PodSpec{Containers: []corev1.Container{c}}}
}

func TestPreStopRunsBeforeStop(t *testing.T) {
	k, log, rec, id := hookFixture(t, nil)
	c := corev1.Container{Name: "main", Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"nginx", "-s", "quit"}}}}}
	pod := hookPod(c)
	if err := k.killContainer(context.Background(), pod, &pod.Spec.Containers[0], id, 30, fieldpath.Status{}); err != nil {
		t.Fatal(err)
	}
	want := []string{"exec nginx -s quit", "stop timeout=30s"}
	if strings.Join(log.calls, "|") != strings.Join(want, "|") {
		t.Fatalf("calls %q, want %q", log.calls, want)
	}
	if ev := <-rec.Events; ev != "Normal Killing Stopping container main" {
		t.Fatalf("event %q", ev)
	}
}

func TestPreStopSleepUsesGrace(t *testing.T) {
	k, log, _, id := hookFixture(t, nil)
	c := corev1.Container{Name: "main", Lifecycle: &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{Sleep: &corev1.SleepAction{Seconds: 1}}}}
	pod := hookPod(c)
	if err := k.killContainer(context.Background(), pod, &pod.Spec.Containers[0], id, 3, fieldpath.Status{}); err != nil {
		t.Fatal(err)
	}
	// The hook used about a second of the three: what remains (at least
	// the 2s minimum) is the stop timeout.
	if len(log.calls) != 1 || log.calls[0] != "stop timeout=2s" {
		t.Fatalf("calls %q", log.calls)
	}
}

func TestFailedPostStartKillsContainer(t *testing.T) {
	k, log, rec, id := hookFixture(t, map[string]string{fake.ExecExitCodeAnnotation: "2"})
	c := corev1.Container{Name: "main", Lifecycle: &corev1.Lifecycle{PostStart: &corev1.LifecycleHandler{
		Exec: &corev1.ExecAction{Command: []string{"setup"}}}}}
	pod := hookPod(c)
	waiting := map[string]*corev1.ContainerStateWaiting{}
	if k.runPostStart(context.Background(), pod, &pod.Spec.Containers[0], id, fieldpath.Status{}, waiting) {
		t.Fatal("failed postStart reported the container running")
	}
	if strings.Join(log.calls, "|") != "exec setup|stop timeout=30s" {
		t.Fatalf("calls %q", log.calls)
	}
	if w := waiting["main"]; w == nil || w.Reason != "PostStartHookError" {
		t.Fatalf("waiting %+v", w)
	}
	if ev := <-rec.Events; !strings.HasPrefix(ev, "Warning FailedPostStartHook Exec lifecycle hook ([setup]) for Container \"main\"") {
		t.Fatalf("event %q", ev)
	}
	st, _ := k.rt.ContainerStatus(context.Background(), &runtimeapi.ContainerStatusRequest{ContainerId: id})
	if st.Status.State != runtimeapi.ContainerState_CONTAINER_EXITED {
		t.Fatalf("container %s after failed postStart", st.Status.State)
	}
}

func TestPodResources(t *testing.T) {
	res := func(cpuReq, cpuLim, memLim string) corev1.ResourceRequirements {
		r := corev1.ResourceRequirements{Requests: corev1.ResourceList{}, Limits: corev1.ResourceList{}}
		if cpuReq != "" {
			r.Requests[corev1.ResourceCPU] = resource.MustParse(cpuReq)
		}
		if cpuLim != "" {
			r.Limits[corev1.ResourceCPU] = resource.MustParse(cpuLim)
		}
		if memLim != "" {
			r.Limits[corev1.ResourceMemory] = resource.MustParse(memLim)
		}
		return r
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{
		InitContainers: []corev1.Container{{Name: "init", Resources: res("2", "2", "1Gi")}},
		Containers:     []corev1.Container{{Name: "a", Resources: res("500m", "1", "256Mi")}, {Name: "b", Resources: res("250m", "500m", "128Mi")}},
	}}
	r := podResources(pod, corev1.PodQOSBurstable)
	// init (2 CPUs, 1Gi) outweighs the apps' sum (750m / 1.5 CPUs / 384Mi).
	if r.CPUShares != 2048 || r.CPUQuota != 200000 || r.MemoryLimit != 1<<30 {
		t.Fatalf("resources %+v", r)
	}
	pod.Spec.InitContainers = nil
	pod.Spec.Containers[1].Resources = res("250m", "", "")
	r = podResources(pod, corev1.PodQOSBurstable)
	if r.CPUShares != 768 || r.CPUQuota != 0 || r.MemoryLimit != 0 {
		t.Fatalf("a container without limits must leave the pod unbounded: %+v", r)
	}
	if r := podResources(pod, corev1.PodQOSBestEffort); r.CPUShares != 2 || r.MemoryLimit != 0 {
		t.Fatalf("best effort %+v", r)
	}
}

func TestLinuxResourcesOOMScore(t *testing.T) {
	capacity := corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("4Gi")}
	c := &corev1.Container{Resources: corev1.ResourceRequirements{
		Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("1Gi")},
		Limits:   corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("200m"), corev1.ResourceMemory: resource.MustParse("2Gi")}}}
	r := linuxResources(c, corev1.PodQOSBurstable, capacity)
	if r.CpuShares != 102 || r.CpuQuota != 20000 || r.CpuPeriod != 100000 || r.MemoryLimitInBytes != 2<<30 || r.OomScoreAdj != 750 {
		t.Fatalf("burstable %+v", r)
	}
	if r := linuxResources(c, corev1.PodQOSGuaranteed, capacity); r.OomScoreAdj != -997 {
		t.Fatalf("guaranteed oom %d", r.OomScoreAdj)
	}
	if r := linuxResources(&corev1.Container{}, corev1.PodQOSBestEffort, capacity); r.OomScoreAdj != 1000 || r.CpuShares != 2 {
		t.Fatalf("best effort %+v", r)
	}
}
