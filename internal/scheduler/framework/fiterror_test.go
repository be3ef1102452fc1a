package framework

import "testing"

func TestFitErrorMessage(t *testing.T) {
	taint := "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"
	cases := []struct {
		name string
		fe   FitError
		want string
	}{
		{
			name: "reasons counted and sorted, then preemption",
			fe: FitError{NumAllNodes: 3, Diagnosis: Diagnosis{
				NodeToStatus: NodeToStatus{
					"a": NewStatus(UnschedulableAndUnresolvable, taint),
					"b": NewStatus(Unschedulable, "Insufficient cpu"),
					"c": NewStatus(UnschedulableAndUnresolvable, taint),
				},
				PostFilterMsg: "preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
			}},
			want: "0/3 nodes are available: 1 Insufficient cpu, 2 " + taint + ". preemption: 0/3 nodes are available: 3 Preemption is not helpful for scheduling.",
		},
		{
			name: "a node with several reasons counts each",
			fe: FitError{NumAllNodes: 2, Diagnosis: Diagnosis{NodeToStatus: NodeToStatus{
				"a": NewStatus(Unschedulable, "Insufficient cpu", "Insufficient memory"),
				"b": NewStatus(Unschedulable, "Insufficient memory"),
			}}},
			want: "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory.",
		},
		{
			name: "prefilter message replaces per-node reasons",
			fe: FitError{NumAllNodes: 2, Diagnosis: Diagnosis{
				NodeToStatus: NodeToStatus{"a": NewStatus(Unschedulable, "x"), "b": NewStatus(Unschedulable, "x")},
				PreFilterMsg: "pod has unbound immediate PersistentVolumeClaims",
			}},
			want: "0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims.",
		},
		{
			// Strings sort, so "10 ..." comes before "9 ...", as in Kubernetes.
			name: "sorting is by string",
			fe: FitError{NumAllNodes: 19, Diagnosis: Diagnosis{NodeToStatus: func() NodeToStatus {
				m := NodeToStatus{}
				for i := range 10 {
					m[string(rune('a'+i))] = NewStatus(Unschedulable, "Too many pods")
				}
				for i := range 9 {
					m[string(rune('A'+i))] = NewStatus(Unschedulable, "Insufficient cpu")
				}
				return m
			}()}},
			want: "0/19 nodes are available: 10 Too many pods, 9 Insufficient cpu.",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.fe.Error(); got != tc.want {
				t.Errorf("\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
