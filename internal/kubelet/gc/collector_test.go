package gc

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	runtimeapi "k8s.io/cri-api/pkg/apis/runtime/v1"
	clocktesting "k8s.io/utils/clock/testing"

	"rudder/internal/kubelet/runtime"
	"rudder/internal/kubelet/runtime/fake"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// node is a fake runtime whose pods' containers the test creates and
// stops, with a fake clock.
type node struct {
	t     *testing.T
	ctx   context.Context
	rt    *fake.Runtime
	clock *clocktesting.FakeClock
	logs  string
}

func newNode(t *testing.T) *node {
	clk := clocktesting.NewFakeClock(t0)
	rt, err := fake.New("10.42.0.0/24", fake.WithClock(clk))
	if err != nil {
		t.Fatal(err)
	}
	return &node{t: t, ctx: context.Background(), rt: rt, clock: clk, logs: t.TempDir()}
}

func (n *node) sandbox(uid string) string {
	n.t.Helper()
	resp, err := n.rt.RunPodSandbox(n.ctx, &runtimeapi.RunPodSandboxRequest{Config: &runtimeapi.PodSandboxConfig{
		Metadata:     &runtimeapi.PodSandboxMetadata{Name: uid, Namespace: "default", Uid: uid},
		Labels:       map[string]string{runtime.LabelPodUID: uid},
		LogDirectory: filepath.Join(n.logs, uid),
	}})
	if err != nil {
		n.t.Fatal(err)
	}
	return resp.PodSandboxId
}

// container runs one instance of container name in sandbox sb, with a log
// file, a minute after the previous one; dead ones are stopped.
func (n *node) container(sb, uid, name, image string, dead bool) (id, logPath string) {
	n.t.Helper()
	n.clock.Step(time.Minute)
	logName := name + "-" + n.clock.Now().Format("150405") + ".log"
	resp, err := n.rt.CreateContainer(n.ctx, &runtimeapi.CreateContainerRequest{PodSandboxId: sb, Config: &runtimeapi.ContainerConfig{
		Metadata: &runtimeapi.ContainerMetadata{Name: name}, Image: &runtimeapi.ImageSpec{Image: image},
		Labels: map[string]string{runtime.LabelPodUID: uid, runtime.LabelContainerName: name}, LogPath: logName,
	}})
	if err != nil {
		n.t.Fatal(err)
	}
	id = resp.ContainerId
	if _, err := n.rt.StartContainer(n.ctx, &runtimeapi.StartContainerRequest{ContainerId: id}); err != nil {
		n.t.Fatal(err)
	}
	logPath = filepath.Join(n.logs, uid, logName)
	if err := os.MkdirAll(filepath.Dir(logPath), 0o755); err != nil {
		n.t.Fatal(err)
	}
	if err := os.WriteFile(logPath, []byte("log\n"), 0o644); err != nil {
		n.t.Fatal(err)
	}
	if dead {
		if _, err := n.rt.StopContainer(n.ctx, &runtimeapi.StopContainerRequest{ContainerId: id}); err != nil {
			n.t.Fatal(err)
		}
	}
	return id, logPath
}

func (n *node) containerIDs() []string {
	resp, err := n.rt.ListContainers(n.ctx, &runtimeapi.ListContainersRequest{})
	if err != nil {
		n.t.Fatal(err)
	}
	var out []string
	for _, c := range resp.Containers {
		out = append(out, c.Id)
	}
	sort.Strings(out)
	return out
}

func exists(path string) bool {
	_, err := os.Stat(path)
	return err == nil
}

func TestContainerCollectorOnRuntime(t *testing.T) {
	n := newNode(t)
	sb1 := n.sandbox("pod-1")
	_, oldLog := n.container(sb1, "pod-1", "app", "busybox", true)
	prev, prevLog := n.container(sb1, "pod-1", "app", "busybox", true)
	cur, _ := n.container(sb1, "pod-1", "app", "busybox", false)
	sb2 := n.sandbox("pod-gone")
	_, goneLog := n.container(sb2, "pod-gone", "app", "busybox", true)
	if _, err := n.rt.StopPodSandbox(n.ctx, &runtimeapi.StopPodSandboxRequest{PodSandboxId: sb2}); err != nil {
		t.Fatal(err)
	}

	g := &ContainerCollector{
		Runtime: n.rt, Policy: DefaultContainerPolicy(), PodExists: func(uid string) bool { return uid == "pod-1" },
		PodLogsDir: n.logs, Clock: n.clock, Logger: quiet,
	}
	if err := g.Collect(n.ctx); err != nil {
		t.Fatal(err)
	}
	want := []string{prev, cur}
	sort.Strings(want)
	if got := n.containerIDs(); len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Errorf("containers left %v, want the running one and the last dead one %v", got, want)
	}
	if exists(oldLog) || exists(goneLog) {
		t.Errorf("logs of removed containers remain: %v %v", exists(oldLog), exists(goneLog))
	}
	if !exists(prevLog) {
		t.Errorf("log of the kept dead container %s was removed", prevLog)
	}
	sbs, err := n.rt.ListPodSandbox(n.ctx, &runtimeapi.ListPodSandboxRequest{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sbs.Items) != 1 || sbs.Items[0].Id != sb1 {
		t.Errorf("sandboxes left %v, want only %s", sbs.Items, sb1)
	}
	if exists(filepath.Join(n.logs, "default_pod-gone_pod-gone")) {
		t.Error("log dir of the deleted pod remains")
	}
}

func TestImageCollectorRemovesLeastRecentlyUsedUnused(t *testing.T) {
	n := newNode(t)
	pull := func(image string) {
		if _, err := n.rt.PullImage(n.ctx, &runtimeapi.PullImageRequest{Image: &runtimeapi.ImageSpec{Image: image}}); err != nil {
			t.Fatal(err)
		}
	}
	for _, img := range []string{"pause:3.10", "old", "recent", "never-used", "in-use"} {
		pull(img)
	}
	var usage FsUsage // set per step below
	g := &ImageCollector{
		Runtime: n.rt, Policy: ImagePolicy{HighThresholdPercent: 85, LowThresholdPercent: 80, MinAge: time.Minute},
		Fs: func(context.Context) (FsUsage, error) { return usage, nil }, PauseImage: "pause:3.10",
		Clock: n.clock, Logger: quiet,
	}
	if _, err := g.Detect(n.ctx); err != nil { // all first seen now
		t.Fatal(err)
	}
	sb := n.sandbox("pod-1")
	oldID, _ := n.container(sb, "pod-1", "a", "old", true)
	if _, err := g.Detect(n.ctx); err != nil { // "old" used at +1m
		t.Fatal(err)
	}
	if _, err := n.rt.RemoveContainer(n.ctx, &runtimeapi.RemoveContainerRequest{ContainerId: oldID}); err != nil {
		t.Fatal(err)
	}
	recentID, _ := n.container(sb, "pod-1", "b", "recent", true)
	if _, err := g.Detect(n.ctx); err != nil { // "recent" used at +2m
		t.Fatal(err)
	}
	if _, err := n.rt.RemoveContainer(n.ctx, &runtimeapi.RemoveContainerRequest{ContainerId: recentID}); err != nil {
		t.Fatal(err)
	}
	n.container(sb, "pod-1", "c", "in-use", false)

	const mi = 1 << 20
	usage = FsUsage{Capacity: 100 * mi, Available: 20 * mi} // 80%: below the high threshold
	if freed, err := g.Collect(n.ctx); err != nil || freed != 0 {
		t.Fatalf("below threshold freed %d (%v), want nothing", freed, err)
	}
	usage = FsUsage{Capacity: 20 * mi, Available: 2 * mi} // 90% → 80%: 2 MiB to free, two 1 MiB images
	freed, err := g.Collect(n.ctx)
	if err != nil || freed != 2*mi {
		t.Fatalf("freed %d (%v), want 2 MiB", freed, err)
	}
	left, err := n.rt.ListImages(n.ctx, &runtimeapi.ListImagesRequest{})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, img := range left.Images {
		names = append(names, img.RepoTags...)
	}
	sort.Strings(names)
	// never-used (last used: never) and old (+1m) go; recent (+2m) stays,
	// in-use and the pause image are never candidates.
	if want := []string{"in-use", "pause:3.10", "recent"}; len(names) != 3 || names[0] != want[0] || names[1] != want[1] || names[2] != want[2] {
		t.Errorf("images left %v, want %v", names, want)
	}
}

func TestSelectImagesMinAge(t *testing.T) {
	now := t0.Add(time.Hour)
	imgs := []ImageInfo{
		{ID: "young", Size: 10, FirstDetected: now.Add(-time.Minute)},
		{ID: "old", Size: 10, FirstDetected: t0, LastUsed: t0.Add(time.Minute)},
		{ID: "pinned", Size: 10, FirstDetected: t0, Pinned: true},
	}
	got := SelectImages(imgs, 100, 2*time.Minute, now)
	if len(got) != 1 || got[0].ID != "old" {
		t.Errorf("selected %+v, want only old", got)
	}
}
