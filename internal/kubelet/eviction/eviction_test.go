package eviction

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	clocktesting "k8s.io/utils/clock/testing"
)

func pod(name string, priority int32, memRequest string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID(name)},
		Spec: corev1.PodSpec{Priority: &priority, Containers: []corev1.Container{{Name: "c"}}}}
	if memRequest != "" {
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceMemory: resource.MustParse(memRequest)}
	}
	return p
}

func mem(q string) *int64 {
	qty := resource.MustParse(q)
	v := qty.Value()
	return &v
}

func names(pods []*corev1.Pod) string {
	var out []string
	for _, p := range pods {
		out = append(out, p.Name)
	}
	return strings.Join(out, ",")
}

func TestRank(t *testing.T) {
	cases := []struct {
		name  string
		pods  []*corev1.Pod
		sig   Signal
		usage map[types.UID]PodUsage
		want  string
	}{
		{
			name: "without stats, pods without requests (BestEffort) go first",
			pods: []*corev1.Pod{pod("guaranteed", 0, "100Mi"), pod("besteffort", 0, ""), pod("burstable", 0, "10Mi")},
			sig:  MemoryAvailable, want: "besteffort,burstable,guaranteed",
		},
		{
			name: "over-request before under-request, whatever the priority",
			pods: []*corev1.Pod{pod("under-low", -10, "100Mi"), pod("over-high", 1000, "10Mi")},
			sig:  MemoryAvailable, usage: map[types.UID]PodUsage{"under-low": {Memory: mem("50Mi")}, "over-high": {Memory: mem("20Mi")}},
			want: "over-high,under-low",
		},
		{
			name: "then lower priority first",
			pods: []*corev1.Pod{pod("high", 100, ""), pod("low", 1, ""), pod("mid", 50, "")},
			sig:  MemoryAvailable, usage: map[types.UID]PodUsage{"high": {Memory: mem("1Gi")}, "low": {Memory: mem("1Mi")}, "mid": {Memory: mem("10Mi")}},
			want: "low,mid,high",
		},
		{
			name: "then the larger use above the request first",
			pods: []*corev1.Pod{pod("a", 0, "10Mi"), pod("b", 0, "10Mi"), pod("c", 0, "")},
			sig:  MemoryAvailable, usage: map[types.UID]PodUsage{"a": {Memory: mem("20Mi")}, "b": {Memory: mem("50Mi")}, "c": {Memory: mem("30Mi")}},
			want: "b,c,a",
		},
		{
			name: "pids: priority, then most PIDs",
			pods: []*corev1.Pod{pod("few", 0, ""), pod("many", 0, ""), pod("low", -1, "")},
			sig:  PIDAvailable, usage: map[types.UID]PodUsage{"few": {PIDs: ptr(int64(3))}, "many": {PIDs: ptr(int64(300))}, "low": {PIDs: ptr(int64(1))}},
			want: "low,many,few",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := names(Rank(tc.pods, tc.sig, tc.usage)); got != tc.want {
				t.Errorf("rank %s, want %s", got, tc.want)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestEvictable(t *testing.T) {
	static := pod("static", 0, "")
	static.Annotations = map[string]string{annotationConfigSource: "file"}
	mirror := pod("mirror", 0, "")
	mirror.Annotations = map[string]string{annotationConfigMirror: "abc"}
	cases := []struct {
		pod  *corev1.Pod
		want bool
	}{
		{pod("plain", 0, ""), true},
		{pod("critical", systemCriticalPriority, ""), false},
		{static, false},
		{mirror, false},
	}
	for _, tc := range cases {
		if got := Evictable(tc.pod); got != tc.want {
			t.Errorf("Evictable(%s) = %v, want %v", tc.pod.Name, got, tc.want)
		}
	}
}

func TestParseThresholds(t *testing.T) {
	ts, err := ParseThresholds("memory.available<100Mi, nodefs.available<10%,pid.available<1k")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, th := range ts {
		got = append(got, th.String())
	}
	if want := "memory.available<100Mi,nodefs.available<10%,pid.available<1k"; strings.Join(got, ",") != want {
		t.Errorf("parsed %v, want %s", got, want)
	}
	for _, bad := range []string{"memory.available>1Gi", "cpu.available<1", "nodefs.available<110%", "memory.available<lots"} {
		if _, err := ParseThresholds(bad); err == nil {
			t.Errorf("ParseThresholds(%q) accepted", bad)
		}
	}
}

func TestDefaultThresholdsMet(t *testing.T) {
	gi := int64(1 << 30)
	cases := []struct {
		obs  Observations
		want string // conditions under pressure
	}{
		{Observations{MemoryAvailable: {Available: 99 << 20, Capacity: gi}}, "MemoryPressure"},
		{Observations{MemoryAvailable: {Available: 100 << 20, Capacity: gi}}, ""},
		{Observations{NodeFsAvailable: {Available: 9, Capacity: 100}}, "DiskPressure"},
		{Observations{NodeFsInodesFree: {Available: 4, Capacity: 100}}, "DiskPressure"},
		{Observations{ImageFsAvailable: {Available: 14, Capacity: 100}}, "DiskPressure"},
		{Observations{ImageFsAvailable: {Available: 16, Capacity: 100}, NodeFsAvailable: {Available: 11, Capacity: 100}}, ""},
	}
	for _, tc := range cases {
		var got []string
		for _, th := range crossed(DefaultThresholds(), tc.obs) {
			got = append(got, string(th.Signal.condition()))
		}
		if strings.Join(got, ",") != tc.want {
			t.Errorf("%v: pressure %v, want %q", tc.obs, got, tc.want)
		}
	}
}

// fakeSource is a settable signal source.
type fakeSource struct{ obs Observations }

func (f *fakeSource) Observe(context.Context) (Observations, error) { return f.obs, nil }

func TestManagerEvictsOnePodAndTracksPressure(t *testing.T) {
	clk := clocktesting.NewFakeClock(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC))
	src := &fakeSource{obs: Observations{MemoryAvailable: {Available: 50 << 20, Capacity: 1 << 30}}}
	pods := []*corev1.Pod{pod("guaranteed", 0, "100Mi"), pod("besteffort", 0, "")}
	var evicted []string
	var messages []string
	m, err := NewManager(Config{
		Source: src, PressureTransitionPeriod: time.Minute, Clock: clk,
		ActivePods: func() []*corev1.Pod { return pods },
		Evict: func(_ context.Context, p *corev1.Pod, msg string) error {
			evicted, messages = append(evicted, p.Name), append(messages, msg)
			return nil
		},
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if m.Pressure(corev1.NodeMemoryPressure) {
		t.Fatal("pressure before any observation")
	}
	if _, err := m.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if strings.Join(evicted, ",") != "besteffort" {
		t.Fatalf("evicted %v, want only besteffort (one per synchronize)", evicted)
	}
	if want := "The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "; messages[0] != want {
		t.Errorf("message %q, want %q", messages[0], want)
	}
	if !m.Pressure(corev1.NodeMemoryPressure) || m.Pressure(corev1.NodeDiskPressure) {
		t.Error("want MemoryPressure only")
	}
	src.obs = Observations{MemoryAvailable: {Available: 500 << 20, Capacity: 1 << 30}}
	if _, err := m.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if len(evicted) != 1 {
		t.Errorf("evicted %v after recovery", evicted)
	}
	if !m.Pressure(corev1.NodeMemoryPressure) {
		t.Error("pressure cleared before the transition period")
	}
	clk.Step(time.Minute + time.Second)
	if _, err := m.Synchronize(ctx); err != nil {
		t.Fatal(err)
	}
	if m.Pressure(corev1.NodeMemoryPressure) {
		t.Error("pressure still true after the transition period")
	}
}

func TestManagerReclaimsDiskBeforeEvicting(t *testing.T) {
	src := &fakeSource{obs: Observations{ImageFsAvailable: {Available: 5, Capacity: 100}}}
	reclaimed := false
	m, err := NewManager(Config{
		Source:     src,
		ActivePods: func() []*corev1.Pod { return []*corev1.Pod{pod("p", 0, "")} },
		Reclaim: func(context.Context) error {
			reclaimed = true
			src.obs = Observations{ImageFsAvailable: {Available: 50, Capacity: 100}}
			return nil
		},
		Evict:  func(context.Context, *corev1.Pod, string) error { return errors.New("must not evict") },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		t.Fatal(err)
	}
	if p, err := m.Synchronize(context.Background()); err != nil || p != nil {
		t.Fatalf("synchronize evicted %v (%v), want reclaim only", p, err)
	}
	if !reclaimed {
		t.Error("disk not reclaimed")
	}
}

func TestNodeSourceReadsProc(t *testing.T) {
	proc := t.TempDir()
	write := func(name, content string) {
		p := filepath.Join(proc, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("meminfo", "MemTotal:        2048000 kB\nMemFree:          100000 kB\nMemAvailable:     512000 kB\n")
	write("sys/kernel/pid_max", "32768\n")
	write("loadavg", "0.10 0.20 0.30 2/768 12345\n")
	obs, err := NodeSource{ProcDir: proc, NodeFsPath: proc}.Observe(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if got := obs[MemoryAvailable]; got.Available != 512000*1024 || got.Capacity != 2048000*1024 {
		t.Errorf("memory %+v", got)
	}
	if got := obs[PIDAvailable]; got.Available != 32768-768 || got.Capacity != 32768 {
		t.Errorf("pids %+v", got)
	}
	if got := obs[NodeFsAvailable]; got.Capacity <= 0 || got.Available > got.Capacity {
		t.Errorf("nodefs %+v", got)
	}
	if _, ok := obs[ImageFsAvailable]; ok {
		t.Error("imagefs observed without a path")
	}
	// The real machine answers too.
	if _, err := (NodeSource{NodeFsPath: "/"}).Observe(context.Background()); err != nil {
		t.Errorf("real node: %v", err)
	}
}
