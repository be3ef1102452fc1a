package daemonset

import (
	"reflect"
	"sort"
	"testing"
)

// pod builds a daemon pod on node: state "new"/"old" (revision) plus
// availability "ok" or "starting".
func pod(name, node, rev, state string) daemonPod {
	return daemonPod{Name: name, Node: node, Current: rev == "new", Available: state == "ok"}
}

func runs(names ...string) []nodeFit {
	var out []nodeFit
	for _, n := range names {
		out = append(out, nodeFit{Name: n, Run: true, Keep: true})
	}
	return out
}

func TestPlan(t *testing.T) {
	cases := []struct {
		name string
		in   planInput
		want daemonPlan
	}{
		{"one pod per eligible node", planInput{
			Nodes: append(runs("a", "b"), nodeFit{Name: "tainted"}), MaxUnavailable: 1,
		}, daemonPlan{Create: []string{"a", "b"}}},
		{"nothing to do", planInput{
			Nodes: runs("a"), Pods: []daemonPod{pod("p", "a", "new", "ok")}, MaxUnavailable: 1,
		}, daemonPlan{}},
		{"pod of a removed node is deleted", planInput{
			Nodes: runs("a"), Pods: []daemonPod{pod("pa", "a", "new", "ok"), pod("pgone", "gone", "new", "ok")}, MaxUnavailable: 1,
		}, daemonPlan{Delete: []string{"pgone"}}},
		{"pod of a no-longer-eligible node is deleted", planInput{
			Nodes: []nodeFit{{Name: "a"}}, Pods: []daemonPod{pod("pa", "a", "new", "ok")}, MaxUnavailable: 1,
		}, daemonPlan{Delete: []string{"pa"}}},
		{"pod may stay on a node newly tainted NoSchedule", planInput{
			Nodes: []nodeFit{{Name: "a", Keep: true}}, Pods: []daemonPod{pod("pa", "a", "old", "ok")}, MaxUnavailable: 1,
		}, daemonPlan{}},
		{"failed pod is deleted", planInput{
			Nodes: runs("a"), Pods: []daemonPod{{Name: "pa", Node: "a", Current: true, Failed: true}}, MaxUnavailable: 1,
		}, daemonPlan{Delete: []string{"pa"}}},
		{"terminating pod is ignored", planInput{
			Nodes: runs("a"), Pods: []daemonPod{{Name: "pa", Node: "a", Terminating: true}}, MaxUnavailable: 1,
		}, daemonPlan{Create: []string{"a"}}},
		{"duplicates: the oldest stays", planInput{
			Nodes: runs("a"), Pods: []daemonPod{{Name: "young", Node: "a", Current: true, Age: 2}, {Name: "old", Node: "a", Current: true, Age: 1}}, MaxUnavailable: 1,
		}, daemonPlan{Delete: []string{"young"}}},
		{"rolling: maxUnavailable 1 deletes one old pod", planInput{
			Nodes: runs("a", "b", "c"), MaxUnavailable: 1,
			Pods: []daemonPod{pod("pa", "a", "old", "ok"), pod("pb", "b", "old", "ok"), pod("pc", "c", "old", "ok")},
		}, daemonPlan{Delete: []string{"pa"}}},
		{"rolling: maxUnavailable 2", planInput{
			Nodes: runs("a", "b", "c"), MaxUnavailable: 2,
			Pods: []daemonPod{pod("pa", "a", "old", "ok"), pod("pb", "b", "old", "ok"), pod("pc", "c", "old", "ok")},
		}, daemonPlan{Delete: []string{"pa", "pb"}}},
		{"rolling: waits while a new pod starts", planInput{
			Nodes: runs("a", "b"), MaxUnavailable: 1,
			Pods: []daemonPod{pod("pa", "a", "new", "starting"), pod("pb", "b", "old", "ok")},
		}, daemonPlan{}},
		{"rolling: unavailable old pods go at once", planInput{
			Nodes: runs("a", "b"), MaxUnavailable: 1,
			Pods: []daemonPod{pod("pa", "a", "old", "starting"), pod("pb", "b", "old", "starting")},
		}, daemonPlan{Delete: []string{"pa", "pb"}}},
		{"on delete: old pods stay", planInput{
			Nodes: runs("a"), OnDelete: true, Pods: []daemonPod{pod("pa", "a", "old", "ok")},
		}, daemonPlan{}},
		{"surge: new pod beside the old", planInput{
			Nodes: runs("a", "b"), MaxSurge: 1,
			Pods: []daemonPod{pod("pa", "a", "old", "ok"), pod("pb", "b", "old", "ok")},
		}, daemonPlan{Create: []string{"a"}}},
		{"surge: old goes once new is available", planInput{
			Nodes: runs("a", "b"), MaxSurge: 1,
			Pods: []daemonPod{pod("pa", "a", "old", "ok"), pod("pa2", "a", "new", "ok"), pod("pb", "b", "old", "ok")},
		}, daemonPlan{Delete: []string{"pa"}}},
		{"surge: waits for the new pod", planInput{
			Nodes: runs("a", "b"), MaxSurge: 1,
			Pods: []daemonPod{pod("pa", "a", "old", "ok"), pod("pa2", "a", "new", "starting"), pod("pb", "b", "old", "ok")},
		}, daemonPlan{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got := plan(tc.in)
			sort.Strings(got.Delete)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("plan = %+v, want %+v", got, tc.want)
			}
		})
	}
}
