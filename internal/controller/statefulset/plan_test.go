package statefulset

import (
	"fmt"
	"reflect"
	"testing"
)

// m builds a member web-<ord> of revision rev in the given state:
// "ok" healthy, "pending" not yet ready, "term" terminating, "failed".
func m(ord int, rev, state string) member {
	return member{
		Name: fmt.Sprintf("web-%d", ord), Ordinal: ord, Revision: rev,
		Healthy:     state == "ok",
		Terminating: state == "term",
		Finished:    state == "failed",
	}
}

func create(ord int, rev string) action { return action{Kind: actCreate, Ordinal: ord, Revision: rev} }
func del(ord int) action {
	return action{Kind: actDelete, Ordinal: ord, Name: fmt.Sprintf("web-%d", ord)}
}

func TestPlan(t *testing.T) {
	base := planInput{Replicas: 3, CurrentRevision: "r1", UpdateRevision: "r1"}
	with := func(f func(*planInput)) planInput { in := base; f(&in); return in }
	cases := []struct {
		name string
		in   planInput
		want []action
	}{
		{"ordered: empty set creates only ordinal 0", base, []action{create(0, "r1")}},
		{"ordered: waits for pending web-0", with(func(in *planInput) { in.Members = []member{m(0, "r1", "pending")} }), nil},
		{"ordered: web-0 ready creates web-1", with(func(in *planInput) { in.Members = []member{m(0, "r1", "ok")} }), []action{create(1, "r1")}},
		{"ordered: fills a gap below", with(func(in *planInput) { in.Members = []member{m(0, "r1", "ok"), m(2, "r1", "ok")} }), []action{create(1, "r1")}},
		{"ordered: failed pod is deleted to be recreated", with(func(in *planInput) { in.Members = []member{m(0, "r1", "failed"), m(1, "r1", "ok")} }), []action{del(0)}},
		{"parallel: creates all missing", with(func(in *planInput) { in.Parallel = true }), []action{create(0, "r1"), create(1, "r1"), create(2, "r1")}},
		{"parallel: does not wait for pending", with(func(in *planInput) {
			in.Parallel = true
			in.Members = []member{m(0, "r1", "pending")}
		}), []action{create(1, "r1"), create(2, "r1")}},
		{"start ordinal shifts the range", with(func(in *planInput) { in.Start = 5; in.Members = []member{m(5, "r1", "ok")} }), []action{create(6, "r1")}},
		{"ordered scale down: highest first, one at a time", with(func(in *planInput) {
			in.Replicas = 0
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "ok")}
		}), []action{del(2)}},
		{"ordered scale down: waits for termination", with(func(in *planInput) {
			in.Replicas = 0
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "term")}
		}), nil},
		{"ordered scale down: waits for lower condemned to be healthy", with(func(in *planInput) {
			in.Replicas = 1
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "pending"), m(2, "r1", "ok")}
		}), nil},
		{"ordered scale down: unhealthy highest may go", with(func(in *planInput) {
			in.Replicas = 1
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "pending")}
		}), []action{del(2)}},
		{"parallel scale down: all at once", with(func(in *planInput) {
			in.Replicas, in.Parallel = 1, true
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "pending"), m(2, "r1", "ok")}
		}), []action{del(2), del(1)}},
		{"rolling update: highest first", with(func(in *planInput) {
			in.UpdateRevision = "r2"
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "ok")}
		}), []action{del(2)}},
		{"rolling update: recreate deleted with update revision", with(func(in *planInput) {
			in.UpdateRevision = "r2"
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok")}
		}), []action{create(2, "r2")}},
		{"rolling update: waits for updated pod to be ready", with(func(in *planInput) {
			in.UpdateRevision = "r2"
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r2", "pending")}
		}), nil},
		{"rolling update: next lower after updated one is ready", with(func(in *planInput) {
			in.UpdateRevision = "r2"
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r2", "ok")}
		}), []action{del(1)}},
		{"rolling update: partition keeps lower ordinals", with(func(in *planInput) {
			in.UpdateRevision, in.Partition = "r2", 2
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r2", "ok")}
		}), nil},
		{"partition: recreated low ordinal keeps current revision", with(func(in *planInput) {
			in.UpdateRevision, in.Partition = "r2", 2
			in.Members = []member{m(1, "r1", "ok"), m(2, "r2", "ok")}
		}), []action{create(0, "r1")}},
		{"partition: relative to start ordinal", with(func(in *planInput) {
			in.Start, in.UpdateRevision, in.Partition = 10, "r2", 1
			in.Members = []member{m(10, "r1", "ok"), m(11, "r2", "ok"), m(12, "r1", "ok")}
		}), []action{del(12)}},
		{"on delete: never deletes for an update", with(func(in *planInput) {
			in.UpdateRevision, in.OnDelete = "r2", true
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "ok")}
		}), nil},
		{"on delete: deleted pod comes back updated", with(func(in *planInput) {
			in.UpdateRevision, in.OnDelete = "r2", true
			in.Members = []member{m(0, "r1", "ok"), m(2, "r1", "ok")}
		}), []action{create(1, "r2")}},
		{"update waits while scaling down", with(func(in *planInput) {
			in.Replicas, in.UpdateRevision = 2, "r2"
			in.Members = []member{m(0, "r1", "ok"), m(1, "r1", "ok"), m(2, "r1", "ok")}
		}), []action{del(2)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := plan(tc.in)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan = %+v, want %+v", got, tc.want)
			}
		})
	}
}
