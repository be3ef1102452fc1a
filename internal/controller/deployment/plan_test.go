package deployment

import (
	"fmt"
	"testing"

	"k8s.io/apimachinery/pkg/util/intstr"
)

func TestFenceposts(t *testing.T) {
	cases := []struct {
		surge, unavail intstr.IntOrString
		desired        int32
		wantS, wantU   int32
	}{
		{intstr.FromString("25%"), intstr.FromString("25%"), 4, 1, 1},
		{intstr.FromString("25%"), intstr.FromString("25%"), 10, 3, 2}, // surge rounds up, unavailable down
		{intstr.FromInt32(0), intstr.FromInt32(0), 5, 0, 1},            // both zero would deadlock
		{intstr.FromString("0%"), intstr.FromString("10%"), 5, 0, 1},
		{intstr.FromInt32(1), intstr.FromInt32(10), 3, 1, 3}, // never more than desired unavailable
		{intstr.FromString("100%"), intstr.FromInt32(0), 3, 3, 0},
	}
	for _, tc := range cases {
		s, u, err := fenceposts(&tc.surge, &tc.unavail, tc.desired)
		if err != nil || s != tc.wantS || u != tc.wantU {
			t.Errorf("fenceposts(%s,%s,%d) = %d,%d,%v; want %d,%d", tc.surge.String(), tc.unavail.String(), tc.desired, s, u, err, tc.wantS, tc.wantU)
		}
	}
}

func TestNewRSTarget(t *testing.T) {
	cases := []struct {
		desired, surge, newSpec, total, want int32
	}{
		{4, 1, 0, 4, 1},  // start of a rollout: one surge pod
		{4, 1, 1, 5, 1},  // at the ceiling: wait
		{4, 2, 1, 4, 3},  // room for two more
		{4, 10, 0, 4, 4}, // never above desired
		{4, 1, 6, 6, 4},  // above desired: shrink
		{3, 0, 0, 3, 0},  // no surge: old must shrink first
		{3, 0, 0, 2, 1},
	}
	for _, tc := range cases {
		if got := newRSTarget(tc.desired, tc.surge, tc.newSpec, tc.total); got != tc.want {
			t.Errorf("newRSTarget(%+v) = %d", tc, got)
		}
	}
}

// sim is a toy cluster: a new ReplicaSet and old ones, each with a spec
// size and available pods; pods follow specs at once (the ReplicaSet
// controller removes unavailable pods first), new pods start unavailable.
type sim struct {
	desired, surge, unavail int32
	newSpec, newPods, newAv int32
	old                     []rsCount
}

func (s *sim) total() int32 {
	n := s.newPods
	for _, o := range s.old {
		n += o.Spec
	}
	return n
}

func (s *sim) available() int32 {
	n := s.newAv
	for _, o := range s.old {
		n += o.Available
	}
	return n
}

// step is one controller sync: grow new, else shrink old. It reports
// whether it changed anything.
func (s *sim) step() bool {
	total := s.newSpec
	for _, o := range s.old {
		total += o.Spec
	}
	if t := newRSTarget(s.desired, s.surge, s.newSpec, total); t != s.newSpec {
		s.newSpec = t
		s.newPods = t
		s.newAv = min(s.newAv, t)
		return true
	}
	targets := oldRSTargets(s.desired, s.unavail, rsCount{s.newSpec, s.newAv}, s.old)
	changed := false
	for i, t := range targets {
		if t != s.old[i].Spec {
			changed = true
			s.old[i].Spec = t
			s.old[i].Available = min(s.old[i].Available, t)
		}
	}
	return changed
}

func (s *sim) done() bool {
	if s.newSpec != s.desired || s.newAv != s.desired {
		return false
	}
	for _, o := range s.old {
		if o.Spec != 0 {
			return false
		}
	}
	return true
}

// TestRollingUpdateNeverCrossesFences runs whole rollouts for many
// fencepost, size and readiness combinations and checks after every
// controller step that the total stays within desired+maxSurge, that
// availability never drops below desired-maxUnavailable (or below what it
// was, when it started lower), and that the rollout finishes.
func TestRollingUpdateNeverCrossesFences(t *testing.T) {
	fences := [][2]intstr.IntOrString{
		{intstr.FromString("25%"), intstr.FromString("25%")},
		{intstr.FromInt32(1), intstr.FromInt32(0)},
		{intstr.FromInt32(0), intstr.FromInt32(1)},
		{intstr.FromInt32(0), intstr.FromInt32(0)},
		{intstr.FromString("100%"), intstr.FromInt32(0)},
		{intstr.FromInt32(0), intstr.FromString("100%")},
		{intstr.FromInt32(2), intstr.FromInt32(2)},
		{intstr.FromString("50%"), intstr.FromString("50%")},
		{intstr.FromString("10%"), intstr.FromString("0%")},
	}
	// readiness: how many unavailable new pods become available in round r.
	readiness := map[string]func(r int) int32{
		"one per round":      func(int) int32 { return 1 },
		"all at once":        func(int) int32 { return 1 << 20 },
		"stalls then bursts": func(r int) int32 { return int32(2 * (r % 2)) },
	}
	starts := map[string]func(d int32) []rsCount{
		"one healthy old": func(d int32) []rsCount { return []rsCount{{d, d}} },
		"two old, one pod broken": func(d int32) []rsCount {
			a := d / 2
			return []rsCount{{a, a}, {d - a, max(d-a-1, 0)}}
		},
	}
	for _, desired := range []int32{1, 3, 4, 10} {
		for _, f := range fences {
			for rn, ready := range readiness {
				for sn, start := range starts {
					name := fmt.Sprintf("d=%d surge=%s unavail=%s/%s/%s", desired, f[0].String(), f[1].String(), rn, sn)
					t.Run(name, func(t *testing.T) {
						surge, unavail, err := fenceposts(&f[0], &f[1], desired)
						if err != nil {
							t.Fatal(err)
						}
						s := &sim{desired: desired, surge: surge, unavail: unavail, old: start(desired)}
						runRollout(t, s, ready)
					})
				}
			}
		}
	}
}

func runRollout(t *testing.T, s *sim, ready func(int) int32) {
	t.Helper()
	floor := s.desired - s.unavail
	for round := 0; round < 200; round++ {
		for i := 0; i < 10; i++ { // syncs until the controller has nothing to do
			before := s.available()
			if !s.step() {
				break
			}
			if s.total() > s.desired+s.surge {
				t.Fatalf("round %d: %d pods exceed ceiling %d (%+v)", round, s.total(), s.desired+s.surge, *s)
			}
			if s.available() < min(floor, before) {
				t.Fatalf("round %d: %d available below floor %d (was %d) (%+v)", round, s.available(), floor, before, *s)
			}
		}
		if s.done() {
			return
		}
		s.newAv = min(s.newPods, s.newAv+ready(round))
	}
	t.Fatalf("rollout never finished: %+v", *s)
}

func TestProportionalTargets(t *testing.T) {
	cases := []struct {
		name                       string
		sizes                      []rsSize
		desired, allowed, fallback int32
		want                       []int32
	}{
		{"scale 10->20 mid-rollout keeps the ratio",
			[]rsSize{{Spec: 8, MaxAnnotation: 13, HasMax: true}, {Spec: 5, MaxAnnotation: 13, HasMax: true}},
			20, 25, 13, []int32{15, 10}},
		{"scale down 20->10",
			[]rsSize{{Spec: 15, MaxAnnotation: 25, HasMax: true}, {Spec: 10, MaxAnnotation: 25, HasMax: true}},
			10, 13, 25, []int32{8, 5}},
		{"leftover goes to the largest",
			[]rsSize{{Spec: 2, MaxAnnotation: 3, HasMax: true}, {Spec: 1, MaxAnnotation: 3, HasMax: true}},
			3, 4, 3, []int32{3, 1}},
		{"to zero", []rsSize{{Spec: 3, MaxAnnotation: 5, HasMax: true}, {Spec: 2, MaxAnnotation: 5, HasMax: true}},
			0, 0, 5, []int32{0, 0}},
		{"missing annotation uses the fallback",
			[]rsSize{{Spec: 4}, {Spec: 4}}, 16, 16, 8, []int32{8, 8}},
	}
	for _, tc := range cases {
		got := proportionalTargets(tc.sizes, tc.desired, tc.allowed, tc.fallback)
		if fmt.Sprint(got) != fmt.Sprint(tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		var sum int32
		for _, g := range got {
			sum += g
		}
		if sum != tc.allowed {
			t.Errorf("%s: sizes sum to %d, want %d", tc.name, sum, tc.allowed)
		}
	}
}
