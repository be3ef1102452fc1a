package gc

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// ctr is a container of pod "p<pod>" named name, created at minute min.
func ctr(id string, pod int, name string, min int, dead bool) Container {
	return Container{ID: id, SandboxID: fmt.Sprintf("sb%d", pod), PodUID: fmt.Sprintf("p%d", pod), Name: name,
		CreatedAt: t0.Add(time.Duration(min) * time.Minute), Dead: dead}
}

func ids(cs []Container) string {
	out := make([]string, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return strings.Join(out, ",")
}

func TestPlanContainers(t *testing.T) {
	live := func(uids ...string) func(string) bool {
		return func(uid string) bool {
			for _, u := range uids {
				if u == uid {
					return true
				}
			}
			return false
		}
	}
	cases := []struct {
		name   string
		policy ContainerPolicy
		cs     []Container
		exists func(string) bool
		now    time.Time
		want   string // removed IDs, oldest first
	}{
		{
			name: "keeps the newest dead instance per container", policy: DefaultContainerPolicy(),
			cs:     []Container{ctr("a1", 1, "a", 1, true), ctr("a2", 1, "a", 2, true), ctr("a3", 1, "a", 3, true), ctr("a4", 1, "a", 4, false)},
			exists: live("p1"), now: t0.Add(time.Hour), want: "a1,a2",
		},
		{
			name: "running containers are never removed", policy: ContainerPolicy{MaxPerPodContainer: 0, MaxContainers: -1},
			cs:     []Container{ctr("a1", 1, "a", 1, false), ctr("b1", 1, "b", 1, true)},
			exists: live("p1"), now: t0.Add(time.Hour), want: "b1",
		},
		{
			name: "containers are counted per pod and name", policy: DefaultContainerPolicy(),
			cs:     []Container{ctr("a1", 1, "a", 1, true), ctr("b1", 1, "b", 2, true), ctr("a2", 2, "a", 3, true)},
			exists: live("p1", "p2"), now: t0.Add(time.Hour), want: "",
		},
		{
			name: "min age protects young dead containers", policy: ContainerPolicy{MinAge: 30 * time.Minute, MaxPerPodContainer: 0, MaxContainers: -1},
			cs:     []Container{ctr("old", 1, "a", 1, true), ctr("young", 1, "a", 50, true)},
			exists: live("p1"), now: t0.Add(time.Hour), want: "old",
		},
		{
			name: "every dead container of a deleted pod goes", policy: DefaultContainerPolicy(),
			cs:     []Container{ctr("a1", 1, "a", 1, true), ctr("a2", 1, "a", 2, true), ctr("run", 1, "b", 2, false), ctr("k", 2, "a", 1, true)},
			exists: live("p2"), now: t0.Add(time.Hour), want: "a1,a2",
		},
		{
			name: "node-wide limit removes the oldest beyond a fair share", policy: ContainerPolicy{MaxPerPodContainer: -1, MaxContainers: 2},
			cs: []Container{ctr("a1", 1, "a", 1, true), ctr("a2", 1, "a", 5, true), ctr("a3", 1, "a", 6, true),
				ctr("b1", 2, "b", 2, true), ctr("b2", 2, "b", 3, true)},
			exists: live("p1", "p2"), now: t0.Add(time.Hour), want: "a1,b1,a2",
		},
		{
			name: "node-wide limit below the number of units keeps the newest", policy: ContainerPolicy{MaxPerPodContainer: 1, MaxContainers: 1},
			cs:     []Container{ctr("a1", 1, "a", 1, true), ctr("b1", 2, "b", 2, true), ctr("c1", 3, "c", 3, true)},
			exists: live("p1", "p2", "p3"), now: t0.Add(time.Hour), want: "a1,b1",
		},
		{
			name: "negative limits keep everything", policy: ContainerPolicy{MaxPerPodContainer: -1, MaxContainers: -1},
			cs:     []Container{ctr("a1", 1, "a", 1, true), ctr("a2", 1, "a", 2, true)},
			exists: live("p1"), now: t0.Add(time.Hour), want: "",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			plan := PlanContainers(tc.policy, tc.cs, nil, tc.exists, tc.now)
			if got := ids(plan.Containers); got != tc.want {
				t.Errorf("removed %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPlanSandboxes(t *testing.T) {
	sb := func(id, pod string, min int, ready bool) Sandbox {
		return Sandbox{ID: id, PodUID: pod, Ready: ready, CreatedAt: t0.Add(time.Duration(min) * time.Minute)}
	}
	cs := []Container{
		{ID: "c-old", SandboxID: "p1-old", PodUID: "p1", Name: "a", CreatedAt: t0, Dead: true},
		{ID: "c-new", SandboxID: "p1-new", PodUID: "p1", Name: "a", CreatedAt: t0.Add(time.Minute), Dead: true},
	}
	sbs := []Sandbox{
		sb("p1-oldest", "p1", 0, false), // stopped, empty: goes
		sb("p1-old", "p1", 1, false),    // its container goes in this plan: goes
		sb("p1-new", "p1", 2, false),    // newest of a live pod: kept
		sb("p2-a", "p2", 0, false),      // deleted pod: goes
		sb("p2-b", "p2", 1, false),      // deleted pod, even the newest: goes
		sb("p3-ready", "p3", 0, true),   // ready: kept even when the pod is gone (its worker stops it)
	}
	plan := PlanContainers(DefaultContainerPolicy(), cs, sbs, func(uid string) bool { return uid == "p1" }, t0.Add(time.Hour))
	var got []string
	for _, s := range plan.Sandboxes {
		got = append(got, s.ID)
	}
	sort.Strings(got)
	if want := "p1-old,p1-oldest,p2-a,p2-b"; strings.Join(got, ",") != want {
		t.Errorf("sandboxes removed %v, want %s", got, want)
	}
}

func TestBytesToFree(t *testing.T) {
	cases := []struct {
		fs   FsUsage
		want uint64
	}{
		{FsUsage{Capacity: 1000, Available: 200}, 0},   // 80% used: below high
		{FsUsage{Capacity: 1000, Available: 150}, 0},   // 85%: not above high
		{FsUsage{Capacity: 1000, Available: 100}, 100}, // 90% → 80%
		{FsUsage{Capacity: 0, Available: 0}, 0},        // unknown
	}
	for _, tc := range cases {
		if got := BytesToFree(tc.fs, 85, 80); got != tc.want {
			t.Errorf("BytesToFree(%+v) = %d, want %d", tc.fs, got, tc.want)
		}
	}
}
