package framework

import (
	"fmt"
	"sort"
	"strings"

	v1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/sets"
)

// ErrNoNodesAvailable is the message when the cluster has no nodes at all.
const ErrNoNodesAvailable = "no nodes available to schedule pods"

// Diagnosis explains why a pod fits nowhere.
type Diagnosis struct {
	NodeToStatus         NodeToStatus
	UnschedulablePlugins sets.Set[string]
	PreFilterMsg         string
	PostFilterMsg        string
}

// FitError is the error of a pod that fits no node; its message is the one
// users know from `kubectl describe pod`.
type FitError struct {
	Pod         *v1.Pod
	NumAllNodes int
	Diagnosis   Diagnosis
}

// Error renders "0/N nodes are available: <count> <reason>, ... ." with the
// reasons counted over nodes and sorted as strings, then the PostFilter
// (preemption) message.
func (f *FitError) Error() string {
	msg := fmt.Sprintf("0/%d nodes are available:", f.NumAllNodes)
	if f.Diagnosis.PreFilterMsg != "" {
		msg += " " + withPeriod(f.Diagnosis.PreFilterMsg)
	} else if h := ReasonHistogram(f.Diagnosis.NodeToStatus); len(h) > 0 {
		msg += " " + strings.Join(h, ", ") + "."
	}
	if f.Diagnosis.PostFilterMsg != "" {
		msg += " " + withPeriod(f.Diagnosis.PostFilterMsg)
	}
	return msg
}

// ReasonHistogram counts each reason over nodes: ["1 Insufficient cpu",
// "2 node(s) had untolerated taint {a: b}"], sorted as strings like
// Kubernetes does.
func ReasonHistogram(statuses NodeToStatus) []string {
	counts := map[string]int{}
	for _, st := range statuses {
		for _, r := range st.Reasons() {
			counts[r]++
		}
	}
	out := make([]string, 0, len(counts))
	for r, n := range counts {
		out = append(out, fmt.Sprintf("%d %s", n, r))
	}
	sort.Strings(out)
	return out
}

func withPeriod(s string) string {
	if strings.HasSuffix(s, ".") {
		return s
	}
	return s + "."
}
